"""Lint at scale: 10,000 pods and 4,000 policies give exactly the expected findings.

Timing is not asserted here (benchmarks/ reports it); this keeps the large-input
paths correct, with and without an admin tier.
"""

from __future__ import annotations

import dataclasses

from podwall.lint import lint
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Action,
    AdminPolicy,
    AdminRule,
    Direction,
    LabelSelector,
    PodPeer,
    PortSpec,
    Protocol,
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
