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
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from podwall.engine import EngineOptions
from podwall.model import (
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

_ND_TYPES = "nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert"
_KEYWORD = {Protocol.TCP: "tcp", Protocol.UDP: "udp", Protocol.SCTP: "sctp"}
_ADDR = {4: ("ip", "ipv4_addr"), 6: ("ip6", "ipv6_addr")}
_HOOK = {Direction.INGRESS: ("input", "iif", "saddr", "ingress"), Direction.EGRESS: ("output", "oif", "daddr", "egress")}


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
    return _Compiler(cluster, subject, tuple(pods), table, options).script()


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
    """By convention an ipBlock matches pods whose IP it contains (host-network pods always)."""
    if not (options.ipblock_matches_pods or pod.host_network):
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
        self.non_host_ips = [ip for p in pods if not p.host_network for ip in p.ips]

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
                if not self.options.ipblock_matches_pods:
                    for ip in self.non_host_ips:
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
                                 comment=f"{comment}: named port {', '.join(names)}/{protocol.value} per destination")
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
        names = ", ".join(p.key for p in isolating)
        self.summary.append(f"{word.capitalize()}: isolated by {names}.")
        chain.lines.append(f"# isolated for {word} by {names}")
        for policy in isolating:
            rules = policy.rules(direction)
            if not rules:
                chain.lines.append(f"# {policy.key}: no {word} rule")
            for rule in rules:
                comment = f"{policy.key} spec.{word}[{rule.index}]"
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
            for rule in policy.rules(direction):
                action = rule.action.value
                verdict = {"Allow": "accept", "Deny": "drop"}.get(action, f"goto {word}_policies")
                label = f" ({rule.name})" if rule.name else ""
                comment = f"{policy.short} spec.{word}[{rule.index}]{label}: {action}"
                peers = None if rule.all_peers else rule.peers
                chain.lines.extend(self._rule_lines(direction, peers, rule.ports, verdict, comment))
        chain.lines.append(after)
        return chain

    def _direction(self, direction: Direction) -> None:
        _, _, _, word = _HOOK[direction]
        if self.subject.host_network:
            self.summary.append(f"{word.capitalize()}: host network, never selected by a policy.")
            self.chains.append(_Chain(word, [f"# {self.subject.key} uses the host network: never selected", "accept"]))
            return
        admin, baseline = self._selecting("Admin"), self._selecting("Baseline")
        if admin:
            self.summary.append(f"{word.capitalize()} admin tier: {', '.join(p.short for p in admin)}.")
            self.chains.append(self._admin_chain(direction, admin, word, f"goto {word}_policies"))
        elif baseline:
            self.chains.append(_Chain(word, [f"goto {word}_policies"]))
        policies = self._policy_chain(direction, f"goto {word}_baseline" if baseline else "accept")
        if not admin and not baseline:
            policies.name = word
        self.chains.append(policies)
        if baseline and policies.lines[-1] == f"goto {word}_baseline":  # isolated pods never reach it
            self.summary.append(f"{word.capitalize()} baseline tier: {', '.join(p.short for p in baseline)}.")
            self.chains.append(self._admin_chain(direction, baseline, f"{word}_baseline", "accept"))

    # -- output --------------------------------------------------------------------

    def script(self) -> str:
        self._direction(Direction.INGRESS)
        self._direction(Direction.EGRESS)
        addresses = ", ".join(str(ip) for ip in self.subject.ips)
        out = [f"# podwall lab: {self.subject.key} ({addresses})"]
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
