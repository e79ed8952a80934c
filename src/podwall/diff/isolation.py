"""Which workloads a change isolates (or releases): a NetworkPolicy of that direction now selects them."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from podwall.engine.connlist import node_name
from podwall.engine.match import selects
from podwall.model import Cluster, Direction, NetworkPolicy
from podwall.model.quick import frozen

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)


@frozen(order=True)
class IsolationChange:
    """A workload present on both sides whose isolation in ``direction`` changed.

    ``isolated`` True: newly isolated (from now on only what some rule admits
    gets through); False: no longer isolated (everything gets through).
    """

    workload: str
    direction: Direction
    isolated: bool


def _policies(cluster: Cluster) -> dict[str, list[NetworkPolicy]]:
    by_namespace: dict[str, list[NetworkPolicy]] = {}
    for policy in cluster.policies:
        by_namespace.setdefault(policy.namespace, []).append(policy)
    return by_namespace


def isolated_nodes(cluster: Cluster, namespaces: Collection[str] | None = None) -> dict[str, frozenset[Direction]]:
    """Node name -> the directions in which every pod of the node is isolated by some NetworkPolicy.

    Only the nodes of ``namespaces`` when given.
    """
    by_namespace = _policies(cluster)
    found: dict[str, frozenset[Direction]] = {}
    for pod in cluster.pods:
        if namespaces is not None and pod.namespace not in namespaces:
            continue
        policies = by_namespace.get(pod.namespace, ())
        mine = frozenset(d for d in DIRECTIONS if any(p.isolates(d) and selects(p, pod) for p in policies))
        node = node_name(pod)
        found[node] = found[node] & mine if node in found else mine
    return found


def _touched(before: Cluster, after: Cluster) -> set[str]:
    """Namespaces where isolation may differ: their policies' selectors or types, or their pods' labels, changed.

    Isolation depends on nothing else (SEMANTICS.md, "Which pods a policy selects"),
    so a pull request that edits rules only costs nothing here.
    """

    def selecting(cluster: Cluster) -> dict[str, frozenset]:
        return {ns: frozenset((p.pod_selector, p.policy_types) for p in ps) for ns, ps in _policies(cluster).items()}

    def selected(cluster: Cluster) -> dict[str, set]:
        found: dict[str, set] = {}
        for pod in cluster.pods:
            found.setdefault(pod.namespace, set()).add((node_name(pod), frozenset(pod.labels.items()), pod.host_network))
        return found

    old, new = selecting(before), selecting(after)
    touched = {ns for ns in old.keys() | new.keys() if old.get(ns) != new.get(ns)}
    old_pods, new_pods = selected(before), selected(after)
    touched.update(ns for ns in old_pods.keys() | new_pods.keys() if old_pods.get(ns) != new_pods.get(ns))
    return touched


def isolation_changes(before: Cluster, after: Cluster, keep: Iterable[str] | None = None) -> tuple[IsolationChange, ...]:
    """Workloads on both sides (among ``keep`` when given) whose isolation changed, sorted."""
    touched = _touched(before, after)
    old, new = isolated_nodes(before, touched), isolated_nodes(after, touched)
    wanted = None if keep is None else set(keep)
    changes = [
        IsolationChange(node, direction, direction in new[node])
        for node in old.keys() & new.keys()
        if wanted is None or node in wanted
        for direction in DIRECTIONS
        if (direction in old[node]) != (direction in new[node])
    ]
    return tuple(sorted(changes, key=lambda c: (c.workload, c.direction.value)))
