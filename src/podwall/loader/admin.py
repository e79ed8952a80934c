"""AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2).

Why one module: the three share subject, peer and port shapes; they differ in
their tier, the spelling of actions (CNP ``Accept`` is ANP ``Allow``) and of
ports (ANP ``portNumber``/``namedPort``/``portRange``, CNP ``protocols`` with
``tcp``/``udp``/``sctp.destinationPort`` or ``destinationNamedPort``).

Validation follows the CRDs of kubernetes-sigs/network-policy-api: ANP and BANP
as released in v0.1.8 (``config/crd/experimental/``), CNP as released in v0.2.0.
Their schemas give the limits (``_LIMITS``: at most 100 rules, peers and ports
per list for ANP/BANP, 25 for CNP; rule names of at most 100 characters; 1-25
``networks`` of at most 43 characters, unique; 1-25 unique ``domainNames`` of the
CRD's pattern), the enums (actions, CNP tiers), required fields, one form per
peer and port (min/maxProperties 1; CNP ``tcp: {}`` is refused), priorities
0-1000, and their CEL rules: ``isCIDR`` on networks (no leading zeros), CNP
ranges ``start < end``, BANP named ``default``, and no named port in an egress
rule that has a ``networks``/``nodes``/``domainNames`` peer. Peers podwall cannot
evaluate (``nodes``, ``domainNames``) are validated and reported as warnings,
never dropped silently. Where podwall is stricter than the schema, it says why
(label selectors are checked as the API server checks core selectors; an ANP
``portRange`` whose end is below its start, which the CRD's description forbids).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from podwall._runtime import later_pattern
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

#: maxItems of ingress/egress, of from/to and of ports/protocols, per kind (the CRDs' schemas).
_LIMITS = {"AdminNetworkPolicy": 100, "BaselineAdminNetworkPolicy": 100, "ClusterNetworkPolicy": 25}
_NAME_LENGTH = 100
_NETWORKS = 25
_NETWORK_LENGTH = 43
_DOMAIN_NAMES = 25
#: The CRDs' pattern for ``domainNames`` entries (``A-z`` is theirs: it also admits ``[\]^_`` and the backquote).
_DOMAIN_NAME = later_pattern(
    r"(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?", "_DOMAIN_NAME", globals()
)
_NAMED_PORT_CEL = (
    "networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for "
    "networks/nodes/domainNames"
)


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
    subject = _subject(report, spec, kind, warnings)
    ingress = _rules(report, spec, Direction.INGRESS, kind, location, warnings)
    egress = _rules(report, spec, Direction.EGRESS, kind, location, warnings)
    if report.errors or subject is None:
        return None, []
    label = f"{kind} {meta.name}"
    return (
        AdminPolicy(kind, meta.name, tier, priority, subject, ingress, egress, location),
        [f"warning: {replace(location, line=line or location.line)}: {label}: {text}" for line, text in warnings],
    )


def _subject(report: Report, spec: LineDict, kind: str, warnings: list[tuple[int | None, str]]) -> PodPeer | None:
    given = report.mapping(spec, "subject", "spec")
    if given is None:
        report.require(spec, "subject", "spec")
        return None
    return _selector_peer(report, given, "spec.subject", kind, warnings)


def _selector_peer(
    report: Report, given: LineDict, path: str, kind: str, warnings: list[tuple[int | None, str]], extra: tuple[str, ...] = ()
) -> PodPeer | None:
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
        if kind == "ClusterNetworkPolicy":
            report.require(pods, "podSelector", pods_path)  # v1alpha2: an absent namespaceSelector is all namespaces
        else:
            # The v1alpha1 CRD requires both selectors, but manifests (netpol-analyzer's corpus among them)
            # omit one to mean "all": read it as {} and say so.
            absent = [key for key in ("namespaceSelector", "podSelector") if pods.get(key) is None]
            if absent:
                warnings.append((pods.line, f"{pods_path}: no {' and no '.join(absent)}, which the CRD requires (the API "
                                            "server refuses this policy); read as {}, every one"))
        ns = selector(report, pods, "namespaceSelector", pods_path) or LabelSelector()
        pod = selector(report, pods, "podSelector", pods_path) or LabelSelector()
        return PodPeer("", pod, ns)
    return None


def _at_most(report: Report, given: LineList | None, limit: int, field: str, line: int | None, what: str) -> None:
    """A CRD ``maxItems``."""
    if given is not None and len(given) > limit:
        report.error(field, line, f"{len(given)} {what}: the CRD allows at most {limit}")


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
    limit = _LIMITS[kind]
    rules = report.sequence(spec, key, "spec")
    _at_most(report, rules, limit, f"spec.{key}", line_of(spec, key), "rules")
    result: list[AdminRule] = []
    for i, rule, path in report.mappings(rules or LineList(), f"spec.{key}"):
        report.unknown_fields(rule, ("name", "action", peers_key, ports_key), path)
        name = report.string(rule, "name", path) or ""
        if len(name) > _NAME_LENGTH:
            report.error(join(path, "name"), line_of(rule, "name"),
                         f"{len(name)} characters: the CRD allows a rule name of at most {_NAME_LENGTH}")
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
        _at_most(report, given, limit, join(path, peers_key), line_of(rule, peers_key), "peers")
        for _, peer, peer_path in report.mappings(given or LineList(), join(path, peers_key)):
            peers.extend(_peer(report, peer, peer_path, direction, kind, warnings))
        ports = _ports(report, rule, ports_key, path, cnp, limit)
        if direction is Direction.EGRESS and _named_port_with_outside_peer(rule, given, ports_key):
            # The CRDs' CEL rule on egress rules.
            report.error(path, rule.line, _NAMED_PORT_CEL)
        if action is not None:
            line = line_of(rules, i)
            result.append(AdminRule(direction, i, action, tuple(peers), tuple(ports), name, replace(location, line=line)))
    return tuple(result)


def _named_port_with_outside_peer(rule: LineDict, peers: LineList | None, ports_key: str) -> bool:
    outside = any(isinstance(p, dict) and any(p.get(f) is not None for f in ("networks", "nodes", "domainNames"))
                  for p in peers or ())
    named = any(isinstance(p, dict) and (p.get("namedPort") is not None or p.get("destinationNamedPort") is not None)
                for p in (rule.get(ports_key) or ()) if isinstance(rule.get(ports_key), list))
    return outside and named


def _peer(
    report: Report, peer: LineDict, path: str, direction: Direction, kind: str, warnings: list[tuple[int | None, str]]
) -> list[Peer]:
    if direction is Direction.INGRESS:
        found = _selector_peer(report, peer, path, kind, warnings)
        return [found] if found is not None else []
    extra = ("nodes", "networks", "domainNames")
    present = [f for f in extra if peer.get(f) is not None]
    if not present:
        found = _selector_peer(report, peer, path, kind, warnings, extra)
        return [found] if found is not None else []
    report.unknown_fields(peer, ("namespaces", "pods") + extra, path)
    if len(present) > 1 or any(peer.get(f) is not None for f in ("namespaces", "pods")):
        report.error(path, peer.line, "must specify exactly one of namespaces, pods, nodes, networks, domainNames")
        return []
    form = present[0]
    if form == "nodes":
        selector(report, peer, "nodes", path)
        warnings.append((line_of(peer, form), f"{join(path, form)}: nodes peers are not evaluated yet; this peer matches nothing here"))
        return []
    if form == "domainNames":
        _set_of_strings(report, peer, "domainNames", path, _DOMAIN_NAMES, "domain name", _domain_name_problem)
        warnings.append((line_of(peer, form), f"{join(path, form)}: domainNames peers are not evaluated yet; this peer matches nothing here"))
        return []
    blocks: list[Peer] = []
    for _, item, line in _set_of_strings(report, peer, "networks", path, _NETWORKS, "CIDR", _network_problem):
        cidr = parse_cidr(item, sloppy=False)
        if cidr is not None:
            blocks.append(IPBlockPeer(cidr))
    return blocks


def _set_of_strings(
    report: Report, parent: LineDict, key: str, path: str, limit: int, what: str, problem_of: Any
) -> list[tuple[int, str, int | None]]:
    """A CRD list of type ``set``: 1 to ``limit`` unique strings, each checked by ``problem_of``."""
    given = report.strings(parent, key, path) or []
    field = join(path, key)
    raw = parent.get(key)
    if isinstance(raw, list) and not raw:
        report.error(field, line_of(parent, key), f"must list at least one {what}")
    if isinstance(raw, list) and len(raw) > limit:
        report.error(field, line_of(parent, key), f"{len(raw)} entries: the CRD allows at most {limit}")
    good = []
    seen: set[str] = set()
    for i, text in given:
        line = line_of(raw, i)
        problem = problem_of(text)
        if problem is not None:
            report.error(f"{field}[{i}]", line, problem)
        elif text in seen:
            report.error(f"{field}[{i}]", line, f"duplicate value {quote(text)} (the list is a set)")
        else:
            seen.add(text)
            good.append((i, text, line))
    return good


def _network_problem(text: str) -> str | None:
    """The CRD: at most 43 characters and CEL ``isCIDR`` (Go's netip.ParsePrefix: no leading zeros)."""
    if len(text) > _NETWORK_LENGTH:
        return f"invalid CIDR {quote(text)}: the CRD allows at most {_NETWORK_LENGTH} characters"
    if parse_cidr(text, sloppy=False) is None:
        return f"invalid CIDR {quote(text)}"
    return None


def _domain_name_problem(text: str) -> str | None:
    if not _DOMAIN_NAME.fullmatch(text):
        return f"invalid domain name {quote(text)}: must be a DNS name, optionally starting with *."
    return None


def _ports(report: Report, rule: LineDict, key: str, path: str, cnp: bool, limit: int) -> list[PortSpec]:
    given = report.sequence(rule, key, path)
    if given is not None and not given:
        report.error(join(path, key), line_of(rule, key), f"must list at least one entry (omit {key} for every port)")
    _at_most(report, given, limit, join(path, key), line_of(rule, key), "entries")
    ports: list[PortSpec] = []
    for _, item, item_path in report.mappings(given or LineList(), join(path, key)):
        ports.extend(_cnp_port(report, item, item_path) if cnp else _anp_port(report, item, item_path))
    return ports


def _named(report: Report, item: LineDict, form: str, field: str) -> list[PortSpec]:
    """``item[form]``: a named port matches the container port of that name whatever its protocol."""
    name = item.get(form)
    if not isinstance(name, str):
        report.error(field, line_of(item, form), f"must be a string, not {type_name(name)}")
        return []
    if not report.port_name(name, field, item, form):
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
    field = join(path, form)
    if form == "namedPort":
        return _named(report, item, form, field)
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
        # Not in the v0.1.8 schema, but its description says "the Start value must be less than End".
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
        return _named(report, item, form, field)
    protocol = _CNP_PROTOCOLS[form]
    body = report.mapping(item, form, path)
    if body is None:
        return []
    report.unknown_fields(body, ("destinationPort",), field)
    port = report.mapping(body, "destinationPort", field)
    if port is None:
        if body.get("destinationPort") is None:
            # minProperties 1 in the CRD: every port of a protocol is not expressible this way.
            report.error(field, line, f"must set destinationPort (the CRD refuses an empty {form}: {{}})")
        return []
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
    if start and end and end <= start:
        # The CRD's CEL rule: self.start < self.end.
        report.error(join(span_path, "end"), line_of(span, "end"), f"end {end} must be above start {start}")
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
    return value if report.port_number(value, join(path, key), body, key) else None
