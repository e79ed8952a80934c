"""Grouping pods under workloads (ownerReferences, then labels and names) and template stand-ins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from podwall.loader import load_text
from podwall.loader.owners import PodDraft, WorkloadDraft, group
from podwall.model import Cluster, Pod, Workload, WorkloadRef

APIS = {
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "ReplicationController": "v1",
}


def owners(*refs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"apiVersion": APIS.get(k, "example.com/v1"), "kind": k, "name": n, "uid": "u", "controller": True}
            for k, n in refs]


def pod(name: str, labels: dict[str, str], *refs: tuple[str, str], ns: str = "prod") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
    if refs:
        meta["ownerReferences"] = owners(*refs)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [{"name": "c"}]}}


def workload(kind: str, name: str, labels: dict[str, str], *refs: tuple[str, str], ns: str = "prod") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if refs:
        meta["ownerReferences"] = owners(*refs)
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c"}]}}
    spec: dict[str, Any] = {"template": template}
    if APIS[kind] == "apps/v1":
        spec["selector"] = {"matchLabels": labels}  # required there, and it must select the template
    if kind == "CronJob":
        spec = {"schedule": "@daily", "jobTemplate": {"spec": spec}}
    return {"apiVersion": APIS[kind], "kind": kind, "metadata": meta, "spec": spec}


def load(*objects: dict[str, Any]) -> Cluster:
    return load_text(yaml.safe_dump_all(objects), "o.yaml")


def owner_of(cluster: Cluster) -> dict[str, str | None]:
    """Real pods -> their owner's ``ns/Kind/name``."""
    return {p.name: (str(p.owner) if p.owner else None) for p in cluster.pods if not p.template}


def stand_ins(cluster: Cluster) -> list[str]:
    return [p.key for p in cluster.pods if p.template]


WEB = {"app": "web"}
HASHED = {"app": "web", "pod-template-hash": "5d8f7"}


def test_owner_references_chain_to_the_top_present_workload() -> None:
    cluster = load(
        workload("Deployment", "web", WEB),
        workload("ReplicaSet", "web-5d8f7", HASHED, ("Deployment", "web")),
        pod("web-5d8f7-abcde", HASHED, ("ReplicaSet", "web-5d8f7")),
        pod("web-5d8f7-fghij", HASHED, ("ReplicaSet", "web-5d8f7")),
    )
    assert owner_of(cluster) == {"web-5d8f7-abcde": "prod/Deployment/web", "web-5d8f7-fghij": "prod/Deployment/web"}
    assert {str(w.ref): str(w.owner) if w.owner else None for w in cluster.workloads} == {
        "prod/Deployment/web": None,
        "prod/ReplicaSet/web-5d8f7": "prod/Deployment/web",
    }
    assert stand_ins(cluster) == []


def test_owner_is_the_replicaset_when_its_deployment_is_absent() -> None:
    cluster = load(
        workload("ReplicaSet", "web-5d8f7", HASHED, ("Deployment", "web")),
        pod("web-5d8f7-abcde", HASHED, ("ReplicaSet", "web-5d8f7")),
    )
    assert owner_of(cluster) == {"web-5d8f7-abcde": "prod/ReplicaSet/web-5d8f7"}
    assert cluster.workloads[0].owner is None
    assert stand_ins(cluster) == []


def test_absent_replicaset_reference_leads_to_the_deployment() -> None:
    # kubectl get pods,deployments -o yaml: the ReplicaSets are not in the input
    cluster = load(
        workload("Deployment", "web", WEB),
        pod("web-5d8f7-abcde", HASHED, ("ReplicaSet", "web-5d8f7")),
    )
    assert owner_of(cluster) == {"web-5d8f7-abcde": "prod/Deployment/web"}
    assert stand_ins(cluster) == []


def test_template_hash_without_owner_references() -> None:
    cluster = load(
        workload("Deployment", "web", WEB),
        workload("Deployment", "web-api", {"app": "web-api"}),
        pod("web-5d8f7-abcde", HASHED),
        pod("web-api-5d8f7-abcde", {"app": "web-api", "pod-template-hash": "5d8f7"}),
        pod("web-other", {"app": "other", "pod-template-hash": "1"}),  # labels do not match web's template
    )
    assert owner_of(cluster) == {
        "web-5d8f7-abcde": "prod/Deployment/web",
        "web-api-5d8f7-abcde": "prod/Deployment/web-api",
        "web-other": None,
    }


