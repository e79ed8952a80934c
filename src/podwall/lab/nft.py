"""Policies -> nftables script text, one table per subject network namespace (pure).

Where the lab enforces: in each subject's own network namespace, like a CNI's
per-pod firewall. The subject's table hooks ``input`` (its ingress) and
``output`` (its egress), so each side of a flow is judged where SEMANTICS.md
judges it: egress on the source, ingress on the destination.

Each base chain first accepts loopback (a pod may always reach itself),
established and related packets (policies are connection-oriented: replies pass)
and IPv6 neighbour discovery (the IPv6 twin of ARP, which ``inet`` tables do not
see), then jumps to the direction's chain:

- not isolated: ``accept``;
- isolated: one line per (rule, address family, protocol), each ``accept``, then ``drop``.

Peers become named interval sets of addresses computed here from the model: the
pods a selector peer matches (host-network pods never), ipBlock ranges minus
their excepts, and, by convention, pods whose IP an ipBlock contains (all their
addresses). Ports become ``tcp dport { 80, 8000-8080 }`` (endPort is a range);
a named port resolves on the destination: on ingress against the subject
itself, on egress per destination pod, as a set of ``address . port`` pairs.

Admin tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy), when the model has
them, become first-match chains in front of and behind the NetworkPolicy chain:
Allow ``accept``, Deny ``drop``, Pass ``goto`` the NetworkPolicy chain.

The script replaces the table in one transaction (``table``, ``delete table``,
then the new table: kube-network-policies' add + delete + add), so applying it
again, or applying another policy set over it, is idempotent.

No text of the input ever reaches a script: manifests are untrusted (the lab runs
as root on pull requests) and nft reads ``include``, ``define`` and ``$variables``.
Comments name policies by podwall-made identifiers (``p3``: the fourth
NetworkPolicy of the cluster, ``a0``: the first admin-tier policy), sets and
chains have podwall-made names, addresses and ports are printed from parsed
numbers. ``SubjectRules.legend`` says what each identifier stands for, for
``lab rules`` to show as quoted literals; ``check_script`` verifies every
script against the grammar the compiler writes before anyone loads it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from podwall.engine import EngineOptions
from podwall.engine.conventions import node_local
from podwall.engine.match import ipblock_sees
from podwall.model import (
    Action,
    Cluster,
    Direction,
    IPAddress,
    IPBlockPeer,
    IPNetwork,
    Labels,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
)
from podwall.model.quick import frozen

_ND_TYPES = "nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert"
_KEYWORD = {Protocol.TCP: "tcp", Protocol.UDP: "udp", Protocol.SCTP: "sctp"}
_ADDR = {4: ("ip", "ipv4_addr"), 6: ("ip6", "ipv6_addr")}
_ADMIN_KINDS = frozenset({"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"})
_HOOK = {Direction.INGRESS: ("input", "iif", "saddr", "ingress"), Direction.EGRESS: ("output", "oif", "daddr", "egress")}


TABLE = re.compile(r"[a-z][a-z0-9_]{0,31}")


@frozen
class LegendEntry:
    """What a podwall-made identifier of a script stands for.

    ``identifier`` (``p0``, ``a1``, ``a1 spec.ingress[2]``), ``kind`` and ``detail``
    are podwall's own words; ``name`` is text from the input, untrusted: show it
    only as a quoted, escaped literal, never put it in a script.
    """

    identifier: str
    kind: str
    name: str
    detail: str = ""


@frozen
class SubjectRules:
    """One subject's table: the checked script (podwall-made identifiers only) and its legend."""

    subject: str  # pod key
    script: str
    legend: tuple[LegendEntry, ...]


class UnsafeScript(RuntimeError):
    """A script broke the grammar the compiler writes: a podwall bug, and nothing is loaded."""


def compile_lab(
    cluster: Cluster,
    pods: Sequence[Pod],
    *,
    table: str = "podwall",
    options: EngineOptions = EngineOptions(),
) -> dict[str, str]:
    """The script of every pod of the lab, keyed by ``pod.key``.

    ``pods`` are the lab's pods with their lab addresses: the universe selector
    peers are resolved in (``cluster.pods`` is not consulted).
    """
    return {pod.key: compile_subject(cluster, pod, pods, table=table, options=options) for pod in pods}


def compile_subject(
    cluster: Cluster,
    subject: Pod,
    pods: Sequence[Pod],
    *,
    table: str = "podwall",
    options: EngineOptions = EngineOptions(),
) -> str:
    """The nft script that enforces ``cluster``'s policies for ``subject`` in its namespace."""
    return compile_rules(cluster, subject, pods, table=table, options=options).script


