"""The whole-command benchmark (benchmarks/commands.py) runs end to end on a tiny cluster.

One round at about 60 pods: the rows, ratios and the RESULTS.md section come out;
no time is asserted (benchmarks report ratios, never pass or fail on speed).
"""

from __future__ import annotations

from pathlib import Path

import podwall
from benchmarks import commands, gen


def test_the_json_list_is_the_same_cluster_as_the_yaml() -> None:
    params = dict(pods=60, namespaces=3, policies_per_ns=14, seed=7, as_="workloads")
    as_yaml = podwall.load_text(gen.generate(**params), "c.yaml")
    as_json = podwall.load_text(gen.generate(**params, format="json"), "c.json")
    assert [(p.key, p.labels, p.ports) for p in as_yaml.pods] == [(p.key, p.labels, p.ports) for p in as_json.pods]
    assert [(p.key, [r.peers for r in p.ingress], [r.ports for r in p.egress]) for p in as_yaml.policies] == [
        (p.key, [r.peers for r in p.ingress], [r.ports for r in p.egress]) for p in as_json.policies
    ]


def test_pods_only_has_every_pod_and_no_workload() -> None:
    cluster = podwall.load_text(gen.generate(60, namespaces=3, policies_per_ns=14, seed=7, as_="pods-only"), "p.yaml")
    assert len(cluster.pods) == 60 and cluster.workloads == ()


def test_one_tiny_round(tmp_path: Path) -> None:
    logged: list[str] = []
    results = commands.run([60], 1, tmp_path, logged.append, rules=30)
    rows = commands.figures(results)
    assert [r["pods"] for r in rows] == [60]
    (row,) = rows
    assert row["exits"] == {"floor": 0, "floor_pods": 0, "json_floor": 0, "reach": 0, "reach_json": 0, "lint": 1,
                            "lint_pods": 1, "lint_pods_json": 1}
    assert results["small"]["help"]["exit"] == 0 and results["small"]["lint_rules"]["exit"] == 1
    text = "\n".join(commands.section(results))
    assert "## Whole commands (issue 17)" in text and "| 60 |" in text and "30 ingress rules" in text
    assert "| at filing | today | goal | met |" in text and "Growth exponents" in text
