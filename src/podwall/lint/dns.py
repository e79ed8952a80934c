"""Where each egress-isolated workload may send DNS queries: shared by PW203, PW204 and PW205.

The DNS servers are engine.dns's (recognised by their Service, or given with
``--dns-namespace/--dns-selector/--dns-port``), each on the pod port queries land on:
53 for kube-dns and CoreDNS, 5353 behind OpenShift's ``dns-default``.
"""

from __future__ import annotations


from podwall.engine import Probe
from podwall.engine.dns import DEFAULT_NAMESPACE, DNS_PORT, KUBE_DNS, DnsServer
from podwall.lint.context import DNS_PORTS, Context, Target, bits, dns_server_of
from podwall.lint.fixes import command
from podwall.lint.phrases import listing
from podwall.model import Direction, IPBlockPeer, Rule
from podwall.model.quick import frozen


@frozen
class DnsAccess:
    """One egress-isolated workload (or bare pod) and what its egress says about DNS.

    ``written`` holds the DNS probes some egress rule admits by port at all (at a
    server's pod port, or 53 for an ipBlock); ``reaches`` those on which some DNS
    server is actually allowed; ``to_addresses``: a rule admitting a DNS port names an
    ipBlock (a resolver podwall cannot see, such as NodeLocal DNSCache).
    """

    subject: str
    namespace: str
    target: Target
    isolated_by: tuple[str, ...]
    written: frozenset[Probe]
    reaches: frozenset[Probe]
    peers: tuple[str, ...]
    to_addresses: bool


def _admits_port(rule: Rule, probe: Probe, ctx: Context, servers: list[int]) -> bool:
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


def servers_of(ctx: Context) -> list[tuple[int, DnsServer]]:
    """(class, server) for every class of DNS server pods."""
    found = ctx.memo.get("dns-classes")
    if found is None:
        found = [(cls.index, s) for cls in ctx.classes if (s := dns_server_of(ctx, cls)) is not None]
        ctx.memo["dns-classes"] = found
    return found


def dns_access(ctx: Context) -> list[DnsAccess]:
    """Every egress-isolated workload that is not itself a DNS server, once, sorted by subject."""
    cached = ctx.memo.get("dns")
    if cached is not None:
        return cached
    servers = servers_of(ctx)
    server_classes = [c for c, _ in servers]
    probes = sorted({p for _, s in servers for p in s.probes})
    found: dict[str, DnsAccess] = {}
    for c in bits(ctx.real):
        cls = ctx.classes[c]
        if not ctx.egress_of[c] or c in server_classes:
            continue
        written: set[Probe] = set()
        peers: list[str] = []
        to_addresses = False
        for policy in ctx.egress_of[c]:
            for rule in policy.egress:
                names_block = any(isinstance(peer, IPBlockPeer) for peer in rule.peers)
                hit = [p for p in probes if _admits_port(rule, p, ctx, server_classes)]
                if names_block:
                    hit += [p for p in DNS_PORTS if _admits_port(rule, p, ctx, server_classes)]
                if not hit:
                    continue
                written.update(hit)
                if rule.all_peers:
                    peers.append("anywhere")
                for peer in rule.peers:
                    peers.append(str(peer))
                    to_addresses = to_addresses or isinstance(peer, IPBlockPeer)
        reaches = {p for d, server in servers for p in server.probes if ctx.egress_allows(c, d, p)}
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
    parts: list[str] = []
    for _, server in servers_of(ctx):
        names = ctx.subjects(sum(1 << c for c, s in servers_of(ctx) if s is server))
        text = listing(names)
        if server.port != DNS_PORT:  # say why 5353: the Service maps 53 to it
            text += f" (on {server.port}, the port behind {server.via})"
        if text not in parts:
            parts.append(text)
    return listing(parts)


def dns_ports_text(ctx: Context) -> str:
    """``53/UDP or 53/TCP``, or the servers' own ports (``5353/UDP or 5353/TCP``)."""
    ports = sorted({s.port for _, s in servers_of(ctx)} or {DNS_PORT})
    return " or ".join(f"{port}/UDP or {port}/TCP" for port in ports)


def dns_fix(ctx: Context, namespace: str) -> str:
    """``podwall generate dns -n NS``, with ``--dns-*`` when the DNS servers are not kube-dns in kube-system on 53."""
    servers = [s for _, s in servers_of(ctx)]
    if not servers or ctx.dns_assumed:
        return command("dns", "-n", namespace)
    server = next((s for s in servers if s.namespace == DEFAULT_NAMESPACE), servers[0])
    extra: list[str] = []
    if server.namespace != DEFAULT_NAMESPACE:
        extra += ["--dns-namespace", server.namespace]
    if server.selector != KUBE_DNS:
        extra += ["--dns-selector", str(server.selector)]
    if server.port != DNS_PORT:
        extra += ["--dns-port", str(server.port)]
    return command("dns", "-n", namespace, *extra)

