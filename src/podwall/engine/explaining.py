"""`explain`: why one flow is allowed or denied, for names a user types as kubectl users type them.

Names (``resolve``): ``NAME`` and ``KIND/NAME`` in the namespace of ``-n`` (default
``default``), ``NAME.NAMESPACE``, ``NAMESPACE/NAME``, ``NAMESPACE/KIND/NAME``, the
connection-list spelling ``NAMESPACE/NAME[Kind]``, an IP address, an external
range as reach or connection lists print it, or ``ingress-controller``; kinds are
kubectl's names and short names (``deploy``, ``sts``, ``svc``, ...). A workload is also named by its pods' declared controller,
present in the input or not (``rs/web-7d9f8b6c5d``, as connection lists name it).
A name that matches nothing gets a did-you-mean (an exact name in another
namespace before a close one in this namespace). ``subject_nodes`` reads names
the same way for ``--focus-workload``.

Ports: a number, ``NUMBER/PROTO``, or a port name resolved on the destination (a
Service's port names for a Service, else its pods' container port names). Without a
port, every port the pair may use is explained (``explain_ports``).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import replace

from podwall.engine.classes import partition
from podwall.engine.connlist import node_name, port_atoms
from podwall.engine.connset import ConnSet, Interval
from podwall.engine.conventions import has_node_local_pairs, view
from podwall.engine.evaluate import evaluate, namespace_labels
from podwall.engine.exposure import CONTROLLER, INGRESS_CONTROLLER
from podwall.engine.match import Endpoint, ipblock_sees, selects
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.reach import EXTERNAL_PREFIX
from podwall.engine.verdict import Basis, DirectionVerdict, Verdict
from podwall.errors import UsageError
from podwall.model import Cluster, Direction, IPBlockPeer, Pod, Protocol, Service, WorkloadRef
from podwall.model.quick import frozen

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

KINDS = "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or Service"
DEFAULT_NAMESPACE = "default"
#: The namespace of the stand-ins for nodes that outside traffic appears to come from.
NODE_STAND_IN = "(node)"
_CONNLIST = re.compile(r"^(?P<ns>[^/\[\]]+)/(?P<name>[^/\[\]]+)\[(?P<kind>[A-Za-z]+)\]$")


@frozen
class Subject:
    """What the user named, and the endpoints that stand for it."""

    name: str
    endpoints: tuple[Endpoint, ...]
    service: Service | None = None
    hypothetical: bool = False


@frozen
class Explanation:
    """A verdict for named subjects on one port, plus what was assumed to reach it."""

    source: str
    destination: str
    probe: Probe
    verdict: Verdict
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """The verdict's decision."""
        return self.verdict.allowed


@frozen
class SideGroup:
    """Ports one side judges alike, with the verdict of one of them (``probe``) standing for all."""

    ports: ConnSet
    probe: Probe
    side: DirectionVerdict


