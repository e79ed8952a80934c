"""Workloads newly isolated (or released) by a change, and only where a change can isolate anything."""

from __future__ import annotations

import podwall
from podwall.diff.isolation import IsolationChange, isolation_changes
from podwall.model import Direction

PODS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
"""
DENY_INGRESS_DB = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
"""
DENY_ALL = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""


def test_newly_isolated_and_released() -> None:
    before = podwall.load_text(PODS + DENY_INGRESS_DB)
    after = podwall.load_text(PODS + DENY_INGRESS_DB + DENY_ALL)
    forward = isolation_changes(before, after)
    assert forward == (
        IsolationChange("shop/db[Deployment]", Direction.EGRESS, True),
        IsolationChange("shop/web[Deployment]", Direction.EGRESS, True),
        IsolationChange("shop/web[Deployment]", Direction.INGRESS, True),
    )
    assert isolation_changes(after, before) == tuple(
        IsolationChange(c.workload, c.direction, False) for c in forward
    )
    report = podwall.compare(before, after, explain=False)
    assert report.newly_isolated == ("shop/db[Deployment]", "shop/web[Deployment]")
    assert report.released == ()


def test_rule_edits_isolate_nothing() -> None:
    """Only selectors, policy types and pod labels decide isolation: a port moved in a rule changes none."""
    before = podwall.load_text(PODS + DENY_INGRESS_DB)
    after = podwall.load_text(PODS + DENY_INGRESS_DB.replace("ingress: [{from:", "ingress: [{ports: [{port: 5433}], from:"))
    assert isolation_changes(before, after) == ()
    relabelled = podwall.load_text(PODS.replace("{app: db}}\n    spec", "{app: database}}\n    spec").replace(
        "selector: {matchLabels: {app: db}}", "selector: {matchLabels: {app: database}}") + DENY_INGRESS_DB)
    assert isolation_changes(before, relabelled) == (IsolationChange("shop/db[Deployment]", Direction.INGRESS, False),)