def compile_rules(
    cluster: Cluster,
    subject: Pod,
    pods: Sequence[Pod],
    *,
    table: str = "podwall",
    options: EngineOptions = EngineOptions(),
) -> SubjectRules:
    """``compile_subject`` with the legend of the identifiers its comments use.

    The script is checked (``check_script``) before it is returned; ``UnsafeScript``
    otherwise. ``table`` must be a plain nft name (``[a-z][a-z0-9_]*``, at most 32).
    """
    if not TABLE.fullmatch(table):
        raise ValueError(f"invalid nft table name {table!r}: expected [a-z][a-z0-9_]*, at most 32 characters")
    compiler = _Compiler(cluster, subject, tuple(pods), table, options)
    script = compiler.script()
    check_script(script)
    return SubjectRules(subject.key, script, tuple(sorted(compiler.legend.values(), key=_legend_order)))


def _legend_order(entry: LegendEntry) -> tuple:
    """NetworkPolicies, then admin policies, each followed by its rules, ingress first."""
    match = re.fullmatch(r"([pa])(\d+)(?: spec\.(ingress|egress)\[(\d+)\])?", entry.identifier)
    assert match is not None, entry.identifier
    letter, number, direction, index = match.groups()
    rule = (-1, -1) if direction is None else (("ingress", "egress").index(direction), int(index))
    return ("pa".index(letter), int(number), rule)


def quote_literal(text: str, limit: int = 120) -> str:
    """``text`` as a JSON string literal of printable ASCII; past ``limit`` characters, cut and counted."""
    shown = text if len(text) <= limit else text[:limit]
    literal = json.dumps(shown, ensure_ascii=True).replace("\x7f", "\\u007f")
    return literal if shown is text else f"{literal}... ({len(text)} characters)"


def listing(subject: str, rules: SubjectRules) -> str:
    """The script as ``lab rules`` shows it: its legend after the first line, names as quoted literals.

    Still a valid nft script (the legend is comments), checked like the script itself.
    """
    first, _, rest = rules.script.partition("\n")
    lines = [first, f"# subject: {quote_literal(subject)}"]
    for entry in rules.legend:
        detail = f", {entry.detail}" if entry.detail else ""
        lines.append(f"# {entry.identifier}: {entry.kind} {quote_literal(entry.name)}{detail}")
    text = "\n".join(lines) + "\n" + rest
    check_script(text, comment=LISTING_COMMENT)
    return text


# -- addresses ------------------------------------------------------------------------


def ipblock_networks(peer: IPBlockPeer) -> list[IPNetwork]:
    """``cidr`` minus every except, as disjoint networks."""
    remaining = [peer.cidr]
    for ex in peer.excepts:
        remaining = list(_exclude(remaining, ex))
    return remaining


def _exclude(networks: Iterable[IPNetwork], hole: IPNetwork) -> Iterable[IPNetwork]:
    for net in networks:
        if net.version != hole.version or not net.overlaps(hole):
            yield net
        elif hole.subnet_of(net):  # type: ignore[arg-type]
            yield from net.address_exclude(hole)  # type: ignore[arg-type]
        # else: net lies inside the hole and disappears


def _host(address: IPAddress) -> IPNetwork:
    return ipaddress.ip_network(address)


def collapse(networks: Iterable[IPNetwork]) -> dict[int, list[IPNetwork]]:
    """Disjoint sorted networks per IP version (nft interval sets refuse overlaps)."""
    by_version: dict[int, list[IPNetwork]] = {4: [], 6: []}
    for net in networks:
        by_version[net.version].append(net)
    return {v: list(ipaddress.collapse_addresses(nets)) for v, nets in by_version.items() if nets}  # type: ignore[arg-type]


def _element(net: IPNetwork) -> str:
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


# -- matching, from the model only (the engine is what the lab is judged against) --------


def _namespace_labels(cluster: Cluster) -> dict[str, Labels]:
    return {ns.name: ns.labels for ns in cluster.namespaces}


def pod_matches_selector_peer(peer: PodPeer, pod: Pod, ns_labels: Mapping[str, Labels]) -> bool:
    """A selector peer matches a pod: namespace half, then pod half; never a host-network pod."""
    if pod.host_network:
        return False
    if peer.namespace_selector is None:
        if pod.namespace != peer.namespace:
            return False
    elif not peer.namespace_selector.matches(ns_labels.get(pod.namespace, {})):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)