@frozen
class PortsExplanation:
    """Every port a pair may use: the ports allowed, and each side's decisions grouped by port.

    ``ports`` is what was considered: every port of every protocol, or a Service's
    ports (at their targetPort) when the destination is a Service.
    """

    source: str
    destination: str
    ports: ConnSet
    allowed_ports: ConnSet
    egress: tuple[SideGroup, ...]
    ingress: tuple[SideGroup, ...]
    self_flow: bool = False
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether some port is allowed."""
        return not self.allowed_ports.is_empty


# -- names -------------------------------------------------------------------------------------------------------


def hypothetical(namespace: str, labels: Mapping[str, str]) -> Subject:
    """A pod that does not exist yet, with these labels in ``namespace`` (``--from-labels``)."""
    shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    pod = Pod(namespace=namespace, name=f"[{shown}]", labels=dict(labels))
    return Subject(f"{namespace}/[{shown}]", (pod,), hypothetical=True)


def resolve(
    cluster: Cluster, text: str, namespace: str | None = None, *, others: tuple[str | Subject, ...] = ()
) -> Subject:
    """Turn a name as a user types it into the endpoints that stand for it (see the module docstring).

    ``others`` are the other subjects of the same command: a did-you-mean offers
    ``-n NS`` only when it would not change what they name.
    """
    ns = namespace or DEFAULT_NAMESPACE
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
    outside = _external_range(text)
    if outside is not None:
        return outside
    where, kind, name = _parse(cluster, text, ns)
    return _lookup(cluster, where or ns, kind, name, text, _Hint(namespace, others) if where is None else None)


def _external_range(text: str) -> Subject | None:
    """An external range as reach and connection lists print it (``(external)/10.0.0.0/8,...``, ``0.0.0.0/0``,
    ``0.0.0.0-255.255.255.255[External]``), judged at its first address: every address of a range printed
    is treated alike by every pod."""
    ranges = text.removeprefix(EXTERNAL_PREFIX).removesuffix("[External]")
    first = ranges.split(",", 1)[0]
    try:
        if "/" in first:
            address = ipaddress.ip_network(first, strict=False).network_address
        else:
            low, sep, high = first.partition("-")
            address = ipaddress.ip_address(low)
            if not sep:
                return None  # a single address: resolve's own case
            ipaddress.ip_address(high)
    except ValueError:
        if ranges != text:
            raise UsageError(f"invalid external range {text!r}: expected CIDR or FIRST-LAST addresses") from None
        return None
    return Subject(ranges, (External(address),))


def _parse(cluster: Cluster, text: str, ns: str) -> tuple[str | None, str | None, str]:
    """(namespace, kind, name) of a subject's text; namespace None: the text names none, -n's applies."""
    connlist = _CONNLIST.match(text)
    if connlist:
        return connlist["ns"], _kind(connlist["kind"], text), connlist["name"]
    parts = text.split("/")
    if not all(parts) or len(parts) > 3:
        raise UsageError(_invalid(text))
    if len(parts) == 3:
        return parts[0], _kind(parts[1], text), parts[2]
    if len(parts) == 2:
        first, name = parts
        kind = KIND_ALIASES.get(first.lower())
        namespaces = {n.name for n in cluster.namespaces}
        if kind is not None and not (first in namespaces and not _exists(cluster, ns, kind, name)):
            return None, kind, name
        return first, None, name
    if not _exists(cluster, ns, None, text) and "." in text:
        name, _, other = text.partition(".")
        if other in {n.name for n in cluster.namespaces}:
            return other, None, name
    return None, None, text


def subject_nodes(cluster: Cluster, text: str, namespace: str | None = None, *, lead: str = "") -> tuple[str, ...]:
    """The connection-list names (``ns/name[Kind]``) of the pods ``text`` names, as ``resolve`` reads it.

    For ``--focus-workload``: every spelling podwall prints for a subject is
    accepted back (``web``, ``deploy/web``, ``shop/Deployment/web``,
    ``shop/web-7d9f8b6c5d[ReplicaSet]``, ``rs/web-7d9f8b6c5d``). Without
    ``namespace``, a name that names no namespace is looked up in every one (as
    netpol-analyzer's ``--focusworkload NAME``); with it, in that namespace
    first, then in every one. ``lead`` starts error messages.
    """
    if text in (INGRESS_CONTROLLER, "ingress-controller"):
        return (INGRESS_CONTROLLER,)
    lead = lead or f"unknown subject {text!r}"
    found: list[Subject] = []
    failed: UsageError | None = None
    qualified = _names_namespace(cluster, text)
    if namespace is not None or qualified:
        try:
            found = [resolve(cluster, text, namespace)]
        except UsageError as error:
            failed = error
    if not found and not qualified:  # -n's namespace first, then every namespace
        short = text.rsplit("/", 1)[-1]
        for ns in sorted(_namespaces_with(cluster, short)):
            try:
                found.append(resolve(cluster, text, ns))
            except UsageError:
                continue
        if not found and failed is None:
            raise UsageError(_unknown_anywhere(cluster, short, lead))
    if not found:
        assert failed is not None
        raise UsageError(f"{lead}: {str(failed).removeprefix(f'unknown subject {text!r}: ')}") from None
    nodes = {node_name(e) for subject in found for e in subject.endpoints if isinstance(e, Pod)}
    if not nodes:
        raise UsageError(f"{lead}: an address outside the cluster is no workload")
    return tuple(sorted(nodes))


def _names_namespace(cluster: Cluster, text: str) -> bool:
    """Whether a subject's text names its namespace (then -n does not matter)."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        pass
    try:
        return _parse(cluster, text, "")[0] is not None
    except UsageError:
        return True  # resolve says what is wrong with it


def _namespaces_with(cluster: Cluster, name: str) -> set[str]:
    """Namespaces with a pod, workload, ReplicaSet or Service of that name."""
    found = {s.namespace for s in cluster.services if s.name == name}
    for pod in cluster.pods:
        if name == pod.name or any(ref is not None and ref.name == name for ref in (pod.owner, pod.controller)):
            found.add(pod.namespace)
    return found


def _invalid(text: str) -> str:
    return (
        f"invalid subject {text!r}: expected NAME, KIND/NAME, NAME.NAMESPACE, NAMESPACE/NAME, "
        "NAMESPACE/KIND/NAME, NAMESPACE/NAME[Kind], an IP address or ingress-controller"
    )


def _kind(text: str, whole: str) -> str:
    kind = KIND_ALIASES.get(text.lower())
    if kind is None:
        close = difflib.get_close_matches(text.lower(), list(KIND_ALIASES), n=1, cutoff=0.6)
        hint = f"did you mean {KIND_ALIASES[close[0]]}? " if close else ""
        raise UsageError(f"unknown kind {text!r} in {whole!r}: {hint}Kinds: {KINDS}")
    return kind


def _refs(pod: Pod) -> set[WorkloadRef]:
    """What a pod is named by in workload views: its workload, and its declared controller (connection lists)."""
    return {r for r in (pod.owner, pod.controller) if r is not None and r.kind}


def _workloads(cluster: Cluster, ns: str, kind: str | None, name: str) -> dict[WorkloadRef, list[Pod]]:
    """The workloads (or declared controllers, present in the input or not) of that name, with their pods."""
    found: dict[WorkloadRef, list[Pod]] = {}
    for pod in cluster.pods:
        if pod.namespace == ns:
            for ref in _refs(pod):
                if ref.name == name and (kind is None or ref.kind == kind):
                    found.setdefault(ref, []).append(pod)
    return found


def _pods_of(cluster: Cluster, ns: str, kind: str | None, name: str) -> list[Pod]:
    """The pods a (namespace, kind, name) names; kind None: a pod of that name, else a workload of that name."""
    if kind == "Pod" or kind is None:
        pods = [p for p in cluster.pods if p.namespace == ns and not p.template and p.name == name]
        if pods or kind == "Pod":
            return pods
    return [p for pods in _workloads(cluster, ns, kind, name).values() for p in pods]


def _exists(cluster: Cluster, ns: str, kind: str | None, name: str) -> bool:
    if kind == "Service" or kind is None:
        if any(s.namespace == ns and s.name == name for s in cluster.services):
            return True
        if kind == "Service":
            return False
    return bool(_pods_of(cluster, ns, kind, name))


@frozen
class _Hint:
    """A name looked up in -n's namespace: what a did-you-mean may suggest (``-n`` given, the other subjects)."""

    namespace: str | None
    others: tuple[str | Subject, ...]


def _lookup(cluster: Cluster, ns: str, kind: str | None, name: str, text: str, hint: _Hint | None = None) -> Subject:
    if kind == "Service":
        return _service(cluster, ns, name, text, hint)
    if kind in ("Pod", None):
        pods = [p for p in cluster.pods if p.namespace == ns and not p.template and p.name == name]
        if pods:
            return Subject(pods[0].key, (pods[0],))
    if kind != "Pod":
        workloads = _workloads(cluster, ns, kind, name)
        if len({ref.kind for ref in workloads}) > 1:
            options = ", ".join(sorted(str(ref) for ref in workloads))
            raise UsageError(f"{text!r} is ambiguous: use one of {options}")
        if workloads:
            ((ref, pods),) = workloads.items()
            return Subject(str(ref), tuple(pods))
    if kind is None and any(s.namespace == ns and s.name == name for s in cluster.services):
        return _service(cluster, ns, name, text, hint)
    raise UsageError(_unknown(cluster, ns, kind, name, text, hint))


def _names_in(cluster: Cluster, ns: str, *, controllers: bool = False) -> dict[str, str]:
    """Every subject of a namespace: short name -> how to write it (``ns/Kind/name``); with ``controllers``, the
    declared controllers too (the ReplicaSets connection lists name)."""
    found: dict[str, str] = {}
    for pod in cluster.pods:
        if pod.namespace != ns:
            continue
        if pod.owner is not None:  # a replica is named by its workload
            found.setdefault(pod.owner.name, str(pod.owner))
        elif not pod.template:
            found.setdefault(pod.name, f"{ns}/Pod/{pod.name}")
        if controllers and pod.controller is not None and pod.controller.kind:
            found.setdefault(pod.controller.name, str(pod.controller))
    for service in cluster.services:
        if service.namespace == ns:
            found.setdefault(service.name, f"{ns}/Service/{service.name}")
    return found


def _shortest(cluster: Cluster, qualified: str) -> str:
    """``ns/name`` when it names the same subject as ``ns/Kind/name``, else ``ns/Kind/name``."""
    ns, _, name = qualified.split("/", 2)
    try:
        return f"{ns}/{name}" if resolve(cluster, f"{ns}/{name}").name == qualified else qualified
    except UsageError:
        return qualified


def _moves(cluster: Cluster, hint: _Hint, target: str) -> str | None:
    """The first other subject that ``-n target`` would name differently (or not at all), if any."""
    for other in hint.others:
        if isinstance(other, Subject):
            if other.hypothetical and other.endpoints and getattr(other.endpoints[0], "namespace", None) != target:
                return other.name
            continue
        try:
            moved = resolve(cluster, other, target).name
        except UsageError:
            try:
                resolve(cluster, other, hint.namespace)
            except UsageError:
                continue  # it names nothing under either (or is no subject at all): its own error follows
            return other
        try:
            if resolve(cluster, other, hint.namespace).name != moved:
                return other
        except UsageError:
            continue  # it names nothing under -n today: -n target is no loss
    return None


def _unknown(cluster: Cluster, ns: str, kind: str | None, name: str, text: str, hint: _Hint | None = None) -> str:
    """``unknown subject 'frontnd': did you mean production/Deployment/frontend? (...)`` — the suggestion first.

    An exact name in another namespace beats a close one in this namespace; when
    the text named no namespace, ``-n OTHER`` is offered unless it would change
    what the other subjects name (then only ``OTHER/NAME``).
    """
    what = f"{kind} {name!r}" if kind else f"pod, workload or Service {name!r}"
    here = _names_in(cluster, ns, controllers=True)
    elsewhere = sorted(
        qualified
        for other in {n.name for n in cluster.namespaces} - {ns}
        for short, qualified in _names_in(cluster, other, controllers=True).items()
        if short == name and (kind is None or qualified.split("/")[1] == kind)
    )
    close = difflib.get_close_matches(name, list(here), n=1, cutoff=0.6)
    if elsewhere:
        target = elsewhere[0].split("/", 1)[0]
        spelled = _shortest(cluster, elsewhere[0])
        moved = _moves(cluster, hint, target) if hint is not None else None
        if hint is None:
            how = spelled
        elif moved is None:
            how = f"-n {target} or {spelled}"
        else:
            how = f"{spelled}: -n {target} would change what {moved} names"
        lead = f"did you mean {elsewhere[0]} ({how})? "
    elif close:
        lead = f"did you mean {here[close[0]]}? "
    else:
        lead = ""
    if ns not in {n.name for n in cluster.namespaces}:
        known = ", ".join(sorted(n.name for n in cluster.namespaces)) or "none"
        return f"unknown subject {text!r}: {lead}There is no namespace {ns!r} in the input (namespaces: {known})"
    listed = sorted(_names_in(cluster, ns))
    shown = ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "") if listed else "nothing"
    return f"unknown subject {text!r}: {lead}There is no {what} in namespace {ns!r} (there: {shown})"


