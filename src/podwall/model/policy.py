"""NetworkPolicy, normalised: defaults applied, peers as one type per form."""

from __future__ import annotations

import ipaddress
from dataclasses import field
from enum import Enum

from podwall.errors import Location
from podwall.model.labels import LabelSelector
from podwall.model.quick import frozen

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Protocol(str, Enum):
    """Protocols a NetworkPolicy port may name."""

    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


class Direction(str, Enum):
    """A policy type, and the side of a flow it governs."""

    INGRESS = "Ingress"
    EGRESS = "Egress"


@frozen
class PortSpec:
    """One entry of a rule's ``ports``.

    ``port`` None means every port of ``protocol``; a ``str`` is a named port,
    resolved against the destination pod; ``end_port`` makes ``port..end_port``.
    """

    protocol: Protocol = Protocol.TCP
    port: int | str | None = None
    end_port: int | None = None

    def __str__(self) -> str:
        if self.port is None:
            return f"all/{self.protocol.value}"
        if self.end_port is not None:
            return f"{self.port}-{self.end_port}/{self.protocol.value}"
        return f"{self.port}/{self.protocol.value}"


@frozen
class PodPeer:
    """A peer given by selectors.

    - ``namespace_selector`` None: pods in the policy's own namespace (``namespace``);
    - ``pod_selector`` None: every pod of the selected namespaces;
    - both set: pods matching ``pod_selector`` inside namespaces matching
      ``namespace_selector`` (an AND, unlike two separate peers).
    """

    namespace: str
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None

    def __str__(self) -> str:
        if self.pod_selector is None or self.pod_selector.is_empty:
            pods = "every pod"
        else:
            pods = f"pods {self.pod_selector}"
        if self.namespace_selector is None:
            return f"{pods} in namespace {self.namespace}"
        if self.namespace_selector.is_empty:
            return f"{pods} in every namespace"
        return f"{pods} in namespaces {self.namespace_selector}"


@frozen
class IPBlockPeer:
    """``cidr`` minus every ``except`` (each inside ``cidr``, same address family)."""

    cidr: IPNetwork
    excepts: tuple[IPNetwork, ...] = ()

    def contains(self, address: IPAddress) -> bool:
        """Whether an address lies in the block and outside every except."""
        if address.version != self.cidr.version or address not in self.cidr:
            return False
        return not any(address in ex for ex in self.excepts)

    def __str__(self) -> str:
        if not self.excepts:
            return f"ipBlock {self.cidr}"
        return f"ipBlock {self.cidr} except {', '.join(map(str, self.excepts))}"


Peer = PodPeer | IPBlockPeer


@frozen
class Rule:
    """An ingress or egress rule.

    ``peers`` empty means every peer (pods anywhere and every external address);
    ``ports`` empty means every port and protocol. ``index`` is the rule's
    position in ``spec.ingress`` / ``spec.egress``.
    """

    direction: Direction
    index: int
    peers: tuple[Peer, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    location: Location | None = None

    @property
    def all_peers(self) -> bool:
        """True when the rule has no ``from``/``to``."""
        return not self.peers

    @property
    def all_ports(self) -> bool:
        """True when the rule has no ``ports``."""
        return not self.ports


@frozen
class NetworkPolicy:
    """A ``networking.k8s.io/v1`` NetworkPolicy with policyTypes defaulted."""

    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[Direction]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    location: Location | None = None
    annotations: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """The rules of one direction."""
        return self.ingress if direction is Direction.INGRESS else self.egress

    def isolates(self, direction: Direction) -> bool:
        """Whether this policy isolates the pods it selects in ``direction``."""
        return direction in self.policy_types

    def isolates_namespace(self, direction: Direction) -> bool:
        """Whether this is a namespace-wide default-deny for ``direction``: ``podSelector: {}`` isolating it."""
        return self.pod_selector.is_empty and self.isolates(direction)
