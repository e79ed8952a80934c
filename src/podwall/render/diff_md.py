"""``podwall diff -o md``: the review report as a pull-request comment, one collapsible section per namespace."""

from __future__ import annotations

from podwall.diff import DiffReport, PairDiff
from podwall.lint import Finding
from podwall.render.diff_picture import MD_EDGES, changed_mermaid
from podwall.render.diff_words import by_namespace, display, new_ends, reason_lines, summary


def _cell(text: str) -> str:
    """A table cell: pipes escaped, line breaks folded."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`"


def _counts(pairs: list[PairDiff]) -> str:
    opened = sum(p.widens for p in pairs)
    closed = sum(not p.lost.is_empty for p in pairs)
    return f"{opened} opened, {closed} closed"


def _finding(change: str, finding: Finding) -> str:
    cells = [change, finding.rule, finding.severity.value, _code(finding.object), _cell(finding.message)]
    return "| " + " | ".join(cells) + " |"


def diff_md(report: DiffReport, *, picture_limit: int = MD_EDGES) -> str:
    """Markdown ready to paste under a pull request: the changed edges drawn (GitHub renders Mermaid), then the tables.

    ``picture_limit`` bounds the picture (see ``changed_mermaid``).
    """
    lines = [f"### podwall diff: {summary(report)}"]
    if report.pairs:
        text, note = changed_mermaid(report, picture_limit)
        lines += ["", "```mermaid", text.rstrip("\n"), "```", "", "_Green: added, red: removed, amber: changed"
                  + (f". {note[0].upper()}{note[1:]}" if note else "") + "._"]
    for namespace, pairs in by_namespace(report.pairs):
        lines += ["", f"<details><summary><b>{namespace}</b>: {_counts(pairs)}</summary>", ""]
        lines += ["| change | source | destination | before | after |", "|---|---|---|---|---|"]
        for p in pairs:
            cells = [p.change.value, _code(display(p.source)), _code(display(p.destination)), str(p.before), str(p.after)]
            lines.append("| " + " | ".join(cells) + " |")
        explained = [(p, reason_lines(p)) for p in pairs if p.reasons]
        if explained:
            lines.append("")
        for pair, reasons in explained:
            head = f"{_code(display(pair.source))} → {_code(display(pair.destination))}{new_ends(pair)}"
            for reason in reasons:
                lines.append(f"- **{reason.sign}{reason.conns}** {head}")
                lines.append(f"  - before: {reason.before}")
                lines.append(f"  - after: {reason.after}")
        lines += ["", "</details>"]
    if report.isolation:
        lines += ["", "#### Isolation", ""]
        for change in report.isolation:
            state = "newly isolated" if change.isolated else "no longer isolated"
            lines.append(f"- {_code(display(change.workload))}: {state} for {change.direction.value}")
    if report.workloads_added or report.workloads_removed:
        lines += ["", "#### Workloads", ""]
        lines.extend(f"- added: {_code(display(w))}" for w in report.workloads_added)
        lines.extend(f"- removed: {_code(display(w))}" for w in report.workloads_removed)
    if report.lint is not None:
        delta = report.lint
        lines += ["", f"#### Lint: {len(delta.introduced)} introduced, {len(delta.fixed)} fixed"]
        if not delta.is_empty:
            lines += ["", "| change | rule | severity | object | message |", "|---|---|---|---|---|"]
            lines.extend(_finding("introduced", f) for f in delta.introduced)
            lines.extend(_finding("fixed", f) for f in delta.fixed)
    return "\n".join(lines) + "\n"
