"""Equivalence classes of pods: pods the semantics cannot tell apart are judged once.

Two pods are interchangeable for every verdict when they share namespace, labels,
container ports, host-network flag and the set of ipBlocks their addresses fall in.
The matrix works on classes and bitsets (Python ints, bit i = class i).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from podwall.engine.match import Endpoint, ipblock_matches
from podwall.engine.options import EngineOptions, External
from podwall.model import Cluster, IPBlockPeer, Pod


@dataclass(frozen=True, slots=True)
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


def distinct_ipblocks(cluster: Cluster) -> tuple[IPBlockPeer, ...]:
    """Every ipBlock (and admin ``networks`` CIDR) used by some rule, deduplicated, in first-seen order."""
    seen: dict[IPBlockPeer, None] = {}
    for policy in (*cluster.policies, *cluster.admin_policies):
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers:
                if isinstance(peer, IPBlockPeer):
                    seen.setdefault(peer, None)
    return tuple(seen)


def partition(cluster: Cluster, pods: tuple[Endpoint, ...], options: EngineOptions) -> PodClasses:
    """Group pods into classes; one pass over pods, one ipBlock test per pod and block.

    An external address is always a class of its own and belongs to no namespace.
    """
    blocks = distinct_ipblocks(cluster)
    index: dict[tuple, int] = {}
    reps: list[Pod] = []
    class_of: list[int] = []
    by_ns: dict[str, int] = {}
    masks: dict[IPBlockPeer, int] = {b: 0 for b in blocks}
    for pod in pods:
        key: tuple
        if isinstance(pod, External):
            hits = tuple(i for i, b in enumerate(blocks) if ipblock_matches(b, pod, options))
            key = ("", len(class_of))  # never shared: two ranges may start at one address
        else:
            hits = tuple(i for i, b in enumerate(blocks) if pod.ips and ipblock_matches(b, pod, options))
            key = (pod.namespace, frozenset(pod.labels.items()), pod.ports, pod.host_network, hits)
        idx = index.get(key)
        if idx is None:
            idx = index[key] = len(reps)
            reps.append(pod)
            if isinstance(pod, Pod):
                by_ns[pod.namespace] = by_ns.get(pod.namespace, 0) | (1 << idx)
            for i in hits:
                masks[blocks[i]] |= 1 << idx
        class_of.append(idx)
    return PodClasses(tuple(reps), tuple(class_of), by_ns, blocks, masks)


def bits(mask: int) -> Iterator[int]:
    """Indices of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
