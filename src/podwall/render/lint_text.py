"""Lint findings for people: grouped by namespace, ``FILE:LINE`` first, the fix underneath."""

from __future__ import annotations

from podwall.lint import Finding, LintReport, Severity

_COLORS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _where(finding: Finding) -> str:
    if finding.file is None:
        return "(no location)"
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


def _finding(finding: Finding, color: bool) -> list[str]:
    head = (
        f"{_paint(_where(finding), _DIM, color)}: {_paint(finding.severity.value, _COLORS[finding.severity], color)} "
        f"{_paint(finding.rule, _BOLD, color)} [{finding.name}] {finding.object}: {finding.message}"
    )
    fix = finding.fix.split("\n")
    if len(fix) == 1:
        return [head, f"    fix: {fix[0]}"]
    return [head, "    fix:", *(f"      {line}" for line in fix)]


def lint_text(report: LintReport, *, color: bool = False) -> str:
    """Every finding under its namespace's heading, then a one-line summary."""
    lines: list[str] = []
    group: str | None = None
    for finding in report.findings:
        if finding.namespace != group:
            group = finding.namespace
            if lines:
                lines.append("")
            title = f"namespace {group}" if group else "cluster-scoped"
            lines.append(_paint(f"== {title} ==", _BOLD, color))
        lines.extend(_finding(finding, color))
    if lines:
        lines.append("")
    total = len(report.findings)
    counts = ", ".join(
        f"{report.count(s)} {s.value if s is Severity.INFO else s.value + ('' if report.count(s) == 1 else 's')}"
        for s in Severity
    )
    summary = f"{total} finding{'' if total == 1 else 's'} ({counts}) from {len(report.rules)} rules"
    if report.suppressed:
        summary += f"; {report.suppressed} suppressed by podwall.io/ignore"
    lines.append(summary)
    return "\n".join(lines) + "\n"