def test_template_hash_finds_replicaset_then_its_deployment() -> None:
    cluster = load(
        workload("Deployment", "web", WEB),
        workload("ReplicaSet", "web-5d8f7", HASHED),  # exported without ownerReferences
        pod("web-5d8f7-abcde", HASHED),
    )
    assert owner_of(cluster) == {"web-5d8f7-abcde": "prod/Deployment/web"}
    replicaset = next(w for w in cluster.workloads if w.ref.kind == "ReplicaSet")
    assert replicaset.owner == WorkloadRef("Deployment", "prod", "web")


def test_template_hash_with_a_replicaset_alone() -> None:
    cluster = load(workload("ReplicaSet", "web-5d8f7", HASHED), pod("web-5d8f7-abcde", HASHED))
    assert owner_of(cluster) == {"web-5d8f7-abcde": "prod/ReplicaSet/web-5d8f7"}


def test_controller_revision_hash() -> None:
    cluster = load(
        workload("StatefulSet", "db", {"app": "db"}),
        workload("DaemonSet", "agent", {"app": "agent"}),
        pod("db-0", {"app": "db", "controller-revision-hash": "db-7c9", "statefulset.kubernetes.io/pod-name": "db-0"}),
        pod("agent-x7k2p", {"app": "agent", "controller-revision-hash": "6b5"}),
        pod("db-1", {"app": "db", "controller-revision-hash": "db-7c9"}, ns="other"),  # another namespace
    )
    assert owner_of(cluster) == {"db-0": "prod/StatefulSet/db", "agent-x7k2p": "prod/DaemonSet/agent", "db-1": None}


def test_job_and_cronjob() -> None:
    cluster = load(
        workload("CronJob", "backup", {"app": "backup"}),
        workload("Job", "backup-28000000", {"app": "backup"}, ("CronJob", "backup")),
        pod("backup-28000000-q2x", {"app": "backup", "job-name": "backup-28000000"}, ("Job", "backup-28000000")),
        workload("CronJob", "report", {"app": "report"}),
        pod("report-29000000-abc", {"app": "report", "batch.kubernetes.io/job-name": "report-29000000"}),
    )
    assert owner_of(cluster) == {
        "backup-28000000-q2x": "prod/CronJob/backup",
        "report-29000000-abc": "prod/CronJob/report",
    }
    job = next(w for w in cluster.workloads if w.ref.kind == "Job")
    assert job.owner == WorkloadRef("CronJob", "prod", "backup")
    assert stand_ins(cluster) == []


def test_stand_ins_for_top_level_workloads_without_pods() -> None:
    cluster = load(
        workload("Deployment", "web", WEB),
        workload("ReplicaSet", "web-5d8f7", HASHED, ("Deployment", "web")),
        workload("StatefulSet", "db", {"app": "db"}),
        workload("ReplicaSet", "orphan-1", {"app": "orphan"}),
        workload("CronJob", "backup", {"app": "backup"}),
        workload("Job", "backup-1", {"app": "backup"}, ("CronJob", "backup")),
        workload("ReplicationController", "legacy", {"app": "legacy"}),
        pod("lone", {"app": "lone"}),
    )
    # no stand-in for the ReplicaSet owned by web, nor for the Job owned by backup
    assert [p.key for p in cluster.pods] == [
        "prod/CronJob/backup",
        "prod/StatefulSet/db",
        "prod/ReplicationController/legacy",
        "prod/lone",
        "prod/ReplicaSet/orphan-1",
        "prod/Deployment/web",
    ]
    web = cluster.pods[-1]
    assert (web.template, web.owner, web.labels, web.name) == (True, WorkloadRef("Deployment", "prod", "web"), WEB, "web")
    assert web.workload_key == "prod/Deployment/web"
    assert web.location is not None and web.location.line == 1


def test_unknown_owner_kinds_are_ignored() -> None:
    cluster = load(pod("rollout-abc", {"app": "x"}, ("Rollout", "rollout")))
    assert owner_of(cluster) == {"rollout-abc": None}


