"""``podwall diff -o connlist-dot``: np-guard/netpol-analyzer's diff graph in DOT, byte for byte.

Every connection of either side is an edge: unchanged grey, added green
(``#008000``), removed ``red2``, changed ``magenta`` labelled ``AFTER (ref1:
BEFORE)``; workloads sit in a cluster per namespace, blue when on both sides,
green when added, red when removed; external ranges and the ingress controller
stand outside. Nodes and edges are sorted by name; an edge's ``weight`` is 0.5
when its source's name sorts before its destination's, 1 otherwise. A fixed
legend ends the graph, and the text ends without a newline, as upstream's
files do. podwall's own picture of a diff is ``-o dot`` (``diff_picture``).
"""

from __future__ import annotations

from podwall.diff import DiffReport, NodeKind
from podwall.diff.connections import Change, kind_of, namespace_of

_ADDED, _REMOVED, _CHANGED, _SAME = "#008000", "red2", "magenta", "grey"
_NODE = {"added": "#008000", "removed": "red", "same": "blue"}
_LEGEND = """\tnodesep=0.5
\tsubgraph cluster_legend {
\t\tlabel="Legend"
\t\tfontsize = 10
\t\tmargin=0
\t\ta [style=invis height=0 width=0]
\t\tb [style=invis height=0 width=0]
\t\tc [style=invis height=0 width=0]
\t\td [style=invis height=0 width=0]
\t\te [style=invis height=0 width=0]
\t\tf [style=invis height=0 width=0]
\t\tg [style=invis height=0 width=0]
\t\th [style=invis height=0 width=0]
\t\t{rank=source a b c d}
\t\t{rank=same e f g h}
\t\ta -> b [label="added connection", color="#008000" fontcolor="#008000" fontsize = 10 arrowsize=0.2]
\t\tc -> d [label="removed connection", color="red2" fontcolor="red2" fontsize = 10 arrowsize=0.2]
\t\te -> f [label="changed connection", color="magenta" fontcolor="magenta" fontsize = 10 arrowsize=0.2]
\t\tg -> h [label="unchanged connection", color="grey" fontcolor="grey" fontsize = 10 arrowsize=0.2]
\t\tnp [label="new peer" color="#008000" fontcolor="#008000" fontsize = 10]
\t\tlp [label="lost peer" color="red" fontcolor="red" fontsize = 10]
\t\tpp [label="persistent peer" color="blue" fontcolor="blue" fontsize = 10]
\t\t{rank=sink np lp pp}
\t\tnp->lp [style=invis]
\t\tlp->pp [style=invis]
\t}
}"""


def _node(name: str, colour: str) -> str:
    label = name.split("/", 1)[1] if kind_of(name) is NodeKind.WORKLOAD else name
    return f'"{name}" [label="{label}" color="{colour}" fontcolor="{colour}"]'


def _edge(source: str, destination: str, label: str, colour: str) -> str:
    weight = "0.5" if source < destination else "1"
    return f'\t"{source}" -> "{destination}" [label="{label}" color="{colour}" fontcolor="{colour}" weight={weight}]'


def diff_connlist_dot(report: DiffReport) -> str:
    """The diff graph as netpol-analyzer's ``diff -o dot`` draws it."""
    edges: dict[tuple[str, str], tuple[str, str]] = {}
    for line in report.unchanged:
        edges[line.source, line.destination] = (str(line.conns), _SAME)
    for pair in report.pairs:
        if pair.change is Change.ADDED:
            edges[pair.source, pair.destination] = (str(pair.after), _ADDED)
        elif pair.change is Change.REMOVED:
            edges[pair.source, pair.destination] = (str(pair.before), _REMOVED)
        else:
            edges[pair.source, pair.destination] = (f"{pair.after} (ref1: {pair.before})", _CHANGED)
    colour = {n: _NODE["same"] for ends in edges for n in ends}
    colour.update((n, _NODE["added"]) for n in report.workloads_added)
    colour.update((n, _NODE["removed"]) for n in report.workloads_removed)
    namespaces: dict[str, list[str]] = {}
    outside = []
    for name in colour:
        namespace = namespace_of(name)
        if namespace is None:
            outside.append(name)
        else:
            namespaces.setdefault(namespace, []).append(name)
    out = ["digraph {"]
    for namespace, members in sorted(namespaces.items()):
        out.append(f'\tsubgraph "cluster_{namespace.replace("-", "_")}[namespace]" {{')
        out += ['\t\tcolor="black"', '\t\tfontcolor="black"']
        out.extend(f"\t\t{_node(n, colour[n])}" for n in sorted(members))
        out += [f'\t\tlabel="{namespace}[namespace]"', "\t}"]
    out.extend(f"\t{_node(n, colour[n])}" for n in sorted(outside))
    out.extend(_edge(s, d, *edges[s, d]) for s, d in sorted(edges))
    return "\n".join(out) + "\n" + _LEGEND
