"""The intents file: an application's namespaces, workloads and flows, in one small YAML file.

::

    apiVersion: podwall/v1alpha1
    kind: Intents
    name: shop                      # optional: label app.kubernetes.io/part-of
    namespaces: [production]        # the app's namespaces (default: -n); default deny applies there
    defaultDeny: all                # all | ingress | egress (default all)
    dns: true                       # or {namespace, selector, port, nodeLocal, anyNamespace} (default true)
    workloads:
      frontend: app=frontend        # NAME: SELECTOR, in the app's only namespace
      prometheus: {namespace: monitoring, selector: app=prometheus}
    flows:
      - internet -> frontend:80
      - frontend -> backend:8080/TCP
      - prometheus -> *:metrics

Every problem is reported as ``FILE:LINE: field.path: message``, all of them in one
run. ``schema/intents.schema.json`` describes the same format for editors; the
tests keep the two in agreement.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
from importlib import resources
from typing import Any

import yaml

from podwall.errors import InputErrors, Location, ManifestError, UsageError
from podwall.generate.dns import NODE_LOCAL_DNS, DnsTarget
from podwall.generate.names import dns_label_problem, quote
from podwall.generate.policies import ANYWHERE, PUBLIC_INTERNET
from podwall.generate.ports import parse_port
from podwall.generate.selectors import parse_selector
from podwall.model import Direction, IPBlockPeer, LabelSelector, PortSpec
from podwall.model.quick import frozen

API_VERSION = "podwall/v1alpha1"
KIND = "Intents"
TOP_FIELDS = ("apiVersion", "kind", "name", "namespaces", "defaultDeny", "dns", "workloads", "flows")
DNS_FIELDS = ("namespace", "selector", "nodeLocal", "anyNamespace", "port")
WORKLOAD_FIELDS = ("namespace", "selector")
DEFAULT_DENY = {
    "all": frozenset({Direction.INGRESS, Direction.EGRESS}),
    "ingress": frozenset({Direction.INGRESS}),
    "egress": frozenset({Direction.EGRESS}),
}
INTERNET = "internet"
ANY = "*"
#: Longest workload name: its policies are NAME-ingress / NAME-egress, kept within 63 characters.
WORKLOAD_NAME_MAX = 55


class IntentsError(ManifestError):
    """A problem in an intents file, located at its line: ``FILE:LINE: field.path: message``."""


@frozen
class WorkloadIntent:
    """A named set of pods: ``selector`` in ``namespace``."""

    name: str
    namespace: str
    selector: LabelSelector
    location: Location


@frozen
class NetEnd:
    """An external end of a flow: ``internet`` or a CIDR."""

    label: str
    block: IPBlockPeer


@frozen
class AnyWorkload:
    """``*``: every workload of the file except the flow's other end."""


End = str | NetEnd | AnyWorkload  # a workload name, an external network, or every workload


@frozen
class FlowIntent:
    """``source -> destination:ports`` (``ports`` empty: every port)."""

    source: End
    destination: End
    ports: tuple[PortSpec, ...]
    text: str
    location: Location = Location("<intents>")
    field: str = "flows"


@frozen
class Intents:
    """A parsed, validated intents file."""

    path: str
    name: str | None
    namespaces: tuple[str, ...]
    default_deny: frozenset[Direction]
    dns: DnsTarget | None
    workloads: tuple[WorkloadIntent, ...]
    flows: tuple[FlowIntent, ...]

    def workload(self, name: str) -> WorkloadIntent:
        """The workload called ``name`` (validated to exist)."""
        return next(w for w in self.workloads if w.name == name)


def schema_text() -> str:
    """The JSON Schema of the intents format, as shipped in the package."""
    return resources.files("podwall.generate").joinpath("schema/intents.schema.json").read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    """The JSON Schema of the intents format, parsed."""
    return json.loads(schema_text())  # type: ignore[no-any-return]


# -- reading YAML nodes with their lines -------------------------------------------------

