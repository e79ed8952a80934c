"""``podwall diff -o connlist-md``: netpol-analyzer's diff Markdown table."""

from __future__ import annotations

from podwall.diff import DiffReport
from podwall.render.diff_rows import HEADER, Row, ordered_lines

_RULE = "|-----------|--------|-------------|------|------|---------------------|"


def _line(row: Row) -> str:
    return "| " + " | ".join(row.fields) + " |"


def diff_connlist_md(report: DiffReport) -> str:
    """The header, the rule, one row per pair, no final newline (as upstream); nothing when nothing differs."""
    if not report.pairs:
        return ""
    return "\n".join(["| " + " | ".join(HEADER) + " |", _RULE, *ordered_lines(report.pairs, _line)])
