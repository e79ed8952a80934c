"""Sound, syntactic "covers" relations: if ``covers(a, b)`` then everything ``b`` admits, ``a`` admits.

Used by PW218 to find redundant rules without looking at pods: the answer
must not change when pods come and go. Every check errs towards "does not
cover" (a false "redundant" would make someone delete a needed rule).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

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



# -- indexes: which candidates may cover, without trying every pair -----------------------------
#
# Each "covers" relation above needs ``general`` to spell out something that ``specific`` also
# says: a matchLabels pair, a label key, a cidr containing the other's, a port. ``*_anchor(general)``
# picks one such thing (None: ``general`` needs nothing, it may cover anything) and ``*_keys(specific)``
# lists every anchor a covering ``general`` could have, so the candidates are looked up, not scanned.


def selector_anchor(general: LabelSelector | None) -> tuple[str, ...] | None:
    """A term every selector ``general`` covers must spell out; None when ``general`` needs none."""
    if general is None or general.is_empty:
        return None
    if general.match_labels:
        key, value = general.match_labels[0]
        return ("kv", key, value)
    for term in general.match_expressions:
        if term.operator in (Operator.IN, Operator.EXISTS):
            return ("key", term.key)
    return None  # NotIn / DoesNotExist only: also met by a missing key


def selector_keys(specific: LabelSelector | None) -> set[tuple[str, ...] | None]:
    """Every anchor of a selector covering ``specific`` (None included: the anchor-free ones)."""
    keys: set[tuple[str, ...] | None] = {None}
    if specific is None:
        return keys
    for key, value in specific.match_labels:
        keys.update((("kv", key, value), ("key", key)))
    for term in specific.match_expressions:
        keys.add(("key", term.key))
        if term.operator is Operator.IN and len(term.values) == 1:
            keys.add(("kv", term.key, term.values[0]))
    return keys


def labels_keys(labels: Labels) -> set[tuple[str, ...] | None]:
    """Every anchor of a selector matching this label set."""
    keys: set[tuple[str, ...] | None] = {None}
    for key, value in labels.items():
        keys.update((("kv", key, value), ("key", key)))
    return keys


def peer_anchor(general: Peer) -> tuple[object, ...] | None:
    """What every peer ``general`` covers shares with it (``peer_covers``)."""
    if isinstance(general, IPBlockPeer):
        return ("ip", general.cidr)
    pods = selector_anchor(general.pod_selector)
    if pods is not None:
        return ("pods", pods)
    if general.namespace_selector is None:
        return ("own", general.namespace)
    spaces = selector_anchor(general.namespace_selector)
    return None if spaces is None else ("spaces", spaces)


def peer_keys(specific: Peer, ns_labels: Mapping[str, Labels]) -> set[tuple[object, ...] | None]:
    """Every anchor of a peer covering ``specific``."""
    keys: set[tuple[object, ...] | None] = {None}
    if isinstance(specific, IPBlockPeer):
        cidr = specific.cidr
        keys.update(("ip", cidr.supernet(new_prefix=n)) for n in range(cidr.prefixlen + 1))
        return keys
    keys.update(("pods", k) for k in selector_keys(specific.pod_selector) if k is not None)
    if specific.namespace_selector is None:
        keys.add(("own", specific.namespace))
        spaces = labels_keys(ns_labels.get(specific.namespace, {}))
    else:
        spaces = selector_keys(specific.namespace_selector)
    keys.update(("spaces", k) for k in spaces if k is not None)
    return keys


def _port_anchor(general: PortSpec) -> tuple[object, ...]:
    if general.port is None:
        return ("all", general.protocol)
    if isinstance(general.port, str):
        return ("named", general.protocol, general.port)
    if general.end_port is None:
        return ("num", general.protocol, general.port)
    return ("range", general.protocol)


def _port_keys(specific: PortSpec) -> set[tuple[object, ...]]:
    keys: set[tuple[object, ...]] = {("all", specific.protocol)}
    if isinstance(specific.port, str):
        keys.add(("named", specific.protocol, specific.port))
    elif specific.port is not None:
        keys.update((("num", specific.protocol, specific.port), ("range", specific.protocol)))
    return keys


#: Past this many (peer, port) anchor pairs a rule is filed by its peers alone.
MAX_PAIRS = 64


def rule_anchors(general: Rule) -> set[tuple[object, object]]:
    """Anchors of a rule, as (peer anchor, port anchor) pairs; None in a place: nothing needed there.

    A rule covering ``specific`` has a peer covering its first peer and a port
    covering its first port (``rule_covers``): the pair of their anchors.
    """
    peers = {None} if general.all_peers else {peer_anchor(p) for p in general.peers}
    if None in peers:
        peers = {None}
    ports = {None} if general.all_ports else {_port_anchor(p) for p in general.ports}
    if len(peers) * len(ports) > MAX_PAIRS:
        return {(None, q) for q in ports} if peers == {None} else {(p, None) for p in peers}
    return {(p, q) for p in peers for q in ports}


def rule_keys(specific: Rule, ns_labels: Mapping[str, Labels]) -> set[tuple[object, object]]:
    """Every anchor of a rule covering ``specific``."""
    peers: set[object] = {None} if specific.all_peers else peer_keys(specific.peers[0], ns_labels)  # type: ignore[assignment]
    ports: set[object] = {None} if specific.all_ports else {None, *_port_keys(specific.ports[0])}
    return {(p, q) for p in peers for q in ports}


T = TypeVar("T")


class AnchorIndex(Generic[T]):
    """Items filed under their anchors; ``candidates(keys)`` yields those filed under any key, in filing order.

    Items must be added in increasing ``order``; an item filed under several of
    the keys asked for comes once.
    """

    def __init__(self) -> None:
        self._buckets: dict[Hashable, list[tuple[tuple[int, ...], T]]] = {}

    def add(self, anchors: Iterable[Hashable], order: tuple[int, ...], item: T) -> None:
        """File ``item`` under each anchor."""
        for anchor in anchors:
            self._buckets.setdefault(anchor, []).append((order, item))

    def candidates(self, keys: Collection[Hashable]) -> Iterator[T]:
        """Items filed under any of ``keys``, lazily merged in filing order."""
        if len(self._buckets) < len(keys):
            buckets = [b for k, b in self._buckets.items() if k in keys]
        else:
            buckets = [b for b in (self._buckets.get(k) for k in keys) if b]
        last: tuple[int, ...] | None = None
        for order, item in heapq.merge(*buckets, key=lambda entry: entry[0]):
            if order != last:
                last = order
                yield item
