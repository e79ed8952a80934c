"""Where each egress-isolated workload may send DNS queries: shared by PW203, PW204 and PW205."""

from __future__ import annotations

from dataclasses import dataclass

from podwall.engine import Probe
from podwall.lint.context import DNS_PORTS, Context, Target, bits, is_dns_server
from podwall.lint.phrases import listing
from podwall.model import Direction, IPBlockPeer, Rule


@dataclass(frozen=True, slots=True)
class DnsAccess:
    """One egress-isolated workload (or bare pod) and what its egress says about DNS.

    ``written`` holds the DNS probes some egress rule admits by port at all;
    ``reaches`` those for which some DNS server is actually allowed;
    ``to_addresses``: a rule admitting port 53 names an ipBlock (a resolver
    podwall cannot see, such as NodeLocal DNSCache).
    """

    subject: str
    namespace: str
    target: Target
    isolated_by: tuple[str, ...]
    written: frozenset[Probe]
    reaches: frozenset[Probe]
    peers: tuple[str, ...]
    to_addresses: bool


def _admits_dns_port(rule: Rule, probe: Probe, ctx: Context, servers: list[int]) -> bool:
    if rule.all_ports:
        return True
    for spec in rule.ports:
        if spec.protocol is not probe.protocol:
            continue
        if spec.port is None:
            return True
        if isinstance(spec.port, str):
            if any(ctx.classes[d].rep.named_port(spec.port, probe.protocol) == probe.port for d in servers):
                return True
        elif spec.port <= probe.port <= (spec.end_port if spec.end_port is not None else spec.port):
            return True
    return False


def dns_access(ctx: Context) -> list[DnsAccess]:
    """Every egress-isolated workload that is not itself a DNS server, once, sorted by subject."""
    cached = ctx.memo.get("dns")
    if cached is not None:
        return cached
    servers = [cls.index for cls in ctx.classes if is_dns_server(cls.rep)]
    found: dict[str, DnsAccess] = {}
    for c in bits(ctx.real):
        cls = ctx.classes[c]
        if not ctx.egress_of[c] or is_dns_server(cls.rep):
            continue
        written: set[Probe] = set()
        peers: list[str] = []
        to_addresses = False
        for policy in ctx.egress_of[c]:
            for rule in policy.egress:
                hit = [p for p in DNS_PORTS if _admits_dns_port(rule, p, ctx, servers)]
                if not hit:
                    continue
                written.update(hit)
                if rule.all_peers:
                    peers.append("anywhere")
                for peer in rule.peers:
                    peers.append(str(peer))
                    to_addresses = to_addresses or isinstance(peer, IPBlockPeer)
        reaches = {p for p in DNS_PORTS if any(ctx.egress_allows(c, d, p) for d in servers)}
        for subject in cls.subjects:
            if subject in found:
                continue
            target = ctx.target_of(subject)
            if target is None:
                continue
            found[subject] = DnsAccess(
                subject,
                cls.rep.namespace,
                target,
                tuple(ctx.isolated_by(c, Direction.EGRESS)),
                frozenset(written),
                frozenset(reaches),
                tuple(dict.fromkeys(peers)),
                to_addresses,
            )
    result = [found[k] for k in sorted(found)]
    ctx.memo["dns"] = result
    return result


def servers_described(ctx: Context) -> str:
    """The DNS servers lookups go to, in words."""
    if ctx.dns_assumed:
        return "the cluster DNS (assumed: pods k8s-app=kube-dns in namespace kube-system, which the input lacks)"
    servers = ctx.subjects(sum(1 << cls.index for cls in ctx.classes if is_dns_server(cls.rep)))
    return listing(servers)
