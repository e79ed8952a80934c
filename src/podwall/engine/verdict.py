"""A verdict is data that contains its reasons; renderers only phrase them."""

from __future__ import annotations

from enum import Enum

from podwall.engine.options import Probe
from podwall.model import Direction
from podwall.model.quick import frozen


class Basis(str, Enum):
    """Why one direction of a flow came out as it did."""

    SELF = "self"  # a pod to itself (loopback): always allowed
    EXTERNAL = "external"  # this end is outside the cluster: nothing to judge
    UNKNOWN_POD = "unknown-pod"  # the ingress controller: a pod not in the input, its own side not judged
    HOST_NETWORK = "host-network"  # host-network pods are never selected by policies
    NOT_ISOLATED = "not-isolated"  # no policy selects the pod for this direction
    RULE = "rule"  # isolated, and at least one rule admits the flow
    NO_RULE = "no-rule"  # isolated, and no rule admits the flow
    ADMIN_ALLOW = "admin-allow"  # an Admin-tier rule allowed it before any NetworkPolicy was consulted
    ADMIN_DENY = "admin-deny"  # an Admin-tier rule denied it
    BASELINE_ALLOW = "baseline-allow"  # not isolated by NetworkPolicies; a Baseline-tier rule allowed it
    BASELINE_DENY = "baseline-deny"  # not isolated by NetworkPolicies; a Baseline-tier rule denied it
    NOT_ENFORCED = "not-enforced"  # the network plugin does not enforce NetworkPolicy at all
    NODE_LOCAL = "node-local"  # from the destination's own node (a host-network pod on it): never blocked


DENYING = frozenset({Basis.NO_RULE, Basis.ADMIN_DENY, Basis.BASELINE_DENY})


@frozen
class RuleRef:
    """A rule of a policy: ``index`` is its 0-based position in spec.ingress/spec.egress."""

    policy: str
    direction: Direction
    index: int

    @property
    def field(self) -> str:
        """The rule's path in the manifest, e.g. ``spec.ingress[0]``."""
        return f"spec.{self.direction.value.lower()}[{self.index}]"


@frozen
class RuleMiss:
    """A rule of an isolating policy that did not admit the flow, and which half failed."""

    rule: RuleRef
    peers_match: bool
    ports_match: bool
    admits_ports: str  # the rule's ports in words: "port 53/UDP, 53/TCP" or "every port"
    admits_peers: str  # the rule's peers in words: "every pod in every namespace"

    @property
    def admits(self) -> str:
        """What the rule admits, limited to the half (or both) that did not match."""
        if self.ports_match:
            return self.admits_peers
        if self.peers_match:
            return self.admits_ports
        return f"{self.admits_ports} {self.admits_peers}"


@frozen
class TierStep:
    """An admin-tier rule that matched on the way to the verdict (Pass, Allow or Deny)."""

    policy: str  # "ANP deny-dns priority 10"
    key: str  # "AdminNetworkPolicy/deny-dns"
    rule: int  # 0-based index in spec.ingress/spec.egress
    rule_name: str
    action: str  # Allow, Deny or Pass


@frozen
class DirectionVerdict:
    """One side of a flow: the source's egress or the destination's ingress."""

    direction: Direction
    subject: str
    basis: Basis
    isolated_by: tuple[str, ...] = ()
    allowed_by: tuple[RuleRef, ...] = ()
    misses: tuple[RuleMiss, ...] = ()
    steps: tuple[TierStep, ...] = ()

    @property
    def applies(self) -> bool:
        """False when this end is external (or unknown), so the direction is not judged at all."""
        return self.basis not in (Basis.EXTERNAL, Basis.UNKNOWN_POD)

    @property
    def allowed(self) -> bool:
        """Whether this side lets the flow through."""
        return self.basis not in DENYING


@frozen
class Verdict:
    """The decision for one flow with both sides' reasons."""

    source: str
    destination: str
    probe: Probe
    egress: DirectionVerdict
    ingress: DirectionVerdict

    @property
    def allowed(self) -> bool:
        """Allowed iff both sides allow (SEMANTICS.md, "Isolation and the verdict")."""
        return self.egress.allowed and self.ingress.allowed
