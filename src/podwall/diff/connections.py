"""The connection diff: two connection lists compared pair by pair, as pure data.

Each side is a connection list (``engine.connlist``): one line per (source,
destination) node pair with the connections allowed over the whole port space.
A pair that differs is ``added`` (no connection before), ``removed`` (none
after) or ``changed`` (some on both sides, not the same).

External ranges are cut by each side's own ipBlocks, so the two sides may cut
the address space differently. The comparison runs on the common refinement
(every boundary of either side), then touching pieces that compare alike (same
other end, same connections before, same after) are joined again into the
largest ranges, as np-guard/netpol-analyzer's diff does, so its users get the
lines they expect.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
from collections.abc import Iterable, Sequence
from enum import Enum

from podwall._runtime import collector_paused
from podwall.engine import Probe, Verdict
from podwall.engine.connlist import ConnLine
from podwall.engine.connset import ConnSet
from podwall.engine.exposure import INGRESS_CONTROLLER
from podwall.engine.ranges import AddressRange
from podwall.model.quick import frozen

EXTERNAL_SUFFIX = "[External]"


class Change(str, Enum):
    """How a (source, destination) pair differs; the order is netpol-analyzer's line order."""

    CHANGED = "changed"  # connections on both sides, not the same
    ADDED = "added"  # no connection before
    REMOVED = "removed"  # no connection after

    @property
    def rank(self) -> int:
        """0 changed, 1 added, 2 removed."""
        return _RANK[self]


_RANK = {Change.CHANGED: 0, Change.ADDED: 1, Change.REMOVED: 2}


class NodeKind(str, Enum):
    """What a connection-list node stands for."""

    WORKLOAD = "workload"  # ns/name[Kind]: the pods of one workload (or one standalone pod)
    EXTERNAL = "external"  # first-last[External]: addresses outside every pod
    INGRESS_CONTROLLER = "ingress-controller"  # {ingress-controller}: the source behind Ingress and Route objects


def kind_of(node: str) -> NodeKind:
    """The kind of a connection-list node name."""
    if node == INGRESS_CONTROLLER:
        return NodeKind.INGRESS_CONTROLLER
    if node.endswith(EXTERNAL_SUFFIX):
        return NodeKind.EXTERNAL
    return NodeKind.WORKLOAD


def namespace_of(node: str) -> str | None:
    """A workload's namespace; None for external ranges and the ingress controller."""
    return node.split("/", 1)[0] if kind_of(node) is NodeKind.WORKLOAD else None


def subject_of(node: str) -> str:
    """The name ``explain`` takes: ``ns/Kind/name``, the range's first address, or ``ingress-controller``."""
    kind = kind_of(node)
    if kind is NodeKind.INGRESS_CONTROLLER:
        return "ingress-controller"
    if kind is NodeKind.EXTERNAL:
        return str(parse_range(node).start)
    qualified, _, wkind = node[:-1].rpartition("[")
    ns, _, name = qualified.partition("/")
    return f"{ns}/{wkind}/{name}"


@functools.lru_cache(maxsize=4096)
def parse_range(node: str) -> AddressRange:
    """``first-last[External]`` -> the range (IPv6 addresses hold no ``-``); a list repeats few ranges many times."""
    first, _, last = node.removesuffix(EXTERNAL_SUFFIX).partition("-")
    start, end = ipaddress.ip_address(first), ipaddress.ip_address(last)
    return AddressRange(start.version, int(start), int(end))


def range_node(r: AddressRange) -> str:
    """The node name of a range."""
    return f"{r}{EXTERNAL_SUFFIX}"


