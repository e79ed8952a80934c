"""``podwall diff -o connlist-csv``: netpol-analyzer's diff CSV format."""

from __future__ import annotations

from collections.abc import Sequence

from podwall.diff import DiffReport
from podwall.render.diff_rows import HEADER, ordered_lines

_SEP = ";"  # joins a row's fields for sorting, as netpol-analyzer does before it writes the CSV


def _field(text: str) -> str:
    """RFC 4180 quoting where Go's encoding/csv quotes: separators, quotes, line breaks, a leading space."""
    if text and (any(c in text for c in ',"\r\n') or text[0] in " \t"):
        return '"' + text.replace('"', '""') + '"'
    return text


def _record(fields: Sequence[str]) -> str:
    return ",".join(_field(f) for f in fields) + "\n"


def diff_connlist_csv(report: DiffReport) -> str:
    """A header row, then one row per pair; nothing at all when nothing differs."""
    if not report.pairs:
        return ""
    rows = ordered_lines(report.pairs, lambda row: _SEP.join(row.fields))
    return _record(HEADER) + "".join(_record(line.split(_SEP)) for line in rows)