def _unknown_anywhere(cluster: Cluster, name: str, lead: str) -> str:
    """A name looked up in every namespace that none has: the closest of all, and what there is."""
    every: dict[str, str] = {}
    for ns in sorted(n.name for n in cluster.namespaces):
        for short, qualified in _names_in(cluster, ns, controllers=True).items():
            every.setdefault(short, qualified)
    close = difflib.get_close_matches(name, list(every), n=1, cutoff=0.6)
    hint = f"did you mean {every[close[0]]}? " if close else ""
    nodes = sorted({node_name(p) for p in cluster.pods})
    shown = ", ".join(nodes[:8]) + (", ..." if len(nodes) > 8 else "")
    return f"{lead}: {hint}no workload {name!r} in the input (workloads: {shown or 'none'})"


def _service(cluster: Cluster, ns: str, name: str, text: str, hint: _Hint | None = None) -> Subject:
    services = [s for s in cluster.services if s.namespace == ns and s.name == name]
    if not services:
        raise UsageError(_unknown(cluster, ns, "Service", name, text, hint))
    service = services[0]
    pods = tuple(
        p
        for p in cluster.pods
        if p.namespace == ns and service.selector and all(p.labels.get(k) == v for k, v in service.selector.items())
    )
    if not pods:
        raise UsageError(f"Service {ns}/{name} selects no pod in the input, so no traffic to it can be judged")
    return Subject(f"{ns}/Service/{name}", pods, service)


