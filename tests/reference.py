"""A deliberately naive NetworkPolicy evaluator, written straight from SEMANTICS.md.

It also evaluates the cluster-scoped admin tiers (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy), per direction on the pod
whose side it is: Admin tier (first matching rule of the first policy, by
priority then name, decides; Pass leaves the tier), then NetworkPolicy (final
when some policy isolates the pod), then Baseline tier, then allow.

It is the oracle the engine is tested against, so it must stay *obviously* correct:
one pod pair at a time, every policy and every rule re-examined for every question,
no caching, no equivalence classes. It imports only ``podwall.model`` (never
``podwall.engine``), and it duck-types its inputs:

- a pod is a ``podwall.model.Pod``; anything else is an external endpoint and must
  have an ``address`` attribute (``podwall.engine.External`` or :class:`RefExternal`);
- a probe is anything with ``port`` and ``protocol`` (``podwall.engine.Probe`` or
  :class:`RefProbe`); the probes handed to :func:`reference_matrix` come back as-is
  in its result, so passing engine probes yields tuples comparable with ``reach``.

Section comments name the paragraph of SEMANTICS.md each part implements.

Network plugin conventions (``podwall.model.Conventions``, what a CNI profile
settles) are taken as a keyword ``conventions`` by the public entry points and
implemented here directly, each where its choice arises (comments say which),
never through the engine's view of the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from podwall.model import (
    GENERIC,
    NAMESPACE_NAME_LABEL,
    Action,
    AdminPolicy,
    AdminRule,
    Cluster,
    Conventions,
    Direction,
    HostNetwork,
    IPAddress,
    IPBlockPeer,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
    Tier,
)


class RefProbe(NamedTuple):
    """A (port, protocol) pair, for use before or without ``podwall.engine.Probe``."""

    port: int
    protocol: Protocol


class RefExternal(NamedTuple):
    """An address outside every pod, for use without ``podwall.engine.External``."""

    address: IPAddress


# --- "Label selector" (re-implemented here rather than trusting the model's helper) ---


def selector_matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """matchLabels (every pair present and equal) AND every matchExpressions term."""
    for key, value in selector.match_labels:
        if key not in labels or labels[key] != value:
            return False
    for term in selector.match_expressions:
        present = term.key in labels
        if term.operator is Operator.IN:
            ok = present and labels[term.key] in term.values
        elif term.operator is Operator.NOT_IN:
            ok = not present or labels[term.key] not in term.values
        elif term.operator is Operator.EXISTS:
            ok = present
        elif term.operator is Operator.DOES_NOT_EXIST:
            ok = not present
        else:
            raise ValueError(f"invalid operator {term.operator!r}")
        if not ok:
            return False
    return True


def ipblock_contains(block: IPBlockPeer, address: IPAddress) -> bool:
    """``cidr`` minus each ``except``; an address of the other family is never inside."""

    def inside(network) -> bool:
        return (
            address.version == network.version
            and int(network.network_address) <= int(address) <= int(network.broadcast_address)
        )

    return inside(block.cidr) and not any(inside(ex) for ex in block.excepts)


# --- "Which pods a policy selects" -----------------------------------------------


def host_as_node(pod: Pod, conventions: Conventions) -> bool:
    """Convention host_network: a host-network pod is node traffic (NODE), or an ordinary pod (POD)."""
    return pod.host_network and conventions.host_network is HostNetwork.NODE


def policy_selects(policy: NetworkPolicy, pod: Pod, conventions: Conventions = GENERIC) -> bool:
    """spec.podSelector, in the policy's own namespace only; never a host-network pod (node traffic)."""
    if host_as_node(pod, conventions):
        return False
    if pod.namespace != policy.namespace:
        return False
    return selector_matches(policy.pod_selector, pod.labels)


def policies_isolating(
    cluster: Cluster, pod: Pod, direction: Direction, conventions: Conventions = GENERIC
) -> list[NetworkPolicy]:
    """The policies that select ``pod`` and have ``direction`` in their (defaulted) types."""
    return [p for p in cluster.policies if direction in p.policy_types and policy_selects(p, pod, conventions)]


