"""Lint's per-class shortcuts agree with the engine, and its "covers" relations are sound.

Lint decides each side of a flow per pod class (fast enough for 10,000 pods);
these properties hold it to ``podwall.engine.evaluate`` on random clusters, and
check that PW218's syntactic coverage never claims more than the semantics give.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwall.engine import EngineOptions, evaluate
from podwall.engine.match import rule_peers_match, rule_ports_match
from podwall.lint.context import Context
from podwall.lint.coverage import rule_covers, selector_covers
from podwall.model import Cluster, Direction, PodPeer, Rule
from tests.property.test_admin_vs_reference import tiered_clusters
from tests.property.test_engine_vs_reference import (
    NS_SELECTORS,
    POD_LABELS,
    POD_SELECTORS,
    PROBES,
    RULE_BODIES,
    clusters,
)

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cluster=clusters(), matches_pods=st.booleans())
def test_sides_agree_with_the_engine(cluster: Cluster, matches_pods: bool) -> None:
    _sides_agree(cluster, EngineOptions(ipblock_matches_pods=matches_pods))


@SETTINGS
@given(cluster=tiered_clusters(), matches_pods=st.booleans())
def test_sides_agree_with_the_engine_through_admin_tiers(cluster: Cluster, matches_pods: bool) -> None:
    _sides_agree(cluster, EngineOptions(ipblock_matches_pods=matches_pods))


def _sides_agree(cluster: Cluster, options: EngineOptions) -> None:
    """Lint's answers (the class matrix, pair by pair) equal ``evaluate`` on representatives."""
    ctx = Context(cluster, options)
    for c, source in enumerate(ctx.classes):
        for d, destination in enumerate(ctx.classes):
            # within a class of several pods, "c to c" is one pod to another, not a pod to itself
            other = destination.pods[1] if c == d and len(destination.pods) > 1 else destination.rep
            for probe in PROBES:
                verdict = evaluate(cluster, source.rep, other, probe, options, labels=ctx.ns_labels)
                assert ctx.allows(c, d, probe) == verdict.allowed
                if source.rep is not other:
                    assert ctx.egress_allows(c, d, probe) == verdict.egress.allowed
                    assert ctx.ingress_allows(d, c, probe) == verdict.ingress.allowed


@SETTINGS
@given(cluster=clusters(), pods=st.lists(POD_SELECTORS, max_size=4), spaces=st.lists(NS_SELECTORS, max_size=4))
def test_indexed_selections_are_those_of_each_namespace(cluster: Cluster, pods, spaces) -> None:  # type: ignore[no-untyped-def]
    """A pod selector across all namespaces (one index over every class) picks in each namespace what ``select``
    picks there; namespaceSelectors found through the index of namespace labels are those whose labels match."""
    ctx = Context(cluster)
    for selector in pods:
        expected = {ns: mask for ns in sorted(ctx.by_namespace) if (mask := ctx.select(ns, selector) & ctx.real)}
        assert ctx.select_anywhere(selector) == expected
        assert list(ctx.select_anywhere(selector)) == list(expected)  # sorted by namespace
        everywhere = ctx.matrix.select_anywhere(selector)
        assert everywhere == {ns: mask for ns in ctx.by_namespace if (mask := ctx.select(ns, selector))}
    for selector in spaces:
        expected_names = sorted(ns for ns, labels in ctx.ns_labels.items() if selector.matches(labels))
        assert ctx.namespaces_matching(selector) == expected_names
        assert ctx.namespaces_matching(selector) == expected_names  # cached
    assert ctx.namespace_label_keys() == {key for labels in ctx.ns_labels.values() for key in labels}


@settings(max_examples=300, deadline=None)
@given(general=POD_SELECTORS, specific=POD_SELECTORS, labels=st.lists(POD_LABELS, max_size=8))
def test_selector_cover_is_sound(general, specific, labels) -> None:  # type: ignore[no-untyped-def]
    if selector_covers(general, specific):
        for label_set in labels:
            if specific.matches(label_set):
                assert general.matches(label_set)


def _rule(body, namespace: str) -> Rule:  # type: ignore[no-untyped-def]
    peers, ports = body
    peers = tuple(dataclasses.replace(p, namespace=namespace) if isinstance(p, PodPeer) else p for p in peers)
    return Rule(Direction.INGRESS, 0, peers, tuple(ports))


@SETTINGS
@given(cluster=clusters(), general=RULE_BODIES, specific=RULE_BODIES)
def test_rule_cover_is_sound(cluster: Cluster, general, specific) -> None:  # type: ignore[no-untyped-def]
    namespace = cluster.namespaces[0].name
    g, s = _rule(general, namespace), _rule(specific, namespace)
    labels = {ns.name: ns.labels for ns in cluster.namespaces}
    if not rule_covers(g, s, labels):
        return
    options = EngineOptions()
    for pod in cluster.pods:
        for probe in PROBES:
            if rule_peers_match(s, pod, labels, options) and rule_ports_match(s, probe, pod):
                assert rule_peers_match(g, pod, labels, options) and rule_ports_match(g, probe, pod)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster=clusters())
def test_every_rule_runs_on_any_cluster(cluster: Cluster) -> None:
    """No input makes a rule crash; findings are sorted, unique and serialisable."""
    import json

    from podwall.lint import lint

    report = lint(cluster)
    keys = [f.sort_key() for f in report.findings]
    assert keys == sorted(keys)
    assert len({(f.rule, f.object, f.message) for f in report.findings}) == len(report.findings)
    json.dumps([f.to_dict() for f in report.findings])
