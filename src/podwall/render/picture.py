"""What every drawing shows: nodes and edges taken from the engine's connection list.

A *picture* is the connection list (``podwall reach -o connlist``) as a graph:
one node per workload (``ns/name[Kind]``), per external address range
(``first-last[External]``) and for ``{ingress-controller}``; one edge per line,
labelled with its connections; each workload marked with the directions no
policy protects. Mermaid, DOT and the HTML report all draw the same picture, so
they cannot disagree with ``reach``. ``aggregate`` folds workloads into their
namespaces for large inputs (edges then count workload pairs).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Sequence
from dataclasses import replace
from enum import Enum

from podwall.engine import EngineOptions
from podwall.engine.connlist import ConnLine, Focus, connlist, node_name
from podwall.engine.connset import ConnSet
from podwall.engine.exposure import INGRESS_CONTROLLER
from podwall.engine.exposure_analysis import unprotected as unprotected_workloads
from podwall.model import Cluster, Direction
from podwall.model.quick import frozen


class Role(str, Enum):
    """What a node stands for."""

    WORKLOAD = "workload"
    EXTERNAL = "external"
    CONTROLLER = "ingress-controller"
    NAMESPACE = "namespace"


class PictureView(str, Enum):
    """Workloads as nodes, or namespaces as nodes with counts on edges."""

    WORKLOAD = "workload"
    NAMESPACE = "namespace"


@frozen
class Node:
    """One node: ``id`` is its connection-list name (a namespace's name in namespace view).

    ``unprotected`` are the directions in which no policy protects the workload;
    in namespace view ``members`` counts its workloads and ``unprotected_members``
    those with some unprotected direction.
    """

    id: str
    role: Role
    label: str
    kind: str = ""
    namespace: str = ""
    unprotected: tuple[Direction, ...] = ()
    members: int = 1
    unprotected_members: int = 0


@frozen
class Edge:
    """Allowed connections from one node to another (``pairs`` workload pairs in namespace view)."""

    source: str
    destination: str
    conns: ConnSet
    pairs: int = 1
    text: str = ""  # a label of its own (``podwall diff``: ``TCP 80 -> TCP 80,443``)

    def label(self, view: PictureView) -> str:
        """``TCP 8080,UDP 53`` in workload view; ``3 flows`` in namespace view."""
        if self.text:
            return self.text
        if view is PictureView.WORKLOAD:
            return str(self.conns)
        return f"{self.pairs} flow{'' if self.pairs == 1 else 's'}"


@frozen
class Picture:
    """Nodes (workloads by namespace and name, then the ingress controller, then external ranges) and edges."""

    view: PictureView
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        """The namespaces of the workload (or namespace) nodes, sorted."""
        return tuple(sorted({n.namespace for n in self.nodes if n.namespace}))

    def by_namespace(self) -> tuple[list[tuple[str, list[Node]]], list[Node]]:
        """Workload nodes grouped by namespace (sorted), and the other nodes (every node in namespace view)."""
        if self.view is PictureView.NAMESPACE:
            return [], list(self.nodes)
        groups: dict[str, list[Node]] = {}
        for node in self.nodes:
            if node.role is Role.WORKLOAD:
                groups.setdefault(node.namespace, []).append(node)
        return sorted(groups.items()), [n for n in self.nodes if n.role is not Role.WORKLOAD]

    @property
    def workloads(self) -> int:
        """How many workloads the picture stands for."""
        return sum(n.members for n in self.nodes if n.role in (Role.WORKLOAD, Role.NAMESPACE))


def split_workload(name: str) -> tuple[str, str, str]:
    """``ns/name[Kind]`` -> (namespace, name, Kind)."""
    qualified, _, kind = name.rpartition("[")
    namespace, _, short = qualified.partition("/")
    return namespace, short, kind.rstrip("]")


def role_of(name: str) -> Role:
    """A connection-list name's role."""
    if name == INGRESS_CONTROLLER:
        return Role.CONTROLLER
    if name.endswith("[External]"):
        return Role.EXTERNAL
    return Role.WORKLOAD


def _range_key(name: str) -> tuple[int, int, int]:
    """Sources and destinations are cut differently, so two ranges may share a first address: order by both ends."""
    first_text, _, last_text = name.removesuffix("[External]").partition("-")
    first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text or first_text)
    return first.version, int(first), int(last)