@frozen
class Reason:
    """Why one interval a pair gained (or lost) went that way: the verdict at ``probe`` on each side.

    ``before``/``after`` are the engine's verdicts with their reasons (the
    policies and rules that admit or fail to admit), None where an end of the
    pair is not in that side's input. For the ingress controller, policies are
    half the story: ``before_via``/``after_via`` name the Ingress and Route
    objects that send it to the destination on ``probe`` (empty: none does);
    they are None for every other source.
    """

    conns: ConnSet
    gained: bool
    probe: Probe
    before: Verdict | None
    after: Verdict | None
    before_via: tuple[str, ...] | None = None
    after_via: tuple[str, ...] | None = None


@frozen
class PairDiff:
    """One (source, destination) pair whose connections differ.

    ``before``/``after`` are the connections on each side (empty: none);
    ``new_source``/``new_destination``: that end is a workload present on one
    side only (added with the pair, or removed with it); ``reasons``: one per
    interval gained, then per interval lost (empty when not asked for).
    """

    source: str
    destination: str
    change: Change
    before: ConnSet
    after: ConnSet
    new_source: bool = False
    new_destination: bool = False
    reasons: tuple[Reason, ...] = ()

    @property
    def gained(self) -> ConnSet:
        """Connections allowed after and not before."""
        return self.after.difference(self.before)

    @property
    def lost(self) -> ConnSet:
        """Connections allowed before and not after."""
        return self.before.difference(self.after)

    @property
    def widens(self) -> bool:
        """Whether the pair gains any connection."""
        return not self.gained.is_empty

    @property
    def from_outside(self) -> bool:
        """The source is outside the cluster: an external range or the ingress controller."""
        return kind_of(self.source) is not NodeKind.WORKLOAD

    @property
    def across_namespaces(self) -> bool:
        """Both ends are workloads, in different namespaces."""
        ns = namespace_of(self.source), namespace_of(self.destination)
        return None not in ns and ns[0] != ns[1]

    @property
    def namespace(self) -> str | None:
        """The namespace a report groups the pair under: the destination's, else the source's."""
        return namespace_of(self.destination) or namespace_of(self.source)


@frozen
class ConnDiff:
    """Every differing pair, sorted by source then destination, with the pairs that did not change.

    ``unchanged`` keeps the pairs allowed alike on both sides (on the same
    refinement), so a picture can draw the whole graph around the changes.
    """

    pairs: tuple[PairDiff, ...]
    unchanged: tuple[ConnLine, ...]
    workloads_added: tuple[str, ...]
    workloads_removed: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """No pair differs."""
        return not self.pairs


def compare_lines(
    before: Sequence[ConnLine],
    after: Sequence[ConnLine],
    before_nodes: Iterable[str],
    after_nodes: Iterable[str],
) -> ConnDiff:
    """Compare two connection lists; ``*_nodes`` are every workload node of each side (connected or not)."""
    with collector_paused():
        return _compare_lines(before, after, frozenset(before_nodes), frozenset(after_nodes))


def _compare_lines(
    before: Sequence[ConnLine], after: Sequence[ConnLine], before_nodes: frozenset[str], after_nodes: frozenset[str]
) -> ConnDiff:
    nodes = (before_nodes, after_nodes)
    pairs = _merged(_refined(before, after))
    found: list[PairDiff] = []
    unchanged: list[ConnLine] = []
    for (src, dst), (first, second) in sorted(pairs.items()):
        if first is not None and second is not None:
            if first == second:
                unchanged.append(ConnLine(src, dst, first))
            else:
                found.append(PairDiff(src, dst, Change.CHANGED, first, second))
        elif first is not None:
            found.append(_one_sided(src, dst, Change.REMOVED, first, ConnSet(), nodes[1]))
        elif second is not None:
            found.append(_one_sided(src, dst, Change.ADDED, ConnSet(), second, nodes[0]))
    return ConnDiff(
        tuple(found),
        tuple(unchanged),
        tuple(sorted(nodes[1] - nodes[0])),
        tuple(sorted(nodes[0] - nodes[1])),
    )


