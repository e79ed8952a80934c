"""``podwall diff -o mermaid|dot``: the connection diff drawn, added edges green, removed red, changed amber.

Unchanged connections are drawn plain, so the picture shows the change in its
context; a changed edge is labelled ``before -> after``.
"""

from __future__ import annotations

from podwall.diff.connections import Change
from podwall.diff.report import DiffReport
from podwall.render.dot import dot
from podwall.render.mermaid import mermaid
from podwall.render.picture import Edge, Picture, PictureView, Role, aggregate, node_of, order

#: ``-o md`` draws at most this many changed edges (then namespaces, then the first ones and a note).
MD_EDGES = 40


def diff_picture(report: DiffReport, *, context: bool = True) -> tuple[Picture, dict[tuple[str, str], str]]:
    """The picture of a diff (both sides' nodes) and each changed edge's change.

    ``context`` draws the unchanged connections too (and every added or removed
    workload); without it, only the changed edges and their ends.
    """
    names = set(report.workloads_added) | set(report.workloads_removed) if context else set()
    edges: list[Edge] = []
    changes: dict[tuple[str, str], str] = {}
    for line in report.unchanged if context else ():
        edges.append(Edge(line.source, line.destination, line.conns))
    for pair in report.pairs:
        if pair.change is Change.CHANGED:
            edges.append(Edge(pair.source, pair.destination, pair.after, text=f"{pair.before} -> {pair.after}"))
        elif pair.change is Change.ADDED:
            edges.append(Edge(pair.source, pair.destination, pair.after, text=f"+ {pair.after}"))
        else:
            edges.append(Edge(pair.source, pair.destination, pair.before, text=f"- {pair.before}"))
        changes[pair.source, pair.destination] = pair.change.value
    for edge in edges:
        names.update((edge.source, edge.destination))
    edges.sort(key=lambda e: (e.source, e.destination))
    nodes = tuple(sorted((node_of(n) for n in names), key=order))
    return Picture(PictureView.WORKLOAD, nodes, tuple(edges)), changes


def diff_mermaid(report: DiffReport) -> str:
    """The diff as a Mermaid flowchart."""
    pic, changes = diff_picture(report)
    return mermaid(pic, changes=changes)


def diff_dot(report: DiffReport) -> str:
    """The diff as Graphviz DOT."""
    pic, changes = diff_picture(report)
    return dot(pic, changes=changes)


def changed_mermaid(report: DiffReport, limit: int = MD_EDGES) -> tuple[str, str | None]:
    """The changed edges alone as a Mermaid flowchart, and a note on what is not drawn (None: everything is).

    Up to ``limit`` edges every changed pair is drawn; above, namespaces are
    drawn with the pairs they hold (an edge takes its pairs' change, amber when
    they differ); above ``limit`` namespace edges too, the first ``limit``.
    """
    pic, changes = diff_picture(report, context=False)
    if len(pic.edges) <= limit:
        return mermaid(pic, changes=changes), None
    home = {n.id: (n.namespace if n.role is Role.WORKLOAD else n.id) for n in pic.nodes}
    folded: dict[tuple[str, str], set[str]] = {}
    for (source, destination), change in changes.items():
        folded.setdefault((home[source], home[destination]), set()).add(change)
    grouped = aggregate(pic)
    note = f"{len(pic.edges)} changed pairs, more than {limit}: drawn by namespace, the number of pairs on each edge"
    if len(grouped.edges) > limit:
        note += f"; only the first {limit} of {len(grouped.edges)} namespace edges are drawn (every pair is in the tables)"
        kept = grouped.edges[:limit]
        ends = {n for e in kept for n in (e.source, e.destination)}
        grouped = Picture(grouped.view, tuple(n for n in grouped.nodes if n.id in ends), kept)
    colours = {key: found.pop() if len(found) == 1 else "changed" for key, found in folded.items()}
    return mermaid(grouped, changes=colours), note
