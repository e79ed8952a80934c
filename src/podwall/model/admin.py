"""Cluster-scoped admin tiers: AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy.

All three share one shape here: a subject (pods chosen by namespace and pod
selectors), ordered rules with an action, peers and ports. Peers reuse the
NetworkPolicy peer types: ``namespaces: S`` is ``PodPeer(namespace_selector=S)``,
``pods: {namespaceSelector: N, podSelector: P}`` is ``PodPeer(P, N)``, and
``networks: [cidr]`` is ``IPBlockPeer(cidr)``.
"""

from __future__ import annotations

from enum import Enum

from podwall.errors import Location
from podwall.model.policy import Direction, Peer, PodPeer, PortSpec
from podwall.model.quick import frozen


class Tier(str, Enum):
    """Where a policy sits: Admin before NetworkPolicy, Baseline after it."""

    ADMIN = "Admin"
    BASELINE = "Baseline"


class Action(str, Enum):
    """What a matching admin rule does (ClusterNetworkPolicy's Accept is Allow)."""

    ALLOW = "Allow"
    DENY = "Deny"
    PASS = "Pass"


@frozen
class AdminRule:
    """One rule; ``ports`` empty means every port and protocol."""

    direction: Direction
    index: int
    action: Action
    peers: tuple[Peer, ...]
    ports: tuple[PortSpec, ...] = ()
    name: str = ""
    location: Location | None = None

    @property
    def all_peers(self) -> bool:
        """Admin rules always name their peers."""
        return False

    @property
    def all_ports(self) -> bool:
        """True when the rule names no ports."""
        return not self.ports


@frozen
class AdminPolicy:
    """An admin-tier policy; ``priority`` orders policies within a tier (lower first)."""

    kind: str
    name: str
    tier: Tier
    priority: int
    subject: PodPeer
    ingress: tuple[AdminRule, ...] = ()
    egress: tuple[AdminRule, ...] = ()
    location: Location | None = None

    @property
    def key(self) -> str:
        """``Kind/name``: these objects are cluster-scoped."""
        return f"{self.kind}/{self.name}"

    @property
    def short(self) -> str:
        """``ANP name priority 10``-style label for explanations."""
        abbreviation = {
            "AdminNetworkPolicy": "ANP",
            "BaselineAdminNetworkPolicy": "BANP",
            "ClusterNetworkPolicy": f"CNP {self.tier.value}",
        }.get(self.kind, self.kind)
        if self.kind == "BaselineAdminNetworkPolicy":
            return f"{abbreviation} {self.name}"
        return f"{abbreviation} {self.name} priority {self.priority}"

    def rules(self, direction: Direction) -> tuple[AdminRule, ...]:
        """The rules of one direction, in precedence order."""
        return self.ingress if direction is Direction.INGRESS else self.egress
