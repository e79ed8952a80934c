"""`reach --summary`: connectivity aggregated by namespace, for clusters too large to list."""

from __future__ import annotations

from collections import Counter

from podwall.engine.options import Probe
from podwall.engine.reach import Reachability
from podwall.model.quick import frozen


def namespace_of(subject: str) -> str:
    """The namespace part of a subject (``(external)`` for external ranges)."""
    return subject.split("/", 1)[0]


@frozen
class NamespacePair:
    """How many subject pairs from one namespace may reach another, and on which probes."""

    source: str
    destination: str
    allowed: int  # subject pairs with at least one allowed probe
    total: int  # subject pairs (a subject and itself excluded)
    probes: tuple[Probe, ...]


@frozen
class Summary:
    """Per namespace pair with any allowed flow; every other pair allows nothing."""

    view: str
    namespaces: tuple[str, ...]
    sizes: dict[str, int]
    probes: tuple[Probe, ...]
    pairs: tuple[NamespacePair, ...]
    scope: frozenset[str] | None = None  # -n: pairs of two other namespaces are not judged


def summarize(result: Reachability) -> Summary:
    """Count allowed subject pairs per namespace pair, one source at a time."""
    sizes = Counter(namespace_of(s) for s in result.subjects)
    allowed: Counter[tuple[str, str]] = Counter()
    probes: dict[tuple[str, str], set[Probe]] = {}
    for source in result.subjects:
        src_ns = namespace_of(source)
        reached: set[str] = set()
        for destination, probe in result.reachable_from(source):
            key = (src_ns, namespace_of(destination))
            probes.setdefault(key, set()).add(probe)
            if destination not in reached:
                reached.add(destination)
                allowed[key] += 1
    pairs = tuple(
        NamespacePair(src, dst, count, sizes[src] * sizes[dst] - (sizes[src] if src == dst else 0),
                      tuple(sorted(probes[src, dst])))
        for (src, dst), count in sorted(allowed.items())
    )
    return Summary(result.view.value, tuple(sorted(sizes)), dict(sizes), result.probes, pairs, result.scope)
