"""Every fixed-width table podwall prints goes through here, so every column lines up.

A table is a list of columns (a header and an alignment) and rows; a row is a
sequence of cells, or a :class:`Span`: a line inside the table that is not cut
into cells (a namespace heading), starting at one column's offset. Widths are
measured on the plain text (wide East Asian characters count two), so a name of
any length widens its column instead of pushing its row out of line, and the
colour a :data:`~podwall.render.style.Style` adds never moves a column.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from podwall.model.quick import frozen
from podwall.render.style import HEADING, Style, plain

LEFT = "left"
RIGHT = "right"


@frozen
class Column:
    """A column: its header (may be empty) and how its cells align."""

    header: str = ""
    align: str = LEFT


@frozen
class Cell:
    """A cell with a role for the style (``allowed``, ``dim``, ...); plain strings are cells too."""

    text: str
    role: str = ""


@frozen
class Span:
    """A line that is not cut into cells, starting at column ``at`` (a group heading)."""

    text: str
    at: int = 0
    role: str = HEADING


Row = Sequence["str | Cell"] | Span


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _text(cell: str | Cell) -> str:
    return cell.text if isinstance(cell, Cell) else cell


def _role(cell: str | Cell) -> str:
    return cell.role if isinstance(cell, Cell) else ""


def table(
    columns: Sequence[Column],
    rows: Sequence[Row],
    *,
    gap: int = 2,
    style: Style = plain,
    header: bool = True,
) -> list[str]:
    """The table as lines, without trailing blanks; ``header=False`` leaves the header line out."""
    count = len(columns)
    for row in rows:
        if not isinstance(row, Span) and len(row) != count:
            raise ValueError(f"a row has {len(row)} cells for {count} columns")
    widths = [display_width(c.header) if header else 0 for c in columns]
    for row in rows:
        if isinstance(row, Span):
            continue
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(_text(cell)))
    offsets = [sum(widths[:i]) + gap * i for i in range(count)]
    lines: list[str] = []
    if header:
        lines.append(_line(columns, [Cell(c.header, HEADING) for c in columns], widths, gap, style))
    for row in rows:
        if isinstance(row, Span):
            text = style(row.text, row.role) if row.role else row.text
            lines.append((" " * offsets[row.at] + text).rstrip())
        else:
            lines.append(_line(columns, row, widths, gap, style))
    return lines


def _line(columns: Sequence[Column], cells: Sequence[str | Cell], widths: list[int], gap: int, style: Style) -> str:
    parts: list[str] = []
    for column, cell, width in zip(columns, cells, widths):
        text, role = _text(cell), _role(cell)
        pad = " " * (width - display_width(text))
        shown = style(text, role) if role and text else text
        parts.append(pad + shown if column.align == RIGHT else shown + pad)
    return (" " * gap).join(parts).rstrip()


def columns(rows: Sequence[Sequence[str | Cell]], *, gap: int = 2, style: Style = plain,
            header: Sequence[str] | None = None) -> list[str]:
    """Left-aligned columns, the first row (or ``header``) as the header: the common case."""
    if header is None:
        if not rows:
            return []
        header, rows = [_text(c) for c in rows[0]], rows[1:]
    return table([Column(h) for h in header], rows, gap=gap, style=style)
