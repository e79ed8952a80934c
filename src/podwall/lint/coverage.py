"""Sound, syntactic "covers" relations: if ``covers(a, b)`` then everything ``b`` admits, ``a`` admits.

Used by PW218 to find redundant rules without looking at pods: the answer
must not change when pods come and go. Every check errs towards "does not
cover" (a false "redundant" would make someone delete a needed rule).
"""

from __future__ import annotations

from collections.abc import Mapping

from podwall.model import IPBlockPeer, LabelSelector, Labels, Operator, Peer, PortSpec, Requirement, Rule


def _implied(term: Requirement, specific: LabelSelector) -> bool:
    """Whether every label set matching ``specific`` satisfies ``term``."""
    if term in specific.match_expressions:
        return True
    labels = dict(specific.match_labels)
    if term.operator is Operator.EXISTS:
        return term.key in labels or any(
            r.key == term.key and r.operator in (Operator.IN, Operator.EXISTS) for r in specific.match_expressions
        )
    if term.operator is Operator.IN:
        if labels.get(term.key) in term.values:
            return True
        return any(
            r.key == term.key and r.operator is Operator.IN and set(r.values) <= set(term.values)
            for r in specific.match_expressions
        )
    if term.operator is Operator.NOT_IN:
        if term.key in labels:
            return labels[term.key] not in term.values
        return any(
            r.key == term.key
            and (r.operator is Operator.DOES_NOT_EXIST or (r.operator is Operator.NOT_IN and set(term.values) <= set(r.values)))
            for r in specific.match_expressions
        )
    # DOES_NOT_EXIST: only an identical term (checked above) implies it
    return False


def selector_covers(general: LabelSelector | None, specific: LabelSelector | None) -> bool:
    """Whether every label set ``specific`` matches is matched by ``general`` (None: matches all)."""
    if general is None or general.is_empty:
        return True
    if specific is None:
        return False
    labels = dict(specific.match_labels)
    if any(labels.get(k) != v and Requirement(k, Operator.IN, (v,)) not in specific.match_expressions for k, v in general.match_labels):
        return False
    return all(_implied(term, specific) for term in general.match_expressions)


def peer_covers(general: Peer, specific: Peer, ns_labels: Mapping[str, Labels]) -> bool:
    """Whether ``general`` matches every endpoint ``specific`` matches."""
    if isinstance(general, IPBlockPeer) or isinstance(specific, IPBlockPeer):
        if not (isinstance(general, IPBlockPeer) and isinstance(specific, IPBlockPeer)):
            return False
        if general.cidr.version != specific.cidr.version or not specific.cidr.subnet_of(general.cidr):  # type: ignore[arg-type]
            return False
        return all(
            not hole.overlaps(specific.cidr) or any(hole.subnet_of(own) for own in specific.excepts)  # type: ignore[arg-type]
            for hole in general.excepts
        )
    if not selector_covers(general.pod_selector, specific.pod_selector):
        return False
    if general.namespace_selector is None:
        return specific.namespace_selector is None and specific.namespace == general.namespace
    if specific.namespace_selector is None:
        return general.namespace_selector.matches(ns_labels.get(specific.namespace, {}))
    return selector_covers(general.namespace_selector, specific.namespace_selector)


def port_covers(general: PortSpec, specific: PortSpec) -> bool:
    """Whether ``general`` admits every port ``specific`` admits (on any pod)."""
    if general.protocol is not specific.protocol:
        return False
    if general.port is None:
        return True
    if specific.port is None:
        return False
    if isinstance(general.port, str) or isinstance(specific.port, str):
        return general.port == specific.port and general.end_port is None and specific.end_port is None
    g_end = general.end_port if general.end_port is not None else general.port
    s_end = specific.end_port if specific.end_port is not None else specific.port
    return general.port <= specific.port and s_end <= g_end


def rule_covers(general: Rule, specific: Rule, ns_labels: Mapping[str, Labels]) -> bool:
    """Whether ``general`` admits every (peer, port) ``specific`` admits."""
    if not general.all_peers:
        if specific.all_peers:
            return False
        if not all(any(peer_covers(g, s, ns_labels) for g in general.peers) for s in specific.peers):
            return False
    if general.all_ports:
        return True
    if specific.all_ports:
        return False
    return all(any(port_covers(g, s) for g in general.ports) for s in specific.ports)

