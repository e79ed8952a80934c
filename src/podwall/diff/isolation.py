"""Which workloads a change isolates (or releases): a NetworkPolicy of that direction now selects them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podwall.engine.connlist import node_name
from podwall.engine.match import selects
from podwall.model import Cluster, Direction, NetworkPolicy

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


@dataclass(frozen=True, slots=True, order=True)
class IsolationChange:
    """A workload present on both sides whose isolation in ``direction`` changed.

    ``isolated`` True: newly isolated (from now on only what some rule admits
    gets through); False: no longer isolated (everything gets through).
    """

    workload: str
    direction: Direction
    isolated: bool


def isolated_nodes(cluster: Cluster) -> dict[str, frozenset[Direction]]:
    """Node name -> the directions in which every pod of the node is isolated by some NetworkPolicy."""
    by_namespace: dict[str, list[NetworkPolicy]] = {}
    for policy in cluster.policies:
        by_namespace.setdefault(policy.namespace, []).append(policy)
    found: dict[str, frozenset[Direction]] = {}
    for pod in cluster.pods:
        policies = by_namespace.get(pod.namespace, ())
        mine = frozenset(d for d in DIRECTIONS if any(p.isolates(d) and selects(p, pod) for p in policies))
        node = node_name(pod)
        found[node] = found[node] & mine if node in found else mine
    return found


def isolation_changes(before: Cluster, after: Cluster, keep: Iterable[str] | None = None) -> tuple[IsolationChange, ...]:
    """Workloads on both sides (among ``keep`` when given) whose isolation changed, sorted."""
    old, new = isolated_nodes(before), isolated_nodes(after)
    wanted = None if keep is None else set(keep)
    changes = [
        IsolationChange(node, direction, direction in new[node])
        for node in old.keys() & new.keys()
        if wanted is None or node in wanted
        for direction in DIRECTIONS
        if (direction in old[node]) != (direction in new[node])
    ]
    return tuple(sorted(changes, key=lambda c: (c.workload, c.direction.value)))
