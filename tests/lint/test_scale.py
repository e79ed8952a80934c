"""Lint at scale: 10,000 pods and 4,000 policies give exactly the expected findings.

Timing is not asserted here (benchmarks/ reports it); this keeps the large-input
paths correct, with and without an admin tier.
"""

from __future__ import annotations

import dataclasses

import pytest

from podwall.lint import lint
from podwall.lint.rules import PW218_redundant
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Action,
    AdminPolicy,
    AdminRule,
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
    Tier,
)
from tests.lint.scale import synthetic

def test_ten_thousand_pods_and_four_thousand_policies() -> None:
    cluster = synthetic(namespaces=40, apps=25, replicas=10, extra_policies=50)
    assert (len(cluster.pods), len(cluster.policies)) == (10_002, 4_000)
    dns = AdminPolicy(
        "AdminNetworkPolicy", "cluster-dns", Tier.ADMIN, 10, PodPeer("", None, LabelSelector()),
        egress=(AdminRule(Direction.EGRESS, 0, Action.ALLOW, (
            PodPeer("", LabelSelector.from_labels({"k8s-app": "kube-dns"}),
                    LabelSelector.from_labels({NAMESPACE_NAME_LABEL: "kube-system"})),
        ), (PortSpec(Protocol.UDP, 53),)),),
    )
    for current in (cluster, dataclasses.replace(cluster, admin_policies=(dns,))):
        report = lint(current)
        # the chains' first app in each namespace has no client: its Service is unreachable
        assert [f.rule for f in report.findings] == ["PW213"] * 40


def _one_policy(rules: list[Rule]) -> Cluster:
    """One Pod and one NetworkPolicy holding ``rules`` (ingress)."""
    api = Pod("shop", "api", {"app": "api"}, (ContainerPort(8080, Protocol.TCP),))
    policy = NetworkPolicy("shop", "big", LabelSelector.from_labels({"app": "api"}), frozenset({Direction.INGRESS}),
                           ingress=tuple(rules))
    return Cluster((Namespace("shop", {NAMESPACE_NAME_LABEL: "shop"}),), (api,), (), (), (policy,))


def _web(n: int | str = "") -> tuple[PodPeer, ...]:
    return (PodPeer("shop", LabelSelector.from_labels({"app": f"web{n}"})),)


SHAPES = {
    # 1,000 copies of one rule: the first covers the 999 others
    "duplicates": [Rule(Direction.INGRESS, i, _web(), (PortSpec(Protocol.TCP, 8080),)) for i in range(1000)],
    # one peer, 1,000 ports: no rule covers another
    "ports": [Rule(Direction.INGRESS, i, _web(), (PortSpec(Protocol.TCP, 1 + i),)) for i in range(1000)],
    # 1,000 peers, every port: no rule covers another
    "peers": [Rule(Direction.INGRESS, i, _web(i)) for i in range(1000)],
    # every third rule repeats the one before it
    "some": [Rule(Direction.INGRESS, i, _web(i - (i % 3 == 2)), (PortSpec(Protocol.TCP, 8000 + i - (i % 3 == 2)),))
             for i in range(1000)],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_thousand_rules_in_one_policy_stay_linear(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PW218 compares each rule with the few that could cover it (an index), never with every other rule,
    and says so in one finding whose fix lists each rule to keep once (issue 10, item 7)."""
    rules = SHAPES[shape]
    compared = 0
    real = PW218_redundant.rule_covers

    def counting(general: Rule, specific: Rule, ns_labels: object) -> bool:
        nonlocal compared
        compared += 1
        return real(general, specific, ns_labels)  # type: ignore[arg-type]

    monkeypatch.setattr(PW218_redundant, "rule_covers", counting)
    report = lint(_one_policy(rules))
    assert compared <= 4 * len(rules)  # quadratic would be ~500,000
    redundant = [f for f in report.findings if f.rule == "PW218"]
    kept = {"duplicates": 1, "ports": 1000, "peers": 1000, "some": 667}[shape]
    if kept == len(rules):
        assert redundant == []
        return
    (finding,) = redundant
    assert finding.fix.count("- from:") == kept  # the rules to keep, each once
    if shape == "duplicates":
        assert finding.message == (
            "spec.ingress[1], spec.ingress[2], spec.ingress[3] and 996 more admit nothing that spec.ingress[0] "
            "does not already admit to the same pods"
        )
    else:
        assert finding.message.startswith("spec.ingress[2] admits nothing that spec.ingress[1] does not already admit")
        assert finding.message.count(";") == 332  # one clause per covering rule


def _namespaces(n: int) -> Cluster:
    """``n`` namespaces, each with an app and a policy letting in Prometheus twice: by a podSelector alone (its pods
    are in namespace monitoring: PW208 in every namespace) and with the namespaceSelector it needs."""
    prometheus = LabelSelector.from_labels({"app": "prometheus"})
    monitoring = LabelSelector.from_labels({NAMESPACE_NAME_LABEL: "monitoring"})
    names = [f"ns{i:03d}" for i in range(n)]
    namespaces = tuple(Namespace(ns, {NAMESPACE_NAME_LABEL: ns}) for ns in [*names, "monitoring"])
    pods = [Pod(ns, "app", {"app": f"app-{ns}"}, (ContainerPort(8080, Protocol.TCP),)) for ns in names]
    pods.append(Pod("monitoring", "prometheus", {"app": "prometheus"}))
    policies = tuple(
        NetworkPolicy(ns, "scrape", LabelSelector.from_labels({"app": f"app-{ns}"}), frozenset({Direction.INGRESS}),
                      ingress=(Rule(Direction.INGRESS, 0, (PodPeer(ns, prometheus),)),
                               Rule(Direction.INGRESS, 1, (PodPeer(ns, prometheus, monitoring),))))
        for ns in names
    )
    return Cluster(namespaces, tuple(pods), (), (), policies)


def test_selections_across_namespaces_grow_with_the_namespaces_not_their_square(monkeypatch: pytest.MonkeyPatch) -> None:
    """A podSelector looked for in every namespace (PW206, PW207, PW208) and a namespaceSelector (PW207, PW209) are
    found through indexes, not by trying each namespace per policy; PW208 writes one fix per selector."""
    from podwall.engine.matrix import ClassMatrix
    from podwall.lint.rules import PW208_peer_other_namespace

    counts = {"select": 0, "matches": 0, "yaml": 0}

    def counting(name: str, real):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            counts[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(ClassMatrix, "_select", counting("select", ClassMatrix._select))
    monkeypatch.setattr(LabelSelector, "matches", counting("matches", LabelSelector.matches))
    monkeypatch.setattr(PW208_peer_other_namespace, "to_yaml", counting("yaml", PW208_peer_other_namespace.to_yaml))
    work = {}
    for n in (10, 40):
        counts.update(dict.fromkeys(counts, 0))
        report = lint(_namespaces(n))
        assert [f.object for f in report.findings if f.rule == "PW208"] == [f"ns{i:03d}/NetworkPolicy/scrape" for i in range(n)]
        assert counts["yaml"] == 1
        work[n] = dict(counts)
    for name in ("select", "matches"):  # 4x the namespaces; their square would be 16x
        assert work[40][name] <= 5 * work[10][name], (name, work)