# --- "Peers" -----------------------------------------------------------------------


def namespace_labels(cluster: Cluster, name: str) -> dict[str, str]:
    """A namespace's labels; an undeclared namespace carries only its name label."""
    ns = cluster.namespace(name)
    if ns is None:
        return {NAMESPACE_NAME_LABEL: name}
    labels = dict(ns.labels)
    labels.setdefault(NAMESPACE_NAME_LABEL, name)
    return labels


def peer_matches(
    cluster: Cluster, peer: Any, other: Any, ipblock_matches_pods: bool, conventions: Conventions = GENERIC
) -> bool:
    """Whether one ``from``/``to`` entry matches the other end of the flow."""
    if isinstance(peer, PodPeer):
        # Selector peers match pods only, never external addresses, never host-network pods (node traffic).
        if not isinstance(other, Pod) or host_as_node(other, conventions):
            return False
        if peer.namespace_selector is None:
            # podSelector only: the policy's namespace.
            in_namespace = other.namespace == peer.namespace
        else:
            in_namespace = selector_matches(peer.namespace_selector, namespace_labels(cluster, other.namespace))
        if not in_namespace:
            return False
        if peer.pod_selector is None:
            return True
        return selector_matches(peer.pod_selector, other.labels)
    if isinstance(peer, IPBlockPeer):
        if isinstance(other, Pod):
            # Convention: an ipBlock also matches pods by their IP (switchable);
            # a pod without a known IP is never matched. A host-network pod's IP is
            # its node's address (its traffic is node traffic), so the switch does
            # not apply to it: whether ipBlocks see node addresses is a convention of its own.
            if host_as_node(other, conventions):
                if not conventions.ipblock_matches_nodes:
                    return False
            elif not ipblock_matches_pods:
                return False
            return any(ipblock_contains(peer, ip) for ip in other.ips)
        return ipblock_contains(peer, other.address)
    raise TypeError(f"unknown peer {peer!r}")


# --- "Ports" -----------------------------------------------------------------------


def port_matches(spec: PortSpec, probe: Any, dst: Any, conventions: Conventions = GENERIC) -> bool:
    """Whether one ``ports`` entry admits ``probe`` towards ``dst``."""
    if spec.protocol != probe.protocol:
        return False
    if spec.port is None:
        return True
    if isinstance(spec.port, str):
        # Named port: resolved against the destination pod; never matches an external.
        if not isinstance(dst, Pod):
            return False
        return any(
            cp.name == spec.port and cp.protocol == spec.protocol and cp.port == probe.port for cp in dst.ports
        )
    if spec.end_port is None or not conventions.end_port:
        # Convention end_port: a plugin without endPort support applies "only the single port field".
        return spec.port == probe.port
    return spec.port <= probe.port <= spec.end_port


# --- "Rules" -----------------------------------------------------------------------


def rule_admits(
    cluster: Cluster,
    rule: Rule,
    other: Any,
    dst: Any,
    probe: Any,
    ipblock_matches_pods: bool,
    conventions: Conventions = GENERIC,
) -> bool:
    """``from``/``to`` (empty = everyone) AND ``ports`` (empty = everything)."""
    peers_ok = not rule.peers or any(
        peer_matches(cluster, peer, other, ipblock_matches_pods, conventions) for peer in rule.peers
    )
    ports_ok = not rule.ports or any(port_matches(spec, probe, dst, conventions) for spec in rule.ports)
    return peers_ok and ports_ok


# --- Admin tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) ---


class AdminMatch(NamedTuple):
    """An admin rule that matched (and so decided its tier, or passed), with its policy."""

    policy: AdminPolicy
    rule: AdminRule

    @property
    def action(self) -> Action:
        return self.rule.action


#: Convention admin_apis: the API each admin kind belongs to (a plugin without it ignores the object).
ADMIN_API = {"AdminNetworkPolicy": "v1alpha1", "BaselineAdminNetworkPolicy": "v1alpha1", "ClusterNetworkPolicy": "v1alpha2"}