# -- ports -------------------------------------------------------------------------------------------------------


@frozen
class _PortText:
    """A port as typed: a number or a name, with an optional protocol."""

    number: int | None
    name: str | None
    protocol: Protocol

    def __str__(self) -> str:
        return f"{self.number if self.number is not None else self.name}/{self.protocol.value}"


def _parse_port(text: str) -> _PortText:
    head, _, proto = text.strip().partition("/")
    try:
        protocol = Protocol(proto.upper()) if proto else Protocol.TCP
    except ValueError:
        raise UsageError(f"invalid port {text!r}: protocol must be TCP, UDP or SCTP") from None
    if head.isdigit():
        return _PortText(Probe.parse(f"{head}/{protocol.value}").port, None, protocol)
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", head):
        raise UsageError(f"invalid port {text!r}: expected a number, a port name, or either with /TCP, /UDP or /SCTP")
    return _PortText(None, head, protocol)


def _target_probe(subject: Subject, pod: Pod, port: _PortText) -> tuple[Probe, str | None]:
    """The probe judged at ``pod``: a Service port maps to its targetPort; a port name resolves on the pod."""
    if subject.service is not None:
        for sp in subject.service.ports:
            if sp.protocol is port.protocol and (sp.port == port.number or (port.name and sp.name == port.name)):
                target = sp.target_port
                if isinstance(target, str):
                    number = pod.named_port(target, port.protocol)
                    if number is None:
                        raise UsageError(
                            f"Service {subject.name} port {sp.port}/{sp.protocol.value} targets port {target!r}, "
                            f"which pod {pod.key} does not declare"
                        )
                    target = number
                mapped = Probe(target, port.protocol)
                shown = f"{sp.port}/{sp.protocol.value}"
                return mapped, f"Service {subject.name} port {shown} goes to targetPort {mapped} on the pods"
        ports = ", ".join(f"{sp.port}/{sp.protocol.value}" + (f" ({sp.name})" if sp.name else "")
                          for sp in subject.service.ports) or "none"
        raise UsageError(f"Service {subject.name} has no port {port} (its ports: {ports})")
    if port.number is not None:
        return Probe(port.number, port.protocol), None
    assert port.name is not None
    number = pod.named_port(port.name, port.protocol)
    if number is None:
        declared = sorted({cp.name for cp in pod.ports if cp.name and cp.protocol is port.protocol})
        close = difflib.get_close_matches(port.name, declared, n=1, cutoff=0.6)
        hint = f": did you mean {close[0]!r}?" if close else ""
        raise UsageError(
            f"{subject.name} declares no {port.protocol.value} port named {port.name!r}{hint}"
            f" (its named ports: {', '.join(declared) or 'none'})"
        )
    return Probe(number, port.protocol), f"port {port.name!r} is {number}/{port.protocol.value} on {subject.name}"


