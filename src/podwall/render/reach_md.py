"""The connectivity matrix as a Markdown table (for PR comments and docs)."""

from __future__ import annotations

from collections.abc import Collection

from podwall.render.cells import Matrix, grid, legend, title


def reach_md(result: Matrix, marks: Collection[tuple[str, str]] = ()) -> str:
    """One row per source, one column per destination, numbered as in the table view; ``marks`` cells get ``*``."""
    if not result.subjects:
        return "No pods or workloads in the input.\n"
    layout = grid(result, marks)
    numbered = layout.numbered
    lines = [
        f"### {title(result)}",
        "",
        "| # | source | " + " | ".join(str(n) for n, _ in numbered) + " |",
        "|---:|---|" + "---:|" * len(numbered),
    ]
    for n, subject in numbered:
        cells = " | ".join(layout.cells[subject, dst] for _, dst in numbered)
        lines.append(f"| {n} | `{subject}` | {cells} |")
    lines.append("")
    lines.extend(legend(result))
    return "\n".join(lines) + "\n"
