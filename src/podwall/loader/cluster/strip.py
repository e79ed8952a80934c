"""A live object reduced to what podwall uses: plain manifests for the loader and for snapshots.

Dropped: ``managedFields``, uids, resourceVersions, timestamps, status noise (conditions, container
statuses), every annotation podwall does not read (kubectl's last-applied-configuration is often
the largest part of an object), and every field of a pod spec but containers' names, images and
ports (and args, for plugin detection), ``hostNetwork`` and ``nodeName``. Kept whole: the specs of policies, Ingresses, Routes and
monitors (every field of them may matter). Nodes keep all annotations and labels: network plugins
write their own there, and plugin detection reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Annotation prefixes podwall reads (podwall.io/ignore, podwall.io/description, prometheus.io/scrape...).
KEPT_ANNOTATIONS = ("podwall.io/", "prometheus.io/")

_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"})
_NODE_INFO = ("kernelVersion", "osImage", "containerRuntimeVersion", "kubeletVersion", "kubeProxyVersion",
              "operatingSystem", "architecture")


def strip(obj: Mapping[str, Any], kind: str, api_version: str) -> dict[str, Any]:
    """The parts of one object podwall reads (``kind``/``apiVersion`` from its list, as items lack them)."""
    out: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": _metadata(obj.get("metadata"), kind)}
    spec = obj.get("spec")
    status = obj.get("status")
    if kind == "Pod":
        out["spec"] = _pod_spec(spec)
        out["status"] = _pick(status, ("phase", "podIP", "podIPs", "hostIP"))
    elif kind in _WORKLOADS:
        out["spec"] = _workload_spec(spec)
    elif kind == "CronJob":
        job = _mapping(_mapping(spec).get("jobTemplate"))
        out["spec"] = _pick(spec, ("schedule",)) | {"jobTemplate": {"spec": _workload_spec(job.get("spec"))}}
    elif kind == "Service":
        out["spec"] = _pick(spec, ("type", "selector", "ports", "clusterIP", "clusterIPs", "externalIPs",
                                   "externalTrafficPolicy", "internalTrafficPolicy", "loadBalancerIP",
                                   "loadBalancerSourceRanges"))
    elif kind == "Node":
        out["spec"] = _pick(spec, ("podCIDR", "podCIDRs", "providerID"))
        node_status = _pick(status, ("addresses",))
        info = _pick(_mapping(status).get("nodeInfo"), _NODE_INFO)
        if info:
            node_status["nodeInfo"] = info
        out["status"] = node_status
    elif kind == "Namespace":
        pass
    elif spec is not None:
        out["spec"] = spec
    return {k: v for k, v in out.items() if k == "metadata" or v not in (None, {})}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _pick(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    given = _mapping(value)
    return {k: given[k] for k in keys if given.get(k) is not None}


def _metadata(meta: Any, kind: str) -> dict[str, Any]:
    given = _mapping(meta)
    out = _pick(given, ("name", "namespace", "labels"))
    annotations = _mapping(given.get("annotations"))
    if kind != "Node":
        annotations = {k: v for k, v in annotations.items() if k.startswith(KEPT_ANNOTATIONS)}
    if annotations:
        out["annotations"] = dict(annotations)
    owners = [
        _pick(ref, ("apiVersion", "kind", "name", "controller"))
        for ref in given.get("ownerReferences") or ()
        if isinstance(ref, Mapping)
    ]
    if owners:
        out["ownerReferences"] = owners
    return out


def _containers(value: Any) -> list[dict[str, Any]]:
    out = []
    for container in value if isinstance(value, list) else ():
        kept = _pick(container, ("name", "image", "args", "ports"))  # args: network-plugin detection
        out.append(kept)
    return out


def _pod_spec(spec: Any) -> dict[str, Any]:
    given = _mapping(spec)
    out = _pick(given, ("nodeName", "hostNetwork"))
    out["containers"] = _containers(given.get("containers"))
    return out


def _workload_spec(spec: Any) -> dict[str, Any]:
    given = _mapping(spec)
    out = _pick(given, ("replicas", "selector"))
    template = _mapping(given.get("template"))
    meta = _mapping(template.get("metadata"))
    template_meta = _pick(meta, ("labels",))
    annotations = {k: v for k, v in _mapping(meta.get("annotations")).items() if k.startswith(KEPT_ANNOTATIONS)}
    if annotations:
        template_meta["annotations"] = annotations
    out["template"] = {"metadata": template_meta, "spec": _pod_spec(template.get("spec"))}
    return out
