"""``networking.k8s.io/v1`` NetworkPolicy: validated as strictly as the API server, then normalised.

Why this strict: a policy the API server would reject never takes effect in a
real cluster, so analysing it would describe flows that cannot exist. Every rule
of ``ValidateNetworkPolicy`` (k8s.io/kubernetes/pkg/apis/networking/validation)
and strict field decoding (unknown fields) is checked, and all problems of a
policy are reported together. The result has ``policyTypes`` defaulted as the API
server does (SEMANTICS.md, "Policy types").
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from podwall.errors import Location
from podwall.model import names
from podwall.loader.fields import Report, is_int, join, line_of, located, quote, type_name
from podwall.loader.meta import Meta, read_meta
from podwall.loader.decode import LineDict
from podwall.model import (
    Direction,
    IPBlockPeer,
    IPNetwork,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Peer,
    PodPeer,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
)

#: No ``status``: the alpha NetworkPolicyStatus field was removed in Kubernetes 1.27 (kubernetes/kubernetes#115843);
#: only the empty one that older clusters' dumps hold is let through.
TOP_FIELDS = ("apiVersion", "kind", "metadata", "spec")
SPEC_FIELDS = ("podSelector", "policyTypes", "ingress", "egress")
PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")
IPBLOCK_FIELDS = ("cidr", "except")
PORT_FIELDS = ("protocol", "port", "endPort")
SELECTOR_FIELDS = ("matchLabels", "matchExpressions")
REQUIREMENT_FIELDS = ("key", "operator", "values")

_OPERATORS = {op.value: op for op in Operator}
_DIRECTIONS = {d.value: d for d in Direction}
_PROTOCOLS = {p.value: p for p in Protocol}
_CIDR_PREFIX = re.compile(r"[0-9]+")

PEER_FORMS = "must specify exactly one of podSelector/namespaceSelector (together or alone) or ipBlock"


def convert_policy(
    report: Report, obj: LineDict, location: Location, default_namespace: str
) -> NetworkPolicy | None:
    """The normalised policy, or ``None`` when ``report`` holds any problem."""
    # Dumps of 1.24-1.26 clusters carry an empty ``status: {}``: nothing in it, nothing lost.
    report.unknown_fields(obj, TOP_FIELDS + (("status",) if obj.get("status") in ({}, None) else ()), "")
    meta: Meta = read_meta(report, obj, namespaced=True, default_namespace=default_namespace, strict=True)
    spec = report.mapping(obj, "spec", "")
    if spec is None:  # the API server accepts a policy without spec: {} selects every pod
        spec = _empty(obj.line)
    report.unknown_fields(spec, SPEC_FIELDS, "spec")
    pod_selector = selector(report, spec, "podSelector", "spec") or LabelSelector()
    ingress = _rules(report, obj, spec, Direction.INGRESS, meta.namespace, location)
    egress = _rules(report, obj, spec, Direction.EGRESS, meta.namespace, location)
    types = _policy_types(report, spec)
    if report.errors:
        return None
    if not types:
        # API defaulting: Ingress always, Egress only when egress rules exist.
        egress_given = spec.get("egress")
        types = {Direction.INGRESS}
        if isinstance(egress_given, list) and egress_given:
            types.add(Direction.EGRESS)
    return NetworkPolicy(
        namespace=meta.namespace,
        name=meta.name,
        pod_selector=pod_selector,
        policy_types=frozenset(types),
        ingress=ingress,
        egress=egress,
        location=location,
        annotations=tuple(sorted(meta.annotations.items())),
    )


def _empty(line: int | None) -> LineDict:
    """A stand-in for an absent mapping, located at its parent."""
    empty = LineDict()
    empty.line = line
    empty.lines = {}
    return empty


def _policy_types(report: Report, spec: LineDict) -> set[Direction]:
    """The given policyTypes (empty when absent, so that defaulting applies).

    As ``ValidateNetworkPolicySpec``: at most two entries, each Ingress or
    Egress; a repeated one is accepted (``[Ingress, Ingress]`` is valid).
    """
    given = report.strings(spec, "policyTypes", "spec")
    types: set[Direction] = set()
    if given is not None and len(spec["policyTypes"]) > 2:
        report.error("spec.policyTypes", line_of(spec, "policyTypes"), "may not specify more than two policyTypes")
        return types
    for i, value in given or ():
        if value not in ("Ingress", "Egress"):
            report.error(f"spec.policyTypes[{i}]", line_of(spec["policyTypes"], i),
                         f"invalid policy type {quote(value)}: must be Ingress or Egress")
        else:
            types.add(_DIRECTIONS[value])
    return types


def _rules(
    report: Report, obj: LineDict, spec: LineDict, direction: Direction, namespace: str, location: Location
) -> tuple[Rule, ...]:
    """``spec.ingress`` or ``spec.egress`` (``obj["spec"]`` is ``spec`` when given)."""
    key = "ingress" if direction is Direction.INGRESS else "egress"
    peers_key = "from" if direction is Direction.INGRESS else "to"
    rules = report.sequence(spec, key, "spec")
    if not rules:
        return ()
    hints = _HINTS[direction]
    result = []
    for i, rule, path in report.mappings(rules, f"spec.{key}"):
        report.unknown_fields(rule, (peers_key, "ports"), path, hints)
        peers: list[Peer] = []
        for _, peer, peer_path in report.mappings(report.sequence(rule, peers_key, path), join(path, peers_key)):
            converted = _peer(report, peer, peer_path, namespace)
            if converted is not None:
                peers.append(converted)
        ports = [
            port
            for _, item, port_path in report.mappings(report.sequence(rule, "ports", path), join(path, "ports"))
            if (port := _port(report, item, port_path)) is not None
        ]
        result.append(Rule(direction, i, tuple(peers), tuple(ports), located(location, obj, "spec", key, i)))
    return tuple(result)


#: Did-you-mean hints for the keys of a rule, by direction: the other direction's peers key, or a peer written
#: where its list belongs.
_HINTS = {
    direction: {
        other: f'{key} rules use "{peers_key}"',
        **{form: f'peers go under "{peers_key}"' for form in PEER_FIELDS},
    }
    for direction, key, peers_key, other in ((Direction.INGRESS, "ingress", "from", "to"),
                                             (Direction.EGRESS, "egress", "to", "from"))
}


def _peer(report: Report, peer: LineDict, path: str, namespace: str) -> Peer | None:
    """One ``from``/``to`` entry: selectors (alone or together) or an ipBlock."""
    report.unknown_fields(peer, PEER_FIELDS, path)
    has_selector = peer.get("podSelector") is not None or peer.get("namespaceSelector") is not None
    has_block = peer.get("ipBlock") is not None
    if has_selector == has_block:
        report.error(path, peer.line, PEER_FORMS)
    pod_selector = selector(report, peer, "podSelector", path)
    namespace_selector = selector(report, peer, "namespaceSelector", path)
    block = report.mapping(peer, "ipBlock", path)
    if block is not None:
        return _ip_block(report, block, join(path, "ipBlock"))
    if has_selector:
        return PodPeer(namespace, pod_selector, namespace_selector)
    return None


def _ip_block(report: Report, block: LineDict, path: str) -> IPBlockPeer | None:
    """``cidr`` minus each ``except``; each except strictly inside cidr, same family."""
    report.unknown_fields(block, IPBLOCK_FIELDS, path)
    text = report.string(block, "cidr", path)
    if not text:
        if block.get("cidr") is None or text == "":
            report.error(path, line_of(block, "cidr"), 'missing required field "cidr"')
        cidr = None
    else:
        cidr = parse_cidr(text)
        if cidr is None:
            report.error(join(path, "cidr"), line_of(block, "cidr"), f"invalid CIDR {quote(text)}")
    excepts: list[IPNetwork] = []
    for i, item in report.strings(block, "except", path) or ():
        network = parse_cidr(item)
        warning = problem = None
        if network is None:
            problem = f"invalid CIDR {quote(item)}"
        elif cidr is not None and text is not None:
            inner = _as_ipv4(network) if cidr.version == 4 else network
            if inner is not network:
                warning = (f"{item} is an IPv4-mapped IPv6 block: read as {inner}, as the API server validates it "
                           "(network plugins may not)")
            if inner.version != cidr.version:
                problem = f"{item} is not inside {text} (IPv{inner.version} vs IPv{cidr.version})"
            elif not inner.subnet_of(cidr):  # type: ignore[arg-type]
                problem = f"{item} is not inside {text}"
            elif inner.prefixlen <= cidr.prefixlen:
                problem = f"{item} is not strictly inside {text} (an except must be smaller than cidr)"
            else:
                excepts.append(inner)
        if warning is not None or problem is not None:
            field, line = f"{path}.except[{i}]", line_of(block["except"], i)
            if warning is not None:
                report.warn(field, line, warning)
            if problem is not None:
                report.error(field, line, problem)
    if cidr is None:
        return None
    return IPBlockPeer(cidr, tuple(excepts))


def _as_ipv4(network: IPNetwork) -> IPNetwork:
    """``::ffff:a.b.c.d/n`` (n >= 96) as the IPv4 block Go's ``IPNet.Contains`` takes it for; else unchanged."""
    if network.version == 6 and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped  # type: ignore[union-attr]
        if mapped is not None:
            return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


