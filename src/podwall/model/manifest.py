"""Model objects back to the mappings a manifest writes (for generated policies and lint fixes).

Keys come in the order the Kubernetes documentation writes them; nothing here
serialises (callers choose YAML or JSON).
"""

from __future__ import annotations

from typing import Any

from podwall.model.labels import LabelSelector, Operator
from podwall.model.policy import Direction, IPBlockPeer, Peer, PortSpec, Rule


def selector_manifest(selector: LabelSelector | None) -> dict[str, Any]:
    """A ``metav1.LabelSelector``: matchLabels (sorted), then matchExpressions as given; ``{}`` selects all."""
    result: dict[str, Any] = {}
    if selector is None:
        return result
    if selector.match_labels:
        result["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        expressions = []
        for requirement in selector.match_expressions:
            term: dict[str, Any] = {"key": requirement.key, "operator": requirement.operator.value}
            if requirement.operator in (Operator.IN, Operator.NOT_IN):
                term["values"] = list(requirement.values)
            expressions.append(term)
        result["matchExpressions"] = expressions
    return result


def peer_manifest(peer: Peer) -> dict[str, Any]:
    """A ``from``/``to`` item."""
    if isinstance(peer, IPBlockPeer):
        block: dict[str, Any] = {"cidr": str(peer.cidr)}
        if peer.excepts:
            block["except"] = [str(e) for e in peer.excepts]
        return {"ipBlock": block}
    result: dict[str, Any] = {}
    if peer.namespace_selector is not None:
        result["namespaceSelector"] = selector_manifest(peer.namespace_selector)
    if peer.pod_selector is not None:
        result["podSelector"] = selector_manifest(peer.pod_selector)
    return result


def port_manifest(spec: PortSpec) -> dict[str, Any]:
    """A ``ports`` entry."""
    result: dict[str, Any] = {"protocol": spec.protocol.value}
    if spec.port is not None:
        result["port"] = spec.port
    if spec.end_port is not None:
        result["endPort"] = spec.end_port
    return result


def rule_manifest(rule: Rule) -> dict[str, Any]:
    """An ingress or egress rule; ``{}`` admits everything."""
    result: dict[str, Any] = {}
    if rule.peers:
        result["from" if rule.direction is Direction.INGRESS else "to"] = [peer_manifest(p) for p in rule.peers]
    if rule.ports:
        result["ports"] = [port_manifest(p) for p in rule.ports]
    return result
