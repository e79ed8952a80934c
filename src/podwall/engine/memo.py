"""Per-input memos: facts of one Cluster that per-flow callers (explain, flows check, diff) ask again and again.

Keyed by the Cluster's identity (checked, so a reused id never answers for another
input) and kept for the last few inputs only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from podwall.model import Cluster

T = TypeVar("T")
_SIZE = 4


def per_cluster(compute: Callable[[Cluster], T]) -> Callable[[Cluster], T]:
    """``compute(cluster)`` remembered for the last few clusters."""
    cache: dict[int, tuple[Cluster, T]] = {}

    @wraps(compute)
    def remembered(cluster: Cluster) -> T:
        found = cache.get(id(cluster))
        if found is not None and found[0] is cluster:
            return found[1]
        result = compute(cluster)
        if len(cache) >= _SIZE:
            cache.pop(next(iter(cache)))
        cache[id(cluster)] = (cluster, result)
        return result

    return remembered