_SLOPPY_IPV4 = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)")


def parse_cidr(text: str, *, sloppy: bool = True) -> IPNetwork | None:
    """``addr/prefix`` as the API server reads a NetworkPolicy CIDR; host bits allowed (masked off).

    ``sloppy`` is ``netutils.ParseCIDRSloppy`` (Go 1.16's ``net.ParseCIDR``, which
    NetworkPolicy validation keeps for compatibility): IPv4 parts and the prefix
    may have leading zeros, read as decimal (``010.0.0.0/0008`` is 10.0.0.0/8).
    Without it (the CRDs' CEL ``isCIDR``), leading zeros are refused. Python
    alone would also accept a bare address, a netmask, or a zone; the API does not.
    """
    address, slash, prefix = text.partition("/")
    if not slash or not _CIDR_PREFIX.fullmatch(prefix) or "%" in address:
        return None
    if sloppy:
        prefix = prefix.lstrip("0") or "0"
        address = _SLOPPY_IPV4.sub(_decimal_octets, address)
    elif len(prefix) > 1 and prefix.startswith("0"):
        return None
    if len(prefix) > 3:
        return None
    try:
        return ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    except ValueError:
        return None


def _decimal_octets(match: re.Match[str]) -> str:
    return ".".join(str(int(group.lstrip("0") or "0")) if len(group.lstrip("0")) <= 3 else group for group in match.groups())