# -- verdicts ----------------------------------------------------------------------------------------------------


def explain(
    cluster: Cluster,
    source: str | Subject,
    destination: str | Subject,
    probe: Probe | str,
    options: EngineOptions = EngineOptions(),
    *,
    namespace: str | None = None,
) -> Explanation:
    """Decide one flow between named subjects and keep the reasons.

    A workload is judged on its pods; where its pods differ (addresses that
    ipBlocks care about, nodes where node-local traffic is never blocked), the
    flow is allowed if some pod pair is, as in ``reach``. The input is judged as
    ``options.conventions`` say the network plugin sees it.
    """
    cluster = view(cluster, options.conventions)
    src, dst = _ends(cluster, source, destination, namespace)
    return explain_subjects(cluster, src, dst, probe, options)


def explain_subjects(
    cluster: Cluster,
    src: Subject,
    dst: Subject,
    probe: Probe | str,
    options: EngineOptions = EngineOptions(),
) -> Explanation:
    """``explain`` for subjects already resolved to endpoints (``diff`` names them from connection lists).

    ``cluster`` is the input as ``view(cluster, options.conventions)`` returns it,
    and the subjects' endpoints are its pods.
    """
    if src.service is not None:
        raise UsageError("a Service cannot be a source: traffic comes from pods; name the pod or workload")
    port = _parse_port(str(probe)) if isinstance(probe, str) else _PortText(probe.port, None, probe.protocol)
    labels = namespace_labels(cluster)
    first: Verdict | None = None
    first_pair: tuple[Endpoint, Endpoint] | None = None
    sources, through = _through_node(cluster, src, dst, options)
    notes: list[str] = _hypothetical_notes(src) + through
    shown = Probe(port.number, port.protocol) if port.number is not None else None
    for s in _distinct(cluster, sources, options):
        for d in _distinct(cluster, dst.endpoints, options):
            actual, note = _target_probe(dst, d, port) if isinstance(d, Pod) else (_external_probe(port), None)
            shown = shown or actual
            if note and note not in notes:
                notes.append(note)
            verdict = _judged(cluster, s, d, actual, options, labels)
            if first is None:
                first, first_pair = verdict, (s, d)
            if verdict.allowed:
                return Explanation(src.name, dst.name, shown, verdict, tuple(notes + _unseen(cluster, s, d, options)))
    assert first is not None and first_pair is not None and shown is not None  # resolve() never returns an empty subject
    return Explanation(src.name, dst.name, shown, first, tuple(notes + _unseen(cluster, *first_pair, options)))


