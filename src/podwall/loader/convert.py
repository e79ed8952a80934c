"""Parsed documents -> Kubernetes objects -> model objects, one kind at a time.

``flatten`` turns a document into objects (unwrapping ``kind: List`` and typed
``*List`` kinds); ``convert`` turns one object into a model object, a "skipped"
count, or a list of problems. Kinds other than NetworkPolicy get sensible, not
exhaustive, validation: enough that nothing podwall reads is misread.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import field, replace
from typing import Any

from podwall.errors import Location, ManifestError
from podwall.model import names
from podwall.loader.fields import Report, display, is_int, join, line_of, quote, remember, type_name
from podwall.loader.meta import UNNAMED, decodes_plainly, decoding_problems, describe, identity, read_meta, string_entries
from podwall.loader.monitoring import MONITOR_KINDS, MONITORING_GROUP, convert_monitor
from podwall.loader.admin import ADMIN_KINDS, convert_admin
from podwall.loader.exposure import INGRESS_API_GROUPS, ROUTE_API_GROUP, convert_ingress, convert_route
from podwall.loader.netpol import convert_policy, selector
from podwall.loader.known_fields import SERVED, check, group_of, kind_problem, served
from podwall.loader.owners import PodDraft, WorkloadDraft
from podwall.loader.decode import Document, LineDict, LineList
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    AdminPolicy,
    Exposure,
    Container,
    ContainerPort,
    Monitor,
    UnevaluatedPolicy,
    IPAddress,
    IPBlockPeer,
    IPNetwork,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    Pod,
    Protocol,
    Service,
    ServicePort,
    Workload,
    WorkloadRef,
)
from podwall.model.quick import frozen, mutable

NETWORK_POLICY_API = "networking.k8s.io/v1"

#: API groups each converted kind may come from ("" is the core group): known_fields.SERVED's.
KIND_GROUPS: dict[str, frozenset[str]] = {
    kind: groups for kind, (groups, _) in SERVED.items() if kind not in ("NetworkPolicy", "Ingress")
}

#: Workload kinds whose ``spec.replicas`` the API defaults to 1.
_REPLICATED = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})

#: Workload kinds whose ``spec.selector`` is required: ``apps/v1`` defaults none (``pkg/apis/apps/validation``:
#: "spec.selector: Required value"). A Job's is generated unless ``spec.manualSelector`` is true, and a
#: ReplicationController's defaults to its template's labels.
_SELECTOR_REQUIRED = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})

#: Policy kinds of other APIs that are cluster-scoped (so their messages show no namespace).
_CLUSTER_SCOPED_POLICIES = frozenset(
    {
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "GlobalNetworkPolicy",
        "StagedGlobalNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
    }
)

_PROTOCOLS = {p.value: p for p in Protocol}
_MAX_LIST_DEPTH = 8

#: What the API accepts: a kind is a DNS-1035 label once lowercased (CRD rule);
#: an apiVersion is ``[group/]version``, group a DNS subdomain, version a DNS label.
_KIND = re.compile(r"[A-Za-z]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?")
_API_VERSION = re.compile(
    r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
)

NOT_EVALUATED = (
    "not evaluated yet: podwall evaluates networking.k8s.io/v1 NetworkPolicy and the policy.networking.k8s.io "
    "admin tiers; flows shown ignore it"
)

@frozen
class RawObject:
    """One Kubernetes object as parsed, with where it starts."""

    data: LineDict
    kind: str
    api_version: str
    location: Location


@mutable
class Converted:
    """What became of one object.

    Exactly one of: ``errors`` non-empty (invalid), ``skipped`` set (a count
    under that key), or ``value`` set (a model object or draft).
    """

    kind: str
    namespace: str
    name: str
    location: Location
    value: (
        Namespace | PodDraft | WorkloadDraft | Service | NetworkPolicy | AdminPolicy | tuple[Exposure, ...]
        | Monitor | UnevaluatedPolicy | Node | None
    ) = None
    errors: list[ManifestError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None
    #: fields of a served object that Kubernetes known_fields.KUBERNETES_VERSION does not define (paths).
    newer: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``Kind ns/name`` for messages."""
        return self.describe()

    def describe(self) -> str:
        """``label``, as a method: for a ``Report`` that names the object only when it has something to say."""
        return describe(self.kind, self.name, self.namespace)