def pod_matches_ipblock(peer: IPBlockPeer, pod: Pod, options: EngineOptions) -> bool:
    """An ipBlock matches pods whose IP it contains, where the conventions let it see them (the engine's rule)."""
    if not ipblock_sees(pod, options):
        return False
    return any(peer.contains(ip) for ip in pod.ips)


# -- the compiler -------------------------------------------------------------------------


@dataclass
class _Set:
    name: str
    type: str
    elements: tuple[str, ...]
    interval: bool
    comment: str


@dataclass
class _Chain:
    name: str
    lines: list[str] = field(default_factory=list)


class _Compiler:
    """Builds one subject's table: sets (shared when equal) and chains."""

    def __init__(self, cluster: Cluster, subject: Pod, pods: tuple[Pod, ...], table: str, options: EngineOptions) -> None:
        self.cluster = cluster
        self.subject = subject
        self.pods = pods
        self.table = table
        self.options = options
        self.ns_labels = _namespace_labels(cluster)
        self.sets: dict[tuple[str, tuple[str, ...]], _Set] = {}
        self.chains: list[_Chain] = []
        self.summary: list[str] = []
        self.unseen_ips = [ip for p in pods if not ipblock_sees(p, options) for ip in p.ips]
        # podwall-made identifiers: the position of each policy in the cluster
        self.ids = {id(p): f"p{i}" for i, p in enumerate(cluster.policies)}
        self.ids.update((id(p), f"a{i}") for i, p in enumerate(getattr(cluster, "admin_policies", ())))
        self.legend: dict[str, LegendEntry] = {}

    def _policy_id(self, policy: NetworkPolicy) -> str:
        identifier = self.ids[id(policy)]
        self.legend.setdefault(identifier, LegendEntry(identifier, "NetworkPolicy", policy.key))
        return identifier

    def _admin_id(self, policy) -> str:
        identifier = self.ids[id(policy)]
        detail = "" if policy.kind == "BaselineAdminNetworkPolicy" else f"priority {int(policy.priority)}"
        kind = policy.kind if policy.kind in _ADMIN_KINDS else "admin policy"
        self.legend.setdefault(identifier, LegendEntry(identifier, kind, policy.name, detail))
        return identifier

    # -- sets ----------------------------------------------------------------------

    def _set(self, kind: str, type_: str, elements: Sequence[str], *, interval: bool, comment: str) -> str:
        key = (type_, tuple(elements))
        existing = self.sets.get(key)
        if existing is not None:
            return existing.name
        family = "v6" if "ipv6" in type_ else "v4"
        name = f"{kind}_{len(self.sets)}_{family}"
        self.sets[key] = _Set(name, type_, tuple(elements), interval, comment)
        return name

    def _matched_pods(self, peers: Sequence[PodPeer | IPBlockPeer]) -> list[Pod]:
        return [
            pod
            for pod in self.pods
            if any(
                pod_matches_ipblock(peer, pod, self.options)
                if isinstance(peer, IPBlockPeer)
                else pod_matches_selector_peer(peer, pod, self.ns_labels)
                for peer in peers
            )
        ]

    def _addresses(self, peers: Sequence[PodPeer | IPBlockPeer]) -> dict[int, list[IPNetwork]]:
        """Every address the peers match: matched pods' addresses and ipBlock ranges."""
        nets: list[IPNetwork] = []
        for peer in peers:
            if isinstance(peer, IPBlockPeer):
                ranges = ipblock_networks(peer)
                for ip in self.unseen_ips:  # addresses the plugin's ipBlocks do not see
                    ranges = list(_exclude(ranges, _host(ip)))
                nets.extend(ranges)
        nets.extend(_host(ip) for pod in self._matched_pods(peers) for ip in pod.ips)
        return collapse(nets)

    # -- rules ---------------------------------------------------------------------

    def _port_matches(self, ports: Sequence[PortSpec], direction: Direction) -> tuple[list[str], dict[Protocol, list[str]]]:
        """Numeric matches (``tcp dport { 80 }``, ``meta l4proto udp``) and, on egress, named ports by protocol."""
        whole: set[Protocol] = set()
        numbers: dict[Protocol, list[tuple[int, int]]] = {}
        named: dict[Protocol, list[str]] = {}
        for spec in ports:
            if spec.port is None:
                whole.add(spec.protocol)
            elif isinstance(spec.port, str):
                if direction is Direction.INGRESS:
                    number = self.subject.named_port(spec.port, spec.protocol)
                    if number is not None:
                        numbers.setdefault(spec.protocol, []).append((number, number))
                elif spec.port not in named.get(spec.protocol, []):
                    named.setdefault(spec.protocol, []).append(spec.port)
            else:
                end = spec.end_port if spec.end_port is not None else spec.port
                numbers.setdefault(spec.protocol, []).append((spec.port, end))
        matches = []
        for protocol in Protocol:
            keyword = _KEYWORD[protocol]
            if protocol in whole:
                matches.append(f"meta l4proto {keyword}")
                named.pop(protocol, None)
            elif protocol in numbers:
                matches.append(f"{keyword} dport {{ {', '.join(_ranges(numbers[protocol]))} }}")
        return matches, named

    def _rule_lines(self, direction: Direction, peers: Sequence[PodPeer | IPBlockPeer] | None,
                    ports: Sequence[PortSpec], verdict: str, comment: str) -> list[str]:
        """The nft lines of one rule; ``peers`` None means every peer."""
        _, _, field_, _ = _HOOK[direction]
        lines = [f"# {comment}"]
        if ports:
            port_matches, named = self._port_matches(ports, direction)
        else:
            port_matches, named = [""], {}
        if peers is None or not port_matches:
            addr_matches = [""] if port_matches else []
        else:
            families = self._addresses(peers)
            addr_matches = []
            for version, nets in sorted(families.items()):
                keyword, type_ = _ADDR[version]
                name = self._set("peers", type_, [_element(n) for n in nets], interval=True, comment=comment)
                addr_matches.append(f"{keyword} {field_} @{name}")
        for addr in addr_matches:
            for port in port_matches:
                lines.append(" ".join(x for x in (addr, port, verdict) if x))
        for protocol, names in named.items():  # egress only: resolved per destination pod
            pods = self.pods if peers is None else self._matched_pods(peers)
            pairs: dict[int, list[tuple[IPAddress, int]]] = {4: [], 6: []}
            for pod in pods:
                for port_name in names:
                    number = pod.named_port(port_name, protocol)
                    if number is not None:
                        pairs[4].extend((ip, number) for ip in pod.ips if ip.version == 4)
                        pairs[6].extend((ip, number) for ip in pod.ips if ip.version == 6)
            keyword = _KEYWORD[protocol]
            for version, items in pairs.items():
                if not items:
                    continue
                addr_kw, type_ = _ADDR[version]
                elements = [f"{ip} . {port}" for ip, port in sorted(set(items))]
                name = self._set(f"named_{keyword}", f"{type_} . inet_service", elements, interval=False,
                                 comment=f"{comment}, named ports per destination")
                lines.append(f"{addr_kw} daddr . {keyword} dport @{name} {verdict}")
        if len(lines) == 1:
            lines.append("# (matches nothing in the lab)")
        return lines

    def _policy_chain(self, direction: Direction, fallthrough: str) -> _Chain:
        """The NetworkPolicy tier: isolated -> its rules then drop; not isolated -> ``fallthrough``."""
        _, _, _, word = _HOOK[direction]
        chain = _Chain(f"{word}_policies")
        isolating = [p for p in self.cluster.policies if p.isolates(direction) and self._selects(p)]
        if not isolating:
            self.summary.append(f"{word.capitalize()}: not isolated.")
            chain.lines.append(f"# not isolated for {word}")
            chain.lines.append(fallthrough)
            return chain
        names = ", ".join(self._policy_id(p) for p in isolating)
        self.summary.append(f"{word.capitalize()}: isolated by {names}.")
        chain.lines.append(f"# isolated for {word} by {names}")
        for policy in isolating:
            identifier = self._policy_id(policy)
            rules = policy.rules(direction)
            if not rules:
                chain.lines.append(f"# {identifier}: no {word} rule")
            for rule in rules:
                comment = f"{identifier} spec.{word}[{int(rule.index)}]"
                peers = None if rule.all_peers else rule.peers
                chain.lines.extend(self._rule_lines(direction, peers, rule.ports, "accept", comment))
        chain.lines.append("drop")
        return chain

    def _selects(self, policy: NetworkPolicy) -> bool:
        """``spec.podSelector`` picks the subject: its own namespace only, never a host-network pod."""
        return (
            not self.subject.host_network
            and self.subject.namespace == policy.namespace
            and policy.pod_selector.matches(self.subject.labels)
        )

    def _selecting(self, tier: str) -> list:
        """Admin-tier policies of ``tier`` (``Admin`` or ``Baseline``) whose subject selects the pod."""
        return [
            p for p in getattr(self.cluster, "admin_policies", ())
            if p.tier.value == tier and pod_matches_selector_peer(p.subject, self.subject, self.ns_labels)
        ]

    def _admin_chain(self, direction: Direction, selecting: list, name: str, after: str) -> _Chain:
        """A first-match chain of one admin tier's rules: Allow accept, Deny drop, Pass goto policies."""
        _, _, _, word = _HOOK[direction]
        chain = _Chain(name)
        for policy in selecting:
            identifier = self._admin_id(policy)
            for rule in policy.rules(direction):
                action = Action(rule.action).value
                verdict = {"Allow": "accept", "Deny": "drop"}.get(action, f"goto {word}_policies")
                comment = f"{identifier} spec.{word}[{int(rule.index)}]: {action}"
                if rule.name:
                    self.legend.setdefault(comment, LegendEntry(f"{identifier} spec.{word}[{int(rule.index)}]",
                                                                "rule", rule.name))
                peers = None if rule.all_peers else rule.peers
                chain.lines.extend(self._rule_lines(direction, peers, rule.ports, verdict, comment))
        chain.lines.append(after)
        return chain

    def _direction(self, direction: Direction) -> None:
        _, _, _, word = _HOOK[direction]
        if self.subject.host_network:
            self.summary.append(f"{word.capitalize()}: host network, never selected by a policy.")
            self.chains.append(_Chain(word, ["# host network: never selected", "accept"]))
            return
        admin, baseline = self._selecting("Admin"), self._selecting("Baseline")
        if admin:
            self.summary.append(f"{word.capitalize()} admin tier: {', '.join(self._admin_id(p) for p in admin)}.")
            self.chains.append(self._admin_chain(direction, admin, word, f"goto {word}_policies"))
        elif baseline:
            self.chains.append(_Chain(word, [f"goto {word}_policies"]))
        policies = self._policy_chain(direction, f"goto {word}_baseline" if baseline else "accept")
        if not admin and not baseline:
            policies.name = word
        self.chains.append(policies)
        if baseline and policies.lines[-1] == f"goto {word}_baseline":  # isolated pods never reach it
            self.summary.append(f"{word.capitalize()} baseline tier: {', '.join(self._admin_id(p) for p in baseline)}.")
            self.chains.append(self._admin_chain(direction, baseline, f"{word}_baseline", "accept"))
        if direction is Direction.INGRESS:
            self._node_local(next(c for c in self.chains if c.name == word))

    def _node_local(self, chain: _Chain) -> None:
        """Traffic from the subject's own node (its host-network pods) first, accepted where the plugin never blocks it."""
        hosts = [p for p in self.pods if node_local(p, self.subject, self.options.conventions)]
        lines = ["# node-local: traffic from the node of this pod is never blocked"]
        for version, nets in sorted(collapse(_host(ip) for p in hosts for ip in p.ips).items()):
            keyword, type_ = _ADDR[version]
            name = self._set("peers", type_, [_element(n) for n in nets], interval=True, comment="node-local")
            lines.append(f"{keyword} saddr @{name} accept")
        if len(lines) > 1:
            chain.lines[:0] = lines
            self.summary.append("Ingress: from its node always allowed.")

    # -- output --------------------------------------------------------------------

    def script(self) -> str:
        self._direction(Direction.INGRESS)
        self._direction(Direction.EGRESS)
        addresses = ", ".join(str(ip) for ip in self.subject.ips)
        out = [f"# podwall lab: {addresses}"]
        out += [f"# {line}" for line in self.summary]
        out += [f"table inet {self.table}", f"delete table inet {self.table}", f"table inet {self.table} {{"]
        for s in self.sets.values():
            out.append(f"\t# {s.comment}")
            out.append(f"\tset {s.name} {{")
            out.append(f"\t\ttype {s.type}")
            if s.interval:
                out.append("\t\tflags interval")
            out.append(f"\t\telements = {{ {', '.join(s.elements)} }}")
            out.append("\t}")
            out.append("")
        for direction in (Direction.INGRESS, Direction.EGRESS):
            hook, iface, _, word = _HOOK[direction]
            out.append(f"\tchain {hook} {{")
            out.append(f"\t\ttype filter hook {hook} priority filter; policy accept;")
            out.append(f'\t\t{iface} "lo" accept')
            out.append("\t\tct state established,related accept")
            out.append(f"\t\ticmpv6 type {{ {_ND_TYPES} }} accept")
            out.append(f"\t\tgoto {word}")
            out.append("\t}")
            out.append("")
        for chain in self.chains:
            out.append(f"\tchain {chain.name} {{")
            out.extend(f"\t\t{line}" for line in chain.lines)
            out.append("\t}")
            out.append("")
        if out[-1] == "":
            out.pop()
        out.append("}")
        return "\n".join(out) + "\n"