def test_ownership_cycles_do_not_hang() -> None:
    cluster = load(
        workload("Deployment", "a", WEB, ("ReplicaSet", "b")),
        workload("ReplicaSet", "b", WEB, ("Deployment", "a")),
        pod("b-x", WEB, ("ReplicaSet", "b")),
    )
    assert owner_of(cluster)["b-x"] in ("prod/Deployment/a", "prod/ReplicaSet/b")
    assert stand_ins(cluster) == []


def test_controller_reference_wins_over_the_first() -> None:
    refs = owners(("Deployment", "other"), ("ReplicaSet", "web-5d8f7"))
    refs[0]["controller"] = False
    p = pod("web-5d8f7-abcde", HASHED)
    p["metadata"]["ownerReferences"] = refs
    cluster = load(
        workload("Deployment", "other", {"app": "other"}),
        workload("ReplicaSet", "web-5d8f7", HASHED),
        p,
    )
    assert owner_of(cluster) == {"web-5d8f7-abcde": "prod/ReplicaSet/web-5d8f7"}


def test_grouping_ten_thousand_pods_by_labels_and_names() -> None:
    """10,000 pods under 1,000 Deployments, inferred from labels and names (timing: benchmarks/)."""
    workloads = [
        WorkloadDraft(Workload(WorkloadRef("Deployment", "prod", f"app{i}"), {"app": f"app{i}"}))
        for i in range(1000)
    ]
    pods = [
        PodDraft(Pod("prod", f"app{i % 1000}-h{i % 1000}-{i}", {"app": f"app{i % 1000}", "pod-template-hash": f"h{i % 1000}"}))
        for i in range(10_000)
    ]
    grouped, _ = group(pods, workloads)
    assert len(grouped) == 10_000
    assert all(p.owner is not None and p.owner.name == p.labels["app"] for p in grouped)


# -- pods whose controller is not in the input (issue 11): kubectl get pods -o json ------------------


def _pod_json(name: str, labels: dict[str, str], owner_kind: str, owner: str) -> dict[str, object]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": labels, "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "uid": f"u-{owner}", "controller": True}]},
        "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}]},
        "status": {"phase": "Running", "podIP": f"10.0.0.{len(name)}"},
    }


GET_PODS = __import__("json").dumps({"apiVersion": "v1", "kind": "List", "items": [
    _pod_json("web-7d9f8b6c5d-abcde", {"app": "web", "pod-template-hash": "7d9f8b6c5d"}, "ReplicaSet", "web-7d9f8b6c5d"),
    _pod_json("web-7d9f8b6c5d-fghij", {"app": "web", "pod-template-hash": "7d9f8b6c5d"}, "ReplicaSet", "web-7d9f8b6c5d"),
    _pod_json("db-0", {"app": "db"}, "StatefulSet", "db"),
    _pod_json("legacy-x1", {"app": "legacy"}, "ReplicaSet", "legacy"),
]})


def test_pods_of_absent_controllers_group_into_their_workloads() -> None:
    cluster = load_text(GET_PODS, "pods.json")
    assert sorted({p.workload_key for p in cluster.pods}) == [
        "shop/Deployment/web", "shop/ReplicaSet/legacy", "shop/StatefulSet/db",
    ]
    assert cluster.workloads == ()


def test_every_view_names_the_inferred_deployment(tmp_path: Path) -> None:
    from tests.cli.harness import run

    path = tmp_path / "pods.json"
    path.write_text(GET_PODS)
    reach = run("reach", "-f", str(path), "--by", "workload", "-o", "json")
    assert reach.exit_code == 0, reach.stderr
    assert __import__("json").loads(reach.stdout)["subjects"] == [
        "shop/Deployment/web", "shop/ReplicaSet/legacy", "shop/StatefulSet/db",
    ]
    explain = run("explain", "-f", str(path), "shop/deploy/web", "shop/StatefulSet/db", "8080/TCP")
    assert explain.exit_code == 0, explain.stderr
    assert explain.stdout.startswith("ALLOWED: shop/Deployment/web -> shop/StatefulSet/db on 8080/TCP")
