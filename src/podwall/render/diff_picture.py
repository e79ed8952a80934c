"""``podwall diff -o mermaid|dot``: the connection diff drawn, added edges green, removed red, changed amber.

Unchanged connections are drawn plain, so the picture shows the change in its
context; a changed edge is labelled ``before -> after``.
"""

from __future__ import annotations

from podwall.diff.connections import Change
from podwall.diff.report import DiffReport
from podwall.render.dot import dot
from podwall.render.mermaid import mermaid
from podwall.render.picture import Edge, Picture, PictureView, node_of, order


def diff_picture(report: DiffReport) -> tuple[Picture, dict[tuple[str, str], str]]:
    """The picture of a diff (both sides' nodes) and each changed edge's change."""
    names = set(report.workloads_added) | set(report.workloads_removed)
    edges: list[Edge] = []
    changes: dict[tuple[str, str], str] = {}
    for line in report.unchanged:
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
