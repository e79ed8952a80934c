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
