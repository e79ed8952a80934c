"""Live objects for the test API server, as a real cluster would hold them.

``live(manifests)`` plays the controllers: a Deployment gets a ReplicaSet and pods, a StatefulSet and
a DaemonSet their pods, each pod an IP, a node, a phase and ownerReferences; every object gets what
the API server adds (uid, resourceVersion, creationTimestamp, managedFields, kubectl's
last-applied-configuration annotation, status). Deterministic: same manifests, same objects.

``tutorial()`` is ``examples/tutorial`` running on a two-node cluster with Calico in kube-system,
plus a ConfigMap and a Secret that podwall must never read.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "examples" / "tutorial"
NODES = ("node-a", "node-b")
NODE_IPS = {"node-a": "172.18.0.2", "node-b": "172.18.0.3"}
STAMP = "2024-05-01T10:00:00Z"


def _hash(*parts: str, size: int = 10) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(alphabet[int(digest[i : i + 2], 16) % len(alphabet)] for i in range(0, 2 * size, 2))


class _Addresses:
    """Pod IPs from per-node /24s, in creation order."""

    def __init__(self) -> None:
        self.next = {node: 10 for node in NODES}

    def take(self, node: str) -> str:
        index = NODES.index(node)
        self.next[node] += 1
        return f"10.244.{index + 1}.{self.next[node]}"


def _meta(obj: dict[str, Any], manager: str = "kubectl-client-side-apply") -> None:
    """What the API server and kubectl add to an applied object."""
    meta = obj.setdefault("metadata", {})
    applied = {k: v for k, v in obj.items() if k != "status"}
    annotations = meta.setdefault("annotations", {})
    if manager == "kubectl-client-side-apply":
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(applied, sort_keys=True) + "\n"
    meta.setdefault("uid", _uuid(obj))
    meta.setdefault("creationTimestamp", STAMP)
    meta.setdefault("generation", 1)
    meta["managedFields"] = [
        {"manager": manager, "operation": "Update", "apiVersion": obj["apiVersion"], "time": STAMP,
         "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {}}, "f:spec": {}}}
    ]
    if not annotations:
        del meta["annotations"]


def _uuid(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    h = hashlib.sha256(f"{obj['kind']}/{meta.get('namespace', '')}/{meta['name']}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _owner(obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _pod(template: dict[str, Any], namespace: str, name: str, owner: dict[str, Any], extra_labels: dict[str, str],
         node: str, addresses: _Addresses) -> dict[str, Any]:
    spec = copy.deepcopy(template.get("spec", {}))
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("serviceAccountName", "default")
    spec["nodeName"] = node
    for container in spec.get("containers", []):
        container.setdefault("imagePullPolicy", "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("volumeMounts", [{"name": "kube-api-access-abcde", "readOnly": True,
                                               "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}])
        for port in container.get("ports", []):
            port.setdefault("protocol", "TCP")
    labels = dict(template.get("metadata", {}).get("labels", {}))
    labels.update(extra_labels)
    ip = NODE_IPS[node] if spec.get("hostNetwork") else addresses.take(node)
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "ownerReferences": [_owner(owner)],
                     "annotations": dict(template.get("metadata", {}).get("annotations", {}))},
        "spec": spec,
        "status": {
            "phase": "Running", "hostIP": NODE_IPS[node], "hostIPs": [{"ip": NODE_IPS[node]}],
            "podIP": ip, "podIPs": [{"ip": ip}], "startTime": STAMP, "qosClass": "BestEffort",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": STAMP}],
            "containerStatuses": [
                {"name": c["name"], "ready": True, "restartCount": 0, "image": c.get("image", ""),
                 "imageID": f"docker.io/library/{c['name']}@sha256:{'0' * 64}", "started": True,
                 "state": {"running": {"startedAt": STAMP}}}
                for c in spec.get("containers", [])
            ],
        },
    }
    _meta(pod, "kube-controller-manager")
    return pod


def live(manifests: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects a cluster holds after ``kubectl apply`` of ``manifests`` and the controllers' work."""
    addresses = _Addresses()
    out: list[dict[str, Any]] = []
    node_turn = 0

    def next_node() -> str:
        nonlocal node_turn
        node_turn += 1
        return NODES[(node_turn - 1) % len(NODES)]

    for manifest in manifests:
        obj = copy.deepcopy(manifest)
        kind = obj["kind"]
        meta = obj.setdefault("metadata", {})
        if kind != "Namespace" and kind not in ("Node", "ClusterRole") and "namespace" not in meta:
            meta["namespace"] = "default"
        _meta(obj)
        out.append(obj)
        namespace = meta.get("namespace", "")
        name = meta["name"]
        spec = obj.get("spec", {})
        if kind == "Namespace":
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        elif kind == "Deployment":
            replicas = spec.get("replicas", 1)
            template_hash = _hash(namespace, name, json.dumps(spec.get("template"), sort_keys=True))
            rs_name = f"{name}-{template_hash}"
            template = copy.deepcopy(spec["template"])
            template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = template_hash
            rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": rs_name, "namespace": namespace,
                               "labels": dict(template["metadata"]["labels"]),
                               "annotations": {"deployment.kubernetes.io/revision": "1"},
                               "ownerReferences": [_owner(obj)]},
                  "spec": {"replicas": replicas, "selector": spec.get("selector"), "template": template},
                  "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}}
            _meta(rs, "kube-controller-manager")
            out.append(rs)
            obj["status"] = {"replicas": replicas, "readyReplicas": replicas, "observedGeneration": 1}
            for i in range(replicas):
                pod_name = f"{rs_name}-{_hash(rs_name, str(i), size=5)}"
                out.append(_pod(template, namespace, pod_name, rs, {}, next_node(), addresses))
        elif kind == "StatefulSet":
            replicas = spec.get("replicas", 1)
            revision = f"{name}-{_hash(namespace, name)}"
            for i in range(replicas):
                out.append(_pod(spec["template"], namespace, f"{name}-{i}", obj,
                                {"controller-revision-hash": revision, "apps.kubernetes.io/pod-index": str(i),
                                 "statefulset.kubernetes.io/pod-name": f"{name}-{i}"}, next_node(), addresses))
        elif kind == "DaemonSet":
            revision = _hash(namespace, name, size=8)
            for node in NODES:
                out.append(_pod(spec["template"], namespace, f"{name}-{_hash(name, node, size=5)}", obj,
                                {"controller-revision-hash": revision, "pod-template-generation": "1"}, node,
                                addresses))
            obj["status"] = {"desiredNumberScheduled": len(NODES), "numberReady": len(NODES)}
        elif kind == "Service":
            spec.setdefault("type", "ClusterIP")
            spec.setdefault("clusterIP", f"10.96.{len(out) % 250}.{10 + len(out) % 200}")
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
            spec.setdefault("sessionAffinity", "None")
            for port in spec.get("ports", []):
                port.setdefault("protocol", "TCP")
            obj["status"] = {"loadBalancer": {}}
    return out


