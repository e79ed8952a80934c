"""``podwall diff -o connlist``: netpol-analyzer's diff text format."""

from __future__ import annotations

from podwall.diff import DiffReport
from podwall.render.diff_rows import REF1, REF2, Row, ordered_lines


def _line(row: Row) -> str:
    text = (
        f"diff-type: {row.diff_type}, source: {row.source}, destination: {row.destination}, "
        f"{REF1}: {row.ref1}, {REF2}: {row.ref2}"
    )
    return f"{text}, workloads-diff-info: {row.info}" if row.info else text


def diff_connlist_txt(report: DiffReport) -> str:
    """``Connectivity diff:`` then one line per pair; nothing at all when nothing differs."""
    if not report.pairs:
        return ""
    return "".join(f"{line}\n" for line in ["Connectivity diff:", *ordered_lines(report.pairs, _line)])