def _ranges(pairs: Iterable[tuple[int, int]]) -> list[str]:
    """Merge overlapping or adjacent port ranges; ``80`` or ``80-81``."""
    merged: list[list[int]] = []
    for lo, hi in sorted(pairs):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in merged]


# -- the check: every script against the grammar the compiler writes ---------------------------

#: Every word a script may contain, besides names it declares, numbers and addresses.
_WORDS = frozenset(
    """table delete inet set type flags interval elements chain filter hook input output priority policy
    accept drop goto iif oif ct state established related icmpv6 nd-neighbor-solicit nd-neighbor-advert
    nd-router-solicit nd-router-advert ip ip6 saddr daddr tcp udp sctp dport meta l4proto ipv4_addr ipv6_addr
    inet_service "lo" { } = .""".split()
)
_DECLARATION = re.compile(
    r"\t*(?:set ((?:peers|named_tcp|named_udp|named_sctp)_\d+_v[46])"
    r"|chain ((?:in|out)put|(?:ingress|egress)(?:_policies|_baseline)?)) \{"
)
_PORTS = re.compile(r"(\d{1,5})(?:-(\d{1,5}))?")
_WORDS_OF_PODWALL = r"[A-Za-z0-9 _.,:()\[\]/-]*"
#: A comment of a script: podwall's words and identifiers, nothing that could be quoted or escaped.
SCRIPT_COMMENT = re.compile(rf"\t*# {_WORDS_OF_PODWALL}")
#: A comment of ``listing``: podwall's words around at most one JSON string literal of printable ASCII.
LISTING_COMMENT = re.compile(
    rf"\t*# {_WORDS_OF_PODWALL}(?:\"(?:[ !#-\[\]-~]|\\[\"\\/bfnrt]|\\u[0-9a-f]{{4}})*\"{_WORDS_OF_PODWALL})?"
)


