"""``podwall diff`` (``-o text``): the summary, then each namespace's changed pairs with the reasons on both sides."""

from __future__ import annotations

from podwall.diff import DiffReport, LintDelta
from podwall.lint import Finding
from podwall.render.diff_words import by_namespace, conns_change, display, new_ends, reason_lines, summary

_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _finding(sign: str, finding: Finding) -> str:
    return f"  {sign} {finding.rule} {finding.severity.value} {finding.object}: {finding.message}"


def lint_lines(delta: LintDelta) -> list[str]:
    """``Lint: N introduced, M fixed`` and one line per finding."""
    lines = [f"Lint: {len(delta.introduced)} introduced, {len(delta.fixed)} fixed"]
    lines.extend(_finding("+", f) for f in delta.introduced)
    lines.extend(_finding("-", f) for f in delta.fixed)
    return lines


def diff_text(report: DiffReport) -> str:
    """The review report as plain text."""
    lines = [summary(report)]
    for namespace, pairs in by_namespace(report.pairs):
        lines += ["", namespace]
        for pair in pairs:
            mark = _MARK[pair.change.value]
            lines.append(
                f"  {mark} {display(pair.source)} -> {display(pair.destination)}: {conns_change(pair)}{new_ends(pair)}"
            )
            for reason in reason_lines(pair):
                lines.append(f"      {reason.sign}{reason.conns}")
                lines.append(f"        before: {reason.before}")
                lines.append(f"        after:  {reason.after}")
    if report.isolation:
        lines += ["", "Isolation"]
        for change in report.isolation:
            state = "newly isolated" if change.isolated else "no longer isolated"
            lines.append(f"  {display(change.workload)}: {state} for {change.direction.value}")
    if report.workloads_added or report.workloads_removed:
        lines += ["", "Workloads"]
        lines.extend(f"  + {display(w)}" for w in report.workloads_added)
        lines.extend(f"  - {display(w)}" for w in report.workloads_removed)
    if report.lint is not None:
        lines += ["", *lint_lines(report.lint)]
    return "\n".join(lines) + "\n"