def node_of(name: str, open_: dict[str, tuple[Direction, ...]] | None = None) -> Node:
    """The node of a connection-list name (``open_``: the unprotected directions by name)."""
    open_ = open_ or {}
    role = role_of(name)
    if role is Role.WORKLOAD:
        namespace, short, kind = split_workload(name)
        return Node(name, role, short, kind, namespace, open_.get(name, ()))
    if role is Role.EXTERNAL:
        return Node(name, role, name.removesuffix("[External]"), "External")
    return Node(name, role, name, "IngressController")


def _touches(line: ConnLine, namespaces: Collection[str]) -> bool:
    """Under -n, a line is kept when either end is a workload of those namespaces (as ``reach`` does)."""
    return any(role_of(end) is Role.WORKLOAD and split_workload(end)[0] in namespaces
               for end in (line.source, line.destination))


def picture(
    cluster: Cluster,
    options: EngineOptions = EngineOptions(),
    *,
    namespaces: Collection[str] | None = None,
    focus: Focus | None = None,
    lines: Sequence[ConnLine] | None = None,
) -> Picture:
    """The workload-view picture of a loaded input.

    ``namespaces`` keeps the workloads of those namespaces and the lines with
    one of them at an end; ``focus`` filters lines as ``reach -o connlist
    --focus-*`` does and keeps the focus workloads even without lines.
    ``lines`` is the unfiltered connection list when the caller has it already.
    """
    every = connlist(cluster, options) if lines is None else lines
    kept = [
        line
        for line in every
        if (focus is None or focus.keeps(line)) and (namespaces is None or _touches(line, namespaces))
    ]
    open_: dict[str, tuple[Direction, ...]] = {}
    found = unprotected_workloads(cluster, options)
    for name, direction in sorted(found, key=lambda u: (u[0], u[1] is not Direction.INGRESS)):
        open_[name] = (*open_.get(name, ()), direction)
    names = {node_name(pod) for pod in cluster.pods}
    if focus is not None and (focus.workloads or focus.peers or focus.direction or focus.conn):
        only = replace(focus, peers=(), direction=None, conn=None)
        names = {n for n in names if focus.workloads and only.keeps(ConnLine(n, n, ConnSet()))}
    if namespaces is not None:
        names = {n for n in names if split_workload(n)[0] in namespaces}
    for line in kept:
        names.update((line.source, line.destination))
    nodes = sorted((node_of(n, open_) for n in names), key=order)
    edges = tuple(Edge(line.source, line.destination, line.conns) for line in kept)
    return Picture(PictureView.WORKLOAD, tuple(nodes), edges)


def order(node: Node) -> tuple[int, str, str, tuple[int, int, int]]:
    rank = {Role.WORKLOAD: 0, Role.NAMESPACE: 0, Role.CONTROLLER: 1, Role.EXTERNAL: 2}[node.role]
    if node.role is Role.EXTERNAL:
        return rank, "", "", _range_key(node.id)
    return rank, node.namespace, node.label + "[" + node.kind, (0, 0, 0)


def aggregate(pic: Picture) -> Picture:
    """Namespaces as nodes: an edge per namespace pair (external ranges and the controller stay) with its pair count.

    Connections inside one namespace become a loop on it.
    """
    if pic.view is PictureView.NAMESPACE:
        return pic
    home = {n.id: (n.namespace if n.role is Role.WORKLOAD else n.id) for n in pic.nodes}
    members: dict[str, list[Node]] = {}
    for n in pic.nodes:
        if n.role is Role.WORKLOAD:
            members.setdefault(n.namespace, []).append(n)
    nodes = [
        Node(ns, Role.NAMESPACE, ns, "Namespace", ns, (), len(group), sum(1 for w in group if w.unprotected))
        for ns, group in sorted(members.items())
    ]
    nodes += [n for n in pic.nodes if n.role is not Role.WORKLOAD]
    folded: dict[tuple[str, str], list[Edge]] = {}
    for e in pic.edges:
        folded.setdefault((home[e.source], home[e.destination]), []).append(e)
    edges = tuple(
        Edge(src, dst, ConnSet.of(i for e in group for i in e.conns.intervals), len(group))
        for (src, dst), group in sorted(folded.items())
    )
    return Picture(PictureView.NAMESPACE, tuple(nodes), edges)


#: Above either count, ``render`` draws Mermaid and DOT by namespace unless ``--by workload`` is asked for.
AUTO_WORKLOADS = 60
AUTO_EDGES = 200


def fits(pic: Picture) -> bool:
    """Whether a workload-view picture is small enough to read as a static drawing."""
    workloads = sum(1 for n in pic.nodes if n.role is Role.WORKLOAD)
    return workloads <= AUTO_WORKLOADS and len(pic.edges) <= AUTO_EDGES
