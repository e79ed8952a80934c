"""`explain`: why one flow is allowed or denied, for names a user types."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from podwall.engine.classes import partition
from podwall.engine.conventions import node_local_pairs, view
from podwall.engine.evaluate import evaluate, namespace_labels
from podwall.engine.exposure import CONTROLLER, INGRESS_CONTROLLER
from podwall.engine.match import Endpoint, ipblock_sees, selects
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.verdict import Basis, DirectionVerdict, Verdict
from podwall.errors import UsageError
from podwall.model import Cluster, Direction, IPBlockPeer, Pod, Service

#: kubectl's names and short names for the kinds a subject may be given as.
KIND_ALIASES = {
    "pod": "Pod", "pods": "Pod", "po": "Pod",
    "deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
    "statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
    "daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
    "replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
    "replicationcontroller": "ReplicationController", "replicationcontrollers": "ReplicationController",
    "rc": "ReplicationController",
    "job": "Job", "jobs": "Job",
    "cronjob": "CronJob", "cronjobs": "CronJob", "cj": "CronJob",
    "service": "Service", "services": "Service", "svc": "Service",
}  # fmt: skip


#: The namespace of the stand-ins for nodes that outside traffic appears to come from.
NODE_STAND_IN = "(node)"


@dataclass(frozen=True, slots=True)
class Subject:
    """What the user named, and the endpoints that stand for it."""

    name: str
    endpoints: tuple[Endpoint, ...]
    service: Service | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """A verdict for named subjects, plus what was assumed to reach it."""

    source: str
    destination: str
    probe: Probe
    verdict: Verdict
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """The verdict's decision."""
        return self.verdict.allowed


def resolve(cluster: Cluster, text: str) -> Subject:
    """Turn ``ns/pod``, ``ns/Kind/name``, an IP address or ``ingress-controller`` into endpoints."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is not None:
        owners = [p for p in cluster.pods if address in p.ips]
        if owners:
            return Subject(text, (owners[0],))
        return Subject(text, (External(address),))
    if text in (INGRESS_CONTROLLER, "ingress-controller"):
        return Subject(INGRESS_CONTROLLER, (CONTROLLER,))
    parts = text.split("/")
    if len(parts) == 2 and all(parts):
        ns, name = parts
        pods = [p for p in cluster.pods if p.namespace == ns and (p.name == name or p.key == text)]
        if pods:
            return Subject(pods[0].key if pods[0].template else text, tuple(pods))
        owned = [p for p in cluster.pods if p.owner is not None and p.owner.namespace == ns and p.owner.name == name]
        kinds = sorted({p.owner.kind for p in owned if p.owner is not None})
        if len(kinds) == 1:
            return Subject(f"{ns}/{kinds[0]}/{name}", tuple(owned))
        if len(kinds) > 1:
            options = ", ".join(f"{ns}/{k}/{name}" for k in kinds)
            raise UsageError(f"{text!r} is ambiguous: use one of {options}")
        raise UsageError(f"unknown subject {text!r}: no pod or workload {name!r} in namespace {ns!r}{_known(cluster)}")
    if len(parts) == 3 and all(parts):
        ns, kind_text, name = parts
        kind = KIND_ALIASES.get(kind_text.lower())
        if kind is None:
            raise UsageError(f"unknown kind {kind_text!r} in {text!r}: use Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or Service")
        canonical = f"{ns}/{kind}/{name}"
        if kind == "Pod":
            pods = [p for p in cluster.pods if p.namespace == ns and p.name == name and not p.template]
        elif kind == "Service":
            return _service(cluster, ns, name, text)
        else:
            pods = [p for p in cluster.pods if p.owner is not None and str(p.owner) == canonical]
        if not pods:
            raise UsageError(f"unknown subject {text!r}: no {kind} {name!r} in namespace {ns!r}{_known(cluster)}")
        return Subject(canonical, tuple(pods))
    raise UsageError(
        f"invalid subject {text!r}: expected NAMESPACE/POD, NAMESPACE/KIND/NAME, an IP address or ingress-controller"
    )


def _known(cluster: Cluster) -> str:
    names = sorted({p.workload_key for p in cluster.pods})
    if not names:
        return " (the input has no pods or workloads)"
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f" (known: {shown})"


def _service(cluster: Cluster, ns: str, name: str, text: str) -> Subject:
    services = [s for s in cluster.services if s.namespace == ns and s.name == name]
    if not services:
        raise UsageError(f"unknown subject {text!r}: no Service {name!r} in namespace {ns!r}")
    service = services[0]
    pods = tuple(
        p
        for p in cluster.pods
        if p.namespace == ns and service.selector and all(p.labels.get(k) == v for k, v in service.selector.items())
    )
    if not pods:
        raise UsageError(f"Service {ns}/{name} selects no pod in the input, so no traffic to it can be judged")
    return Subject(f"{ns}/Service/{name}", pods, service)


def _target_probe(subject: Subject, pod: Pod, probe: Probe) -> tuple[Probe, str | None]:
    """Policies never see Service ports: map a Service port to the pod's targetPort."""
    if subject.service is None:
        return probe, None
    for sp in subject.service.ports:
        if sp.port == probe.port and sp.protocol is probe.protocol:
            target = sp.target_port
            if isinstance(target, str):
                number = pod.named_port(target, probe.protocol)
                if number is None:
                    raise UsageError(f"Service {subject.name} port {probe} targets port {target!r}, which pod {pod.key} does not declare")
                target = number
            mapped = Probe(target, probe.protocol)
            return mapped, f"Service {subject.name} port {probe} goes to targetPort {mapped} on the pods"
    ports = ", ".join(f"{sp.port}/{sp.protocol.value}" for sp in subject.service.ports) or "none"
    raise UsageError(f"Service {subject.name} has no port {probe} (its ports: {ports})")


