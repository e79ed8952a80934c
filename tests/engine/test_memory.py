"""The class matrix keeps memory linear in the cluster: what it holds is narrow, whatever the input order.

A Python int costs as much as its highest bit. A set of one namespace's classes
stored as a plain bitset costs as much as the cluster has classes, so a cache
entry per policy or a row per class made memory grow with the square of the
cluster. These tests count the bits actually held (not bytes or seconds), on a
cluster whose pods are listed with their namespaces interleaved.
"""

from __future__ import annotations

from podwall.engine import EngineOptions, Probe
from podwall.engine.classes import bits, partition
from podwall.engine.matrix import ClassMatrix, class_matrix
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
)

NAMESPACES = 200
APPS = 3
PROBES = (Probe(53, Protocol.UDP), Probe(8080, Protocol.TCP))


def _cluster() -> Cluster:
    """Per namespace: apps a0 -> a1 -> a2 allowed on 8080 (both halves), default-deny, DNS to kube-system;
    pods listed app by app across namespaces, so no namespace's pods are together in the input."""
    dns = Pod("kube-system", "coredns", {"k8s-app": "kube-dns"}, (ContainerPort(53, Protocol.UDP),))
    pods = [dns]
    policies = []
    namespaces = [Namespace("kube-system", {NAMESPACE_NAME_LABEL: "kube-system"})]
    to_dns = PodPeer("", LabelSelector.from_labels({"k8s-app": "kube-dns"}),
                     LabelSelector.from_labels({NAMESPACE_NAME_LABEL: "kube-system"}))
    for a in range(APPS):
        for n in range(NAMESPACES):
            pods.append(Pod(f"ns{n}", f"a{a}", {"app": f"a{a}"}, (ContainerPort(8080, Protocol.TCP),)))
    for n in range(NAMESPACES):
        ns = f"ns{n}"
        namespaces.append(Namespace(ns, {NAMESPACE_NAME_LABEL: ns}))
        policies.append(NetworkPolicy(ns, "deny", LabelSelector(), frozenset(Direction)))
        policies.append(NetworkPolicy(ns, "dns", LabelSelector(), frozenset({Direction.EGRESS}), egress=(
            Rule(Direction.EGRESS, 0, (PodPeer(ns, to_dns.pod_selector, to_dns.namespace_selector),),
                 (PortSpec(Protocol.UDP, 53),)),)))
        for a in range(APPS - 1):
            me, nxt = (LabelSelector.from_labels({"app": f"a{i}"}) for i in (a, a + 1))
            policies.append(NetworkPolicy(ns, f"in{a}", nxt, frozenset({Direction.INGRESS}), ingress=(
                Rule(Direction.INGRESS, 0, (PodPeer(ns, me),), (PortSpec(Protocol.TCP, 8080),)),)))
            policies.append(NetworkPolicy(ns, f"out{a}", me, frozenset({Direction.EGRESS}), egress=(
                Rule(Direction.EGRESS, 0, (PodPeer(ns, nxt),), (PortSpec(Protocol.TCP, 8080),)),)))
    return Cluster(tuple(namespaces), tuple(pods), (), (), tuple(policies))


def test_each_namespace_gets_consecutive_classes_whatever_the_input_order() -> None:
    cluster = _cluster()
    classes = partition(cluster, cluster.pods, EngineOptions())
    for namespace, mask in classes.by_namespace.items():
        members = list(bits(mask))
        assert members == list(range(members[0], members[0] + len(members))), namespace
    # and class_of still follows the input's pods
    for pod, c in zip(cluster.pods, classes.class_of):
        assert classes.representatives[c].namespace == pod.namespace
        assert classes.representatives[c].labels == pod.labels


def test_the_kept_matrix_and_caches_are_narrow() -> None:
    cluster = _cluster()
    classes = partition(cluster, cluster.pods, EngineOptions())
    count = len(classes.representatives)
    assert count == 1 + NAMESPACES * APPS
    matrix = class_matrix(cluster, classes, PROBES)
    for probe, rows in matrix.items():
        held = sum(small.bit_length() for small in {id(b): b for b in rows._bits}.values())
        assert held <= 8 * count, probe  # full-width rows would hold about count * count / 2 bits
        # the narrow rows are the same sets: a0 reaches a1 on 8080, every app reaches DNS on 53/UDP
        a0 = classes.class_of[1]
        expected = {classes.class_of[1 + NAMESPACES]} if probe.port == 8080 else {0}
        assert set(rows.reachable(a0)) == expected == set(bits(rows[a0]))
    judge = ClassMatrix(cluster, classes)
    for probe in PROBES:
        judge.allowed(probe)
    cached = [*judge._selector_cache.values(), *judge._peer_cache.values(), *judge._rule_peer_cache.values()]
    assert sum(small.bit_length() for _, small in cached) <= 8 * count
