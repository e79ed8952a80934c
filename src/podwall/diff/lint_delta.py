"""The lint delta: findings a change introduces and findings it fixes."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from podwall.engine import EngineOptions
from podwall.model import Cluster
from podwall.model.quick import frozen

if TYPE_CHECKING:  # lint (23 rules) is imported when a delta is asked for, not with podwall
    from podwall.cni import Choice
    from podwall.lint import Finding, LintConfig


@frozen
class LintDelta:
    """Findings after and not before (``introduced``, located in the after side), and the reverse (``fixed``).

    A finding is the same on both sides when its rule, object and message are:
    moving an object to another file or line does not introduce anything.
    """

    introduced: tuple[Finding, ...]
    fixed: tuple[Finding, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing introduced, nothing fixed."""
        return not self.introduced and not self.fixed


def _identity(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule, finding.object, finding.message)


def lint_delta(
    before: Cluster,
    after: Cluster,
    config: LintConfig | None = None,
    options: EngineOptions = EngineOptions(),
    *,
    namespaces: Collection[str] | None = None,
    cni: Choice | None = None,
) -> LintDelta:
    """Lint both sides with the same configuration (default: the defaults) and keep the differences."""
    from podwall.lint import LintConfig, lint

    config = config or LintConfig()
    old = lint(before, config, options, namespaces=namespaces, cni=cni).findings
    new = lint(after, config, options, namespaces=namespaces, cni=cni).findings
    old_ids = {_identity(f) for f in old}
    new_ids = {_identity(f) for f in new}
    return LintDelta(
        tuple(f for f in new if _identity(f) not in old_ids),
        tuple(f for f in old if _identity(f) not in new_ids),
    )
