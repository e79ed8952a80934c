"""The matching primitives of SEMANTICS.md, shared by the per-flow and the matrix paths.

Nil vs empty, once:
    peers ()                       -> every source/destination, pods and external
    PodPeer(ns_sel None, pod None) -> cannot occur (loader rejects an empty peer)
    PodPeer(ns_sel None, pod S)    -> pods matching S in the policy's namespace
    PodPeer(ns_sel N, pod None)    -> every pod in namespaces matching N
    PodPeer(ns_sel N, pod S)       -> pods matching S in namespaces matching N (AND)
    ports ()                       -> every port and protocol
    PortSpec(port None)            -> every port of its protocol
"""

from __future__ import annotations

from collections.abc import Mapping

from podwall.engine.exposure import CONTROLLER
from podwall.engine.options import EngineOptions, External, Probe
from podwall.model import AdminPolicy, AdminRule, IPBlockPeer, Labels, NetworkPolicy, Peer, Pod, PodPeer, PortSpec, Rule

Endpoint = Pod | External


def selects(policy: NetworkPolicy, pod: Pod) -> bool:
    """Whether the policy's podSelector picks the pod (own namespace; never host-network)."""
    return (
        not pod.host_network
        and pod.namespace == policy.namespace
        and policy.pod_selector.matches(pod.labels)
    )


def admin_selects(policy: AdminPolicy, pod: Pod, namespace_labels: Mapping[str, Labels]) -> bool:
    """Whether an admin-tier policy's subject picks the pod (host-network pods never)."""
    return not pod.host_network and peer_matches(policy.subject, pod, namespace_labels, EngineOptions())


def ipblock_matches(peer: IPBlockPeer, endpoint: Endpoint, options: EngineOptions) -> bool:
    """An ipBlock matches external addresses, and pod IPs unless switched off.

    A host-network pod's address is the node's: whether ipBlocks see node
    addresses is a convention of its own (``ipblock_matches_nodes``).
    """
    if isinstance(endpoint, External):
        return peer.contains(endpoint.address)
    if not ipblock_sees(endpoint, options):
        return False
    return any(peer.contains(ip) for ip in endpoint.ips)


def ipblock_sees(pod: Pod, options: EngineOptions) -> bool:
    """Whether ipBlocks look at this pod's addresses at all: node addresses and pod addresses have a switch each."""
    return options.conventions.ipblock_matches_nodes if pod.host_network else options.ipblock_matches_pods


def peer_matches(
    peer: Peer,
    endpoint: Endpoint,
    namespace_labels: Mapping[str, Labels],
    options: EngineOptions,
) -> bool:
    """Whether one peer of a rule matches the other end of a flow."""
    if isinstance(peer, IPBlockPeer):
        return ipblock_matches(peer, endpoint, options)
    if isinstance(endpoint, External) or endpoint.host_network:
        return False
    if endpoint is CONTROLLER:  # unknown namespace and labels: only "any pod anywhere" matches
        return (
            peer.namespace_selector is not None
            and peer.namespace_selector.is_empty
            and (peer.pod_selector is None or peer.pod_selector.is_empty)
        )
    if not namespace_matches(peer, endpoint.namespace, namespace_labels):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(endpoint.labels)


def namespace_matches(peer: PodPeer, namespace: str, namespace_labels: Mapping[str, Labels]) -> bool:
    """The namespace half of a selector peer."""
    if peer.namespace_selector is None:
        return namespace == peer.namespace
    return peer.namespace_selector.matches(namespace_labels.get(namespace, {}))


def port_matches(spec: PortSpec, probe: Probe, destination: Endpoint) -> bool:
    """Whether a port spec admits the probe; named ports resolve on the destination pod."""
    if spec.protocol is not probe.protocol:
        return False
    if spec.port is None:
        return True
    if isinstance(spec.port, str):
        if isinstance(destination, External):
            return False
        return destination.named_port(spec.port, spec.protocol) == probe.port
    if spec.end_port is not None:
        return spec.port <= probe.port <= spec.end_port
    return spec.port == probe.port


def rule_ports_match(rule: Rule | AdminRule, probe: Probe, destination: Endpoint) -> bool:
    """A rule's ports admit the probe (no ports: all)."""
    return rule.all_ports or any(port_matches(s, probe, destination) for s in rule.ports)


def rule_peers_match(
    rule: Rule | AdminRule,
    endpoint: Endpoint,
    namespace_labels: Mapping[str, Labels],
    options: EngineOptions,
) -> bool:
    """A rule's peers admit the other end (no peers: all)."""
    return rule.all_peers or any(
        peer_matches(p, endpoint, namespace_labels, options) for p in rule.peers
    )
