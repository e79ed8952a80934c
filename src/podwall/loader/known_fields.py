"""The fields the API server knows, along every path podwall reads, and the kinds and versions it serves.

Why: kubectl (``--validate=strict``, its default) and the API server's strict
field validation refuse an unknown field, so ``metadata.lables`` or
``spec.selectr`` never reaches a cluster; read leniently, such a typo would
silently change a verdict (a pod without labels is selected by nothing). This
module is data: one table of the Kubernetes v1.32 structs podwall reads
(https://kubernetes.io/docs/reference/kubernetes-api/, v1.32), with, for each
field whose value podwall walks into, the struct it holds (``[Struct]`` for a
list of them). ``check`` walks an object through the table and reports unknown
keys with ``Report.unknown_fields`` (which adds the did-you-mean). Fields podwall
does not read are listed too (a real ``kubectl get -o json`` dump has them all);
values of those are not entered. A value of the wrong type is not entered either:
the reader of that field reports it.

``SERVED`` is the second table: for each kind podwall reads, the API groups that
ever served it and the ``apiVersion``s a v1.32 API server serves
(``kubectl api-resources``); ``kind_problem`` turns a removed version or a
misspelt kind into kubectl's "no matches for kind" error.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from podwall.loader.decode import LineDict, LineList
from podwall.loader.fields import Report, join, quote

KUBERNETES_VERSION = "1.32"

#: A field whose value podwall does not walk into.
_LEAF = ""


def _struct(leaves: str, **children: str) -> dict[str, str]:
    """Field names (space-separated) that podwall does not enter, plus those holding a struct."""
    return {**{name: _LEAF for name in leaves.split()}, **children}


def _object(spec: str) -> dict[str, str]:
    """A top-level kind: its ``spec`` struct, ObjectMeta, and a ``status`` podwall does not enter."""
    return _struct("apiVersion kind status", metadata="ObjectMeta", spec=spec)


#: struct name -> {field name -> struct of its value ("" for none entered, "[S]" for a list of S)}.
FIELDS: dict[str, dict[str, str]] = {
    "ObjectMeta": _struct(
        # clusterName: removed in 1.24, kept for old `kubectl get` dumps.
        "name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp "
        "deletionGracePeriodSeconds labels annotations finalizers managedFields clusterName",
        ownerReferences="[OwnerReference]",
    ),
    "OwnerReference": _struct("apiVersion kind name uid controller blockOwnerDeletion"),
    # -- core/v1 Pod ----------------------------------------------------------------
    "Pod": _struct("apiVersion kind", metadata="ObjectMeta", spec="PodSpec", status="PodStatus"),
    "PodSpec": _struct(
        "activeDeadlineSeconds affinity automountServiceAccountToken dnsConfig dnsPolicy enableServiceLinks "
        "ephemeralContainers hostAliases hostIPC hostNetwork hostPID hostUsers hostname imagePullSecrets "
        "initContainers nodeName nodeSelector os overhead preemptionPolicy priority priorityClassName "
        "readinessGates resourceClaims resources restartPolicy runtimeClassName schedulerName schedulingGates "
        "securityContext serviceAccount serviceAccountName setHostnameAsFQDN shareProcessNamespace subdomain "
        "terminationGracePeriodSeconds tolerations topologySpreadConstraints volumes",
        containers="[Container]",
    ),
    "Container": _struct(
        "args command env envFrom image imagePullPolicy lifecycle livenessProbe name readinessProbe resizePolicy "
        "resources restartPolicy securityContext startupProbe stdin stdinOnce terminationMessagePath "
        "terminationMessagePolicy tty volumeDevices volumeMounts workingDir",
        ports="[ContainerPort]",
    ),
    "ContainerPort": _struct("containerPort hostIP hostPort name protocol"),
    "PodStatus": _struct(
        "conditions containerStatuses ephemeralContainerStatuses hostIP hostIPs initContainerStatuses message "
        "nominatedNodeName phase podIP qosClass reason resize resourceClaimStatuses startTime",
        podIPs="[PodIP]",
    ),
    "PodIP": _struct("ip"),
    "PodTemplateSpec": _struct("", metadata="ObjectMeta", spec="PodSpec"),
    # -- workloads (a spec's label selector is read, and its fields checked, by netpol.selector) -------
    "Deployment": _object("DeploymentSpec"),
    "DeploymentSpec": _struct(
        "minReadySeconds paused progressDeadlineSeconds replicas revisionHistoryLimit selector strategy",
        template="PodTemplateSpec",
    ),
    "StatefulSet": _object("StatefulSetSpec"),
    "StatefulSetSpec": _struct(
        "minReadySeconds ordinals persistentVolumeClaimRetentionPolicy podManagementPolicy replicas "
        "revisionHistoryLimit selector serviceName updateStrategy volumeClaimTemplates",
        template="PodTemplateSpec",
    ),
    "DaemonSet": _object("DaemonSetSpec"),
    "DaemonSetSpec": _struct(
        "minReadySeconds revisionHistoryLimit selector updateStrategy", template="PodTemplateSpec"
    ),
    "ReplicaSet": _object("ReplicaSetSpec"),
    "ReplicaSetSpec": _struct("minReadySeconds replicas selector", template="PodTemplateSpec"),
    "ReplicationController": _object("ReplicationControllerSpec"),
    # selector: a plain map of labels in core/v1.
    "ReplicationControllerSpec": _struct("minReadySeconds replicas selector", template="PodTemplateSpec"),
    "Job": _object("JobSpec"),
    "JobSpec": _struct(
        "activeDeadlineSeconds backoffLimit backoffLimitPerIndex completionMode completions managedBy "
        "manualSelector maxFailedIndexes parallelism podFailurePolicy podReplacementPolicy selector successPolicy "
        "suspend ttlSecondsAfterFinished",
        template="PodTemplateSpec",
    ),
    "CronJob": _object("CronJobSpec"),
    "CronJobSpec": _struct(
        "concurrencyPolicy failedJobsHistoryLimit schedule startingDeadlineSeconds successfulJobsHistoryLimit "
        "suspend timeZone",
        jobTemplate="JobTemplateSpec",
    ),
    "JobTemplateSpec": _struct("", metadata="ObjectMeta", spec="JobSpec"),
    # -- Service, Namespace, Node ---------------------------------------------------------
    "Service": _object("ServiceSpec"),
    "ServiceSpec": _struct(
        "allocateLoadBalancerNodePorts clusterIP clusterIPs externalIPs externalName externalTrafficPolicy "
        "healthCheckNodePort internalTrafficPolicy ipFamilies ipFamilyPolicy loadBalancerClass loadBalancerIP "
        "loadBalancerSourceRanges publishNotReadyAddresses selector sessionAffinity sessionAffinityConfig "
        "trafficDistribution type",
        ports="[ServicePort]",
    ),
    "ServicePort": _struct("appProtocol name nodePort port protocol targetPort"),
    "Namespace": _struct("apiVersion kind spec status", metadata="ObjectMeta"),
    "Node": _struct("apiVersion kind", metadata="ObjectMeta", spec="NodeSpec", status="NodeStatus"),
    "NodeSpec": _struct("configSource externalID podCIDR podCIDRs providerID taints unschedulable"),
    "NodeStatus": _struct(
        "allocatable capacity conditions config daemonEndpoints features images nodeInfo phase runtimeHandlers "
        "volumesAttached volumesInUse",
        addresses="[NodeAddress]",
    ),
    "NodeAddress": _struct("address type"),
    # -- networking.k8s.io/v1 Ingress, and the removed v1beta1 shape podwall still reads --------------
    "Ingress": _object("IngressSpec"),
    "IngressSpec": _struct("ingressClassName tls", defaultBackend="IngressBackend", rules="[IngressRule]"),
    "IngressRule": _struct("host", http="HTTPIngressRuleValue"),
    "HTTPIngressRuleValue": _struct("", paths="[HTTPIngressPath]"),
    "HTTPIngressPath": _struct("path pathType", backend="IngressBackend"),
    "IngressBackend": _struct("resource", service="IngressServiceBackend"),
    "IngressServiceBackend": _struct("name", port="ServiceBackendPort"),
    "ServiceBackendPort": _struct("name number"),
    "IngressV1beta1": _object("IngressSpecV1beta1"),
    "IngressSpecV1beta1": _struct("ingressClassName tls", backend="IngressBackendV1beta1", rules="[IngressRuleV1beta1]"),
    "IngressRuleV1beta1": _struct("host", http="HTTPIngressRuleValueV1beta1"),
    "HTTPIngressRuleValueV1beta1": _struct("", paths="[HTTPIngressPathV1beta1]"),
    "HTTPIngressPathV1beta1": _struct("path pathType", backend="IngressBackendV1beta1"),
    "IngressBackendV1beta1": _struct("resource serviceName servicePort"),
}


#: struct -> the fields whose values ``check`` enters, with the struct they hold and whether as a list
#: (computed once: most fields are leaves).
_ENTERED: dict[str, tuple[tuple[str, str, bool], ...]] = {
    struct: tuple((key, inner.strip("[]"), inner.startswith("[")) for key, inner in fields.items() if inner)
    for struct, fields in FIELDS.items()
}


def check(report: Report, struct: str, value: Any, path: str = "", newer: list[str] | None = None) -> None:
    """Report every unknown field of ``value`` (a ``struct``) and of the structs podwall reads inside it.

    ``newer``: the object was served by an API server (``served``), which validated it against its
    own, possibly newer, schema: its unknown fields are fields of a later Kubernetes than this table,
    appended to ``newer`` (their paths, list indices as ``[]``) for one summary warning, not errors.
    """
    if not isinstance(value, LineDict):
        return
    fields = FIELDS[struct]
    if not value.keys() <= fields.keys():  # the usual answer, without a loop in Python
        if newer is None:
            report.unknown_fields(value, fields, path)
        else:
            newer.extend(join(path, str(key)) for key in value if key not in fields)
    for key, inner, listed in _ENTERED[struct]:
        child = value.get(key)
        if child is None:  # absent, or null: nothing to enter
            continue
        child_path = join(path, key)
        if not listed:
            check(report, inner, child, child_path, newer)
        elif isinstance(child, LineList):
            for i, item in enumerate(child):
                check(report, inner, item, f"{child_path}[]" if newer is not None else f"{child_path}[{i}]", newer)


#: metadata fields only an API server sets: an object carrying one was served by a cluster (a dump, a live read).
SERVER_SET = ("uid", "resourceVersion", "creationTimestamp")


def served(data: Any) -> bool:
    """Whether the object was served by an API server (``kubectl get -o json/yaml``, a snapshot, a live read)."""
    meta = data.get("metadata") if isinstance(data, dict) else None  # dict, not Mapping: an ABC's check is slow
    return isinstance(meta, dict) and any(meta.get(key) for key in SERVER_SET)


def newer_fields_warnings(counts: Mapping[str, int], shown: int = 6) -> list[str]:
    """One warning naming the fields served objects carry that Kubernetes ``KUBERNETES_VERSION`` does not define."""
    if not counts:
        return []
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    named = [f"{key.partition(' ')[2]} ({count:,} {key.partition(' ')[0]}{'' if count == 1 else 's'})"
             for key, count in items[:shown]]
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return [
        f"warning: objects served by an API server carry fields Kubernetes {KUBERNETES_VERSION} does not define "
        f"(a newer cluster's; podwall reads none of them): {', '.join(named)}{more}"
    ]


# -- kinds and versions --------------------------------------------------------------------

#: kind -> (API groups that ever served it, apiVersions a v1.32 API server serves it as).
#: Removals: extensions/v1beta1 and apps/v1beta1/v1beta2 workloads and extensions/v1beta1 NetworkPolicy in
#: 1.16, batch/v1beta1 CronJob in 1.25 (kubernetes.io/docs/reference/using-api/deprecation-guide/).
#: Ingress keeps its removed v1beta1 versions: podwall reads old charts' Ingresses (docs/input.md).
SERVED: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "Namespace": (frozenset({""}), ("v1",)),
    "Node": (frozenset({""}), ("v1",)),
    "Pod": (frozenset({""}), ("v1",)),
    "Service": (frozenset({""}), ("v1",)),
    "ReplicationController": (frozenset({""}), ("v1",)),
    "Deployment": (frozenset({"apps", "extensions"}), ("apps/v1",)),
    "DaemonSet": (frozenset({"apps", "extensions"}), ("apps/v1",)),
    "ReplicaSet": (frozenset({"apps", "extensions"}), ("apps/v1",)),
    "StatefulSet": (frozenset({"apps"}), ("apps/v1",)),
    "Job": (frozenset({"batch"}), ("batch/v1",)),
    "CronJob": (frozenset({"batch"}), ("batch/v1",)),
    "NetworkPolicy": (frozenset({"networking.k8s.io", "extensions"}), ("networking.k8s.io/v1",)),
    "Ingress": (
        frozenset({"networking.k8s.io", "extensions"}),
        ("networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"),
    ),
}

#: Versions of those groups removed from the API, and the release that removed them (the deprecation guide).
REMOVED_IN: dict[str, str] = {
    "extensions/v1beta1": "1.16",  # workloads and NetworkPolicy; Ingress in 1.22
    "apps/v1beta1": "1.16",
    "apps/v1beta2": "1.16",
    "batch/v1beta1": "1.25",
}

#: The other kinds of those groups (v1.32), so that ``ServiceAccount`` is not taken for a misspelt ``Service``.
OTHER_KINDS: dict[str, frozenset[str]] = {
    "": frozenset(
        "Binding ComponentStatus ConfigMap Endpoints Event LimitRange PersistentVolume PersistentVolumeClaim "
        "PodTemplate ResourceQuota Secret ServiceAccount Status List".split()
    ),
    "apps": frozenset({"ControllerRevision"}),
    "batch": frozenset(),
    "networking.k8s.io": frozenset({"IngressClass", "IPAddress", "ServiceCIDR"}),
    "extensions": frozenset(),
}

_MISSPELT_CUTOFF = 0.8


def group_of(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> the core group ``""``."""
    return api_version.rpartition("/")[0]


