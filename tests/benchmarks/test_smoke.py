"""The generator's clusters load cleanly and are analysed like the reference does; the harness runs.

Tiny sizes only (about 50 pods): structure is asserted, never a time.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

import podwall
from benchmarks import gen, run
from podwall.engine import Probe
from podwall.model import NAMESPACE_NAME_LABEL, Direction, PodPeer, Protocol
from reference import reference_matrix, reference_workload_matrix

TINY = dict(pods=50, namespaces=3, policies_per_ns=14, seed=7)


@functools.cache
def tiny_text(**overrides: Any) -> str:
    return gen.generate(**{**TINY, **overrides})


@functools.cache
def tiny_cluster() -> podwall.Cluster:
    return podwall.load_text(tiny_text(), "tiny.yaml")


def app_namespaces(cluster: podwall.Cluster) -> list[str]:
    return [ns.name for ns in cluster.namespaces if ns.name not in gen.SYSTEM_NAMESPACES]


def test_same_parameters_same_bytes_and_seed_matters() -> None:
    assert gen.generate(**TINY) == gen.generate(**TINY)
    assert gen.generate(**{**TINY, "seed": 8}) != gen.generate(**TINY)


@pytest.mark.parametrize("as_", ["pods", "workloads"])
@pytest.mark.parametrize("detail", ["lean", "full"])
def test_output_loads_without_errors_or_warnings(as_: str, detail: str) -> None:
    cluster = podwall.load_text(tiny_text(as_=as_, detail=detail), "tiny.yaml")

    assert cluster.warnings == ()
    assert len(cluster.policies) == TINY["namespaces"] * TINY["policies_per_ns"]
    assert len(app_namespaces(cluster)) == TINY["namespaces"]
    if as_ == "pods":
        assert len(cluster.pods) == TINY["pods"]
        assert all(p.ips and str(p.ips[0]).startswith("10.") for p in cluster.pods)
        assert all(p.owner is not None for p in cluster.pods)  # grouped under their workload
    else:
        assert all(p.template for p in cluster.pods)  # the workloads stand for their pods


def test_every_application_namespace_has_default_deny_and_dns() -> None:
    cluster = tiny_cluster()
    for ns in app_namespaces(cluster):
        policies = [p for p in cluster.policies if p.namespace == ns]
        deny = [
            p
            for p in policies
            if p.pod_selector.is_empty and p.policy_types == {Direction.INGRESS, Direction.EGRESS} and not p.ingress and not p.egress
        ]
        assert deny, f"{ns} has no default-deny"
        dns = [
            p
            for p in policies
            for rule in p.egress
            if {(s.port, s.protocol) for s in rule.ports} >= {(53, Protocol.UDP), (53, Protocol.TCP)}
            and any(
                isinstance(peer, PodPeer)
                and peer.namespace_selector is not None
                and (NAMESPACE_NAME_LABEL, "kube-system") in peer.namespace_selector.match_labels
                for peer in rule.peers
            )
        ]
        assert dns, f"{ns} has no DNS allow"
    # and DNS really works: every application pod reaches CoreDNS on 53/UDP
    matrix = podwall.reach(cluster, [Probe(53, Protocol.UDP)], by="workload")
    sources = {p.workload_key for p in cluster.pods if p.namespace in app_namespaces(cluster)}
    assert all(matrix.allows(s, "kube-system/Deployment/coredns", Probe(53, Protocol.UDP)) for s in sources)


def test_the_shapes_the_issue_lists_are_present() -> None:
    groups = gen.manifests(**{**TINY, "policies_per_ns": 40})
    text = gen._dump(groups["policies"])
    for needle in ("matchExpressions", "ipBlock", "except:", "endPort", "namespaceSelector", "port: http", "NotIn", "Exists"):
        assert needle in text, needle
    combined = [
        peer
        for p in groups["policies"]
        for rule in p["spec"].get("ingress", []) + p["spec"].get("egress", [])
        for peer in rule.get("from", rule.get("to", []))
        if "namespaceSelector" in peer and "podSelector" in peer
    ]
    assert combined
    labels = set().union(*(pod["metadata"]["labels"] for pod in groups["pods"]))
    assert {"app", "tier", "team", "version", "pod-template-hash"} <= labels
    assert all(1 <= w["spec"]["replicas"] <= 50 for w in groups["workloads"])
    owners = {pod["metadata"]["ownerReferences"][0]["kind"] for pod in groups["pods"]}
    assert "ReplicaSet" in owners


def test_reach_equals_the_reference_on_the_tiny_cluster() -> None:
    cluster = tiny_cluster()
    for view, oracle in (("pod", reference_matrix), ("workload", reference_workload_matrix)):
        result = podwall.reach(cluster, by=view)
        assert result.allowed == oracle(cluster, result.probes), view
    assert podwall.reach(cluster, by="pod").allowed  # something is allowed: the comparison is not vacuous


def test_harness_functions_run_in_process(tmp_path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(tiny_text())

    parse = run.measure_parse(path)
    measured = run.measure_podwall(path, explain_calls=3)
    reference = run.measure_reference(path, budget_s=0.05, max_samples=200, allowed_checks=20)

    assert parse["documents"] > TINY["pods"] and set(parse["cpu"]) == {"parse"}
    assert measured["pods"] == TINY["pods"] and measured["warnings"] == 0
    assert {"load", "workload_matrix", "pod_classes"} <= set(measured["cpu"])
    assert measured["explain_calls"] == 3
    assert reference["disagreements"] == 0 and reference["samples"] >= 20
    assert reference["extrapolated_s"] == pytest.approx(reference["per_eval_s"] * reference["pairs_x_probes"])

    row = {"size": TINY["pods"], "parse": parse, "podwall": {**measured, "child_rss_mb": measured["rss_mb"]}, "reference": reference}
    results = {"machine": run._machine(), "params": {"detail": "lean", "policies_per_ns": 14, "seed": 7,
               "explain_calls": 3, "nca_timeout_s": 600}, "sizes": [row]}  # fmt: skip
    report = run.render(results)
    assert "| 50 |" in report and "EXTRAPOLATED" in report and "not run" in report


def test_command_line_writes_a_file_or_a_directory(tmp_path) -> None:
    assert gen.main(["--pods", "30", "--namespaces", "2", "--policies-per-ns", "4", "-o", str(tmp_path / "c.yaml")]) == 0
    (tmp_path / "dir").mkdir()
    assert gen.main(["--pods", "30", "--namespaces", "2", "--policies-per-ns", "4", "-o", str(tmp_path / "dir")]) == 0

    single = podwall.load([str(tmp_path / "c.yaml")])
    split = podwall.load([str(tmp_path / "dir")])
    assert sorted(f.name for f in (tmp_path / "dir").iterdir()) == [
        "00-namespaces.yaml", "01-workloads.yaml", "02-pods.yaml", "03-policies.yaml",
    ]  # fmt: skip
    assert [p.key for p in single.pods] == [p.key for p in split.pods]
    assert [p.key for p in single.policies] == [p.key for p in split.policies]


def test_flows_benchmark_lines_are_hubble_records_of_the_generated_cluster(tmp_path) -> None:
    """The generated lines are Hubble records between the cluster's pods: as many distinct flows as asked, judged."""
    from benchmarks import flows as flows_bench
    from podwall.flows import check, read

    cluster_path, path = tmp_path / "cluster.yaml", tmp_path / "lines.jsonl"
    cluster_path.write_text(tiny_text())
    assert flows_bench.write_lines(path, 300, cluster_path, 40) == 40
    report = check(podwall.load([str(cluster_path)]), read([str(path)]))
    o = report.observation
    assert o.lines == 300 and not o.unreadable and not o.unattributed
    assert len(report.judged) == 40 and o.replies == 60  # every fourth connection's SYN-ACK, turned round
    assert sum(j.flow.count for j in report.judged) == 240  # one connection per SYN, none per reply
    measured = flows_bench.measure("check", str(path), str(cluster_path))
    assert (measured["lines"], measured["flows"]) == (300, 40)