"""Reading a large cluster: memory is the model's, not the responses' (a benchmark, not a timing test).

``PODWALL_CLUSTER_PODS`` sets the size (default 2,000 so the suite stays fast; the figures in
docs/cluster.md are from ``PODWALL_CLUSTER_PODS=50000``). Each measurement runs in a fresh
process and reports its peak RSS and CPU time; the assertions are ratios within this run:

- the peak while reading is the model plus what is in flight (a page per thread), not the
  responses: peak minus the memory the finished model holds stays small;
- reading the pods from the API server costs no more memory than loading the same objects from
  their snapshot file (the file loader's floor).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.apiserver.server import EVERYTHING, ApiServer, kubeconfig
from tests.apiserver.world import NODES, nodes

PODS = int(os.environ.get("PODWALL_CLUSTER_PODS", "2000"))
PER_NAMESPACE = 500
PER_DEPLOYMENT = 25
ROOT = Path(__file__).resolve().parents[2]

# VmHWM (this process image's peak RSS), not ru_maxrss: Linux carries ru_maxrss over fork and exec,
# so a child of the big test process would report the parent's size.
MEASURE = """
import json, sys, time
{setup}
start = time.process_time()
{work}
cpu = time.process_time() - start
import gc
gc.collect()
status = {{line.split(":")[0]: int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("Vm")}}
print(json.dumps({{"rss_kb": status["VmHWM"], "after_kb": status["VmRSS"], "cpu": cpu,
                  "pods": len(cluster.pods) if cluster else 0}}))
"""
SETUP = "import podwall, podwall.loader.cluster, kubernetes.client, kubernetes.config, urllib3"


def measure(work: str) -> dict[str, Any]:
    script = MEASURE.format(setup=SETUP, work=work)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=1800,
                         env=dict(os.environ, PYTHONPATH=str(ROOT / "src"))).stdout
    return json.loads(out.splitlines()[-1])


def _pod(i: int) -> dict[str, Any]:
    """A pod as a live API serves it: managedFields, status, ownerReference, a long annotation."""
    ns, deploy = f"team-{i // PER_NAMESPACE:03d}", f"svc-{(i % PER_NAMESPACE) // PER_DEPLOYMENT:02d}"
    node = NODES[i % len(NODES)]
    labels = {"app": deploy, "tier": ("web", "api", "db")[i % 3], "pod-template-hash": "5d8f7c9b4"}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": f"{deploy}-5d8f7c9b4-{i:06d}", "namespace": ns, "labels": labels,
            "uid": f"00000000-0000-4000-8000-{i:012d}", "creationTimestamp": "2024-05-01T10:00:00Z",
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z",
                            "prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{deploy}-5d8f7c9b4",
                                 "uid": "11111111-0000-4000-8000-000000000000", "controller": True,
                                 "blockOwnerDeletion": True}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                               "time": "2024-05-01T10:00:00Z", "fieldsType": "FieldsV1",
                               "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}}},
                                            "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {}}}}},
                              {"manager": "kubelet", "operation": "Update", "apiVersion": "v1",
                               "time": "2024-05-01T10:00:05Z", "fieldsType": "FieldsV1", "subresource": "status",
                               "fieldsV1": {"f:status": {"f:conditions": {}, "f:podIP": {}}}}],
        },
        "spec": {
            "nodeName": node, "restartPolicy": "Always", "serviceAccountName": "default",
            "containers": [{"name": "app", "image": f"registry.example.com/{deploy}:1.{i % 7}",
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                                      {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
                            "env": [{"name": "LOG_LEVEL", "value": "info"}],
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                            "volumeMounts": [{"name": "kube-api-access", "readOnly": True,
                                              "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}],
        },
        "status": {
            "phase": "Running", "hostIP": "172.18.0.2", "podIP": f"10.{64 + i // 65536}.{i // 256 % 256}.{i % 256}",
            "podIPs": [{"ip": f"10.{64 + i // 65536}.{i // 256 % 256}.{i % 256}"}], "qosClass": "Burstable",
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2024-05-01T10:00:05Z"}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "started": True,
                                   "image": f"registry.example.com/{deploy}:1.{i % 7}",
                                   "imageID": "registry.example.com/app@sha256:" + "0" * 64,
                                   "containerID": f"containerd://{i:064d}",
                                   "state": {"running": {"startedAt": "2024-05-01T10:00:05Z"}}}],
        },
    }


def _others(count: int) -> list[dict[str, Any]]:
    spaces = sorted({f"team-{i // PER_NAMESPACE:03d}" for i in range(count)})
    out: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in spaces]
    for ns in spaces:
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": "default-deny", "namespace": ns},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": "web-to-api", "namespace": ns},
                    "spec": {"podSelector": {"matchLabels": {"tier": "api"}}, "policyTypes": ["Ingress"],
                             "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "web"}}}],
                                          "ports": [{"port": "http"}]}]}})
    return out


def test_50000_pods_are_read_in_the_models_memory(tmp_path: Path) -> None:
    server = ApiServer.start(tmp_path / "api")
    try:
        server.add_user("reader", EVERYTHING, token="t")
        server.put(*nodes(), *_others(PODS))
        server.put(*(_pod(i) for i in range(PODS)), adopt=True)
        served = sum(len(json.dumps(p)) for p in server.objects[("", "pods")].values())
        config = kubeconfig(server, tmp_path / "kc", token="t")
        snapshot = tmp_path / "snapshot.json"
        baseline = measure("cluster = None")
        live = measure(f"from podwall.loader.cluster import ClusterSource, read_cluster\n"
                       f"cluster = read_cluster(ClusterSource({str(config)!r}))")
        measure(f"from podwall.loader.cluster import ClusterSource, connect\n"
                f"from podwall.loader.cluster.snapshot import snapshot\n"
                f"cluster = None\nsnapshot(connect(ClusterSource({str(config)!r})), {str(snapshot)!r})")
        offline = measure(f"cluster = podwall.load([{str(snapshot)!r}])")
    finally:
        server.stop()
    assert live["pods"] == offline["pods"] == PODS
    base = baseline["rss_kb"]
    peak_mb, model_mb = (live["rss_kb"] - base) / 1024, (live["after_kb"] - base) / 1024
    offline_mb = (offline["rss_kb"] - base) / 1024
    text_mb = snapshot.stat().st_size / 2**20
    transient_mb = peak_mb - model_mb
    print(f"\n{PODS} pods ({served / 2**20:.0f} MB of JSON served): cluster read peak +{peak_mb:.0f} MB over the "
          f"{base // 1024} MB baseline, of which the finished model holds {model_mb:.0f} MB (in flight: "
          f"{transient_mb:.0f} MB), {live['cpu']:.1f} s CPU; the same objects from their snapshot file: peak "
          f"+{offline_mb:.0f} MB, {offline['cpu']:.1f} s CPU ({text_mb:.0f} MB of JSON)")
    assert transient_mb <= 25 + 0.25 * model_mb, "reading the cluster holds more than the model and a few pages"
    # A JSON List's items are converted one by one as they are decoded (decode.Item), with lines found lazily
    # (loader.lazyjson): reading the snapshot file holds the model and the file's text, not its decoded values
    # (at 50,000 pods: +192 MB for a 136 MB model and the text; +1,875 MB before the items were streamed).
    assert offline_mb <= model_mb + text_mb + 25, "reading the snapshot holds more than the model and its text"