# -- documents -> objects ---------------------------------------------------------


def flatten(document: Document, path: str) -> Iterator[RawObject | ManifestError]:
    """The objects of one document; Lists are unwrapped, items keep their own lines."""
    return _objects(document.data, Location(path, document.line, document=document.index), None, 0)


def flatten_value(data: Any, location: Location) -> Iterator[RawObject | ManifestError]:
    """The objects of one decoded value at ``location`` (a live API's response has no lines)."""
    return _objects(data, location, None, 0)  # the generator itself: one frame less per object of a List


def _objects(
    data: Any, location: Location, inherited: tuple[str, str] | None, depth: int
) -> Iterator[RawObject | ManifestError]:
    if not isinstance(data, LineDict):
        yield ManifestError(
            f"expected a Kubernetes object (a mapping with apiVersion and kind), not {type_name(data)}", location
        )
        return
    line = data.line
    if line is not None and line != location.line:
        location = location.at(line)
    kind: Any = data.get("kind")
    api_version: Any = data.get("apiVersion")
    if inherited is not None:  # items of a typed list (PodList) may omit kind and apiVersion
        kind = inherited[0] if kind is None else kind
        api_version = inherited[1] if api_version is None else api_version
    if not (kind.__class__ is str and api_version.__class__ is str and (kind, api_version) in _VALID_TYPES):
        # the few (kind, apiVersion) pairs of an input are judged once each
        if not (isinstance(kind, str) and isinstance(api_version, str) and _KIND.fullmatch(kind)
                and _API_VERSION.fullmatch(api_version)):
            yield from _type_problems(data, location, kind, api_version)
            return
        if kind.__class__ is str and api_version.__class__ is str:
            remember(_VALID_TYPES, (kind, api_version))
    # kubectl flattens any object whose "items" is a list (unstructured IsList), whatever its kind.
    if kind == "List" or (kind.endswith("List") and "items" in data) or isinstance(data.get("items"), LineList):
        items = data.get("items")
        if items is None:
            return
        if not isinstance(items, LineList):
            yield ManifestError(
                f"must be a list, not {type_name(items)}", replace(location, line=line_of(data, "items")), obj=kind, field="items"
            )
            return
        if depth >= _MAX_LIST_DEPTH:
            yield ManifestError("Lists nested too deeply", location, obj=kind, field="items")
            return
        item_kind = (kind[: -len("List")], api_version) if kind.endswith("List") and kind != "List" else None
        for i, item in enumerate(items):
            yield from _objects(item, location.at(line_of(items, i)), item_kind, depth + 1)
        return
    yield RawObject(data, kind, api_version, location)


#: (kind, apiVersion) pairs found valid by ``_objects`` (exact ``str``s), bounded.
_VALID_TYPES: set[tuple[str, str]] = set()


def _type_problems(data: LineDict, location: Location, kind: Any, api_version: Any) -> list[ManifestError]:
    """What is wrong with an object's ``apiVersion`` and ``kind`` (something is)."""
    problems = []
    name = identity(data, namespaced=False, default_namespace="")[0]
    shown_kind = display(kind) if isinstance(kind, str) and _KIND.fullmatch(kind) else ""
    obj = " ".join(part for part in (shown_kind, display(name) if name != UNNAMED else "") if part)
    for key, value, syntax in (("apiVersion", api_version, _API_VERSION), ("kind", kind, _KIND)):
        if value is None or value == "":
            problems.append(ManifestError(f"missing required field {quote(key)}", location, obj=obj))
        elif not isinstance(value, str):
            problems.append(ManifestError(f"must be a string, not {type_name(value)}",
                                          location.at(line_of(data, key)), obj=obj, field=key))
        elif not syntax.fullmatch(value):
            problems.append(ManifestError(f"invalid {key} {quote(value)}", location.at(line_of(data, key)),
                                          obj=obj, field=key))
    return problems


# -- objects -> model ----------------------------------------------------------------


#: Kinds whose objects live in a namespace (for naming them in messages before conversion).
_NAMESPACED = frozenset(KIND_GROUPS) - {"Namespace", "Node"} | {"NetworkPolicy", "Ingress", "Route"} | MONITOR_KINDS