def explain(
    cluster: Cluster,
    source: str,
    destination: str,
    probe: Probe | str,
    options: EngineOptions = EngineOptions(),
) -> Explanation:
    """Decide one flow between named subjects and keep the reasons.

    A workload is judged on its pods; where its pods differ (addresses that
    ipBlocks care about, nodes where node-local traffic is never blocked), the
    flow is allowed if some pod pair is, as in ``reach``. The input is judged as
    ``options.conventions`` say the network plugin sees it.
    """
    if isinstance(probe, str):
        probe = Probe.parse(probe)
    cluster = view(cluster, options.conventions)
    return explain_subjects(cluster, resolve(cluster, source), resolve(cluster, destination), probe, options)


def explain_subjects(
    cluster: Cluster,
    src: Subject,
    dst: Subject,
    probe: Probe,
    options: EngineOptions = EngineOptions(),
) -> Explanation:
    """``explain`` for subjects already resolved to endpoints (``diff`` names them from connection lists).

    ``cluster`` is the input as ``view(cluster, options.conventions)`` returns it,
    and the subjects' endpoints are its pods.
    """
    if src.service is not None:
        raise UsageError("a Service cannot be a source: traffic comes from pods; name the pod or workload")
    labels = namespace_labels(cluster)
    first: Verdict | None = None
    sources, notes = _through_node(cluster, src, dst, options)
    for s in _distinct(cluster, sources, options):
        for d in _distinct(cluster, dst.endpoints, options):
            actual, note = _target_probe(dst, d, probe) if isinstance(d, Pod) else (probe, None)
            if note and note not in notes:
                notes.append(note)
            verdict = evaluate(cluster, s, d, actual, options, labels=labels)
            if isinstance(s, Pod) and s.namespace == NODE_STAND_IN:  # the client's side is still not judged
                verdict = replace(verdict, egress=DirectionVerdict(Direction.EGRESS, s.key, Basis.EXTERNAL))
            if first is None:
                first = verdict
                first_pair = (s, d)
            if verdict.allowed:
                return Explanation(src.name, dst.name, probe, verdict, tuple(notes + _unseen(cluster, s, d, options)))
    assert first is not None  # resolve() never returns an empty subject
    return Explanation(src.name, dst.name, probe, first, tuple(notes + _unseen(cluster, *first_pair, options)))