def _judged(
    cluster: Cluster, source: Endpoint, destination: Endpoint, probe: Probe, options: EngineOptions,
    labels: dict[str, dict[str, str]],
) -> Verdict:
    """The engine's verdict; from a node stand-in (outside traffic through a node), the client's side is not judged."""
    verdict = evaluate(cluster, source, destination, probe, options, labels=labels)
    if isinstance(source, Pod) and source.namespace == NODE_STAND_IN:
        verdict = replace(verdict, egress=DirectionVerdict(Direction.EGRESS, source.key, Basis.EXTERNAL))
    return verdict


def _external_probe(port: _PortText) -> Probe:
    if port.number is None:
        raise UsageError(f"port {port.name!r} is a name: names resolve on a pod, and the destination is outside the cluster")
    return Probe(port.number, port.protocol)


def _ends(
    cluster: Cluster, source: str | Subject, destination: str | Subject, namespace: str | None
) -> tuple[Subject, Subject]:
    src = source if isinstance(source, Subject) else resolve(cluster, source, namespace, others=(destination,))
    dst = destination if isinstance(destination, Subject) else resolve(cluster, destination, namespace, others=(source,))
    if src.service is not None:
        raise UsageError("a Service cannot be a source: traffic comes from pods; name the pod or workload")
    return src, dst


