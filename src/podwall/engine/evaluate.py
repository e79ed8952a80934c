"""Decide one flow with its reasons; the explain path and the reference for the matrix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from podwall.engine.memo import per_cluster
from podwall.engine.match import (
    Endpoint,
    admin_selects,
    rule_peers_match,
    rule_ports_match,
    selects,
)
from podwall.engine.conventions import node_local, view
from podwall.engine.exposure import CONTROLLER, INGRESS_CONTROLLER
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.verdict import Basis, DirectionVerdict, RuleMiss, RuleRef, TierStep, Verdict
from podwall.model import Action, Cluster, Direction, HostNetwork, Labels, NetworkPolicy, Pod, Rule, Tier


def namespace_labels(cluster: Cluster) -> dict[str, Labels]:
    """Namespace name -> labels, for namespaceSelector matching."""
    return {ns.name: ns.labels for ns in cluster.namespaces}


def endpoint_key(endpoint: Endpoint) -> str:
    """How an endpoint is named in verdicts."""
    return endpoint.key


def evaluate(
    cluster: Cluster,
    source: Endpoint,
    destination: Endpoint,
    probe: Probe,
    options: EngineOptions = EngineOptions(),
    *,
    labels: Mapping[str, Labels] | None = None,
) -> Verdict:
    """Judge traffic from ``source`` to ``destination`` on ``probe``.

    The input is judged as the network plugin of ``options.conventions`` sees
    it (``podwall.engine.conventions.view``).

    1. A pod to itself is always allowed (loopback).
    2. Egress is judged on the source pod, ingress on the destination pod; an
       external end is not judged. A plugin that enforces nothing allows both
       sides; traffic from a pod's own node (a host-network pod on it) passes
       its ingress where the plugin never blocks it.
    3. Each side, tier by tier: Admin-tier rules (AdminNetworkPolicy, CNP Admin)
       by priority, first match decides, Pass skips to NetworkPolicies;
       NetworkPolicies: isolated -> allowed iff some rule of some policy
       isolating it admits the other end; not isolated -> Baseline-tier rules
       (BANP, CNP Baseline), then allowed.
    """
    cluster = view(cluster, options.conventions)
    ns_labels = labels if labels is not None else namespace_labels(cluster)
    if options.conventions.host_network is HostNetwork.POD:  # endpoints as the view has them
        source, destination = _as_pod(source), _as_pod(destination)
    if source == destination and not isinstance(source, External):
        egress = DirectionVerdict(Direction.EGRESS, source.key, Basis.SELF)
        ingress = DirectionVerdict(Direction.INGRESS, destination.key, Basis.SELF)
    else:
        egress = _judge(cluster, Direction.EGRESS, source, destination, destination, probe, ns_labels, options)
        ingress = _judge(cluster, Direction.INGRESS, destination, source, destination, probe, ns_labels, options)
    return Verdict(source.key, destination.key, probe, egress, ingress)


def _judge(
    cluster: Cluster,
    direction: Direction,
    subject: Endpoint,
    other: Endpoint,
    destination: Endpoint,
    probe: Probe,
    ns_labels: Mapping[str, Labels],
    options: EngineOptions,
) -> DirectionVerdict:
    """One side of a flow, tier by tier: Admin, then NetworkPolicy, then Baseline, then allow."""
    if isinstance(subject, External):
        return DirectionVerdict(direction, subject.key, Basis.EXTERNAL)
    if subject is CONTROLLER:
        return DirectionVerdict(direction, INGRESS_CONTROLLER, Basis.UNKNOWN_POD)
    if not options.conventions.enforces:
        return DirectionVerdict(direction, subject.key, Basis.NOT_ENFORCED)
    if subject.host_network:
        return DirectionVerdict(direction, subject.key, Basis.HOST_NETWORK)
    if direction is Direction.INGRESS and isinstance(other, Pod) and node_local(other, subject, options.conventions):
        return DirectionVerdict(direction, subject.key, Basis.NODE_LOCAL)
    steps: list[TierStep] = []

    def admin_tier(tier: Tier) -> Action | None:
        """The first matching rule of the first policy that has one decides; Pass leaves the tier."""
        for policy in cluster.admin_tier(tier):
            if not admin_selects(policy, subject, ns_labels):
                continue
            for rule in policy.rules(direction):
                if rule_peers_match(rule, other, ns_labels, options) and rule_ports_match(rule, probe, destination):
                    steps.append(TierStep(policy.short, policy.key, rule.index, rule.name, rule.action.value))
                    return rule.action
        return None

    # 1. Admin tier: a final Allow or Deny ends evaluation; Pass hands over to NetworkPolicies.
    decision = admin_tier(Tier.ADMIN)
    if decision is Action.ALLOW:
        return DirectionVerdict(direction, subject.key, Basis.ADMIN_ALLOW, steps=tuple(steps))
    if decision is Action.DENY:
        return DirectionVerdict(direction, subject.key, Basis.ADMIN_DENY, steps=tuple(steps))

    # 2. NetworkPolicy tier: a pod selected for this direction is decided here.
    own = policies_by_namespace(cluster).get(subject.namespace, ())
    isolating = [p for p in own if p.isolates(direction) and selects(p, subject)]
    if isolating:
        allowed: list[RuleRef] = []
        misses: list[RuleMiss] = []
        for policy in isolating:
            for rule in policy.rules(direction):
                ref = RuleRef(policy.key, direction, rule.index)
                peers_ok = rule_peers_match(rule, other, ns_labels, options)
                ports_ok = rule_ports_match(rule, probe, destination)
                if peers_ok and ports_ok:
                    allowed.append(ref)
                else:
                    misses.append(RuleMiss(ref, peers_ok, ports_ok, *describe_rule(rule)))
        return DirectionVerdict(
            direction,
            subject.key,
            Basis.RULE if allowed else Basis.NO_RULE,
            isolated_by=tuple(p.key for p in isolating),
            allowed_by=tuple(allowed),
            misses=tuple(misses),
            steps=tuple(steps),
        )

    # 3. Baseline tier, then the default: allow.
    decision = admin_tier(Tier.BASELINE)
    if decision is Action.DENY:
        return DirectionVerdict(direction, subject.key, Basis.BASELINE_DENY, steps=tuple(steps))
    if decision is Action.ALLOW:
        return DirectionVerdict(direction, subject.key, Basis.BASELINE_ALLOW, steps=tuple(steps))
    return DirectionVerdict(direction, subject.key, Basis.NOT_ISOLATED, steps=tuple(steps))


def _as_pod(endpoint: Endpoint) -> Endpoint:
    """A host-network pod as an ordinary pod (``HostNetwork.POD``)."""
    if isinstance(endpoint, Pod) and endpoint.host_network and endpoint is not CONTROLLER:
        return replace(endpoint, host_network=False)
    return endpoint


def describe_rule(rule: Rule) -> tuple[str, str]:
    """What a rule admits, in words: (``port 53/UDP, 53/TCP``, ``to every pod in every namespace``)."""
    ports = "every port" if rule.all_ports else "port " + ", ".join(str(s) for s in rule.ports)
    word = "from" if rule.direction is Direction.INGRESS else "to"
    peers = "anywhere" if rule.all_peers else " or ".join(str(p) for p in rule.peers)
    return ports, f"{word} {peers}"


@per_cluster
def policies_by_namespace(cluster: Cluster) -> dict[str, tuple[NetworkPolicy, ...]]:
    """The NetworkPolicies of each namespace, in input order (a policy selects pods of its own namespace only)."""
    found: dict[str, list[NetworkPolicy]] = {}
    for policy in cluster.policies:
        found.setdefault(policy.namespace, []).append(policy)
    return {namespace: tuple(policies) for namespace, policies in found.items()}