def kind_problem(kind: str, api_version: str) -> tuple[str, str] | None:
    """``(field, message)`` when no API server serves ``kind`` as ``api_version`` but it means a kind podwall reads.

    A known kind under a version its group no longer (or never) served, or a
    misspelt known kind (``Networkpolicy``, ``Deployments``, ``deployment``) in
    one of their groups. Kinds of other groups (CRDs) are not judged.
    """
    group = group_of(api_version)
    served = SERVED.get(kind)
    if served is not None:
        groups, versions = served
        if group in groups and api_version not in versions:
            removed = f" (removed in Kubernetes {REMOVED_IN[api_version]})" if api_version in REMOVED_IN else ""
            return "apiVersion", (
                f"no matches for kind {quote(kind)} in version {quote(api_version)}{removed}: Kubernetes "
                f"{KUBERNETES_VERSION} serves it as {' or '.join(versions)}"
            )
        return None
    if group not in OTHER_KINDS or kind in OTHER_KINDS[group] or kind.endswith("List"):
        return None
    meant = misspelt(kind)
    if meant is None:
        return None
    return "kind", f"no matches for kind {quote(kind)} in version {quote(api_version)} (did you mean {quote(meant)}?)"


def misspelt(kind: str) -> str | None:
    """The kind podwall reads that ``kind`` misspells (case, a plural, a close typo), or None."""
    lower = kind.lower()
    by_lower: Mapping[str, str] = {known.lower(): known for known in SERVED}
    for candidate in (lower, lower[:-1], lower[:-2], lower[:-3] + "y"):
        if candidate in by_lower and (candidate == lower or lower.endswith(("s", "es", "ies"))):
            return by_lower[candidate]
    match = difflib.get_close_matches(lower, list(by_lower), n=1, cutoff=_MISSPELT_CUTOFF)
    return by_lower[match[0]] if match else None