def _one_sided(src: str, dst: str, change: Change, before: ConnSet, after: ConnSet, other: frozenset[str]) -> PairDiff:
    """An added or removed pair; an end is new (or lost) when it is a workload the other side lacks."""

    def missing(node: str) -> bool:
        return kind_of(node) is NodeKind.WORKLOAD and node not in other

    return PairDiff(src, dst, change, before, after, missing(src), missing(dst))


# -- external ranges: the common refinement, then the largest ranges again ---------------------------

End = str | AddressRange  # a node name, or an external range while ranges are cut and joined
Pairs = dict[tuple[End, End], list[ConnSet | None]]


def _refined(before: Sequence[ConnLine], after: Sequence[ConnLine]) -> Pairs:
    """(source, destination) -> [connections before, after], each external range cut at every boundary
    either side has in that direction (sources and destinations are cut separately)."""
    sources = {n for lines in (before, after) for line in lines if (n := line.source).endswith(EXTERNAL_SUFFIX)}
    destinations = {
        n for lines in (before, after) for line in lines if (n := line.destination).endswith(EXTERNAL_SUFFIX)
    }
    pieces = {**_pieces(sources), **{(n, False): p for (n, _), p in _pieces(destinations).items()}}
    pairs: Pairs = {}
    for side, lines in enumerate((before, after)):
        for line in lines:
            src, dst = line.source, line.destination
            if src in sources:
                keys: list[tuple[End, End]] = [(r, dst) for r in pieces[src, True]]
            elif dst in destinations:
                keys = [(src, r) for r in pieces[dst, False]]
            else:
                keys = [(src, dst)]
            for key in keys:
                pairs.setdefault(key, [None, None])[side] = line.conns
    return pairs


def _pieces(nodes: set[str]) -> dict[tuple[str, bool], tuple[AddressRange, ...]]:
    """Each range node cut at the boundaries of all of them (keyed (node, True))."""
    ranges = {n: parse_range(n) for n in nodes}
    cuts: dict[int, set[int]] = {}
    for r in ranges.values():
        cuts.setdefault(r.version, set()).update((r.first, r.last + 1))
    points = {version: sorted(found) for version, found in cuts.items()}
    out = {}
    for node, r in ranges.items():
        edges = points[r.version]
        inner = edges[bisect.bisect_right(edges, r.first) : bisect.bisect_left(edges, r.last + 1)]
        bounds = [r.first, *inner, r.last + 1]
        out[node, True] = tuple(AddressRange(r.version, lo, hi - 1) for lo, hi in zip(bounds, bounds[1:]))
    return out


def _merged(pairs: Pairs) -> dict[tuple[str, str], list[ConnSet | None]]:
    """Join touching ranges that have the same other end and the same connections on both sides; name them."""
    out: dict[tuple[str, str], list[ConnSet | None]] = {}
    groups: dict[tuple[bool, str, ConnSet | None, ConnSet | None], list[AddressRange]] = {}
    for (src, dst), (first, second) in pairs.items():
        if isinstance(src, AddressRange):
            groups.setdefault((True, dst, first, second), []).append(src)  # type: ignore[arg-type]
        elif isinstance(dst, AddressRange):
            groups.setdefault((False, src, first, second), []).append(dst)
        else:
            out[src, dst] = [first, second]
    names: dict[AddressRange, str] = {}
    for (is_source, other, first, second), ranges in groups.items():
        for r in _join(ranges):
            name = names.get(r) or names.setdefault(r, range_node(r))
            out[(name, other) if is_source else (other, name)] = [first, second]
    return out


def _join(ranges: list[AddressRange]) -> list[AddressRange]:
    """Sorted ranges with touching ones joined."""
    joined: list[AddressRange] = []
    for r in sorted(ranges):
        last = joined[-1] if joined else None
        if last is not None and last.version == r.version and last.last + 1 >= r.first:
            joined[-1] = AddressRange(r.version, last.first, max(last.last, r.last))
        else:
            joined.append(r)
    return joined