def convert(raw: RawObject, default_namespace: str) -> Converted:
    """Convert one object; kinds podwall does not use are counted, policy kinds also warned about.

    An object whose metadata kubectl cannot decode is refused whatever its kind.
    """
    refused = _undecodable(raw, default_namespace)
    if refused is not None:
        return refused
    kind, api_version = raw.kind, raw.api_version
    unserved = kind_problem(kind, api_version)
    if unserved is not None:
        return _unserved(raw, default_namespace, *unserved)
    if kind == "NetworkPolicy" and api_version == NETWORK_POLICY_API:
        return _policy(raw, default_namespace)
    if (kind, api_version) in ADMIN_KINDS:
        return _admin_policy(raw)
    if (kind == "Ingress" and group_of(api_version) in INGRESS_API_GROUPS) or (
        kind == "Route" and group_of(api_version) == ROUTE_API_GROUP
    ):
        return _exposure(raw, default_namespace)
    if kind.endswith("NetworkPolicy"):
        return _foreign_policy(raw, default_namespace)
    if kind in MONITOR_KINDS and group_of(api_version) == MONITORING_GROUP:
        return _monitor(raw, default_namespace)
    groups = KIND_GROUPS.get(kind)
    if groups is None:
        name, ns = identity(raw.data, namespaced=False, default_namespace="")
        return Converted(kind, ns, name, raw.location, skipped=kind)
    if group_of(api_version) not in groups:
        name, ns = identity(raw.data, namespaced=False, default_namespace="")
        return Converted(kind, ns, name, raw.location, skipped=f"{kind} ({api_version})")
    namespaced = kind not in ("Namespace", "Node")
    name, ns = identity(raw.data, namespaced=namespaced, default_namespace=default_namespace)
    result = Converted(kind, ns, name, raw.location)
    report = Report(raw.location, result.describe)
    _check_fields(report, kind, raw, result)
    if kind == "Namespace":
        result.value = _namespace(report, raw, result)
    elif kind == "Pod":
        result.value = _pod(report, raw, result, default_namespace)
    elif kind == "Service":
        result.value = _service(report, raw, default_namespace)
    elif kind == "Node":
        result.value = _node(report, raw)
    else:
        result.value = _workload(report, raw, default_namespace)
    result.warnings.extend(report.warnings)
    if report.errors:
        result.errors = report.errors
        result.value = None
    return result


def _unserved(raw: RawObject, default_namespace: str, field: str, message: str) -> Converted:
    """A kind no API server serves as written (a removed version, a misspelt kind): kubectl's "no matches"."""
    result, report = _named(raw, default_namespace)
    report.error(field, line_of(raw.data, field), message)
    result.errors = report.errors
    return result


def _undecodable(raw: RawObject, default_namespace: str) -> Converted | None:
    """The object refused with kubectl's decoding errors for its ``metadata``, or None when it decodes.

    Most objects decode: they are looked at first without being named (``_named``), which only a message needs.
    """
    if decodes_plainly(raw.data):
        return None
    probe = Report(raw.location, "")
    decoding_problems(probe, raw.data)
    if not probe.errors:
        return None
    result, report = _named(raw, default_namespace)
    decoding_problems(report, raw.data)
    result.errors = report.errors
    return result


def _named(raw: RawObject, default_namespace: str) -> tuple[Converted, Report]:
    """An empty result for ``raw`` named as messages name it, and its report."""
    meta = raw.data.get("metadata")
    given = meta.get("namespace") if isinstance(meta, dict) else None
    namespaced = raw.kind in _NAMESPACED or isinstance(given, str) and given != ""
    name, ns = identity(raw.data, namespaced=namespaced, default_namespace=default_namespace)
    result = Converted(raw.kind, ns, name, raw.location)
    return result, Report(raw.location, result.describe)


def _policy(raw: RawObject, default_namespace: str) -> Converted:
    name, ns = identity(raw.data, namespaced=True, default_namespace=default_namespace)
    result = Converted("NetworkPolicy", ns, name, raw.location)
    report = Report(raw.location, result.describe)
    result.value = convert_policy(report, raw.data, raw.location, default_namespace)
    result.errors = report.errors
    result.warnings.extend(report.warnings)
    if result.value is not None:
        result.warnings.extend(_named_ports_on_ipblocks(result.value, result))
    return result


