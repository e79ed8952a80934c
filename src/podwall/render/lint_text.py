"""Lint findings for people: grouped by namespace, then per (rule, object, rule), the fix underneath, counts last.

A rule that finds the same thing about many peers (2,107 clients of one ingress
rule) prints one group: the first finding in full, the other peers named after
it, the fix once; the report ends with the count per rule.
"""

from __future__ import annotations

from podwall.lint import Finding, FindingGroup, LintReport, Severity, rule_for
from podwall.render.style import CODE, DIM, ERROR, HEADING, INFO, WARNING, Style, plain
from podwall.render.table import columns

_ROLES = {Severity.ERROR: ERROR, Severity.WARNING: WARNING, Severity.INFO: INFO}
PEERS_SHOWN = 10  # peers named after a group's first finding; the rest are counted


def _where(finding: Finding) -> str:
    if finding.file is None:
        return "(no location)"
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


def _number(n: int) -> str:
    return f"{n:,}"


def _plural(n: int, word: str) -> str:
    return f"{_number(n)} {word}{'' if n == 1 or word == 'info' else 's'}"


def _group(group: FindingGroup, style: Style) -> list[str]:
    finding = group.first
    head = (
        f"{style(_where(finding), DIM)}: {style(finding.severity.value, _ROLES[finding.severity])} "
        f"{style(finding.rule, CODE)} [{finding.name}] {finding.object}: {finding.message}"
    )
    lines = [head]
    more = len(group.findings) - 1
    if more:
        others = [p for p in group.peers if p != finding.peer]
        if others:
            named = ", ".join(others[:PEERS_SHOWN]) + (f", ... ({_number(len(others))} in all)" if len(others) > PEERS_SHOWN else "")
            lines.append(f"    and the same for {_plural(more, 'more peer')}: {named}")
        else:
            lines.append(f"    and {_plural(more, 'more finding')} like it (-o json lists each)")
    fixes = group.fixes
    fix = fixes[0].split("\n")
    label = "fix" if len(fixes) == 1 else f"fix (for the first; {_number(len(fixes))} different fixes: -o json lists them)"
    if len(fix) == 1:
        return lines + [f"    {label}: {fix[0]}"]
    return lines + [f"    {label}:", *(f"      {line}" for line in fix)]


def _counts(report: LintReport) -> list[str]:
    """One line per rule that found something: code, name, findings, groups."""
    groups: dict[str, int] = {}
    for group in report.groups:
        groups[group.first.rule] = groups.get(group.first.rule, 0) + 1
    rows = []
    for code, count in report.per_rule().items():
        severity = report.severities.get(code)
        what = _plural(count, severity.value if severity else "finding")
        if groups[code] != count:
            what += f" in {_plural(groups[code], 'group')}"
        rule = rule_for(code)
        rows.append([code, rule.name if rule else "", what])
    return ["By rule:"] + ["  " + line for line in columns(rows, header=["", "", ""])[1:]] if rows else []


def _total(report: LintReport) -> str:
    total = len(report.findings)
    counts = ", ".join(_plural(report.count(s), s.value) for s in Severity)
    groups = len(report.groups)
    text = f"{_plural(total, 'finding')} ({counts})"
    if groups != total:
        text += f" in {_plural(groups, 'group')}"
    text += f" from {len(report.rules)} rules"
    if report.suppressed:
        text += f"; {_number(report.suppressed)} suppressed by podwall.io/ignore"
    return text


def lint_text(report: LintReport, *, style: Style = plain, max_groups: int = 0, summary: bool = False) -> str:
    """Every group under its namespace's heading, then the count per rule and the total.

    ``max_groups`` (``--max-findings``, 0: no limit) caps the groups printed;
    ``summary`` prints only the counts.
    """
    lines: list[str] = []
    groups = report.groups
    shown: tuple[FindingGroup, ...] = () if summary else groups[:max_groups] if max_groups else groups
    heading: str | None = None
    for group in shown:
        namespace = group.first.namespace
        if namespace != heading:
            heading = namespace
            if lines:
                lines.append("")
            title = f"namespace {namespace}" if namespace else "cluster-scoped"
            lines.append(style(f"== {title} ==", HEADING))
        lines.extend(_group(group, style))
    if len(shown) < len(groups) and not summary:
        lines.append("")
        lines.append(f"... {_plural(len(groups) - len(shown), 'more group')} not shown (--max-findings {max_groups})")
    if lines:
        lines.append("")
    counted = _counts(report)
    if counted and (len(report.per_rule()) > 1 or len(groups) != len(report.findings) or summary):
        lines += counted + [""]
    lines.append(_total(report))
    return "\n".join(lines) + "\n"
