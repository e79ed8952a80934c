"""The exposure analysis agrees with its definition, judged representative by representative.

``engine.exposure_analysis`` judges only the representatives some rule peer
contains and compares each with the broader ones among them (see its module
docstring). The reference below is the definition written out: every workload,
direction and representative judged tier by tier, every pod and port atom, a
representative left out when a broader one has at least the same connections,
realised peers found by looking at every pod. Both must report the same lines on
random clusters with NetworkPolicies and admin tiers.
"""

from __future__ import annotations

from hypothesis import given

from podwall.engine.connlist import connlist, node_name, port_atoms
from podwall.engine.connset import ConnSet
from podwall.engine.evaluate import namespace_labels
from podwall.engine.exposure_analysis import ENTIRE, Representative, exposure_analysis, representative
from podwall.engine.match import admin_selects, port_matches, selects
from podwall.engine.options import Probe
from podwall.model import Action, Cluster, Direction, Pod, PodPeer, Tier

from .test_admin_vs_reference import SETTINGS, tiered_clusters


def _realised(peer: PodPeer, namespace: str, cluster: Cluster, labels: dict) -> bool:
    pod_selector, ns = peer.pod_selector, peer.namespace_selector
    if pod_selector is None or pod_selector.is_empty or pod_selector.match_expressions:
        return False
    if ns is not None and (ns.is_empty or ns.match_expressions):
        return False
    return any(
        not pod.host_network
        and pod_selector.matches(pod.labels)
        and (pod.namespace == namespace if ns is None else ns.matches(labels.get(pod.namespace, {})))
        for pod in cluster.pods
    )


def _representatives(cluster: Cluster, labels: dict) -> list[Representative]:
    found = {(ENTIRE.namespace, ENTIRE.pods): ENTIRE}
    for namespace, policy in [(p.namespace, p) for p in cluster.policies] + [("", p) for p in cluster.admin_policies]:
        for direction in Direction:
            for rule in policy.rules(direction):
                for peer in rule.peers:
                    if isinstance(peer, PodPeer) and not _realised(peer, namespace, cluster, labels):
                        rep = representative(peer, namespace)
                        found.setdefault((rep.namespace, rep.pods), rep)
    return list(found.values())


def reference_exposure(cluster: Cluster) -> set[tuple[str, Direction, str, ConnSet, tuple]]:
    """(workload, direction, representative, connections, named ports) for every line toward a representative."""
    labels = namespace_labels(cluster)
    numeric = port_atoms(cluster)
    named = sorted({(s.protocol, s.port) for p in (*cluster.policies, *cluster.admin_policies)
                    for r in p.rules(Direction.EGRESS) for s in r.ports if isinstance(s.port, str)},
                   key=lambda item: (item[0].value, item[1]))  # fmt: skip
    full = (1 << (len(numeric) + len(named))) - 1

    def ports(rule, destination: Pod | None) -> int:
        if rule.all_ports:
            return full
        mask = 0
        for spec in rule.ports:
            for i, (proto, lo, _hi) in enumerate(numeric):
                if destination is not None:
                    hit = port_matches(spec, Probe(lo, proto), destination)
                else:
                    hit = spec.protocol is proto and (spec.port is None or (
                        isinstance(spec.port, int) and spec.port <= lo <= (spec.end_port or spec.port)))
                mask |= hit << i
            if destination is None:
                for j, (proto, name) in enumerate(named):
                    mask |= (spec.protocol is proto and spec.port in (None, name)) << (len(numeric) + j)
        return mask

    def contains(rule, rep: Representative, namespace: str) -> bool:
        return rule.all_peers or any(
            isinstance(peer, PodPeer) and rep.within(representative(peer, namespace)) for peer in rule.peers)

    def allowed(pod: Pod, direction: Direction, rep: Representative) -> int:
        if pod.host_network:
            return full
        destination = pod if direction is Direction.INGRESS else None
        done, undecided, passed = 0, full, 0
        for policy in cluster.admin_tier(Tier.ADMIN):
            if admin_selects(policy, pod, labels):
                for rule in policy.rules(direction):
                    if contains(rule, rep, ""):
                        hit = ports(rule, destination) & undecided
                        done |= hit if rule.action is Action.ALLOW else 0
                        passed |= hit if rule.action is Action.PASS else 0
                        undecided &= ~hit
        pending = undecided | passed
        isolating = [p for p in cluster.policies if p.isolates(direction) and selects(p, pod)]
        if isolating:
            admitted = 0
            for policy in isolating:
                for rule in policy.rules(direction):
                    if contains(rule, rep, policy.namespace):
                        admitted |= ports(rule, destination)
            return done | (admitted & pending)
        undecided = pending
        for policy in cluster.admin_tier(Tier.BASELINE):
            if admin_selects(policy, pod, labels):
                for rule in policy.rules(direction):
                    if contains(rule, rep, ""):
                        hit = ports(rule, destination) & undecided
                        done |= hit if rule.action is not Action.DENY else 0
                        undecided &= ~hit
        return done | undecided

    reps = _representatives(cluster, labels)
    by_node: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        by_node.setdefault(node_name(pod), []).append(pod)
    found = set()
    for node, pods in by_node.items():
        for direction in Direction:
            masks = {}
            for rep in reps:
                masks[rep] = 0
                for pod in pods:
                    masks[rep] |= allowed(pod, direction, rep)
            for rep, mask in masks.items():
                if mask and not any(o is not rep and rep.within(o) and mask & ~masks[o] == 0 for o in reps):
                    conns = ConnSet.of(numeric[i] for i in range(len(numeric)) if mask >> i & 1)
                    names = tuple(n for j, n in enumerate(named) if mask >> (len(numeric) + j) & 1)
                    found.add((node, direction, rep.name, conns, names))
    return found


@SETTINGS
@given(cluster=tiered_clusters())
def test_exposure_matches_its_definition(cluster: Cluster) -> None:
    report = exposure_analysis(cluster, connlist(cluster))
    got = {(x.workload, x.direction, x.peer, x.conns, x.named) for x in (*report.egress, *report.ingress)
           if not x.peer.endswith("[External]")}  # fmt: skip
    assert got == reference_exposure(cluster)