def _named_ports_on_ipblocks(policy: NetworkPolicy, named: Converted) -> Iterator[str]:
    """A named port cannot be resolved on an external address: say so rather than match nothing quietly."""
    for rule in policy.ingress + policy.egress:
        peers = rule.peers
        if not peers or peers[0].__class__ is not IPBlockPeer or not all(isinstance(p, IPBlockPeer) for p in peers):
            continue
        for i, spec in enumerate(rule.ports):
            if isinstance(spec.port, str):
                field = f"spec.{rule.direction.value.lower()}[{rule.index}].ports[{i}].port"
                yield (
                    f"warning: {rule.location}: {named.label}: {field}: named port {spec.port!r} with only ipBlock peers "
                    "matches no external address (only pods in the blocks that declare it)"
                )


def _admin_policy(raw: RawObject) -> Converted:
    name, _ = identity(raw.data, namespaced=False, default_namespace="")
    result = Converted(raw.kind, "", name, raw.location)
    report = Report(raw.location, result.describe)
    result.value, result.warnings = convert_admin(report, raw.data, raw.kind, raw.location)
    result.warnings.extend(report.warnings)
    result.errors = report.errors
    return result


def _check_fields(report: Report, struct: str, raw: RawObject, result: Converted) -> None:
    """Unknown fields are errors; on an object an API server served, newer fields for one summary warning.

    The server validated such an object with its own, maybe newer, schema.
    """
    check(report, struct, raw.data, newer=result.newer if served(raw.data) else None)


def _exposure(raw: RawObject, default_namespace: str) -> Converted:
    name, ns = identity(raw.data, namespaced=True, default_namespace=default_namespace)
    result = Converted(raw.kind, ns, name, raw.location)
    report = Report(raw.location, result.describe)
    if raw.kind == "Ingress":
        _check_fields(report, "IngressV1beta1" if raw.api_version.endswith("v1beta1") else "Ingress", raw, result)
    convert_one = convert_ingress if raw.kind == "Ingress" else convert_route
    result.value = tuple(convert_one(report, raw.data, raw.location, default_namespace))
    result.warnings.extend(report.warnings)
    result.errors = report.errors
    return result


def _foreign_policy(raw: RawObject, default_namespace: str) -> Converted:
    """AdminNetworkPolicy, Calico, Cilium, Antrea...: never silently ignored."""
    kind = raw.kind if raw.kind != "NetworkPolicy" else f"NetworkPolicy ({raw.api_version})"
    namespaced = raw.kind not in _CLUSTER_SCOPED_POLICIES
    name, ns = identity(raw.data, namespaced=namespaced, default_namespace=default_namespace)
    result = Converted(kind, ns, name, raw.location, skipped=kind)
    result.warnings.append(f"warning: {raw.location}: {result.label}: {NOT_EVALUATED}")
    meta = raw.data.get("metadata")
    annotations = string_entries(meta.get("annotations")) if isinstance(meta, dict) else {}
    result.value = UnevaluatedPolicy(raw.kind, raw.api_version, ns, name, raw.location, annotations)
    return result


def _monitor(raw: RawObject, default_namespace: str) -> Converted:
    """ServiceMonitor/PodMonitor; unreadable ones are skipped with a warning, never an error."""
    name, ns = identity(raw.data, namespaced=True, default_namespace=default_namespace)
    result = Converted(raw.kind, ns, name, raw.location)
    report = Report(raw.location, result.describe)
    monitor = convert_monitor(report, raw.data, raw.kind, default_namespace)
    if report.errors:
        result.warnings.extend(f"warning: skipped object: {error}" for error in report.errors)
        result.skipped = raw.kind
    else:
        result.value = monitor
        result.warnings.extend(report.warnings)
    return result


def _namespace(report: Report, raw: RawObject, result: Converted) -> Namespace:
    meta = read_meta(
        report, raw.data, namespaced=False, default_namespace="", name_problem=names.dns_label_problem
    )
    labels = dict(meta.labels)
    given = labels.get(NAMESPACE_NAME_LABEL)
    if given is not None and given != meta.name and meta.name:
        result.warnings.append(
            f"warning: {raw.location}: {result.label}: metadata.labels: {NAMESPACE_NAME_LABEL} is "
            f"{quote(given)} but the API server sets it to the namespace name; using {quote(meta.name)}"
        )
    labels[NAMESPACE_NAME_LABEL] = meta.name
    return Namespace(meta.name, labels, raw.location, annotations=meta.annotations)


