"""Run the enabled rules over a loaded input and return the findings, sorted and filtered."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from podwall.cni import Choice, choose
from podwall.engine import EngineOptions
from podwall.engine.conventions import view
from podwall.engine.dns import DnsSettings
from podwall.lint.config import LintConfig
from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.registry import Rule, all_rules
from podwall.model import Cluster
from podwall.model.quick import frozen


@frozen
class FindingGroup:
    """Findings of one rule about one object's same rule (or place), each about another peer."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        """The finding that stands for the group (the first in report order)."""
        return self.findings[0]

    @property
    def peers(self) -> tuple[str, ...]:
        """The peers the findings are about, where the rule names them."""
        return tuple(dict.fromkeys(f.peer for f in self.findings if f.peer))

    @property
    def fixes(self) -> tuple[str, ...]:
        """The distinct fixes, in order."""
        return tuple(dict.fromkeys(f.fix for f in self.findings))


@frozen
class LintReport:
    """The outcome of one lint run.

    ``rules`` are the rules that ran (their severities as configured);
    ``suppressed`` counts findings dropped by ``podwall.io/ignore`` annotations.
    """

    findings: tuple[Finding, ...]
    rules: tuple[type[Rule], ...]
    severities: dict[str, Severity]
    fail_on: Severity = Severity.WARNING
    suppressed: int = 0

    @property
    def failed(self) -> bool:
        """Whether some finding is at or above ``fail_on`` (exit code 1)."""
        return any(f.severity.at_least(self.fail_on) for f in self.findings)

    def count(self, severity: Severity) -> int:
        """How many findings have this severity."""
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def groups(self) -> tuple[FindingGroup, ...]:
        """Findings grouped per (rule, object, rule index or place), in report order."""
        grouped: dict[tuple[str, str, str], list[Finding]] = {}
        for finding in self.findings:
            grouped.setdefault(finding.group_key, []).append(finding)
        return tuple(FindingGroup(tuple(members)) for members in grouped.values())

    def per_rule(self) -> dict[str, int]:
        """Rule code -> number of findings, by code."""
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        return dict(sorted(counts.items()))


def lint(
    cluster: Cluster,
    config: LintConfig = LintConfig(),
    options: EngineOptions = EngineOptions(),
    *,
    namespaces: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cni: Choice | None = None,
    dns: DnsSettings = DnsSettings(),
) -> LintReport:
    """Lint a loaded input.

    ``namespaces`` keeps only findings about those namespaces' objects (and
    drops cluster-scoped ones); every rule still sees the whole input.
    ``progress(done, total)`` is called after each rule (the CLI draws a bar).
    Verdicts follow ``options.conventions`` (the input as the network plugin
    enforces it); the CNI rules compare the input as written with ``cni``, the
    profile in use (default: the one recognised in the input, else generic).
    ``dns`` says where DNS is when recognising it by its Service is not enough.
    """
    ctx = Context(view(cluster, options.conventions), options, dns)
    ctx.written = cluster
    ctx.cni = cni if cni is not None else choose(cluster)
    rules = tuple(r for r in all_rules() if config.enabled(r))
    severities = {r.code: config.severity_of(r) for r in rules}
    found: dict[tuple[str, str, str], Finding] = {}
    for done, rule in enumerate(rules, start=1):
        if progress is not None and done > 1:
            progress(done - 1, len(rules))
        level = severities[rule.code]
        for finding in rule().check(ctx):
            if finding.severity is not level:
                finding = replace(finding, severity=level)
            found.setdefault((finding.rule, finding.object, finding.message), finding)
    kept: list[Finding] = []
    suppressed = 0
    for finding in found.values():
        if namespaces is not None and finding.namespace not in namespaces:
            continue
        if _suppressed(ctx, finding):
            suppressed += 1
            continue
        kept.append(finding)
    kept.sort(key=Finding.sort_key)
    return LintReport(tuple(kept), rules, severities, config.fail_on, suppressed)


def _suppressed(ctx: Context, finding: Finding) -> bool:
    """``podwall.io/ignore`` on the object, or on its namespace, names the rule (or says ``all``)."""
    codes = ctx.ignores.get(finding.object, frozenset()) | ctx.namespace_ignores(finding.namespace)
    return bool(codes & {finding.rule, finding.name, "all", "*"})