_TYPE_NAMES = {
    "tag:yaml.org,2002:str": "a string",
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
}


def _suggest(word: str, known: list[str]) -> str:
    match = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" (did you mean {quote(match[0])}?)" if match else ""


_FAILED = object()  # a value PyYAML could not build (already reported)


class _Reader:
    """Typed reads from the node graph, collecting one IntentsError per problem."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[IntentsError] = []
        self._loader: yaml.SafeLoader | None = None

    def location(self, node: yaml.Node | None) -> Location:
        return Location(self.path, node.start_mark.line + 1 if node is not None else None)

    def error(self, node: yaml.Node | None, field: str, message: str) -> None:
        self.errors.append(IntentsError(message, self.location(node), field=field))

    def load(self, text: str) -> yaml.Node | None:
        try:
            loader = yaml.SafeLoader(text)
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:  # a character YAML forbids; it knows only an offset
            line = text[: exc.position].count("\n") + 1
            character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
            reason = f"unacceptable character #x{character:04x}: {exc.reason}"
            self.errors.append(IntentsError(f"invalid YAML: {reason}", Location(self.path, line)))
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
            context = str(getattr(exc, "context", None) or "")
            if context.startswith("expected"):  # "expected a single document in the stream"
                problem = f"{context}, {problem}"
            if "alias" in f"{problem} {context}":
                problem += ' (a flow that starts with * must be quoted: "* -> backend:8080")'
            line = mark.line + 1 if mark is not None else None
            self.errors.append(IntentsError(f"invalid YAML: {problem}", Location(self.path, line)))
            return None
        except RecursionError:
            self.errors.append(IntentsError("invalid YAML: nesting too deep", Location(self.path)))
            return None
        self._loader = loader
        if node is None:
            self.errors.append(IntentsError("the intents file is empty", Location(self.path)))
        return node

    def value(self, node: yaml.ScalarNode) -> Any:
        """A scalar's value; a tag PyYAML cannot build (``<<``, ``!!int x``) is an error, and _FAILED."""
        assert self._loader is not None
        try:
            return self._loader.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - PyYAML's scalar constructors raise assorted errors
            what = "merge keys (<<) are not supported here" if node.tag.endswith(":merge") else f"cannot read this {node.tag} value"
            self.error(node, "", what)
            return _FAILED

    def kind(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        return _TYPE_NAMES.get(node.tag, f"a YAML {node.tag}")

    def is_null(self, node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"

    def mapping(self, node: yaml.Node, field: str, known: tuple[str, ...] | None = None) -> list[tuple[str, yaml.Node, yaml.Node]] | None:
        """Key, key node and value node of a mapping; duplicate and (with ``known``) unknown keys reported."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, field, f"must be a mapping, not {self.kind(node)}")
            return None
        items: list[tuple[str, yaml.Node, yaml.Node]] = []
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                if key is not _FAILED:
                    self.error(key_node, field, f"keys must be strings, not {self.kind(key_node)}")
                continue
            where = f"{field}.{key}" if field else key
            if key in first:
                what = "workload name" if field == "workloads" else "key"
                self.error(key_node, where, f"duplicate {what} (first at line {first[key]})")
                continue
            first[key] = key_node.start_mark.line + 1
            if known is not None and key not in known:
                self.error(key_node, where, f"unknown field{_suggest(key, list(known))}; known fields: {', '.join(known)}")
                continue
            items.append((key, key_node, value_node))
        return items

    def string(self, node: yaml.Node, field: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            return str(self.value(node))
        self.error(node, field, f"must be a string, not {self.kind(node)}")
        return None

    def boolean(self, node: yaml.Node, field: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
            return bool(self.value(node))
        self.error(node, field, f"must be true or false, not {self.kind(node)}")
        return None

    def sequence(self, node: yaml.Node, field: str) -> list[yaml.Node] | None:
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, field, f"must be a list, not {self.kind(node)}")
            return None
        return list(node.value)

    def selector(self, node: yaml.Node, field: str) -> LabelSelector | None:
        text = self.string(node, field)
        if text is None:
            return None
        try:
            return parse_selector(text)
        except UsageError as error:
            self.error(node, field, error.message)
            return None

    def namespace(self, node: yaml.Node, field: str) -> str | None:
        text = self.string(node, field)
        if text is None:
            return None
        problem = dns_label_problem(text)
        if problem is not None:
            self.error(node, field, f"invalid namespace {quote(text)}: {problem}")
            return None
        return text


# -- the file ------------------------------------------------------------------------------


def parse_intents(text: str, path: str = "<intents>", *, default_namespace: str = "default") -> Intents:
    """Parse and validate an intents file; raise InputErrors listing every problem (one line each).

    Without a ``namespaces`` field the app lives in ``default_namespace`` (``-n``).
    """
    reader = _Reader(path)
    root = reader.load(text)
    if root is None:
        raise InputErrors(list(reader.errors))
    items = reader.mapping(root, "", TOP_FIELDS)
    if items is None:
        raise InputErrors(list(reader.errors))
    fields = {key: (key_node, value) for key, key_node, value in items}
    for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        if key not in fields:
            reader.error(root, "", f"missing required field {quote(key)} (it is {quote(expected)} for an intents file)")
            continue
        given = reader.string(fields[key][1], key)
        if given is not None and given != expected:
            reader.error(fields[key][1], key, f"must be {quote(expected)}, not {quote(given)}")

    name = None
    if "name" in fields:
        name = reader.string(fields["name"][1], "name")
        if name is not None and dns_label_problem(name):
            reader.error(fields["name"][1], "name", f"invalid name {quote(name)}: {dns_label_problem(name)}")
            name = None

    namespaces: tuple[str, ...] = (default_namespace,)
    if "namespaces" in fields:
        node = fields["namespaces"][1]
        found: list[str] = []
        for i, item in enumerate(reader.sequence(node, "namespaces") or ()):
            ns = reader.namespace(item, f"namespaces[{i}]")
            if ns is not None and ns in found:
                reader.error(item, f"namespaces[{i}]", f"duplicate namespace {quote(ns)}")
            elif ns is not None:
                found.append(ns)
        if not found and not reader.errors:
            reader.error(node, "namespaces", "must list at least one namespace")
        namespaces = tuple(found) or namespaces

    default_deny = DEFAULT_DENY["all"]
    if "defaultDeny" in fields:
        node = fields["defaultDeny"][1]
        given = reader.string(node, "defaultDeny")
        if given is not None and given not in DEFAULT_DENY:
            reader.error(node, "defaultDeny", f"must be all, ingress or egress, not {quote(given)}{_suggest(given, list(DEFAULT_DENY))}")
        elif given is not None:
            default_deny = DEFAULT_DENY[given]

    dns = _dns(reader, fields["dns"][1]) if "dns" in fields else DnsTarget()
    workloads = _workloads(reader, fields["workloads"][1], namespaces) if "workloads" in fields else []
    flows = _flows(reader, fields["flows"][1], workloads) if "flows" in fields else []
    if reader.errors:
        raise InputErrors(sorted(reader.errors, key=_line))
    return Intents(path, name, namespaces, default_deny, dns, tuple(workloads), tuple(flows))


def _line(error: IntentsError) -> int:
    return error.location.line or 0 if error.location is not None else 0


def _dns(reader: _Reader, node: yaml.Node) -> DnsTarget | None:
    if isinstance(node, yaml.ScalarNode):
        on = reader.boolean(node, "dns")
        return DnsTarget() if on else None
    items = reader.mapping(node, "dns", DNS_FIELDS)
    if items is None:
        return None
    given = {key: value for key, _, value in items}
    namespace = reader.namespace(given["namespace"], "dns.namespace") if "namespace" in given else None
    selector = reader.selector(given["selector"], "dns.selector") if "selector" in given else None
    any_namespace = bool(reader.boolean(given["anyNamespace"], "dns.anyNamespace")) if "anyNamespace" in given else False
    if any_namespace and namespace is not None:
        reader.error(given["namespace"], "dns.namespace", "conflicts with anyNamespace: true (which allows DNS servers in every namespace)")
    node_local = None
    if "nodeLocal" in given:
        value = given["nodeLocal"]
        if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:bool":
            node_local = NODE_LOCAL_DNS if reader.value(value) else None
        else:
            text = reader.string(value, "dns.nodeLocal")
            if text is not None:
                try:
                    node_local = ipaddress.ip_address(text)
                except ValueError:
                    reader.error(value, "dns.nodeLocal", f"must be true or an IP address, not {quote(text)}")
    port = 53
    if "port" in given:
        value = reader.value(given["port"]) if isinstance(given["port"], yaml.ScalarNode) else None
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
            port = value
        else:
            reader.error(given["port"], "dns.port", f"must be a port number 1-65535 (the DNS pods' port), not {quote(str(value))}")
    return DnsTarget(namespace or "kube-system", selector, node_local, any_namespace, port)


def _workloads(reader: _Reader, node: yaml.Node, namespaces: tuple[str, ...]) -> list[WorkloadIntent]:
    if reader.is_null(node):
        return []
    items = reader.mapping(node, "workloads")
    result: list[WorkloadIntent] = []
    seen: dict[tuple[str, LabelSelector], WorkloadIntent] = {}
    for name, key_node, value in items or ():
        field = f"workloads.{name}"
        problem = dns_label_problem(name)
        if name == INTERNET:
            reader.error(key_node, field, f"{quote(INTERNET)} is reserved for flows to and from outside the cluster")
            continue
        if problem is not None or len(name) > WORKLOAD_NAME_MAX:
            reason = problem or f"must be no more than {WORKLOAD_NAME_MAX} characters (policy names add -ingress)"
            reader.error(key_node, field, f"invalid workload name {quote(name)}: {reason}")
            continue
        namespace: str | None = None
        if isinstance(value, yaml.MappingNode):
            given = {k: v for k, _, v in reader.mapping(value, field, WORKLOAD_FIELDS) or ()}
            if "selector" not in given:
                reader.error(value, field, 'missing required field "selector"')
                continue
            selector = reader.selector(given["selector"], f"{field}.selector")
            if "namespace" in given:
                namespace = reader.namespace(given["namespace"], f"{field}.namespace")
                if namespace is None:
                    continue
        elif isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str":
            selector = reader.selector(value, field)
        else:
            reader.error(value, field, f"must be a selector string or a mapping with selector and namespace, not {reader.kind(value)}")
            continue
        if selector is None:
            continue
        if namespace is None:
            if len(namespaces) > 1:
                reader.error(value, field, f"namespace is required: the app has several namespaces ({', '.join(namespaces)})")
                continue
            namespace = namespaces[0]
        workload = WorkloadIntent(name, namespace, selector, reader.location(key_node))
        twin = seen.get((namespace, selector))
        if twin is not None:
            reader.error(key_node, field, f"selects the same pods as workload {quote(twin.name)} (line {twin.location.line})")
            continue
        seen[(namespace, selector)] = workload
        result.append(workload)
    return result


def _flows(reader: _Reader, node: yaml.Node, workloads: list[WorkloadIntent]) -> list[FlowIntent]:
    names = [w.name for w in workloads]
    result: list[FlowIntent] = []
    first: dict[tuple[object, ...], int] = {}
    for i, item in enumerate(reader.sequence(node, "flows") or ()):
        field = f"flows[{i}]"
        text = reader.string(item, field)
        if text is None:
            continue
        try:
            flow = parse_flow(text, names)
        except UsageError as error:
            reader.error(item, field, error.message)
            continue
        line = item.start_mark.line + 1
        key = (flow[0], flow[1], flow[2])
        if key in first:
            reader.error(item, field, f"duplicate flow (first at line {first[key]})")
            continue
        first[key] = line
        result.append(FlowIntent(flow[0], flow[1], flow[2], " ".join(text.split()), reader.location(item), field))
    return result


# -- one flow --------------------------------------------------------------------------------

FLOW_SYNTAX = "expected SOURCE -> DESTINATION[:PORTS], e.g. frontend -> backend:8080/TCP"


def parse_flow(text: str, workloads: list[str]) -> tuple[End, End, tuple[PortSpec, ...]]:
    """``SOURCE -> DESTINATION[:PORT[/PROTO][,...]]``; raises UsageError with a one-line reason.

    An end is a workload name, ``*`` (every other workload), ``internet`` or a CIDR.
    Ports go on the destination; none means every port.
    """
    source_text, arrow, rest = text.partition("->")
    source_text, rest = source_text.strip(), rest.strip()
    if not arrow or not source_text or not rest:
        raise UsageError(f"invalid flow {quote(text)}: {FLOW_SYNTAX}")
    if "->" in rest:
        raise UsageError(f"invalid flow {quote(text)}: one arrow per flow; write a chain as several flows")
    destination_text, ports_text = _split_ports(rest)
    if ":" in source_text and not _is_cidr(source_text):
        raise UsageError(f"invalid flow {quote(text)}: ports go on the destination ({FLOW_SYNTAX})")
    source = _end(source_text, workloads, text, as_source=True)
    destination = _end(destination_text, workloads, text, as_source=False)
    ports: list[PortSpec] = []
    if ports_text is not None:
        for part in ports_text.split(","):
            try:
                port = parse_port(part)
            except UsageError as error:
                raise UsageError(f"in flow {quote(text)}: {error.message}") from None
            if port not in ports:
                ports.append(port)
    if not any(isinstance(end, (str, AnyWorkload)) for end in (source, destination)):
        raise UsageError(f"invalid flow {quote(text)}: one end must be a workload; policies select pods")
    if isinstance(source, AnyWorkload) and isinstance(destination, AnyWorkload):
        raise UsageError(f"invalid flow {quote(text)}: * -> * allows everything; name one end")
    if isinstance(destination, NetEnd) and any(isinstance(p.port, str) for p in ports):
        raise UsageError(f"invalid flow {quote(text)}: a named port resolves on the destination pods, so it cannot apply to {destination.label}")
    return source, destination, tuple(ports)


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def _split_ports(text: str) -> tuple[str, str | None]:
    """``backend:8080`` -> (``backend``, ``8080``); IPv6 CIDRs keep their colons: ``fd00::/8:443``."""
    if "/" in text.split(":", 1)[0] or _looks_ipv6(text):
        slash = text.find("/")
        cut = text.find(":", slash) if slash >= 0 else -1
        return (text, None) if cut < 0 else (text[:cut], text[cut + 1 :])
    name, colon, ports = text.partition(":")
    return (name.strip(), ports.strip()) if colon else (name.strip(), None)


def _looks_ipv6(text: str) -> bool:
    head = text.split("/", 1)[0]
    return head.count(":") >= 2


def _end(text: str, workloads: list[str], flow: str, *, as_source: bool) -> End:
    if text == ANY:
        return AnyWorkload()
    if text == INTERNET:
        # As a source: any address (clients arrive through load balancers, maybe from private
        # addresses); as a destination: the public internet, not private or link-local ranges.
        return NetEnd(INTERNET, IPBlockPeer(ANYWHERE) if as_source else PUBLIC_INTERNET)  # type: ignore[arg-type]
    if "/" in text:
        if not _is_cidr(text):
            raise UsageError(f"invalid flow {quote(flow)}: {quote(text)} is not a CIDR (ADDRESS/PREFIX)")
        network = ipaddress.ip_network(text, strict=False)
        return NetEnd(str(network), IPBlockPeer(network))
    if text not in workloads:
        known = ", ".join(workloads) if workloads else "none declared"
        raise UsageError(f"unknown workload {quote(text)} in flow {quote(flow)}{_suggest(text, workloads)}; workloads: {known}")
    return text
