"""A 30-subject lab with 4 ports: built, probed and torn down; the figure is reported, not asserted."""

from __future__ import annotations

import time

import pytest
import yaml

import podwall
from podwall.lab import run

from tests.lab.conftest import STATS
from tests.lab.corpus import netpol

pytestmark = pytest.mark.lab

PORTS = [{"containerPort": p, "protocol": proto} for p in (80, 81) for proto in ("TCP", "UDP")]


def world_30() -> str:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"n{i}", "labels": {"team": f"t{i % 2}"}}}
            for i in range(5)]
    docs += [
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": f"p{j}", "namespace": f"n{i}", "labels": {"app": f"a{j % 3}", "tier": "web" if j < 3 else "db"}},
         "spec": {"containers": [{"name": "c", "image": "x", "ports": PORTS}]}}
        for i in range(5) for j in range(6)
    ]
    policies = (
        netpol("n0/deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]")
        + netpol("n0/egress-80", "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to:\n      - namespaceSelector: {}\n    ports:\n      - {port: 80}")
        + netpol("n1/from-n0", "podSelector: {}\ningress:\n  - from:\n      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: n0}}")
        + netpol("n2/web-81-udp", "podSelector: {matchLabels: {tier: db}}\ningress:\n  - from:\n      - podSelector: {matchLabels: {tier: web}}\n    ports:\n      - {port: 81, protocol: UDP}")
        + netpol("n3/egress-ipblock", "podSelector: {}\npolicyTypes: [Egress]\negress:\n  - to:\n      - ipBlock: {cidr: 10.244.0.0/16, except: [10.244.4.0/24]}")
    )
    return yaml.safe_dump_all(docs, sort_keys=False) + policies


def test_thirty_subjects_four_ports() -> None:
    cluster = podwall.load_text(world_30(), "<30 subjects>")
    assert len(cluster.pods) == 30
    started = time.monotonic()
    result = run(cluster, timeout=1.0)
    total = time.monotonic() - started
    assert result.ok, [f"{o.source} -> {o.destination} {o.probe}: {o.observed.value}" for o in result.disagreements[:10]]
    assert len(result.subjects) == 30 and len(result.probes) == 4
    assert result.compared >= 30 * 30 * 4
    timings = dict(result.timings)
    STATS.update(scale_total=total, scale_probes=result.compared, scale_build=timings["build"],
                 scale_probe=timings["probe"], scale_teardown=timings["teardown"])