def check_script(text: str, *, comment: re.Pattern[str] = SCRIPT_COMMENT) -> None:
    """Raise ``UnsafeScript`` unless ``text`` is made only of what the compiler writes.

    Line by line: a comment matches ``comment`` (podwall's words and identifiers; a
    caller showing a legend passes a pattern for its quoted literals); any other line
    is a sequence of nft keywords, names the script declares (``set``/``chain``/the
    table), ``@set`` references, port numbers and ranges, and IP addresses or
    networks. So no ``include``, ``define``, ``$variable``, string or stray word can
    be in it, whatever the input held, and nothing is loaded if the compiler ever
    wrote one.
    """
    if "\x00" in text or "\r" in text:
        raise UnsafeScript("the nft script contains a NUL or carriage return")
    lines = text.split("\n")
    declared = {m.group(1) or m.group(2) for line in lines if (m := _DECLARATION.fullmatch(line))}
    table = None
    for number, line in enumerate(lines, 1):
        if line.lstrip("\t").startswith("#"):
            if not comment.fullmatch(line):
                raise UnsafeScript(f"line {number} of the nft script is not a comment podwall writes")
            continue
        words = line.replace(",", " ").replace(";", " ").split()
        if words[:2] == ["table", "inet"] and len(words) >= 3:
            if table is None and TABLE.fullmatch(words[2]):
                table = words[2]
                declared.add(table)
        for word in words:
            if not _allowed(word, declared):
                raise UnsafeScript(f"line {number} of the nft script has a word podwall does not write")
    if table is None:
        raise UnsafeScript("the nft script declares no table")


def _allowed(word: str, declared: set[str]) -> bool:
    if word in _WORDS or word in declared or (word.startswith("@") and word[1:] in declared):
        return True
    ports = _PORTS.fullmatch(word)
    if ports:
        return all(int(p) <= 65535 for p in ports.groups() if p is not None)
    try:  # an address or a network, as ipaddress prints them
        ipaddress.ip_network(word)
    except ValueError:
        return False
    return True
