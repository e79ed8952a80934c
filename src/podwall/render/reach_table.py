"""The connectivity matrix as a fixed-width text table, readable at ~30 subjects."""

from __future__ import annotations

from collections.abc import Collection

from podwall.engine import Reachability
from podwall.render.cells import grid, legend


def reach_table(result: Reachability, marks: Collection[tuple[str, str]] = ()) -> str:
    """Rows are sources grouped by namespace; columns are destinations by number; ``marks`` cells get ``*``."""
    if not result.subjects:
        return "No pods or workloads in the input.\n"
    layout = grid(result, marks)
    numbered = [(n, subject) for _, rows in layout.groups for n, subject, _ in rows]
    name_width = max(len(short) for _, rows in layout.groups for _, _, short in rows)
    name_width = max(name_width, max(len(ns) for ns, _ in layout.groups), len("source"))
    num_width = len(str(len(numbered)))
    widths = {
        subject: max(len(str(n)), *(len(layout.cells[src, subject]) for _, src in numbered))
        for n, subject in numbered
    }
    head = f"{'#':>{num_width}}  {'source':<{name_width}}  " + " ".join(
        f"{n:>{widths[s]}}" for n, s in numbered
    )
    lines = [f"Connectivity by {result.view.value} (row -> column)", "", head.rstrip()]
    for ns, rows in layout.groups:
        lines.append(f"{'':>{num_width}}  {ns}")
        for n, subject, short in rows:
            cells = " ".join(f"{layout.cells[subject, dst]:>{widths[dst]}}" for _, dst in numbered)
            lines.append(f"{n:>{num_width}}  {'  ' + short:<{name_width}}  {cells}".rstrip())
    lines.append("")
    lines.extend(legend(result))
    return "\n".join(lines) + "\n"