def _port(report: Report, item: LineDict, path: str) -> PortSpec | None:
    """One ``ports`` entry: protocol, optional number or name, optional endPort."""
    report.unknown_fields(item, PORT_FIELDS, path)
    protocol = Protocol.TCP
    given = report.string(item, "protocol", path)
    if given is not None:
        if given in _PROTOCOLS:
            protocol = _PROTOCOLS[given]
        else:
            report.error(
                join(path, "protocol"),
                line_of(item, "protocol"),
                f"unsupported protocol {quote(given)}: must be TCP, UDP or SCTP",
            )
    port: Any = item.get("port")
    port_field = join(path, "port")
    ok = True
    if port is None:
        pass
    elif is_int(port):
        ok = report.port_number(port, port_field, item, "port")
    elif isinstance(port, str):
        problem = names.port_name_problem(port)
        if problem is not None:
            hint = f" (write {port} without quotes for a port number)" if port.isdigit() else ""
            report.error(port_field, line_of(item, "port"), f"invalid port name {quote(port)}: {problem}{hint}")
            ok = False
    else:
        report.error(port_field, line_of(item, "port"), f"must be an integer or a string, not {type_name(port)}")
        ok = False
    end = report.integer(item, "endPort", path)
    if end is not None:
        end_field = join(path, "endPort")
        if port is None or not is_int(port):
            report.error(end_field, line_of(item, "endPort"), "endPort requires a numeric port")
        elif report.port_number(end, end_field, item, "endPort") and end < port:
            report.error(end_field, line_of(item, "endPort"), f"endPort {end} is below port {port}")
    if not ok:
        return None
    return PortSpec(protocol, port, end)


def selector(report: Report, parent: LineDict, key: str, path: str) -> LabelSelector | None:
    """A label selector (``None`` when absent); every term validated like the API server."""
    given = report.mapping(parent, key, path)
    if not given:
        return None if given is None else _EVERYTHING
    path = join(path, key)
    report.unknown_fields(given, SELECTOR_FIELDS, path)
    labels = report.string_map(given, "matchLabels", path) or {}
    requirements = []
    expressions = report.sequence(given, "matchExpressions", path)
    if expressions:
        for _, term, term_path in report.mappings(expressions, join(path, "matchExpressions")):
            requirement = _requirement(report, term, term_path)
            if requirement is not None:
                requirements.append(requirement)
    return LabelSelector(tuple(sorted(labels.items())), tuple(requirements))


_EVERYTHING = LabelSelector()  # {}


def _requirement(report: Report, term: LineDict, path: str) -> Requirement | None:
    """One ``matchExpressions`` term: key, operator, and values as the operator demands."""
    report.unknown_fields(term, REQUIREMENT_FIELDS, path)
    key = report.string(term, "key", path)
    if not key:
        if term.get("key") is None or key == "":
            report.error(path, line_of(term, "key"), 'missing required field "key"')
    else:
        problem = names.label_key_problem(key)
        if problem is not None:
            report.error(join(path, "key"), line_of(term, "key"), f"invalid label key {quote(key)}: {problem}")
            key = None
    operator: Operator | None = None
    text = report.string(term, "operator", path)
    if not text:
        if term.get("operator") is None or text == "":
            report.error(path, line_of(term, "operator"), 'missing required field "operator"')
    elif text in _OPERATORS:
        operator = _OPERATORS[text]
    else:
        report.error(
            join(path, "operator"),
            line_of(term, "operator"),
            f"invalid operator {quote(text)}: must be one of In, NotIn, Exists, DoesNotExist",
        )
    values: list[str] = []
    given = term.get("values")
    for i, value in report.strings(term, "values", path) or ():
        problem = names.label_value_problem(value)
        if problem is not None:
            report.error(f"{path}.values[{i}]", line_of(given, i), f"invalid label value {quote(value)}: {problem}")
        values.append(value)
    if operator in (Operator.IN, Operator.NOT_IN) and not given:
        report.error(join(path, "values"), line_of(term, "values"), f"must be non-empty when operator is {operator.value}")
    if operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and given:
        report.error(join(path, "values"), line_of(term, "values"), f"must be empty when operator is {operator.value}")
    if not key or operator is None:
        return None
    return Requirement(key, operator, tuple(sorted(set(values))))