def admin_policies(cluster: Cluster, tier: Tier, conventions: Conventions = GENERIC) -> list[AdminPolicy]:
    """The policies of one tier the plugin implements, in evaluation order: lowest priority first, ties by name.

    Sorted here rather than trusting the order the Cluster keeps them in.
    """
    return sorted(
        (p for p in cluster.admin_policies if p.tier is tier and ADMIN_API[p.kind] in conventions.admin_apis),
        key=lambda p: (p.priority, p.name),
    )


def admin_subject_selects(cluster: Cluster, policy: AdminPolicy, pod: Pod, conventions: Conventions = GENERIC) -> bool:
    """``spec.subject`` (namespaces, or pods in namespaces) picks the pod; never a host-network pod (node traffic)."""
    if host_as_node(pod, conventions):
        return False
    return peer_matches(cluster, policy.subject, pod, True, conventions)


def admin_rule_matches(
    cluster: Cluster,
    rule: AdminRule,
    other: Any,
    dst: Any,
    probe: Any,
    ipblock_matches_pods: bool,
    conventions: Conventions = GENERIC,
) -> bool:
    """Some peer matches the other end (no peers: nothing, e.g. only nodes/domainNames) AND the ports admit."""
    peers_ok = any(peer_matches(cluster, peer, other, ipblock_matches_pods, conventions) for peer in rule.peers)
    ports_ok = not rule.ports or any(port_matches(spec, probe, dst) for spec in rule.ports)
    return peers_ok and ports_ok


def admin_tier_match(
    cluster: Cluster,
    tier: Tier,
    pod: Pod,
    direction: Direction,
    other: Any,
    dst: Any,
    probe: Any,
    ipblock_matches_pods: bool,
    conventions: Conventions = GENERIC,
) -> AdminMatch | None:
    """The first rule, in policy order then written order, that matches: it decides the tier."""
    for policy in admin_policies(cluster, tier, conventions):
        if not admin_subject_selects(cluster, policy, pod, conventions):
            continue
        rules = policy.ingress if direction is Direction.INGRESS else policy.egress
        for rule in rules:
            if admin_rule_matches(cluster, rule, other, dst, probe, ipblock_matches_pods, conventions):
                return AdminMatch(policy, rule)
    return None


# --- "Isolation and the verdict" ---------------------------------------------------


