"""Which workload each pod belongs to, and a template stand-in for workloads without pods.

Why: in workload view a Deployment's pods must be one subject, whether the input
is ``kubectl get pods,rs,deploy -o yaml`` (ownerReferences), an export without
ownerReferences (the ``pod-template-hash`` / ``controller-revision-hash`` /
``job-name`` labels and name prefixes the controllers produce), or plain
manifests with no pods at all (the workload's template stands in for them).

Rules, in order, for a pod:
1. its controller ownerReference (else the first) names a workload in the input:
   follow ownerReferences upwards (ReplicaSet -> Deployment, Job -> CronJob) and
   take the top-most workload that is present;
2. otherwise infer from labels: ``pod-template-hash=H`` -> a ReplicaSet named
   ``*-H``, else a Deployment ``D`` whose template labels the pod carries and whose
   name (+ ``-H``) prefixes the pod's (or its absent ReplicaSet's) name;
   ``controller-revision-hash`` -> a StatefulSet/DaemonSet whose name + ``-``
   prefixes the pod's; ``job-name`` -> that Job, else a CronJob prefixing it.

3. otherwise, when its controller is absent from the input (``kubectl get pods``
   alone): the Deployment named by its ReplicaSet owner minus ``-HASH``, or that
   controller itself (``absent_owner``).

Every name lookup is a dict access per ``-`` in the pod name, so grouping stays
linear in the number of pods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from podwall.loader.meta import OwnerRef
from podwall.model import Pod, Workload, WorkloadRef
from podwall.model.quick import frozen

Key = tuple[str, str, str]  # namespace, kind, name

POD_TEMPLATE_HASH = "pod-template-hash"
CONTROLLER_REVISION_HASH = "controller-revision-hash"
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


@frozen
class PodDraft:
    """A converted pod and the ownerReferences it came with."""

    pod: Pod
    owners: tuple[OwnerRef, ...] = ()


@frozen
class WorkloadDraft:
    """A converted workload and the ownerReferences it came with."""

    workload: Workload
    owners: tuple[OwnerRef, ...] = ()


def _key(workload: Workload) -> Key:
    return (workload.ref.namespace, workload.ref.kind, workload.ref.name)


def _controller(owners: Sequence[OwnerRef]) -> OwnerRef | None:
    """The controller reference, else the first one (what kubectl shows as "Controlled By")."""
    for ref in owners:
        if ref.controller:
            return ref
    return owners[0] if owners else None


def _carries(pod_labels: dict[str, str], template_labels: dict[str, str]) -> bool:
    """Whether the pod has every label of the template."""
    return all(pod_labels.get(k) == v for k, v in template_labels.items())


class _Grouping:
    """Indexes of the workloads in the input, and the owner of each."""

    def __init__(self, workloads: Sequence[WorkloadDraft]) -> None:
        self.by_key: dict[Key, Workload] = {_key(d.workload): d.workload for d in workloads}
        self.replicasets_by_hash: dict[tuple[str, str], list[Workload]] = {}
        for draft in workloads:
            ref = draft.workload.ref
            if ref.kind == "ReplicaSet" and "-" in ref.name:
                suffix = ref.name.rsplit("-", 1)[1]
                self.replicasets_by_hash.setdefault((ref.namespace, suffix), []).append(draft.workload)
        self.direct: dict[Key, Key] = {}
        for draft in workloads:
            owner = self._workload_owner(draft)
            if owner is not None:
                self.direct[_key(draft.workload)] = owner
        self._tops: dict[Key, Key] = {}

    def _workload_owner(self, draft: WorkloadDraft) -> Key | None:
        """The workload in the input that owns this one (ReplicaSet -> Deployment, Job -> CronJob)."""
        workload = draft.workload
        ns = workload.ref.namespace
        ref = _controller(draft.owners)
        if ref is not None:
            target = (ns, ref.kind, ref.name)
            if target in self.by_key and target != _key(workload):
                return target
            return None
        if workload.ref.kind == "ReplicaSet":
            # A ReplicaSet exported without ownerReferences: its Deployment is its name minus "-HASH".
            digest = workload.labels.get(POD_TEMPLATE_HASH)
            name = workload.ref.name
            if digest and name.endswith("-" + digest):
                target = (ns, "Deployment", name[: -len(digest) - 1])
                if target in self.by_key:
                    return target
        return None

    def top(self, key: Key) -> Key:
        """The top-most present owner of a workload (itself when unowned); safe on cycles."""
        cached = self._tops.get(key)
        if cached is not None:
            return cached
        seen = {key}
        current = key
        while current in self.direct and self.direct[current] not in seen:
            current = self.direct[current]
            seen.add(current)
        self._tops[key] = current
        return current

    def pod_owner(self, draft: PodDraft) -> Key | None:
        """The workload a pod is reported under, if that workload is in the input."""
        pod = draft.pod
        ref = _controller(draft.owners)
        if ref is not None:
            target = (pod.namespace, ref.kind, ref.name)
            if target in self.by_key:
                return self.top(target)
        inferred = self._infer(pod, ref)
        return self.top(inferred) if inferred is not None else None

    def _infer(self, pod: Pod, ref: OwnerRef | None) -> Key | None:
        """Guess the owner from the labels and names controllers give their pods."""
        labels, ns = pod.labels, pod.namespace
        digest = labels.get(POD_TEMPLATE_HASH)
        if digest:
            replicaset = self._replicaset(ns, digest, pod)
            if replicaset is not None:
                return replicaset
            if ref is not None and ref.kind == "ReplicaSet" and ref.name.endswith("-" + digest):
                target = (ns, "Deployment", ref.name[: -len(digest) - 1])
                if target in self.by_key:
                    return target
            return self._by_prefix(ns, pod.name, ("Deployment",), labels, digest)
        if labels.get(CONTROLLER_REVISION_HASH):
            return self._by_prefix(ns, pod.name, ("StatefulSet", "DaemonSet"), labels)
        job = next((labels[k] for k in JOB_NAME_LABELS if labels.get(k)), None)
        if job is None and ref is not None and ref.kind == "Job":
            job = ref.name
        if job:
            target = (ns, "Job", job)
            if target in self.by_key:
                return target
            return self._by_prefix(ns, job, ("CronJob",), labels)
        return None

    def _replicaset(self, ns: str, digest: str, pod: Pod) -> Key | None:
        """A ReplicaSet named ``*-HASH`` whose template the pod carries; name prefix preferred."""
        candidates = [
            rs for rs in self.replicasets_by_hash.get((ns, digest), ()) if _carries(pod.labels, rs.labels)
        ]
        if not candidates:
            return None
        candidates.sort(key=lambda rs: (not pod.name.startswith(rs.ref.name + "-"), rs.ref.name))
        return _key(candidates[0])

    def _by_prefix(
        self,
        ns: str,
        name: str,
        kinds: Iterable[str],
        labels: dict[str, str],
        digest: str | None = None,
    ) -> Key | None:
        """A workload of ``kinds`` whose name + ``-`` (+ ``digest-`` first) prefixes ``name``."""
        cuts = [i for i, ch in enumerate(name) if ch == "-"]
        cuts.reverse()  # longest prefix first
        kinds = tuple(kinds)
        passes = []
        if digest:
            passes.append([i for i in cuts if name.startswith(digest, i + 1)])
        passes.append(cuts)
        for cut_list in passes:
            for cut in cut_list:
                prefix = name[:cut]
                for kind in kinds:
                    workload = self.by_key.get((ns, kind, prefix))
                    if workload is not None and _carries(labels, workload.labels):
                        return (ns, kind, prefix)
        return None


def group(
    pods: Sequence[PodDraft], workloads: Sequence[WorkloadDraft]
) -> tuple[tuple[Pod, ...], tuple[Workload, ...]]:
    """Pods with ``owner`` set, plus stand-ins; workloads with ``owner`` set. Both sorted."""
    grouping = _Grouping(workloads)
    result: list[Pod] = []
    with_pods: set[Key] = set()
    for draft in pods:
        owner = grouping.pod_owner(draft)
        pod = draft.pod
        controller = _controller(draft.owners)
        if controller is not None and controller.kind != "Node":
            pod = replace(pod, controller=WorkloadRef(controller.kind, pod.namespace, controller.name))
        if owner is not None:
            with_pods.add(owner)
            pod = replace(pod, owner=grouping.by_key[owner].ref)
        else:
            absent = absent_owner(pod, controller)
            if absent is not None:
                pod = replace(pod, owner=absent)
        result.append(pod)
    grouped: list[Workload] = []
    for draft in workloads:
        workload = draft.workload
        key = _key(workload)
        owner_key = grouping.direct.get(key)
        if owner_key is not None:
            workload = replace(workload, owner=grouping.by_key[owner_key].ref)
        elif key not in with_pods:
            result.append(stand_in(workload))
        grouped.append(workload)
    result.sort(key=lambda p: (p.namespace, p.name, p.template, p.key))
    grouped.sort(key=lambda w: (w.ref.namespace, w.ref.name, w.ref.kind))
    return tuple(result), tuple(grouped)


#: Controllers whose pods are one workload even when the controller itself is not in the input.
_WORKLOAD_KINDS = frozenset({"StatefulSet", "DaemonSet", "Job", "ReplicationController"})


def absent_owner(pod: Pod, ref: OwnerRef | None) -> WorkloadRef | None:
    """The workload of a pod whose controller is not in the input (``kubectl get pods -o json``).

    A ReplicaSet named ``D-HASH`` whose pods carry ``pod-template-hash=HASH``
    belongs to the Deployment ``D`` (that is how the Deployment controller names
    them); any other ReplicaSet, and a StatefulSet, DaemonSet, Job or
    ReplicationController, is the workload itself. So ``--by workload``,
    ``explain ns/deploy/D`` and every other view see one subject, not each pod.
    """
    if ref is None or not ref.name:
        return None
    if ref.kind == "ReplicaSet":
        digest = pod.labels.get(POD_TEMPLATE_HASH)
        if digest and ref.name.endswith("-" + digest) and len(ref.name) > len(digest) + 1:
            return WorkloadRef("Deployment", pod.namespace, ref.name[: -len(digest) - 1])
        return WorkloadRef("ReplicaSet", pod.namespace, ref.name)
    if ref.kind in _WORKLOAD_KINDS:
        return WorkloadRef(ref.kind, pod.namespace, ref.name)
    return None


def stand_in(workload: Workload) -> Pod:
    """The template pod that represents a workload with no pods in the input."""
    return Pod(
        namespace=workload.ref.namespace,
        name=workload.ref.name,
        labels=dict(workload.labels),
        ports=workload.ports,
        host_network=workload.host_network,
        owner=workload.ref,
        template=True,
        location=workload.location,
        annotations=dict(workload.template_annotations),
    )
