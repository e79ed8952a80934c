"""``reach --summary``: namespace x namespace counts as a table, JSON or Markdown."""

from __future__ import annotations

import json

from podwall.engine.summary import Summary


def _cells(summary: Summary) -> dict[tuple[str, str], str]:
    cells = {}
    for src in summary.namespaces:
        for dst in summary.namespaces:
            total = summary.sizes[src] * summary.sizes[dst] - (summary.sizes[src] if src == dst else 0)
            cells[src, dst] = f"0/{total}" if total else "-"
    for pair in summary.pairs:
        cells[pair.source, pair.destination] = f"{pair.allowed}/{pair.total}"
    return cells


def _legend(summary: Summary) -> str:
    probes = ", ".join(str(p) for p in summary.probes) or "none"
    return (
        f"Cell: {summary.view} pairs (row namespace -> column namespace) allowed on at least one probe / all pairs.\n"
        f"Probes: {probes}.\n"
    )


def summary_table(summary: Summary) -> str:
    """Rows and columns are namespaces, numbered; each cell ``allowed/total`` pairs."""
    if not summary.namespaces:
        return "No pods or workloads in the input.\n"
    cells = _cells(summary)
    names = summary.namespaces
    width = max(len(n) for n in names)
    col = {dst: max(len(str(i)), *(len(cells[src, dst]) for src in names)) for i, dst in enumerate(names, 1)}
    lines = [f"Connectivity by namespace ({summary.view} pairs)", ""]
    lines.append(f"{'#':>3}  {'namespace':<{width}}  " + " ".join(f"{i:>{col[d]}}" for i, d in enumerate(names, 1)))
    for i, src in enumerate(names, 1):
        row = " ".join(f"{cells[src, d]:>{col[d]}}" for d in names)
        lines.append(f"{i:>3}  {src:<{width}}  {row}")
    return "\n".join(lines) + "\n\n" + _legend(summary)


def summary_md(summary: Summary) -> str:
    """The same table in Markdown."""
    cells = _cells(summary)
    names = summary.namespaces
    lines = [
        f"### Connectivity by namespace ({summary.view} pairs)",
        "",
        "| from \\ to | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    lines += [f"| `{src}` | " + " | ".join(cells[src, d] for d in names) + " |" for src in names]
    return "\n".join(lines) + "\n\n" + _legend(summary)


def summary_json(summary: Summary) -> str:
    """``{"namespaces": {name: subjects}, "probes", "pairs": [{"from", "to", "allowed", "total", "probes"}]}``."""
    document = {
        "view": summary.view,
        "namespaces": {n: summary.sizes[n] for n in summary.namespaces},
        "probes": [{"port": p.port, "protocol": p.protocol.value} for p in summary.probes],
        "pairs": [
            {
                "from": p.source,
                "to": p.destination,
                "allowed": p.allowed,
                "total": p.total,
                "probes": [str(x) for x in p.probes],
            }
            for p in summary.pairs
        ],
    }
    return json.dumps(document, indent=2) + "\n"


SUMMARY_FORMATS = {"table": summary_table, "json": summary_json, "md": summary_md}