class SideReason(NamedTuple):
    """How one side was decided.

    ``basis`` is spelled like the values of ``podwall.engine.Basis``: admin-allow,
    admin-deny, rule, no-rule, baseline-allow, baseline-deny, not-isolated, host-network;
    ``matches`` are the admin rules that matched on the way (a Pass, then at most one more).
    """

    basis: str
    matches: tuple[AdminMatch, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.basis not in ("admin-deny", "no-rule", "baseline-deny")


def direction_reason(
    cluster: Cluster,
    pod: Pod,
    direction: Direction,
    other: Any,
    dst: Any,
    probe: Any,
    ipblock_matches_pods: bool,
    conventions: Conventions = GENERIC,
) -> SideReason:
    """One side, tier by tier: Admin, NetworkPolicy, Baseline, then allow."""
    if not conventions.enforces:
        return SideReason("not-enforced")  # convention enforces: the plugin ignores every policy
    if host_as_node(pod, conventions):
        return SideReason("host-network")  # never a subject of any policy
    if (
        direction is Direction.INGRESS
        and isinstance(other, Pod)
        and conventions.node_to_local_pods
        and host_as_node(other, conventions)
        and other.node
        and other.node == pod.node
    ):
        return SideReason("node-local")  # convention node_to_local_pods: a node always reaches its own pods
    c = conventions
    matches: tuple[AdminMatch, ...] = ()
    # 1. Admin tier: Allow and Deny are final, Pass goes on to NetworkPolicies.
    first = admin_tier_match(cluster, Tier.ADMIN, pod, direction, other, dst, probe, ipblock_matches_pods, c)
    if first is not None:
        matches += (first,)
        if first.action is Action.ALLOW:
            return SideReason("admin-allow", matches)
        if first.action is Action.DENY:
            return SideReason("admin-deny", matches)
    # 2. NetworkPolicy tier: final when some policy isolates the pod.
    isolating = policies_isolating(cluster, pod, direction, c)
    if isolating:
        admitted = any(
            rule_admits(cluster, rule, other, dst, probe, ipblock_matches_pods, c)
            for policy in isolating
            for rule in policy.rules(direction)
        )
        return SideReason("rule" if admitted else "no-rule", matches)
    # 3. Baseline tier: Allow or Deny; Pass (or no match) leaves it to the default.
    last = admin_tier_match(cluster, Tier.BASELINE, pod, direction, other, dst, probe, ipblock_matches_pods, c)
    if last is not None:
        matches += (last,)
        if last.action is Action.ALLOW:
            return SideReason("baseline-allow", matches)
        if last.action is Action.DENY:
            return SideReason("baseline-deny", matches)
    # 4. Default: allowed.
    return SideReason("not-isolated", matches)


def direction_allows(
    cluster: Cluster,
    pod: Pod,
    direction: Direction,
    other: Any,
    dst: Any,
    probe: Any,
    ipblock_matches_pods: bool,
    conventions: Conventions = GENERIC,
) -> bool:
    """One side of the verdict (see :func:`direction_reason`)."""
    return direction_reason(cluster, pod, direction, other, dst, probe, ipblock_matches_pods, conventions).allowed


def reference_allowed(
    cluster: Cluster,
    src: Any,
    dst: Any,
    probe: Any,
    ipblock_matches_pods: bool = True,
    *,
    conventions: Conventions | None = None,
) -> bool:
    """Whether traffic from ``src`` to ``dst`` on ``probe`` is allowed (``conventions`` decide ipBlocks on pods when given)."""
    c = conventions if conventions is not None else GENERIC
    if conventions is not None:
        ipblock_matches_pods = conventions.ipblock_matches_pods
    if isinstance(src, Pod) and isinstance(dst, Pod) and src == dst:
        return True  # loopback
    if isinstance(src, Pod):
        # 1. the source's egress (the peer judged is the destination)
        if not direction_allows(cluster, src, Direction.EGRESS, dst, dst, probe, ipblock_matches_pods, c):
            return False
    if isinstance(dst, Pod):
        # 2. the destination's ingress (the peer judged is the source)
        if not direction_allows(cluster, dst, Direction.INGRESS, src, dst, probe, ipblock_matches_pods, c):
            return False
    return True


def reference_matrix(
    cluster: Cluster, probes: Iterable[Any], ipblock_matches_pods: bool = True, *, conventions: Conventions | None = None
) -> frozenset[tuple[str, str, Any]]:
    """Every allowed (src key, dst key, probe) over distinct pods of the cluster."""
    probes = tuple(probes)
    allowed = set()
    for src in cluster.pods:
        for dst in cluster.pods:
            if src is dst:
                continue
            for probe in probes:
                if reference_allowed(cluster, src, dst, probe, ipblock_matches_pods, conventions=conventions):
                    allowed.add((src.key, dst.key, probe))
    return frozenset(allowed)


def reference_workload_matrix(
    cluster: Cluster, probes: Iterable[Any], ipblock_matches_pods: bool = True, *, conventions: Conventions | None = None
) -> frozenset[tuple[str, str, Any]]:
    """Workload view: subjects A->B allowed iff some pod of A may reach some pod of B."""
    probes = tuple(probes)
    allowed = set()
    for src in cluster.pods:
        for dst in cluster.pods:
            if src is dst or src.workload_key == dst.workload_key:
                continue
            for probe in probes:
                if reference_allowed(cluster, src, dst, probe, ipblock_matches_pods, conventions=conventions):
                    allowed.add((src.workload_key, dst.workload_key, probe))
    return frozenset(allowed)
