"""``reach --summary``: namespace x namespace counts as a table, JSON or Markdown."""

from __future__ import annotations

import json

from podwall.engine.summary import Summary
from podwall.render.contract import document
from podwall.render.style import HEADING, Style, plain
from podwall.render.table import Column, table


def _cells(summary: Summary) -> dict[tuple[str, str], str]:
    cells = {}
    scope = summary.scope
    for src in summary.namespaces:
        for dst in summary.namespaces:
            if scope is not None and src not in scope and dst not in scope:
                cells[src, dst] = ""  # -n: not judged
                continue
            total = summary.sizes[src] * summary.sizes[dst] - (summary.sizes[src] if src == dst else 0)
            cells[src, dst] = f"0/{total}" if total else "-"
    for pair in summary.pairs:
        cells[pair.source, pair.destination] = f"{pair.allowed}/{pair.total}"
    return cells


def _legend(summary: Summary) -> str:
    probes = ", ".join(str(p) for p in summary.probes) or "none"
    text = (
        f"Cell: {summary.view} pairs (row namespace -> column namespace) allowed on at least one probe / all pairs.\n"
        f"Probes: {probes}.\n"
    )
    if summary.scope is not None:
        names = ", ".join(sorted(summary.scope))
        text += (f"-n {names}: other namespaces count only their subjects that exchange some flow with {names}; "
                 "between two other namespaces nothing is judged (blank).\n")
    return text


def summary_table(summary: Summary, *, style: Style = plain) -> str:
    """Rows and columns are namespaces, numbered; each cell ``allowed/total`` pairs."""
    if not summary.namespaces:
        return "No pods or workloads in the input.\n"
    cells = _cells(summary)
    names = summary.namespaces
    columns = [Column("#"), Column("namespace")] + [Column(str(i)) for i in range(1, len(names) + 1)]
    rows = [[str(i), src, *(cells[src, d] for d in names)] for i, src in enumerate(names, 1)]
    lines = [style(f"Connectivity by namespace ({summary.view} pairs)", HEADING), "", *table(columns, rows, style=style)]
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
    body = {
        "view": summary.view,
        "namespace_scope": sorted(summary.scope) if summary.scope is not None else None,
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
    return json.dumps(document("NamespaceSummary", body), indent=2) + "\n"


SUMMARY_FORMATS = {"table": summary_table, "json": summary_json, "md": summary_md}
