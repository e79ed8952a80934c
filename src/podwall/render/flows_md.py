"""``flows check -o md``: the report as Markdown, for a pull request comment."""

from __future__ import annotations

from podwall.flows import CheckReport, Judged
from podwall.render.explain_text import explain_text
from podwall.render.flows_text import seen_text, coverage_lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(j: Judged) -> str:
    f = j.flow
    return (f"| {_cell(f.source.name)} | {_cell(f.destination.name)} | {f.port}/{f.protocol.value} | {f.count:,} "
            f"| {'ALLOWED' if j.allowed else '**DENIED**'} |")


def check_md(report: CheckReport) -> str:
    """Heading with the verdict, one section per pair that would break, the judged flows, coverage."""
    n = sum(len(g.flows) for g in report.breaks)
    lines = ["## podwall flows check", ""]
    if report.breaks:
        lines.append(f"**{n} observed flow{'s' if n != 1 else ''} would break** under these policies.")
    else:
        lines.append(f"Nothing observed would break ({len(report.judged)} judged, all allowed).")
    for group in report.breaks:
        lines += ["", f"### {_cell(group.source)} -> {_cell(group.destination)}", ""]
        for side in group.sides:
            lines.append(f"- denied on the {side.direction} side of `{side.subject}`, isolated by "
                         + ", ".join(f"`{p}`" for p in side.policies))
        for j in group.flows:
            lines += [f"- {j.flow.port}/{j.flow.protocol.value}: {seen_text(j.flow)}", "", "```",
                      explain_text(j.explanation).rstrip("\n"), "```"]
    for title, items in (("Blocked today too", report.blocked),
                         ("Dropped although the policies allow them", [d.judged for d in report.dropped_but_allowed])):
        if items:
            lines += ["", f"### {title}", "", "| from | to | port | seen | verdict |", "|---|---|---|---:|---|"]
            lines += [_row(j) for j in items]
    for d in report.dropped_but_allowed:
        f = d.judged.flow
        lines.append(f"- {_cell(f.source.name)} -> {_cell(f.destination.name)} {f.port}/{f.protocol.value}: likely cause: {d.cause}")
    if report.judged:
        lines += ["", "### Observed flows", "", "| from | to | port | seen | verdict |", "|---|---|---|---:|---|"]
        lines += [_row(j) for j in report.judged]
    lines += ["", "```"] + coverage_lines(report.observation, len(report.judged)) + ["```"]
    return "\n".join(lines) + "\n"
