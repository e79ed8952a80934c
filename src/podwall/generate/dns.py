"""``generate dns``: allow DNS egress (53/UDP and 53/TCP), to the cluster DNS only by default."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

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

KUBE_DNS = LabelSelector((("k8s-app", "kube-dns"),))
NODE_LOCAL_DNS = ipaddress.ip_address("169.254.20.10")
DNS_PORTS = (PortSpec(Protocol.UDP, 53), PortSpec(Protocol.TCP, 53))
DEFAULT_NAME = "allow-dns"


@dataclass(frozen=True, slots=True)
class DnsTarget:
    """Where pods send DNS queries.

    ``selector`` None means ``k8s-app=kube-dns``, except with ``any_namespace``,
    where it means any pod (the tutorial's looser ``namespaceSelector: {}``).
    ``node_local`` adds the NodeLocal DNSCache address as an ipBlock.
    """

    namespace: str = "kube-system"
    selector: LabelSelector | None = None
    node_local: IPAddress | None = None
    any_namespace: bool = False

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
        """``pods k8s-app=kube-dns in kube-system``."""
        return self.server.describe()


def _host(address: IPAddress) -> IPNetwork:
    return ipaddress.ip_network(f"{address}/{address.max_prefixlen}")


def dns_policy(namespace: str, target: DnsTarget, name: str = DEFAULT_NAME) -> Generated:
    """The DNS egress policy for every pod of ``namespace``."""
    pol = policy(namespace, name, LabelSelector(), [Direction.EGRESS], egress=[(target.peers(namespace), DNS_PORTS)])
    where = target.describe()
    if target.node_local is not None:
        where += f" and NodeLocal DNSCache at {target.node_local}"
    comment = f"Allow every pod in {namespace} to resolve names: DNS on 53/UDP and 53/TCP to {where}."
    if target.any_namespace:
        comment += (
            " Looser than needed (the tutorial's form): port 53 of any matching pod in any namespace is"
            " reachable; without --any-namespace only the cluster DNS is."
        )
    return Generated(pol, comment)


def dns_intended(namespace: str, target: DnsTarget) -> tuple[IntendedFlow, ...]:
    """Every pod of ``namespace`` to each DNS server, on 53/UDP and 53/TCP."""
    clients = party(LabelSelector(), namespace)
    return tuple(IntendedFlow(clients, server, DNS_PORTS, f"{namespace}/* -> DNS {server.label}") for server in target.parties())


def dns(namespace: str, target: DnsTarget = DnsTarget(), *, name: str | None = None, context: Cluster | None = None) -> Generation:
    """``generate dns``: one egress policy allowing DNS; warns (given ``context``) if it newly isolates pods."""
    generated = (dns_policy(namespace, target),)
    if name is not None:
        generated = named(generated, [name])
    notes = isolation_notes(context, generated) if context is not None else []
    return Generation(generated, dns_intended(namespace, target), tuple(notes))