def nodes() -> list[dict[str, Any]]:
    """Two nodes as kubeadm + Calico leave them."""
    out = []
    for i, name in enumerate(NODES):
        node = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"},
                "annotations": {
                    "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                    "node.alpha.kubernetes.io/ttl": "0",
                    "projectcalico.org/IPv4Address": f"{NODE_IPS[name]}/16",
                    "projectcalico.org/IPv4IPIPTunnelAddr": f"10.244.{i + 1}.1",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {"podCIDR": f"10.244.{i + 1}.0/24", "podCIDRs": [f"10.244.{i + 1}.0/24"],
                     "providerID": f"kind://docker/kind/{name}"},
            "status": {
                "addresses": [{"type": "InternalIP", "address": NODE_IPS[name]}, {"type": "Hostname", "address": name}],
                "nodeInfo": {"machineID": "f" * 32, "systemUUID": "0" * 32, "bootID": "b" * 32,
                             "kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "containerRuntimeVersion": "containerd://1.7.15", "kubeletVersion": "v1.31.0",
                             "kubeProxyVersion": "v1.31.0", "operatingSystem": "linux", "architecture": "amd64"},
                "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": STAMP}],
                "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110"},
            },
        }
        _meta(node, "kubelet")
        out.append(node)
    return out


CALICO = """
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: calico-node
  namespace: kube-system
  labels: {k8s-app: calico-node}
spec:
  selector: {matchLabels: {k8s-app: calico-node}}
  template:
    metadata:
      labels: {k8s-app: calico-node}
    spec:
      hostNetwork: true
      serviceAccountName: calico-node
      containers:
        - name: calico-node
          image: docker.io/calico/node:v3.28.0
          env:
            - {name: CALICO_NETWORKING_BACKEND, value: bird}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: calico-config, namespace: kube-system}
data: {typha_service_name: none, calico_backend: bird, secret_note: "never read this"}
---
apiVersion: v1
kind: Secret
metadata: {name: db-password, namespace: production}
type: Opaque
data: {password: c2VjcmV0}
"""


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def manifests(directory: Path = TUTORIAL) -> Iterator[dict[str, Any]]:
    for path in sorted(directory.glob("*.yaml")):
        yield from documents(path.read_text())


def tutorial() -> list[dict[str, Any]]:
    """The tutorial's objects as a cluster running them serves them."""
    return nodes() + live([*manifests(), *documents(CALICO)])
