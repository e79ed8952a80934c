"""Connection lists between workloads and external ranges, over the whole port space.

The probe matrix answers for chosen ports; a connection list answers for every
port. The port space is cut into atoms (intervals in which no rule and no named
port can tell two ports apart), and the class matrix is evaluated once per atom,
so the cost is atoms x classes, never ports x pod pairs.

Naming follows np-guard/netpol-analyzer so its users can compare outputs:
``ns/name[Kind]`` for workloads (replicas under their declared controller, a
ReplicaSet when its Deployment is absent), ``first-last[External]`` for address
ranges: sources cut by ingress ipBlocks, destinations by egress ipBlocks.
"""

from __future__ import annotations

from collections.abc import Iterable

from podwall._runtime import collector_paused
from podwall.engine.classes import bits, partition
from podwall.engine.connset import PORT_MAX, PORT_MIN, PROTOCOLS, ConnSet
from podwall.engine.conventions import node_local_pairs, view
from podwall.engine.evaluate import evaluate, namespace_labels
from podwall.engine.exposure import CONTROLLER, INGRESS_CONTROLLER, backends
from podwall.engine.matrix import ClassMatrix
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.ranges import AddressRange
from podwall.errors import UsageError
from podwall.engine.ranges import partition as address_partition
from podwall.model import Cluster, Direction, IPBlockPeer, Pod, Protocol
from podwall.model.quick import frozen

Atom = tuple[Protocol, int, int]


@frozen
class ConnLine:
    """Allowed connections from one node to another."""

    source: str
    destination: str
    conns: ConnSet


def node_name(pod: Pod) -> str:
    """``ns/name[Kind]``: the stand-in's workload, else the declared controller, else the pod."""
    if pod.template and pod.owner is not None:
        return f"{pod.namespace}/{pod.owner.name}[{pod.owner.kind}]"
    if pod.controller is not None:
        return f"{pod.namespace}/{pod.controller.name}[{pod.controller.kind or 'Pod'}]"
    if pod.owner is not None:
        return f"{pod.namespace}/{pod.owner.name}[{pod.owner.kind}]"
    return f"{pod.namespace}/{pod.name}[Pod]"


def range_name(r: AddressRange) -> str:
    """``first-last[External]``."""
    return f"{r}[External]"


def port_atoms(cluster: Cluster) -> list[Atom]:
    """Intervals of each protocol inside which every port is judged alike."""
    cuts: dict[Protocol, set[int]] = {p: {PORT_MIN, PORT_MAX + 1} for p in PROTOCOLS}
    for policy in (*cluster.policies, *cluster.admin_policies):
        for rule in (*policy.ingress, *policy.egress):
            for spec in rule.ports:
                if isinstance(spec.port, int):
                    cuts[spec.protocol].add(spec.port)
                    cuts[spec.protocol].add((spec.end_port or spec.port) + 1)
    for pod in cluster.pods:  # named ports resolve to these numbers
        for cp in pod.ports:
            if cp.name:
                cuts[cp.protocol].add(cp.port)
                cuts[cp.protocol].add(cp.port + 1)
    atoms: list[Atom] = []
    for proto in PROTOCOLS:
        edges = sorted(c for c in cuts[proto] if PORT_MIN <= c <= PORT_MAX + 1)
        atoms.extend((proto, lo, hi - 1) for lo, hi in zip(edges, edges[1:]))
    return atoms


def _ipblocks(cluster: Cluster, direction: Direction) -> list[IPBlockPeer]:
    """The ipBlocks (and admin ``networks``) that cut the address space for one direction."""
    return [
        peer
        for policy in (*cluster.policies, *cluster.admin_policies)
        for rule in policy.rules(direction)
        for peer in rule.peers
        if isinstance(peer, IPBlockPeer)
    ]


def address_families(cluster: Cluster) -> frozenset[int]:
    """IPv4, and IPv6 when some ipBlock (or admin ``networks`` entry) names an IPv6 range."""
    blocks = (*_ipblocks(cluster, Direction.INGRESS), *_ipblocks(cluster, Direction.EGRESS))
    return frozenset({4} | {b.cidr.version for b in blocks})


def connlist(
    cluster: Cluster,
    options: EngineOptions = EngineOptions(),
    focus: Focus | None = None,
    *,
    families: Iterable[int] = (4,),
) -> tuple[ConnLine, ...]:
    """Every (source, destination) node pair with some allowed connection, sorted, through ``focus``.

    The input is judged as ``options.conventions`` say the network plugin sees it. External ranges
    cover the address ``families`` given (IPv4 by default) and every family some ipBlock uses;
    ``diff`` passes both sides' families so that the two lists cover the same addresses.
    """
    with collector_paused():
        return _connlist(view(cluster, options.conventions), options, focus, tuple(families))


