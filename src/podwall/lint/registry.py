"""The rule base class, registration, and the rule documentation read from docstrings.

Each rule is one class in one module under ``podwall.lint.rules``; its
docstring is its user documentation (``docs/rules/*.md`` are generated from
it), written in fixed sections so that every rule answers the same questions.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from podwall.errors import Location
from podwall.lint.finding import Finding, Severity

if TYPE_CHECKING:
    from podwall.lint.context import Context, Target

#: The sections every rule docstring has, in this order, each a line ``Heading:``.
SECTIONS = ("What it checks", "Why it matters", "Example", "Fix", "Known limits")

#: Where ``docs/rules/`` is published; SARIF links every rule there.
DOCS_URL = "https://github.com/podwall/podwall/blob/main/docs/rules/{code}.md"

_CODE = re.compile(r"PW[12][0-9][0-9]")
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*")

_REGISTRY: dict[str, type[Rule]] = {}


class Rule(ABC):
    """Base of every rule: a stable code, a readable name, a default severity.

    PW1xx rules read one manifest at a time; PW2xx rules ask the engine about
    the whole input. ``check`` yields findings built with ``finding``.
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    enabled_by_default: ClassVar[bool] = True

    @abstractmethod
    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield this rule's findings for the loaded input."""

    def finding(
        self, ctx: Context, target: Target, message: str, fix: str, at: Location | None = None, *,
        field: str = "", peer: str = "",
    ) -> Finding:
        """A finding about ``target`` at the default severity, located at ``at`` (a rule) or else the object.

        ``field`` names the rule at fault (``spec.ingress[0]``) and ``peer`` the subject
        the finding is about, where a rule reports one finding per peer: the report
        groups them per (rule, object, field).
        """
        obj, location = ctx.describe(target)
        if at is not None and at.line is not None:
            location = at
        return Finding(
            rule=self.code,
            name=self.name,
            severity=self.severity,
            object=obj,
            message=message,
            fix=fix,
            file=location.path if location is not None else None,
            line=location.line if location is not None else None,
            field=field,
            peer=peer,
        )

    @classmethod
    def family(cls) -> str:
        """``source`` (PW1xx: one manifest) or ``engine`` (PW2xx: asks the engine)."""
        return "source" if cls.code.startswith("PW1") else "engine"

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        return inspect.cleandoc(cls.__doc__ or "").split("\n", 1)[0].strip()

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's sections by heading, in the order written."""
        text = inspect.cleandoc(cls.__doc__ or "")
        found: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in text.split("\n")[1:]:
            heading = line.rstrip()[:-1] if line.rstrip().endswith(":") else None
            if heading in SECTIONS and heading not in found:
                current = found.setdefault(heading, [])
            elif current is not None:
                current.append(line)
        return {h: "\n".join(lines).strip("\n") for h, lines in found.items()}

    @classmethod
    def docs_url(cls) -> str:
        """The rule's documentation page."""
        return DOCS_URL.format(code=cls.code)


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule to the registry after checking its code, name and docs."""
    if not _CODE.fullmatch(cls.code):
        raise ValueError(f"{cls.__name__}: code {cls.code!r} must look like PW1xx or PW2xx")
    if not _NAME.fullmatch(cls.name):
        raise ValueError(f"{cls.__name__}: name {cls.name!r} must look like group.short-name")
    other = _REGISTRY.get(cls.code)
    if other is not None and other is not cls and other.__qualname__ != cls.__qualname__:
        raise ValueError(f"{cls.__name__}: code {cls.code} is already used by {other.__name__}")
    for existing in _REGISTRY.values():
        if existing.name == cls.name and existing.code != cls.code:
            raise ValueError(f"{cls.__name__}: name {cls.name} is already used by {existing.code}")
    missing = [s for s in SECTIONS if not cls.sections().get(s)]
    if not cls.summary() or missing:
        raise ValueError(f"{cls.__name__}: docstring needs a summary line and the sections {', '.join(missing)}")
    _REGISTRY[cls.code] = cls
    return cls


def all_rules() -> tuple[type[Rule], ...]:
    """Every registered rule, sorted by code; rule modules are imported on first use."""
    _import_rules()
    return tuple(_REGISTRY[code] for code in sorted(_REGISTRY))


def _import_rules() -> None:
    import podwall.lint.rules as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


def rule_for(text: str) -> type[Rule] | None:
    """The rule with this code (any case) or name, if any."""
    rules = all_rules()
    wanted = text.strip()
    for rule in rules:
        if rule.code == wanted.upper() or rule.name == wanted:
            return rule
    return None
