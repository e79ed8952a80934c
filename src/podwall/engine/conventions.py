"""What the network plugin makes of the input: the cluster as its conventions see it.

Most conventions change which objects take effect, not how a flow is judged,
so they are applied once, here, to the input, and every verdict downstream
(matrix, explain, connection lists, lint, the lab's rules) follows from the
same view:

- a plugin that does not enforce NetworkPolicy: no policy takes effect;
- host-network pods treated as pods: they are ordinary pods;
- no ``endPort`` support: a port range admits only its first port (the
  Kubernetes documentation: "the policy will be applied only for the single
  port field");
- admin tiers the plugin does not implement: those objects take no effect.

The rest are matching rules the engine asks about directly: whether ipBlocks
see pod and node addresses (``match``, ``classes``), and node-to-local-pod
traffic (:func:`node_local_pairs`, ``evaluate``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from podwall.model import Cluster, Conventions, HostNetwork, NetworkPolicy, Pod, PortSpec, Rule

_CACHE_SIZE = 4
_cache: dict[tuple[int, Conventions], tuple[Cluster, Cluster]] = {}


def view(cluster: Cluster, conventions: Conventions) -> Cluster:
    """The input as a plugin with these conventions enforces it (``cluster`` itself when nothing changes).

    Idempotent, and remembered for the last few inputs, so per-flow callers pay once.
    """
    key = (id(cluster), conventions)
    found = _cache.get(key)
    if found is not None and found[0] is cluster:
        return found[1]
    result = _view(cluster, conventions)
    if len(_cache) >= _CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    _cache[key] = (cluster, result)
    _cache[(id(result), conventions)] = (result, result)
    return result


def _view(cluster: Cluster, conventions: Conventions) -> Cluster:
    if not conventions.enforces:
        if not cluster.policies and not cluster.admin_policies:
            return cluster
        return replace(cluster, policies=(), admin_policies=())
    changes: dict[str, object] = {}
    if conventions.host_network is HostNetwork.POD and any(p.host_network for p in cluster.pods):
        changes["pods"] = tuple(replace(p, host_network=False) if p.host_network else p for p in cluster.pods)
    if not conventions.end_port and any(_has_range(p) for p in cluster.policies):
        changes["policies"] = tuple(_single_ports(p) if _has_range(p) else p for p in cluster.policies)
    kept = tuple(p for p in cluster.admin_policies if conventions.implements(p.kind))
    if len(kept) != len(cluster.admin_policies):
        changes["admin_policies"] = kept
    return replace(cluster, **changes) if changes else cluster


def _has_range(policy: NetworkPolicy) -> bool:
    return any(spec.end_port is not None for rule in (*policy.ingress, *policy.egress) for spec in rule.ports)


def _single_ports(policy: NetworkPolicy) -> NetworkPolicy:
    """``port..endPort`` becomes ``port``."""

    def rule(r: Rule) -> Rule:
        return replace(r, ports=tuple(PortSpec(s.protocol, s.port) if s.end_port is not None else s for s in r.ports))

    return replace(policy, ingress=tuple(map(rule, policy.ingress)), egress=tuple(map(rule, policy.egress)))


def node_local(source: Pod, destination: Pod, conventions: Conventions) -> bool:
    """Traffic from a node (a host-network pod on it) to a pod on the same node, allowed regardless of policy."""
    return (
        conventions.enforces
        and conventions.node_to_local_pods
        and conventions.host_network is HostNetwork.NODE
        and source.host_network
        and not destination.host_network
        and bool(source.node)
        and source.node == destination.node
    )


_any_cache: dict[tuple[int, Conventions], tuple[Sequence[Pod], bool]] = {}


def has_node_local_pairs(pods: Sequence[Pod], conventions: Conventions) -> bool:
    """Whether ``pods`` hold any node-local pair; remembered for the last few pod lists.

    ``explain`` asks it for every flow of the same input (``diff`` explains hundreds):
    answering costs a pass over every pod, so the answer is kept.
    """
    key = (id(pods), conventions)
    found = _any_cache.get(key)
    if found is not None and found[0] is pods:
        return found[1]
    result = next(node_local_pairs(pods, conventions), None) is not None
    if len(_any_cache) >= _CACHE_SIZE:
        _any_cache.pop(next(iter(_any_cache)))
    _any_cache[key] = (pods, result)
    return result


def node_local_pairs(pods: Sequence[Pod], conventions: Conventions) -> Iterator[tuple[int, int]]:
    """Indices (source, destination) of every node-local pair among ``pods``.

    Work: per node, its host-network pods times its pods; never pods x pods.
    """
    if not (conventions.enforces and conventions.node_to_local_pods and conventions.host_network is HostNetwork.NODE):
        return
    by_node: dict[str, tuple[list[int], list[int]]] = {}
    for i, pod in enumerate(pods):
        if pod.node:
            hosts, guests = by_node.setdefault(pod.node, ([], []))
            (hosts if pod.host_network else guests).append(i)
    for hosts, guests in by_node.values():
        for s in hosts:
            for d in guests:
                yield s, d
