"""AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2).

Why one module: the three share subject, peer and port shapes; they differ in
their tier, the spelling of actions (CNP ``Accept`` is ANP ``Allow``) and of
ports (ANP ``portNumber``/``namedPort``/``portRange``, CNP ``protocols`` with
``tcp``/``udp``/``sctp.destinationPort`` or ``destinationNamedPort``).
Validation follows the CRDs' schemas: unknown fields, one form per peer and
port, priorities in range, actions each kind allows. Peers podwall cannot
evaluate (``nodes``, ``domainNames``) are reported as warnings, never dropped
silently.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from podwall.errors import Location
from podwall.loader.fields import Report, is_int, join, line_of, quote, type_name
from podwall.loader.meta import read_meta
from podwall.loader.netpol import parse_cidr, selector
from podwall.loader.decode import LineDict, LineList
from podwall.model import (
    Action,
    AdminPolicy,
    AdminRule,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Peer,
    PodPeer,
    PortSpec,
    Protocol,
    Tier,
)

ADMIN_API = "policy.networking.k8s.io/v1alpha1"
CLUSTER_API = "policy.networking.k8s.io/v1alpha2"
ADMIN_KINDS = {
    ("AdminNetworkPolicy", ADMIN_API),
    ("BaselineAdminNetworkPolicy", ADMIN_API),
    ("ClusterNetworkPolicy", CLUSTER_API),
}

_PROTOCOLS = {p.value: p for p in Protocol}
_CNP_PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}


def convert_admin(report: Report, obj: LineDict, kind: str, location: Location) -> tuple[AdminPolicy | None, list[str]]:
    """The policy (``None`` if ``report`` has errors) and warnings about what is not evaluated."""
    warnings: list[tuple[int | None, str]] = []
    report.unknown_fields(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    meta = read_meta(report, obj, namespaced=False, default_namespace="", strict=True)
    spec = report.mapping(obj, "spec", "")
    if spec is None:
        report.require(obj, "spec", "")
        return None, []
    cnp = kind == "ClusterNetworkPolicy"
    baseline = kind == "BaselineAdminNetworkPolicy"
    allowed = ["subject", "ingress", "egress"] + ([] if baseline else ["priority"]) + (["tier"] if cnp else [])
    report.unknown_fields(spec, allowed, "spec")
    tier = Tier.BASELINE if baseline else Tier.ADMIN
    if cnp:
        text = report.string(spec, "tier", "spec")
        if text is None:
            report.require(spec, "tier", "spec")
        elif text not in ("Admin", "Baseline"):
            report.error("spec.tier", line_of(spec, "tier"), f"invalid tier {quote(text)}: must be Admin or Baseline")
        else:
            tier = Tier(text)
    priority = 0
    if not baseline:
        given = report.integer(spec, "priority", "spec")
        top = 1000
        if given is None:
            report.require(spec, "priority", "spec")
        elif not 0 <= given <= top:
            report.error("spec.priority", line_of(spec, "priority"), f"{given} is not a valid priority: must be 0-{top}")
        else:
            priority = given
    elif meta.name and meta.name != "default":
        report.error("metadata.name", line_of(obj.get("metadata") or {}, "name"),
                     f'invalid name {quote(meta.name)}: a BaselineAdminNetworkPolicy must be named "default"')
    subject = _subject(report, spec)
    ingress = _rules(report, spec, Direction.INGRESS, kind, location, warnings)
    egress = _rules(report, spec, Direction.EGRESS, kind, location, warnings)
    if report.errors or subject is None:
        return None, []
    label = f"{kind} {meta.name}"
    return (
        AdminPolicy(kind, meta.name, tier, priority, subject, ingress, egress, location),
        [f"warning: {replace(location, line=line or location.line)}: {label}: {text}" for line, text in warnings],
    )


def _subject(report: Report, spec: LineDict) -> PodPeer | None:
    given = report.mapping(spec, "subject", "spec")
    if given is None:
        report.require(spec, "subject", "spec")
        return None
    return _selector_peer(report, given, "spec.subject")


def _selector_peer(report: Report, given: LineDict, path: str, extra: tuple[str, ...] = ()) -> PodPeer | None:
    """``namespaces: S`` or ``pods: {namespaceSelector, podSelector}``: exactly one."""
    forms = ("namespaces", "pods") + extra
    report.unknown_fields(given, forms, path)
    present = [f for f in forms if given.get(f) is not None]
    if len(present) != 1:
        report.error(path, given.line, f"must specify exactly one of {', '.join(forms)}")
        return None
    if present[0] == "namespaces":
        namespaces = selector(report, given, "namespaces", path)
        return PodPeer("", None, namespaces or LabelSelector())
    if present[0] == "pods":
        pods = report.mapping(given, "pods", path)
        if pods is None:
            return None
        pods_path = join(path, "pods")
        report.unknown_fields(pods, ("namespaceSelector", "podSelector"), pods_path)
        # The CRD marks both selectors required, but real manifests (and other
        # analyzers) omit one to mean "all": read an absent selector as {}.
        ns = selector(report, pods, "namespaceSelector", pods_path) or LabelSelector()
        pod = selector(report, pods, "podSelector", pods_path) or LabelSelector()
        return PodPeer("", pod, ns)
    return None


def _rules(
    report: Report, spec: LineDict, direction: Direction, kind: str, location: Location, warnings: list[tuple[int | None, str]]
) -> tuple[AdminRule, ...]:
    key = "ingress" if direction is Direction.INGRESS else "egress"
    peers_key = "from" if direction is Direction.INGRESS else "to"
    cnp = kind == "ClusterNetworkPolicy"
    ports_key = "protocols" if cnp else "ports"
    actions = {"Accept": Action.ALLOW, "Deny": Action.DENY, "Pass": Action.PASS} if cnp else (
        {"Allow": Action.ALLOW, "Deny": Action.DENY}
        if kind == "BaselineAdminNetworkPolicy"
        else {"Allow": Action.ALLOW, "Deny": Action.DENY, "Pass": Action.PASS}
    )
    rules = report.sequence(spec, key, "spec")
    result: list[AdminRule] = []
    for i, rule, path in report.mappings(rules or LineList(), f"spec.{key}"):
        report.unknown_fields(rule, ("name", "action", peers_key, ports_key), path)
        name = report.string(rule, "name", path) or ""
        text = report.string(rule, "action", path)
        action = None
        if text is None:
            report.require(rule, "action", path)
        elif text not in actions:
            report.error(join(path, "action"), line_of(rule, "action"),
                         f"invalid action {quote(text)}: must be one of {', '.join(actions)}")
        else:
            action = actions[text]
        peers: list[Peer] = []
        given = report.sequence(rule, peers_key, path)
        if not given:
            report.error(path, line_of(rule, peers_key) or rule.line, f'"{peers_key}" must list at least one peer')
        for _, peer, peer_path in report.mappings(given or LineList(), join(path, peers_key)):
            peers.extend(_peer(report, peer, peer_path, direction, warnings))
        ports = _ports(report, rule, ports_key, path, cnp)
        if action is not None:
            line = line_of(rules, i)
            result.append(AdminRule(direction, i, action, tuple(peers), tuple(ports), name, replace(location, line=line)))
    return tuple(result)


def _peer(report: Report, peer: LineDict, path: str, direction: Direction, warnings: list[tuple[int | None, str]]) -> list[Peer]:
    if direction is Direction.INGRESS:
        found = _selector_peer(report, peer, path)
        return [found] if found is not None else []
    extra = ("nodes", "networks", "domainNames")
    present = [f for f in extra if peer.get(f) is not None]
    if not present:
        found = _selector_peer(report, peer, path, extra)
        return [found] if found is not None else []
    report.unknown_fields(peer, ("namespaces", "pods") + extra, path)
    if len(present) > 1 or any(peer.get(f) is not None for f in ("namespaces", "pods")):
        report.error(path, peer.line, "must specify exactly one of namespaces, pods, nodes, networks, domainNames")
        return []
    form = present[0]
    if form in ("nodes", "domainNames"):
        warnings.append((line_of(peer, form), f"{join(path, form)}: {form} peers are not evaluated yet; this peer matches nothing here"))
        return []
    networks = report.sequence(peer, "networks", path) or LineList()
    blocks: list[Peer] = []
    for j, item in enumerate(networks):
        field, line = f"{path}.networks[{j}]", line_of(networks, j)
        if not isinstance(item, str):
            report.error(field, line, f"must be a string, not {type_name(item)}")
            continue
        cidr = parse_cidr(item)
        if cidr is None:
            report.error(field, line, f"invalid CIDR {quote(item)}")
        else:
            blocks.append(IPBlockPeer(cidr))
    if not networks:
        report.error(join(path, "networks"), line_of(peer, "networks"), "must list at least one CIDR")
    return blocks


def _ports(report: Report, rule: LineDict, key: str, path: str, cnp: bool) -> list[PortSpec]:
    given = report.sequence(rule, key, path)
    ports: list[PortSpec] = []
    for _, item, item_path in report.mappings(given or LineList(), join(path, key)):
        ports.extend(_cnp_port(report, item, item_path) if cnp else _anp_port(report, item, item_path))
    return ports


def _named(report: Report, name: Any, field: str, line: int | None) -> list[PortSpec]:
    """A named port matches the container port of that name whatever its protocol."""
    if not isinstance(name, str):
        report.error(field, line, f"must be a string, not {type_name(name)}")
        return []
    if not report.port_name(name, field, line):
        return []
    return [PortSpec(p, name) for p in Protocol]


def _anp_port(report: Report, item: LineDict, path: str) -> list[PortSpec]:
    forms = ("portNumber", "namedPort", "portRange")
    report.unknown_fields(item, forms, path)
    present = [f for f in forms if item.get(f) is not None]
    if len(present) != 1:
        report.error(path, item.line, "must specify exactly one of portNumber, namedPort, portRange")
        return []
    form = present[0]
    field, line = join(path, form), line_of(item, form)
    if form == "namedPort":
        return _named(report, item.get(form), field, line)
    body = report.mapping(item, form, path)
    if body is None:
        return []
    protocol = _protocol(report, body, field)
    if form == "portNumber":
        report.unknown_fields(body, ("protocol", "port"), field)
        port = _number(report, body, "port", field)
        return [PortSpec(protocol, port)] if protocol and port else []
    report.unknown_fields(body, ("protocol", "start", "end"), field)
    start, end = _number(report, body, "start", field), _number(report, body, "end", field)
    if start and end and end < start:
        report.error(join(field, "end"), line_of(body, "end"), f"end {end} is below start {start}")
        return []
    return [PortSpec(protocol, start, end)] if protocol and start and end else []


def _cnp_port(report: Report, item: LineDict, path: str) -> list[PortSpec]:
    forms = ("tcp", "udp", "sctp", "destinationNamedPort")
    report.unknown_fields(item, forms, path)
    present = [f for f in forms if item.get(f) is not None]
    if len(present) != 1:
        report.error(path, item.line, "must specify exactly one of tcp, udp, sctp, destinationNamedPort")
        return []
    form = present[0]
    field, line = join(path, form), line_of(item, form)
    if form == "destinationNamedPort":
        return _named(report, item.get(form), field, line)
    protocol = _CNP_PROTOCOLS[form]
    body = report.mapping(item, form, path)
    if body is None:
        return []
    report.unknown_fields(body, ("destinationPort",), field)
    port = report.mapping(body, "destinationPort", field)
    if port is None:
        return [PortSpec(protocol)]
    port_path = join(field, "destinationPort")
    report.unknown_fields(port, ("number", "range"), port_path)
    if (port.get("number") is None) == (port.get("range") is None):
        report.error(port_path, port.line, "must specify exactly one of number, range")
        return []
    if port.get("number") is not None:
        number = _number(report, port, "number", port_path)
        return [PortSpec(protocol, number)] if number else []
    span = report.mapping(port, "range", port_path)
    if span is None:
        return []
    span_path = join(port_path, "range")
    report.unknown_fields(span, ("start", "end"), span_path)
    start, end = _number(report, span, "start", span_path), _number(report, span, "end", span_path)
    if start and end and end < start:
        report.error(join(span_path, "end"), line_of(span, "end"), f"end {end} is below start {start}")
        return []
    return [PortSpec(protocol, start, end)] if start and end else []


def _protocol(report: Report, body: LineDict, path: str) -> Protocol | None:
    text = report.string(body, "protocol", path)
    if text is None:
        return Protocol.TCP if body.get("protocol") is None else None
    if text not in _PROTOCOLS:
        report.error(join(path, "protocol"), line_of(body, "protocol"),
                     f"unsupported protocol {quote(text)}: must be TCP, UDP or SCTP")
        return None
    return _PROTOCOLS[text]


def _number(report: Report, body: LineDict, key: str, path: str) -> int | None:
    value = body.get(key)
    if value is None:
        report.require(body, key, path)
        return None
    if not is_int(value):
        report.error(join(path, key), line_of(body, key), f"must be an integer, not {type_name(value)}")
        return None
    return value if report.port_number(value, join(path, key), line_of(body, key)) else None
