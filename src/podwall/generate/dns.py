"""``generate dns``: allow DNS egress (53/UDP and 53/TCP), to the cluster DNS only by default."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from podwall.engine.dns import DNS_PORT, KUBE_DNS, NODE_LOCAL_ADDRESS, DnsView
from podwall.generate.policies import (
    Generated,
    Generation,
    IntendedFlow,
    NetParty,
    PodParty,
    isolation_notes,
    named,
    namespace_selector,
    party,
    policy,
)
from podwall.model import (
    Cluster,
    Direction,
    IPAddress,
    IPBlockPeer,
    IPNetwork,
    LabelSelector,
    Peer,
    PodPeer,
    PortSpec,
    Protocol,
)
from podwall.model.quick import frozen

NODE_LOCAL_DNS = NODE_LOCAL_ADDRESS
DNS_PORTS = (PortSpec(Protocol.UDP, DNS_PORT), PortSpec(Protocol.TCP, DNS_PORT))
DEFAULT_NAME = "allow-dns"


@frozen
class DnsTarget:
    """Where pods send DNS queries.

    ``selector`` None means ``k8s-app=kube-dns``, except with ``any_namespace``,
    where it means any pod (the tutorial's looser ``namespaceSelector: {}``).
    ``node_local`` adds the NodeLocal DNSCache address as an ipBlock. ``port`` is the
    port the DNS pods listen on (policies see pod ports: 5353 behind OpenShift's
    ``dns-default``, whose Service port is 53).
    """

    namespace: str = "kube-system"
    selector: LabelSelector | None = None
    node_local: IPAddress | None = None
    any_namespace: bool = False
    port: int = DNS_PORT

    @classmethod
    def recognised(cls, view: DnsView) -> DnsTarget:
        """The cluster DNS an input runs (engine.dns), and NodeLocal DNSCache if present; kube-dns without one."""
        server = view.primary
        if server is None:
            return cls(node_local=view.node_local)
        selector = None if server.selector == KUBE_DNS else server.selector
        return cls(server.namespace, selector, view.node_local, False, server.port)

    @property
    def ports(self) -> tuple[PortSpec, PortSpec]:
        """UDP and TCP at the DNS pods' port."""
        return (PortSpec(Protocol.UDP, self.port), PortSpec(Protocol.TCP, self.port))

    @property
    def pods(self) -> LabelSelector:
        """The DNS server pods' selector."""
        if self.selector is not None:
            return self.selector
        return LabelSelector() if self.any_namespace else KUBE_DNS

    def peers(self, policy_namespace: str) -> tuple[Peer, ...]:
        """The ``to`` of the DNS rule: one peer with both selectors, plus NodeLocal DNSCache."""
        if self.any_namespace:
            pods = None if self.pods.is_empty else self.pods
            peers: list[Peer] = [PodPeer(policy_namespace, pods, LabelSelector())]
        else:
            # Always both selectors in one peer, even inside the DNS namespace itself:
            # where the DNS pods run is a fact to state, not a default to rely on.
            peers = [PodPeer(policy_namespace, self.pods, namespace_selector(self.namespace))]
        if self.node_local is not None:
            peers.append(IPBlockPeer(_host(self.node_local)))
        return tuple(peers)

    @property
    def server(self) -> PodParty:
        """The DNS server pods as one end of intended flows (``kube-system/k8s-app=kube-dns``)."""
        if self.any_namespace:
            everywhere = party(self.pods, LabelSelector())
            return replace(everywhere, label="*/" + everywhere.label.partition("/")[2])
        return party(self.pods, self.namespace)

    def parties(self) -> tuple[PodParty | NetParty, ...]:
        """The DNS servers as ends of intended flows, NodeLocal DNSCache included."""
        result: list[PodParty | NetParty] = [self.server]
        if self.node_local is not None:
            result.append(NetParty(f"NodeLocal DNSCache {self.node_local}", IPBlockPeer(_host(self.node_local))))
        return tuple(result)

    def describe(self) -> str:
        """``pods k8s-app=kube-dns in kube-system`` (``on 5353`` when not 53)."""
        return self.server.describe() + (f" on {self.port}" if self.port != DNS_PORT else "")


def _host(address: IPAddress) -> IPNetwork:
    return ipaddress.ip_network(f"{address}/{address.max_prefixlen}")


def dns_policy(namespace: str, target: DnsTarget, name: str = DEFAULT_NAME) -> Generated:
    """The DNS egress policy for every pod of ``namespace``."""
    egress = [(target.peers(namespace), target.ports)]
    if target.node_local is not None and target.port != DNS_PORT:  # NodeLocal DNSCache answers on 53
        egress = [(target.peers(namespace)[:-1], target.ports), ((IPBlockPeer(_host(target.node_local)),), DNS_PORTS)]
    pol = policy(namespace, name, LabelSelector(), [Direction.EGRESS], egress=egress)
    where = target.describe()
    if target.node_local is not None:
        where += f" and NodeLocal DNSCache at {target.node_local}"
    port = target.port
    comment = f"Allow every pod in {namespace} to resolve names: DNS on {port}/UDP and {port}/TCP to {where}."
    if target.any_namespace:
        comment += (
            " Looser than needed (the tutorial's form): port 53 of any matching pod in any namespace is"
            " reachable; without --any-namespace only the cluster DNS is."
        )
    return Generated(pol, comment)


def dns_intended(namespace: str, target: DnsTarget) -> tuple[IntendedFlow, ...]:
    """Every pod of ``namespace`` to each DNS server, on UDP and TCP at the servers' port."""
    clients = party(LabelSelector(), namespace)
    return tuple(
        IntendedFlow(clients, server, target.ports if isinstance(server, PodParty) else DNS_PORTS,
                     f"{namespace}/* -> DNS {server.label}", dns=True)
        for server in target.parties()
    )


def dns(namespace: str, target: DnsTarget = DnsTarget(), *, name: str | None = None, context: Cluster | None = None) -> Generation:
    """``generate dns``: one egress policy allowing DNS; warns (given ``context``) if it newly isolates pods."""
    generated = (dns_policy(namespace, target),)
    if name is not None:
        generated = named(generated, [name])
    notes = isolation_notes(context, generated) if context is not None else []
    return Generation(generated, dns_intended(namespace, target), tuple(notes))