def _connlist(
    cluster: Cluster, options: EngineOptions, focus: Focus | None, families: tuple[int, ...]
) -> tuple[ConnLine, ...]:
    sources = address_partition(_ipblocks(cluster, Direction.INGRESS), versions=families)
    destinations = address_partition(_ipblocks(cluster, Direction.EGRESS), versions=families)
    ranges = sorted(set(sources) | set(destinations))
    can_send = {r: r in set(sources) for r in ranges}
    can_receive = {r: r in set(destinations) for r in ranges}

    pods = tuple(p for p in cluster.pods)
    endpoints = pods + tuple(External(r.start) for r in ranges)
    classes = partition(cluster, endpoints, options)
    names: dict[int, set[str]] = {}
    external: dict[int, AddressRange] = {}
    for i, pod in enumerate(pods):
        names.setdefault(classes.class_of[i], set()).add(node_name(pod))
    for j, r in enumerate(ranges):
        c = classes.class_of[len(pods) + j]
        external[c] = r
        names[c] = {range_name(r)}

    atoms = port_atoms(cluster)
    matrix = ClassMatrix(cluster, classes)
    pair_atoms: dict[tuple[int, int], int] = {}
    for a, (proto, lo, _hi) in enumerate(atoms):
        bit = 1 << a
        for s, mask in enumerate(matrix.allowed(Probe(lo, proto))):
            s_range = external.get(s)
            if s_range is not None and not can_send[s_range]:
                continue
            for d in bits(mask):
                d_range = external.get(d)
                if d_range is not None and (s_range is not None or not can_receive[d_range]):
                    continue
                pair_atoms[s, d] = pair_atoms.get((s, d), 0) | bit

    node_atoms: dict[tuple[str, str], int] = {}
    for (s, d), mask in pair_atoms.items():
        for src in names[s]:
            for dst in names[d]:
                if src != dst:
                    node_atoms[src, dst] = node_atoms.get((src, dst), 0) | mask
    every_atom = (1 << len(atoms)) - 1
    for s, d in node_local_pairs(pods, options.conventions):  # a node to its own pods: never blocked
        src, dst = node_name(pods[s]), node_name(pods[d])
        if src != dst:
            node_atoms[src, dst] = every_atom
    lines = [ConnLine(src, dst, ConnSet.of(atoms[a] for a in bits(mask))) for (src, dst), mask in node_atoms.items()]
    lines.extend(_controller_lines(cluster, options))
    if focus is not None:
        lines = [line for line in lines if focus.keeps(line)]
    return tuple(sorted(lines, key=lambda line: (line.source, line.destination)))


def _controller_lines(cluster: Cluster, options: EngineOptions) -> list[ConnLine]:
    """``{ingress-controller} => workload`` for the target ports its ingress admits."""
    labels = namespace_labels(cluster)
    per_node: dict[str, set[Atom]] = {}
    for backend in backends(cluster):
        for probe in backend.probes:
            verdict = evaluate(cluster, CONTROLLER, backend.pod, probe, options, labels=labels)
            if verdict.ingress.allowed:
                per_node.setdefault(node_name(backend.pod), set()).add((probe.protocol, probe.port, probe.port))
    return [ConnLine(INGRESS_CONTROLLER, node, ConnSet.of(atoms)) for node, atoms in per_node.items()]



@frozen
class Focus:
    """Filters over a connection list, as netpol-analyzer's ``--focusworkload`` family.

    ``workloads``: keep lines with one of them at either end (``name`` or
    ``ns/name``; ``ingress-controller`` names ``{ingress-controller}``);
    ``direction``: ``ingress`` keeps lines into a focus workload, ``egress`` lines
    out of one; ``peers``: the other end must be one of these; ``conn``: keep
    lines whose connections include this probe.
    """

    workloads: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()
    direction: Direction | None = None
    conn: Probe | None = None

    def keeps(self, line: ConnLine) -> bool:
        """Whether a line passes every filter given."""
        if self.conn is not None and not line.conns.contains(self.conn):
            return False
        if not self.workloads:
            return True
        ends = []
        if self.direction in (None, Direction.EGRESS):
            ends.append((line.source, line.destination))
        if self.direction in (None, Direction.INGRESS):
            ends.append((line.destination, line.source))
        return any(
            names_match(focus, self.workloads) and (not self.peers or names_match(other, self.peers)) for focus, other in ends
        )


def names_match(node: str, wanted: tuple[str, ...]) -> bool:
    """Whether a node is one of ``wanted``: ``ns/name[Kind]`` (the CLI resolves every spelling to these:
    ``cli.common.resolve_focus``), ``name``, ``ns/name`` or ``ingress-controller``."""
    if node == INGRESS_CONTROLLER:
        return "ingress-controller" in wanted or INGRESS_CONTROLLER in wanted
    if node.endswith("[External]"):
        return False
    qualified = node.rsplit("[", 1)[0]
    name = qualified.split("/", 1)[-1]
    return node in wanted or qualified in wanted or name in wanted


def parse_focus_conn(text: str) -> Probe:
    """``udp-52`` or ``TCP-8080`` -> a probe."""
    proto, _, port = text.partition("-")
    try:
        return Probe.parse(f"{port}/{proto}")
    except UsageError:
        raise UsageError(f"invalid --focus-conn {text!r}: expected PROTOCOL-PORT, e.g. udp-52") from None