def _hypothetical_notes(subject: Subject) -> list[str]:
    if not subject.hypothetical:
        return []
    return [f"{subject.name} is a hypothetical pod (--from-labels): judged by its labels, as if it existed, "
            "with no IP address (no ipBlock matches it)"]


def explain_ports(
    cluster: Cluster,
    source: str | Subject,
    destination: str | Subject,
    options: EngineOptions = EngineOptions(),
    *,
    namespace: str | None = None,
) -> PortsExplanation:
    """Every port the pair may use, with each side's reasons grouped by the ports they decide alike.

    The port space is cut into atoms no rule or named port can tell apart (as the
    connection lists do); one port of each atom is judged. For a Service, its ports
    are judged at their targetPort.
    """
    cluster = view(cluster, options.conventions)
    src, dst = _ends(cluster, source, destination, namespace)
    labels = namespace_labels(cluster)
    sources, through = _through_node(cluster, src, dst, options)
    notes = _hypothetical_notes(src) + through
    pairs = [(s, d) for s in _distinct(cluster, sources, options) for d in _distinct(cluster, dst.endpoints, options)]
    if dst.service is not None:
        atoms: list[tuple[Interval, dict[int, Probe]]] = []
        for sp in dst.service.ports:
            typed = _PortText(sp.port, None, sp.protocol)
            targets: dict[int, Probe] = {}
            for index, (_, d) in enumerate(pairs):
                if isinstance(d, Pod):
                    targets[index], note = _target_probe(dst, d, typed)
                    if note and note not in notes:
                        notes.append(note)
            first = next(iter(targets.values()))
            atoms.append(((first.protocol, first.port, first.port), targets))
    else:
        atoms = [((proto, lo, hi), {}) for proto, lo, hi in port_atoms(cluster)]
    verdicts: list[tuple[Interval, Verdict]] = []
    for interval, targets in atoms:
        probe = Probe(interval[1], interval[0])
        chosen: Verdict | None = None
        for index, (s, d) in enumerate(pairs):
            verdict = _judged(cluster, s, d, targets.get(index, probe), options, labels)
            if chosen is None or (verdict.allowed and not chosen.allowed):
                chosen = verdict
            if verdict.allowed:
                break
        assert chosen is not None
        verdicts.append((interval, chosen))
    for note in _unseen(cluster, *pairs[0], options):
        if note not in notes:
            notes.append(note)
    considered = ConnSet.of(interval for interval, _ in verdicts)
    allowed = ConnSet.of(interval for interval, v in verdicts if v.allowed)
    egress = _groups([(i, v.probe, v.egress) for i, v in verdicts])
    ingress = _groups([(i, v.probe, v.ingress) for i, v in verdicts])
    self_flow = bool(verdicts) and all(v.egress.basis is Basis.SELF for _, v in verdicts)
    return PortsExplanation(src.name, dst.name, considered, allowed, egress, ingress, self_flow, tuple(notes))


def _signature(side: DirectionVerdict) -> tuple[object, ...]:
    """What a side says, without the port: sides that say the same thing share a group.

    A denial is one group whatever half of each rule missed: explained over every
    port, each rule is shown whole (its ports and its peers).
    """
    steps = tuple((s.key, s.rule, s.action) for s in side.steps)
    return (side.basis, side.isolated_by, side.allowed_by, steps)


def _groups(sides: list[tuple[Interval, Probe, DirectionVerdict]]) -> tuple[SideGroup, ...]:
    grouped: dict[tuple[object, ...], list[tuple[Interval, Probe, DirectionVerdict]]] = {}
    for entry in sides:
        grouped.setdefault(_signature(entry[2]), []).append(entry)
    groups = [
        SideGroup(ConnSet.of(i for i, _, _ in members), members[0][1], replace(members[0][2]))
        for members in grouped.values()
    ]
    return tuple(sorted(groups, key=lambda g: (not g.side.allowed, g.ports.intervals)))


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
    if not has_node_local_pairs(cluster.pods, options.conventions):
        return list(classes.representatives)
    first: dict[tuple[int, str], Pod] = {}
    for pod, c in zip(pods, classes.class_of):
        first.setdefault((c, pod.node), pod)
    return list(first.values())
