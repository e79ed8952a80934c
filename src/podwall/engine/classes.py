"""Equivalence classes of pods: pods the semantics cannot tell apart are judged once.

Two pods are interchangeable for every verdict when they share namespace, labels,
container ports, host-network flag and the set of ipBlocks their addresses fall in.
The matrix works on classes and bitsets (Python ints, bit i = class i).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from operator import attrgetter

from podwall._runtime import collector_paused
from podwall.engine.memo import per_cluster
from podwall.engine.match import Endpoint, ipblock_sees
from podwall.engine.options import EngineOptions, External
from podwall.engine.ranges import block_intervals
from podwall.model import Cluster, IPBlockPeer, LabelSelector, Operator, Pod
from podwall.model.quick import frozen


@frozen
class PodClasses:
    """Pods (and external addresses) partitioned into classes; ``representatives[i]`` stands for class i."""

    representatives: tuple[Endpoint, ...]
    class_of: tuple[int, ...]  # aligned with the pods passed in
    by_namespace: dict[str, int]  # namespace -> bitset of its classes
    ipblocks: tuple[IPBlockPeer, ...]  # every distinct ipBlock peer in the policies
    ipblock_masks: dict[IPBlockPeer, int]  # ipBlock -> classes whose pods it matches

    @property
    def all(self) -> int:
        """The bitset of every class."""
        return (1 << len(self.representatives)) - 1


@per_cluster
def distinct_ipblocks(cluster: Cluster) -> tuple[IPBlockPeer, ...]:
    """Every ipBlock (and admin ``networks`` CIDR) used by some rule, deduplicated, in first-seen order."""
    seen: dict[IPBlockPeer, None] = {}
    for policy in (*cluster.policies, *cluster.admin_policies):
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers:
                if isinstance(peer, IPBlockPeer):
                    seen.setdefault(peer, None)
    return tuple(seen)


def _block_hits(
    blocks: tuple[IPBlockPeer, ...], endpoints: tuple[Endpoint, ...], options: EngineOptions
) -> list[tuple[int, ...]]:
    """For each endpoint, the indices of the blocks its addresses fall in.

    Addresses are sorted once; each block's intervals (cidr minus excepts) are
    found by bisection, so the cost is blocks x log(endpoints) plus the matches,
    not blocks x endpoints.
    """
    hits: list[list[int]] = [[] for _ in endpoints]
    if not blocks:
        return [()] * len(endpoints)
    addresses: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for i, endpoint in enumerate(endpoints):
        if isinstance(endpoint, External):
            addresses[endpoint.address.version].append((int(endpoint.address), i))
        elif ipblock_sees(endpoint, options):
            for ip in endpoint.ips:
                addresses[ip.version].append((int(ip), i))
    keys: dict[int, list[int]] = {}
    for version, pairs in addresses.items():
        pairs.sort()
        keys[version] = [a for a, _ in pairs]
    for b, block in enumerate(blocks):
        pairs, sorted_keys = addresses[block.cidr.version], keys[block.cidr.version]
        seen: set[int] = set()
        for lo, hi in block_intervals(block):
            start = bisect_left(sorted_keys, lo)
            stop = bisect_right(sorted_keys, hi)
            for _, i in pairs[start:stop]:
                if i not in seen:
                    seen.add(i)
                    hits[i].append(b)
    return [tuple(h) for h in hits]


def partition(cluster: Cluster, pods: tuple[Endpoint, ...], options: EngineOptions) -> PodClasses:
    """Group pods into classes in one pass over pods.

    An external address is always a class of its own and belongs to no namespace.
    """
    with collector_paused():
        return _partition(cluster, pods, options)


def _partition(cluster: Cluster, pods: tuple[Endpoint, ...], options: EngineOptions) -> PodClasses:
    blocks = distinct_ipblocks(cluster)
    block_hits = _block_hits(blocks, pods, options)
    index: dict[tuple, int] = {}
    reps: list[Endpoint] = []
    by_ns: dict[str, list[int]] = {}
    hit_by: list[list[int]] = [[] for _ in blocks]
    class_of = [0] * len(pods)
    for n in _by_namespace(pods):
        pod = pods[n]
        key: tuple
        hits = block_hits[n]
        if isinstance(pod, External):
            key = ("", n)  # never shared: two ranges may start at one address
        else:
            # the ports as plain tuples (C hashing; a ContainerPort's dataclass __hash__ runs Python code per port)
            key = (pod.namespace, frozenset(pod.labels.items()), tuple(map(_CONTAINER_PORT_FIELDS, pod.ports)),
                   pod.host_network, hits)
        idx = index.get(key)
        if idx is None:
            idx = index[key] = len(reps)
            reps.append(pod)
            if isinstance(pod, Pod):
                by_ns.setdefault(pod.namespace, []).append(idx)
            for i in hits:
                hit_by[i].append(idx)
        class_of[n] = idx
    masks = {block: mask_of(hit_by[i]) for i, block in enumerate(blocks)}
    return PodClasses(tuple(reps), tuple(class_of), {ns: mask_of(c) for ns, c in by_ns.items()}, blocks, masks)


#: The fields that make two container ports equal (their dataclass compares exactly these).
_CONTAINER_PORT_FIELDS = attrgetter("port", "protocol", "name")


def _by_namespace(pods: tuple[Endpoint, ...]) -> list[int]:
    """Positions of the pods, those of one namespace together (namespaces and pods in input order),
    external addresses last: each namespace's classes are then consecutive, and a set of them is
    a narrow int (``narrow``) whatever order the input lists its pods in."""
    groups: dict[str, list[int]] = {}
    outside: list[int] = []
    for n, pod in enumerate(pods):
        if isinstance(pod, Pod):
            groups.setdefault(pod.namespace, []).append(n)
        else:
            outside.append(n)
    return [n for group in groups.values() for n in group] + outside


_ONE = re.compile("1")


def bits(mask: int) -> Iterator[int]:
    """Indices of the set bits of ``mask``, lowest first.

    Few bits are peeled off one by one; many are found by scanning the binary
    text once, so the cost stays linear in the width instead of bits x width.
    """
    if mask.bit_count() <= 8:
        while mask:
            low = mask & -mask
            yield low.bit_length() - 1
            mask ^= low
        return
    digits = bin(mask)[:1:-1]  # reversed: index i is bit i
    for match in _ONE.finditer(digits):
        yield match.start()


def mask_of(classes: list[int]) -> int:
    """The bitset of some classes, given in increasing order (built from the first, shifted once:
    setting bit after bit of a wide int costs the width each time)."""
    if not classes:
        return 0
    low = classes[0]
    if len(classes) <= _FEW:
        local = 0
        for c in classes:
            local |= 1 << (c - low)
        return local << low
    # Many: bytes filled first and read as one int (each ``|=`` of a wide int costs its width).
    buffer = bytearray(((classes[-1] - low) >> 3) + 1)
    for c in classes:
        c -= low
        buffer[c >> 3] |= 1 << (c & 7)
    return int.from_bytes(buffer, "little") << low


_FEW = 32  # mask_of: up to this many classes, ints are ORed directly


def lowest(mask: int) -> int:
    """The index of the lowest set bit (0 for the empty set)."""
    return (mask & -mask).bit_length() - 1 if mask else 0


def narrow(mask: int) -> tuple[int, int]:
    """``(low, mask >> low)`` with ``low`` the lowest set bit: ``narrowed[1] << narrowed[0]`` is ``mask``.

    A Python int costs as much as its highest bit; a set of a few classes far
    from class 0 (one namespace's, in a large cluster) costs only its span when
    kept narrow.
    """
    low = lowest(mask)
    return low, mask >> low


def union(parts: list[tuple[int, int]]) -> tuple[int, int]:
    """The union of sets given as ``(low, bits)`` (``bits << low``; bit 0 need not be set), narrow
    (``narrow``). Joined pairwise, neighbours first: with the parts in increasing order the cost is
    the span of the result times log(parts), never the cluster's width per part."""
    parts = [part for part in parts if part[1]]
    while len(parts) > 1:
        joined = []
        for i in range(0, len(parts) - 1, 2):
            (low_a, a), (low_b, b) = sorted((parts[i], parts[i + 1]))
            joined.append((low_a, a | (b << (low_b - low_a))))
        if len(parts) % 2:
            joined.append(parts[-1])
        parts = joined
    if not parts:
        return 0, 0
    low, mask = parts[0]
    shift = lowest(mask)
    return low + shift, mask >> shift


class LabelIndex:
    """Label sets by position, indexed by ``key=value``: a selector's candidates without a scan.

    Only a prefilter (an object a selector matches carries each of its matchLabels pairs);
    the selector's own ``matches`` decides.
    """

    __slots__ = ("_count", "_by_pair")

    def __init__(self, labels: list[Mapping[str, str]]) -> None:
        self._count = len(labels)
        self._by_pair: dict[tuple[str, str], list[int]] = {}
        for i, items in enumerate(labels):
            for pair in items.items():
                found = self._by_pair.get(pair)
                if found is None:
                    self._by_pair[pair] = [i]
                else:
                    found.append(i)

    def exact(self, selector: LabelSelector | None) -> bool:
        """Whether every one of ``candidates(selector)`` matches it: no selector, ``{}``, or one
        matchLabels pair alone (its candidates are the positions carrying that pair)."""
        return selector is None or (len(selector.match_labels) <= 1 and not selector.match_expressions)

    def candidates(self, selector: LabelSelector | None) -> Sequence[int]:
        """Positions (increasing) that may match ``selector``: every one, or the fewest that carry one of
        its matchLabels pairs or one of the pairs an ``In`` expression names."""
        return self.candidates_in(selector, 0, self._count)

    def candidates_in(self, selector: LabelSelector | None, start: int, stop: int) -> Sequence[int]:
        """``candidates`` among positions ``start`` to ``stop`` (excluded) only: each list of positions
        is cut to the span by bisection, so one index serves every span (a namespace's classes)."""
        found: Sequence[int] = range(start, stop)
        if selector is None:
            return found
        whole = start <= 0 and stop >= self._count

        def within(pair: tuple[str, str]) -> Sequence[int]:
            positions = self._by_pair.get(pair, ())
            return positions if whole else positions[bisect_left(positions, start):bisect_left(positions, stop)]

        for pair in selector.match_labels:
            found = min(found, within(pair), key=len)
        for requirement in selector.match_expressions:
            if requirement.operator is Operator.IN and len(found) > 1:
                listed = [within((requirement.key, value)) for value in requirement.values]
                if sum(map(len, listed)) < len(found):
                    found = sorted({i for positions in listed for i in positions})
        return found
