"""The connectivity matrix as text: a numbered matrix up to 25 subjects, one block per source beyond."""

from __future__ import annotations

from collections.abc import Collection

from podwall.engine import Probe
from podwall.render.cells import (
    DEPENDS,
    EVERYTHING,
    NOT_JUDGED,
    NOTHING,
    SELF,
    Grid,
    Matrix,
    grid,
    in_scope,
    legend,
    namespace_of,
    ordered,
    title,
)
from podwall.render.style import ALLOWED, DIM, HEADING, Style, plain
from podwall.render.table import Cell, Column, Row, Span, display_width, table

#: Above this many subjects a matrix is wider than any terminal: the list view reads better.
MATRIX_LIMIT = 25

LAYOUTS = ("auto", "matrix", "list")


def _cell(text: str) -> Cell:
    if text in (NOTHING, SELF, NOTHING + DEPENDS):
        return Cell(text, DIM)
    if text == NOT_JUDGED:
        return Cell(text)
    return Cell(text, ALLOWED)


def matrix_lines(layout: Grid, style: Style = plain) -> list[str]:
    """The numbered matrix: ``#``, ``source``, one column per destination number; namespaces as headings."""
    numbered = layout.numbered
    columns = [Column("#"), Column("source")] + [Column(str(n)) for n, _ in numbered]
    rows: list[Row] = []
    for ns, members in layout.groups:
        rows.append(Span(ns, at=1))
        for n, subject, short in members:
            rows.append([str(n), short, *(_cell(layout.cells[subject, dst]) for _, dst in numbered)])
    return table(columns, rows, style=style)


def reach_table(
    result: Matrix,
    marks: Collection[tuple[str, str]] = (),
    *,
    style: Style = plain,
    width: int | None = None,
    layout: str = "auto",
) -> str:
    """The matrix, or (``auto``: above 25 subjects, or wider than a terminal of ``width``) the list view.

    ``marks`` (``--across-cnis``): pairs whose matrix cell gets ``*``.
    """
    if not result.subjects:
        return "No pods or workloads in the input.\n"
    if layout == "list":
        return reach_list(result, style=style)
    if layout == "auto" and len(result.subjects) > MATRIX_LIMIT:
        return reach_list(result, style=style, why=f"more than {MATRIX_LIMIT} subjects")
    body = matrix_lines(grid(result, marks), style)
    if layout == "auto" and width is not None and max(display_width(line) for line in body) > width:
        return reach_list(result, style=style, why=f"the matrix is wider than this terminal ({width} columns)")
    lines = [style(title(result), HEADING), "", *body, "", *legend(result)]
    return "\n".join(lines) + "\n"


class _Namespaces:
    """The subjects of each namespace, counted once, so naming ``ns/*`` costs only what a source reaches."""

    def __init__(self, result: Matrix) -> None:
        self.result = result
        self.members: dict[str, list[str]] = {}
        for subject in result.subjects:
            self.members.setdefault(namespace_of(subject), []).append(subject)

    def candidates(self, source: str, ns: str) -> int:
        """How many subjects of ``ns`` the source could reach (itself excluded; under -n, peers only reach NS)."""
        members = self.members.get(ns, [])
        if not in_scope(self.result, source) and members and not in_scope(self.result, members[0]):
            return 0
        return len(members) - (1 if namespace_of(source) == ns and source in members else 0)

    def describe(self, source: str, reached: list[str]) -> str:
        """Destinations, whole namespaces as ``ns/*``, everything as ``every other subject``."""
        total = sum(self.candidates(source, ns) for ns in self.members)
        if len(reached) == total and total > 1:
            return f"every other subject ({total})"
        by_ns: dict[str, list[str]] = {}
        for destination in reached:
            by_ns.setdefault(namespace_of(destination), []).append(destination)
        parts: list[str] = []
        for ns, inside in by_ns.items():
            whole = self.candidates(source, ns)
            if whole > 1 and len(inside) == whole:
                parts.append(f"{ns}/* ({whole})")
            else:
                parts.extend(inside)
        return ", ".join(parts)


def reach_list(result: Matrix, *, style: Style = plain, why: str = "") -> str:
    """One block per source: each set of probes, then the destinations it reaches on exactly those."""
    head = title(result).replace(" (row -> column)", "")
    lines = [style(f"{head}: one block per source", HEADING)]
    if why:
        lines.append(f"({why}; -o matrix prints the matrix, --summary counts by namespace)")
    lines.append("")
    every = len(result.probes)
    namespaces = _Namespaces(result)
    for source in ordered(result):  # each block aligned on its own: one long probe list widens only its block
        lines.append(style(source, HEADING))
        rows: list[Row] = []
        per_destination: dict[str, set[Probe]] = {}
        for dst, probe in result.reachable_from(source):
            per_destination.setdefault(dst, set()).add(probe)
        by_probes: dict[tuple[Probe, ...], list[str]] = {}
        for dst in sorted(per_destination):
            by_probes.setdefault(tuple(sorted(per_destination[dst])), []).append(dst)
        if not by_probes:
            rows.append(["", Cell("nothing", DIM), ""])
        for probes, destinations in sorted(by_probes.items()):
            label = EVERYTHING + " probes" if len(probes) == every and every > 1 else ", ".join(str(p) for p in probes)
            rows.append(["", Cell(label, ALLOWED), "-> " + namespaces.describe(source, destinations)])
        lines += table([Column(), Column(), Column()], rows, style=style, header=False)
    every_line = legend(result)
    lines += ["", every_line[0], *every_line[2:]]  # the cell legend is the matrix's
    return "\n".join(lines) + "\n"