def _through_node(
    cluster: Cluster, src: Subject, dst: Subject, options: EngineOptions
) -> tuple[tuple[Endpoint, ...], list[str]]:
    """Outside traffic through a NodePort or LoadBalancer Service: which address the policies see.

    With ``externalTrafficPolicy: Cluster`` kube-proxy replaces the client's
    address with a node's, unless the plugin keeps it (a convention); the flow
    is then judged from each node's address (a host-network stand-in that no
    selector matches and that the destination's node-local exemption does not
    cover: the traffic was forwarded, not sent by the node).
    """
    service = dst.service
    if (
        service is None
        or service.type not in ("NodePort", "LoadBalancer")
        or not all(isinstance(e, External) for e in src.endpoints)
    ):
        return src.endpoints, []
    where = f"Service {dst.name} is {service.type} with externalTrafficPolicy: {service.external_traffic_policy}"
    if service.external_traffic_policy == "Local" or options.conventions.external_source_preserved:
        return src.endpoints, [f"{where}: the client address {src.name} reaches the pods unchanged"]
    nodes = [Pod(namespace=NODE_STAND_IN, name=n.name, ips=n.addresses[:1], host_network=True) for n in cluster.nodes]
    if not nodes:
        stand_in = Pod(namespace=NODE_STAND_IN, name="unknown", host_network=True)
        return (stand_in,), [
            f"{where}: the pods see a node's address instead of {src.name}; the input has no Node objects, "
            "so it is judged as an address no ipBlock names"
        ]
    shown = ", ".join(f"{p.name} {p.ips[0]}" if p.ips else p.name for p in nodes)
    return tuple(nodes), [f"{where}: the pods see a node's address instead of {src.name} (nodes: {shown})"]


def _unseen(cluster: Cluster, source: Endpoint, destination: Endpoint, options: EngineOptions) -> list[str]:
    """Where the network plugin's conventions hide an end from an ipBlock that contains its address."""
    found: list[str] = []
    for policy in cluster.policies:
        for rule in (*policy.ingress, *policy.egress):
            subject, other = (destination, source) if rule.direction is Direction.INGRESS else (source, destination)
            if not isinstance(subject, Pod) or not selects(policy, subject):
                continue
            if not isinstance(other, Pod) or ipblock_sees(other, options):
                continue
            for peer in rule.peers:
                if isinstance(peer, IPBlockPeer) and any(peer.contains(ip) for ip in other.ips):
                    what = "node addresses (host-network pods)" if other.host_network else "pod addresses"
                    note = (f"{other.key}'s address is in {policy.key.split('/', 1)[1]}'s {peer}, but with this network "
                            f"plugin ipBlocks do not match {what}")
                    if note not in found:
                        found.append(note)
    return found


def _distinct(cluster: Cluster, endpoints: tuple[Endpoint, ...], options: EngineOptions) -> list[Endpoint]:
    """One endpoint per equivalence class (and node, where node-local traffic counts): the others cannot change the verdict."""
    pods = tuple(e for e in endpoints if isinstance(e, Pod))
    if len(pods) <= 1:
        return list(endpoints)
    classes = partition(cluster, pods, options)
    if next(node_local_pairs(cluster.pods, options.conventions), None) is None:
        return list(classes.representatives)
    first: dict[tuple[int, str], Pod] = {}
    for pod, c in zip(pods, classes.class_of):
        first.setdefault((c, pod.node), pod)
    return list(first.values())
