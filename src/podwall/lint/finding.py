"""Findings are records, never exceptions: what a rule found, where, and how to fix it."""

from __future__ import annotations

from enum import Enum

from podwall.model.quick import frozen


class Severity(str, Enum):
    """How bad a finding is; ``--fail-on`` compares against it."""

    ERROR = "error"  # traffic that should flow is blocked, or the policy cannot work as written
    WARNING = "warning"  # likely a mistake, or an exposure worth fixing
    INFO = "info"  # worth knowing; often deliberate

    @property
    def rank(self) -> int:
        """3 for error, 2 for warning, 1 for info."""
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        """Whether this severity is ``other`` or worse."""
        return self.rank >= other.rank


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


@frozen
class Finding:
    """One problem found by one rule about one object.

    ``object`` is ``namespace/Kind/name`` for namespaced objects and
    ``Kind/name`` for cluster-scoped ones (``Namespace/prod``); ``fix`` is a
    ``podwall generate ...`` command or a YAML snippet; ``file`` and ``line``
    are where the object starts in the input, ``None`` when unknown.
    """

    rule: str
    name: str
    severity: Severity
    object: str
    message: str
    fix: str
    file: str | None = None
    line: int | None = None
    field: str = ""  # the rule of the object at fault, ``spec.ingress[0]``, when there is one
    peer: str = ""  # the subject this finding is about, where a rule reports one finding per peer

    @property
    def group_key(self) -> tuple[str, str, str]:
        """(rule, object, rule index or location): findings sharing it say the same thing about several peers."""
        where = self.field or f"{self.file}:{self.line}"
        return (self.rule, self.object, where)

    @property
    def namespace(self) -> str:
        """The namespace the finding is grouped under; ``""`` for cluster-scoped objects."""
        parts = self.object.split("/")
        if len(parts) == 3:
            return parts[0]
        if parts[0] == "Namespace" and len(parts) == 2:
            return parts[1]
        return ""

    def to_dict(self) -> dict[str, object]:
        """The ``-o json`` record (a contract: keys and meaning never change)."""
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "object": self.object,
            "message": self.message,
            "fix": self.fix,
            "file": self.file,
            "line": self.line,
            "field": self.field or None,
            "peer": self.peer or None,
        }

    def sort_key(self) -> tuple[int, str, str, int, str, str, str]:
        """Cluster-scoped first, then by namespace, file, line, rule, object and message."""
        ns = self.namespace
        return (1 if ns else 0, ns, self.file or "", self.line or 0, self.rule, self.object, self.message)