def _pod(report: Report, raw: RawObject, result: Converted, default_namespace: str) -> PodDraft | None:
    given_status = raw.data.get("status")
    phase = given_status.get("phase") if isinstance(given_status, dict) else None
    if phase in ("Succeeded", "Failed"):
        # Finished pods hold no IP and take no traffic.
        result.skipped = f"Pod ({phase})"
        return None
    meta = read_meta(report, raw.data, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(raw.data, "spec", "")
    status = report.mapping(raw.data, "status", "")
    ports, host_network = _pod_spec(report, spec, "spec")
    ips = _ips(report, status) if status is not None else ()
    node = (report.string(spec, "nodeName", "spec") or "") if spec is not None else ""
    pod = Pod(
        namespace=meta.namespace,
        name=meta.name,
        labels=meta.labels,
        annotations=meta.annotations,
        ports=ports,
        ips=ips,
        host_network=host_network,
        location=raw.location,
        node=node,
        containers=_containers(spec),
    )
    return PodDraft(pod, meta.owners)


def _pod_spec(report: Report, spec: LineDict | None, path: str) -> tuple[tuple[ContainerPort, ...], bool]:
    """Container ports (of ``containers`` only: init and ephemeral containers serve no traffic) and hostNetwork."""
    if spec is None:
        return (), False
    ports: list[ContainerPort] = []
    containers = report.sequence(spec, "containers", path)
    for _, container, container_path in report.mappings(containers, join(path, "containers")):
        given = report.sequence(container, "ports", container_path)
        for _, item, port_path in report.mappings(given, join(container_path, "ports")):
            port = _container_port(report, item, port_path)
            if port is not None and port not in ports:
                ports.append(port)
    host_network = report.boolean(spec, "hostNetwork", path)
    return tuple(ports), bool(host_network)


def _containers(spec: LineDict | None) -> tuple[Container, ...]:
    """Name, image and args of each regular container, read leniently: nothing here is judged."""
    found: list[Container] = []
    containers = spec.get("containers") if spec is not None else None
    for item in containers if isinstance(containers, list) else ():
        if not isinstance(item, dict):
            continue
        args = item.get("args")
        found.append(
            Container(
                name=item.get("name") if isinstance(item.get("name"), str) else "",
                image=item.get("image") if isinstance(item.get("image"), str) else "",
                args=tuple(a for a in args if isinstance(a, str)) if isinstance(args, list) else (),
            )
        )
    return tuple(found)


def _node(report: Report, raw: RawObject) -> Node:
    """A Node: labels, annotations, ``status.addresses`` (InternalIP, then ExternalIP) and pod CIDRs."""
    meta = read_meta(report, raw.data, namespaced=False, default_namespace="")
    spec = raw.data.get("spec")
    status = raw.data.get("status")
    addresses: list[IPAddress] = []
    given = status.get("addresses") if isinstance(status, dict) else None
    for wanted in ("InternalIP", "ExternalIP"):
        for item in given if isinstance(given, list) else ():
            if isinstance(item, dict) and item.get("type") == wanted and isinstance(item.get("address"), str):
                address = _parse_ip(item["address"])
                if address is not None and address not in addresses:
                    addresses.append(address)
    cidrs: list[IPNetwork] = []
    if isinstance(spec, dict):
        key = "podCIDRs" if isinstance(spec.get("podCIDRs"), list) else "podCIDR"
        texts = spec[key] if key == "podCIDRs" else [spec.get(key)]
        for text in (t for t in texts if isinstance(t, str)):
            try:
                cidrs.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                report.error(f"spec.{key}", line_of(spec, key), f"invalid CIDR {quote(text)}")
    return Node(meta.name, meta.labels, meta.annotations, tuple(addresses), tuple(dict.fromkeys(cidrs)), raw.location)


def _container_port(report: Report, item: LineDict, path: str) -> ContainerPort | None:
    number: Any = item.get("containerPort")
    field_path = join(path, "containerPort")
    ok = True
    if number is None:
        report.error(path, line_of(item, "containerPort"), 'missing required field "containerPort"')
        ok = False
    elif not is_int(number):
        report.error(field_path, line_of(item, "containerPort"), f"must be an integer, not {type_name(number)}")
        ok = False
    else:
        ok = report.port_number(number, field_path, item, "containerPort")
    protocol = _protocol(report, item, path)
    name = report.string(item, "name", path) or ""
    if name:
        ok = report.port_name(name, join(path, "name"), item, "name") and ok
    if not ok or protocol is None:
        return None
    return ContainerPort(number, protocol, name)


def _protocol(report: Report, item: LineDict, path: str) -> Protocol | None:
    """``protocol`` (default TCP); ``None`` after reporting a bad one."""
    given = report.string(item, "protocol", path)
    if given is None:
        return None if item.get("protocol") is not None else Protocol.TCP
    protocol = _PROTOCOLS.get(given)
    if protocol is None:
        report.error(
            join(path, "protocol"), line_of(item, "protocol"), f"unsupported protocol {quote(given)}: must be TCP, UDP or SCTP"
        )
    return protocol


def _ips(report: Report, status: LineDict) -> tuple[IPAddress, ...]:
    """``status.podIPs[].ip`` then ``status.podIP``, without duplicates."""
    found: list[IPAddress] = []

    def add(container: LineDict, key: str, path: str) -> None:
        text = report.string(container, key, path)
        if not text:
            return
        address = _parse_ip(text)
        if address is None:
            report.error(join(path, key), line_of(container, key), f"invalid IP address {quote(text)}")
        elif address not in found:
            found.append(address)

    given = report.sequence(status, "podIPs", "status")
    for _, item, item_path in report.mappings(given, "status.podIPs"):
        add(item, "ip", item_path)
    add(status, "podIP", "status")
    return tuple(found)


def string_list(value: Any) -> list[str]:
    """The strings of a list (anything else in it, or a value that is no list, gives none)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _parse_ip(text: str) -> IPAddress | None:
    if "%" in text:  # zones are not pod addresses
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _workload(report: Report, raw: RawObject, default_namespace: str) -> WorkloadDraft | None:
    kind = raw.kind
    meta = read_meta(report, raw.data, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(raw.data, "spec", "")
    if spec is None:
        if raw.data.get("spec") is None:
            report.require(raw.data, "spec", "")
        return None
    replicas = None
    if kind in _REPLICATED:
        replicas = report.integer(spec, "replicas", "spec")
        if replicas is None and spec.get("replicas") is None:
            replicas = 1  # the API default
        elif replicas is not None and replicas < 0:
            report.error("spec.replicas", line_of(spec, "replicas"), f"{replicas} must be zero or more")
    generated = None
    if kind in _SELECTOR_REQUIRED:
        report.require(spec, "selector", "spec")
    elif kind == "Job":
        manual = report.boolean(spec, "manualSelector", "spec")
        if manual:
            report.require(spec, "selector", "spec")  # generated only when manualSelector is not true
        elif (manual is not None or spec.get("manualSelector") is None) and not served(raw.data):
            generated = _generated_job_labels(meta.name)  # a served Job carries them, and was judged on create
    holder, path = spec, "spec"
    if kind == "CronJob":
        for key in ("jobTemplate", "spec"):
            inner = report.mapping(holder, key, path)
            if inner is None:
                if holder.get(key) is None:
                    report.require(holder, key, path)
                return None
            holder, path = inner, join(path, key)
    template = report.mapping(holder, "template", path)
    if template is None:
        if holder.get("template") is None:
            report.require(holder, "template", path)
        return None
    holder_path, path = path, join(path, "template")
    template_meta = report.mapping(template, "metadata", path)
    labels = {}
    template_annotations: dict[str, str] = {}
    if template_meta is not None:
        labels = report.string_map(template_meta, "labels", join(path, "metadata")) or {}
        template_annotations = string_entries(template_meta.get("annotations"))
    if kind == "CronJob":  # its Jobs' selectors are generated: none may be given
        _cron_job_selector(report, holder, holder_path)
        if template_meta is not None:  # served too: the API server stores the template as given
            _cron_job_generated_labels(report, template_meta, join(path, "metadata"), labels)
    else:
        _workload_selector(report, kind, holder, holder_path, labels, template_meta or template, generated)
    if generated is not None and template_meta is not None:
        _generated_label_conflicts(report, template_meta, join(path, "metadata"), labels, generated)
    template_spec = report.mapping(template, "spec", path)
    ports, host_network = _pod_spec(report, template_spec, join(path, "spec"))
    workload = Workload(
        ref=WorkloadRef(kind, meta.namespace, meta.name),
        labels=labels,
        ports=ports,
        host_network=host_network,
        replicas=replicas,
        location=raw.location,
        annotations=meta.annotations,
        template_annotations=template_annotations,
        containers=_containers(template_spec),
    )
    return WorkloadDraft(workload, meta.owners)


#: What the API server gives a new Job's pod template, and its generated selector must select, unless
#: ``spec.manualSelector`` is true (``generateSelector`` in pkg/registry/batch/job/strategy.go,
#: ``validateGeneratedSelector`` in pkg/apis/batch/validation/validation.go). The uid is the Job's own,
#: assigned on create: no value a manifest names can equal it, and this one is no valid label value.
_JOB_UID = "<uid>"
_JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
_JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def _generated_job_labels(name: str) -> dict[str, str]:
    """The labels the API server gives the pods of Job ``name`` when it generates the selector."""
    return {key: _JOB_UID for key in _JOB_UID_LABELS} | {key: name for key in _JOB_NAME_LABELS}


def _generated_label_conflicts(
    report: Report, template_meta: LineDict, path: str, labels: dict[str, str], generated: dict[str, str]
) -> None:
    """A new Job's template labels that the generated ones must have (``ValidateHasLabel``): "must be 'NAME'".

    ``generateSelector`` adds each generated label the template lacks and keeps one it has, which
    ``validateGeneratedSelector`` then refuses unless it holds the generated value: the Job's name, or its
    uid, which the API server assigns on create (no manifest can name it).
    """
    given = template_meta.get("labels")
    for key, value in labels.items():
        wanted = generated.get(key)
        if wanted is None or value == wanted:
            continue
        if wanted == _JOB_UID:
            problem = "must be the Job's uid, which the API server assigns on create: remove this label"
        else:
            problem = f"must be {quote(wanted)}, the Job's name: the API server labels the Job's pods with it"
        report.error(f"{join(path, 'labels')}[{key}]", line_of(given, key),
                     f"{problem} (unless spec.manualSelector is true)")


def _cron_job_generated_labels(report: Report, template_meta: LineDict, path: str, labels: dict[str, str]) -> None:
    """A CronJob's pod template giving a label its Jobs' generated selector sets: a warning, not an error.

    The API server accepts the CronJob (``ValidateJobTemplateSpec`` does not look at its labels), but each
    Job the CronJob creates gets a generated name (``NAME-<scheduled time>``) and uid, and
    ``validateGeneratedSelector`` refuses it while its template gives ``job-name`` or ``controller-uid``
    another value: the CronJob never runs a pod. podwall still models its pods (it reads the CronJob as the
    API server accepts it) and says so.
    """
    given = template_meta.get("labels")
    for key in labels:
        if key in _JOB_NAME_LABELS or key in _JOB_UID_LABELS:
            what = "name" if key in _JOB_NAME_LABELS else "uid"
            report.warn(f"{join(path, 'labels')}[{key}]", line_of(given, key),
                        f"the API server refuses every Job this CronJob creates: a Job labels its pods {key}=<its "
                        f"{what}>, made when it is created, and the template may not set another value; remove the "
                        "label (podwall still models the CronJob's pods)")


def _cron_job_selector(report: Report, spec: LineDict, path: str) -> None:
    """A CronJob's ``jobTemplate.spec``: no selector, no ``manualSelector: true`` (``ValidateJobTemplateSpec``).

    The API server generates the selector of each Job it creates from the template, so it refuses one
    given there, served or not (a stored CronJob never holds one).
    """
    if spec.get("selector") is not None:
        report.error(join(path, "selector"), line_of(spec, "selector"),
                     "`selector` will be auto-generated: a CronJob's Jobs get their selector from the API server; "
                     "remove it")
    if report.boolean(spec, "manualSelector", path):
        report.error(join(path, "manualSelector"), line_of(spec, "manualSelector"),
                     "unsupported value true: a CronJob's Jobs take no manual selector (false or none)")


def _workload_selector(
    report: Report, kind: str, spec: LineDict, path: str, labels: dict[str, str], labels_holder: LineDict,
    generated: dict[str, str] | None = None,
) -> None:
    """The API server's "selector does not match template labels", "empty selector is invalid", "not auto-generated".

    ``spec.selector`` is a label selector (a label map for ReplicationController,
    which defaults an absent one to the template's labels); it is matched with the
    model's own ``LabelSelector.matches``. Not judged after another problem of the
    object, whose labels may then be incomplete.

    ``generated``: the labels the API server adds to a new Job's template when it
    generates the selector (``spec.manualSelector`` not true). It then adds a
    ``batch.kubernetes.io/controller-uid`` term to any selector given, and refuses
    the Job unless the result selects those labels: a selector of the manifest's
    own labels is refused.
    """
    if kind == "ReplicationController":
        given = report.string_map(spec, "selector", path)
        wanted = LabelSelector.from_labels(given) if given else None
    else:
        wanted = selector(report, spec, "selector", path)
        if wanted is not None and wanted.is_empty and kind != "Job":
            report.error(join(path, "selector"), line_of(spec, "selector"), f"empty selector is invalid for {kind}")
            return
    if wanted is None or wanted.is_empty or report.errors:
        return
    if generated is not None and not wanted.matches(generated):
        report.error(join(path, "selector"), line_of(spec, "selector"),
                     f"selector not auto-generated (selector {wanted}): the API server generates a Job's selector "
                     "unless spec.manualSelector is true; remove this one or set manualSelector: true")
        return
    if wanted.matches(labels if generated is None else generated | labels):  # added where the template has none
        return
    shown = ", ".join(f"{key}={value}" for key, value in sorted(labels.items())) or "none"
    report.error(join(path, "template.metadata.labels"), line_of(labels_holder, "labels"),
                 f"selector does not match template labels (selector {wanted}; labels {shown})")


def _service(report: Report, raw: RawObject, default_namespace: str) -> Service:
    meta = read_meta(
        report, raw.data, namespaced=True, default_namespace=default_namespace, name_problem=names.dns1035_label_problem
    )
    spec = report.mapping(raw.data, "spec", "")
    selector: dict[str, str] = {}
    ports: list[ServicePort] = []
    kind, traffic = "ClusterIP", "Cluster"
    cluster_ips: list[IPAddress] = []
    if spec is not None:
        for text in [*string_list(spec.get("clusterIPs")), *string_list([spec.get("clusterIP")])]:
            address = _parse_ip(text)  # "None" (headless) and anything else that is no address: no ClusterIP
            if address is not None and address not in cluster_ips:
                cluster_ips.append(address)
        kind = report.string(spec, "type", "spec") or kind
        traffic = report.string(spec, "externalTrafficPolicy", "spec") or traffic
        selector = report.string_map(spec, "selector", "spec") or {}
        given = report.sequence(spec, "ports", "spec")
        for _, item, path in report.mappings(given, "spec.ports"):
            port = _service_port(report, item, path)
            if port is not None:
                ports.append(port)
    return Service(
        meta.namespace, meta.name, selector, tuple(ports), raw.location,
        annotations=meta.annotations, labels=meta.labels, type=kind, external_traffic_policy=traffic,
        cluster_ips=tuple(cluster_ips),
    )


def _service_port(report: Report, item: LineDict, path: str) -> ServicePort | None:
    number: Any = item.get("port")
    ok = True
    if number is None:
        report.error(path, line_of(item, "port"), 'missing required field "port"')
        ok = False
    elif not is_int(number):
        report.error(join(path, "port"), line_of(item, "port"), f"must be an integer, not {type_name(number)}")
        ok = False
    else:
        ok = report.port_number(number, join(path, "port"), item, "port")
    target: Any = item.get("targetPort")
    target_field = join(path, "targetPort")
    if target is None:
        target = number
    elif is_int(target):
        ok = report.port_number(target, target_field, item, "targetPort") and ok
    elif isinstance(target, str):
        problem = names.port_name_problem(target)
        if problem is not None:
            hint = f" (write {target} without quotes for a port number)" if target.isdigit() else ""
            report.error(target_field, line_of(item, "targetPort"), f"invalid port name {quote(target)}: {problem}{hint}")
            ok = False
    else:
        report.error(target_field, line_of(item, "targetPort"), f"must be an integer or a string, not {type_name(target)}")
        ok = False
    protocol = _protocol(report, item, path)
    name = report.string(item, "name", path) or ""
    if not ok or protocol is None:
        return None
    return ServicePort(number, target, protocol, name)
