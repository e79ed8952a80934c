"""The connectivity matrix over pod classes, with bitsets instead of pod pairs.

For a probe p, with E(s) the classes a source class s may send to and I(d) the
classes a destination class d accepts from, traffic s -> d is allowed iff
d in E(s) and s in I(d). E is computed per distinct set of egress-isolating
policies; destinations are grouped by equal I, so the work is
classes x distinct-rule-sets, never pods x pods.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress
from operator import attrgetter
from typing import overload

from podwall._runtime import collector_paused
from podwall.engine.classes import LabelIndex, PodClasses, bits, lowest, mask_of, narrow, union
from podwall.engine.evaluate import namespace_labels
from podwall.engine.match import namespace_matches
from podwall.engine.options import Probe
from podwall.model import (
    Action,
    AdminPolicy,
    AdminRule,
    Cluster,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Labels,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
    Tier,
)


class ClassMatrix:
    """Allowed destination classes per (probe, source class)."""

    def __init__(self, cluster: Cluster, classes: PodClasses, labels: Mapping[str, Labels] | None = None) -> None:
        """``labels``: namespace labels for namespaceSelectors (default: the input's namespaces)."""
        self._classes = classes
        self._reps = classes.representatives
        self._all = classes.all
        self._ns_labels = dict(labels) if labels is not None else namespace_labels(cluster)
        # Cached sets are kept narrow (``narrow``): most are one namespace's classes, and at full
        # width each would cost as much as the cluster has classes (quadratic memory in all).
        # Selectors and peers are keyed by their fields as plain tuples (``_selector_key``).
        self._selector_cache: dict[tuple[str, tuple | None], tuple[int, int]] = {}
        self._peer_cache: dict[object, tuple[int, int]] = {}
        # Rules are keyed by their port list (a cluster writes few distinct ones): what a list
        # admits is resolved once per probe, for the current probe only (the matrix goes probe
        # by probe, and a cache over every (rule, probe) pair held a million entries at 100,000 pods).
        self._port_lists: list[tuple[PortSpec, ...]] = []
        self._list_of: dict[int, int] = {}  # id(rule) -> index in _port_lists, for every input rule
        self._ports_probe: Probe | None = None
        self._ports_cache: list[int | None] = []
        self._rule_peer_cache: dict[int, tuple[int, int]] = {}
        self._ns_cache: dict[tuple, list[str]] = {}
        # Each namespace's classes are consecutive (``partition``): namespace -> (first class, count).
        self._ns_span = {ns: (lowest(mask), mask.bit_count()) for ns, mask in classes.by_namespace.items()}
        self._ns_index: LabelIndex | None = None
        self._class_index: LabelIndex | None = None  # every class's labels, built when first selected
        self._anywhere_cache: dict[LabelSelector | None, dict[str, tuple[int, int]]] = {}
        self._pair_cache: dict[tuple[int, Direction, Probe], tuple[int, int]] = {}
        self._ingress: list[list[NetworkPolicy]] = [[] for _ in self._reps]
        self._egress: list[list[NetworkPolicy]] = [[] for _ in self._reps]
        picked_of: dict[int, list[int]] = {}  # id of a cached selection (alive in the cache) -> its classes
        for policy in cluster.policies:
            selection = self._select(policy.namespace, policy.pod_selector)
            low, selected = selection
            if selected:
                picked = picked_of.get(id(selection))
                if picked is None:
                    picked = picked_of[id(selection)] = [low + c for c in bits(selected)]
                if policy.isolates(Direction.INGRESS):
                    for c in picked:
                        self._ingress[c].append(policy)
                if policy.isolates(Direction.EGRESS):
                    for c in picked:
                        self._egress[c].append(policy)
        self._egress_groups = _group_classes(self._egress)
        self._ingress_groups = _group_classes(self._ingress)
        lists: dict[tuple, int] = {}  # a port list's fields as plain tuples (C hashing) -> its index
        every_port: list[int] = []
        self._rules = (*_rules(cluster.policies), *_rules(cluster.admin_policies))  # kept: ids key the caches
        for rule in self._rules:
            if rule.all_ports:
                every_port.append(id(rule))
            else:
                key = tuple(map(_PORT_FIELDS, rule.ports))
                index = lists.get(key)
                if index is None:
                    index = lists[key] = len(self._port_lists)
                    self._port_lists.append(rule.ports)
                self._list_of[id(rule)] = index
        self._list_of.update(dict.fromkeys(every_port, len(lists)))  # ALL: the index after the lists
        # The bulk path's rules by port list, so that a probe visits only the rules its port
        # admits: per list, (group, rule) for every rule of every group's policies (ALL: no ports).
        self._egress_by_list = self._by_list(self._egress_groups, Direction.EGRESS)
        self._ingress_by_list = self._by_list(self._ingress_groups, Direction.INGRESS)
        # Each ingress group's classes narrow, and the groups some ingress policy isolates; the group
        # (one at most) of the classes no policy isolates, per direction.
        self._ingress_narrow = [narrow(mask_of(members)) for _, members in self._ingress_groups]
        self._ingress_open = _open_group(self._ingress_groups)
        self._egress_open = _open_group(self._egress_groups)
        # Named ports: (name, protocol) -> port -> classes whose pods declare it so (first declaration wins).
        # (Classes listed first and made sets once: OR-ing bit after bit into a wide set costs its width.)
        named: dict[tuple[str, Protocol], dict[int, list[int]]] = {}
        for c, rep in enumerate(self._reps):
            if not isinstance(rep, Pod) or not rep.ports:
                continue
            seen: set[tuple[str, Protocol]] = set()
            for cp in rep.ports:
                key = (cp.name, cp.protocol)
                if cp.name and key not in seen:
                    seen.add(key)
                    named.setdefault(key, {}).setdefault(cp.port, []).append(c)
        self._named_table: dict[tuple[str, Protocol], dict[int, int]] = {
            key: {port: mask_of(listed) for port, listed in by_port.items()} for key, by_port in named.items()}
        # Admin tiers: per class, the policies whose subject selects it, in evaluation order.
        self._admin: list[list[AdminPolicy]] = [[] for _ in self._reps]
        self._baseline: list[list[AdminPolicy]] = [[] for _ in self._reps]
        self._tiered = bool(cluster.admin_policies)
        for admin in cluster.admin_policies:
            target = self._admin if admin.tier is Tier.ADMIN else self._baseline
            for c in bits(self.peer(admin.subject)):
                target[c].append(admin)

    # -- selector and peer sets ------------------------------------------------

    def select(self, namespace: str, selector: LabelSelector | None) -> int:
        """Non-host-network classes of a namespace matching a pod selector (None: all)."""
        low, small = self._select(namespace, selector)
        return small << low

    def _select(self, namespace: str, selector: LabelSelector | None, selector_key: tuple | None = None) -> tuple[int, int]:
        """``select``, narrow (cached); ``selector_key``: the selector's ``_selector_key`` when the caller has it."""
        if selector_key is None and selector is not None:
            selector_key = _selector_key(selector)
        key = (namespace, selector_key)
        found = self._selector_cache.get(key)
        if found is None:
            first, count = self._ns_span.get(namespace, (0, 0))
            index = self._labels_index()  # one index over every class, cut to the namespace's span
            local = 0  # built from the namespace's first class: narrow ints, not one as wide as the cluster per class
            reps = self._reps
            if index.exact(selector):  # every candidate matches: only host networking is left to see
                for c in index.candidates_in(selector, first, first + count):
                    if not reps[c].host_network:  # type: ignore[union-attr]  # only pods belong to a namespace
                        local |= 1 << (c - first)
            else:  # as ``_picks``, the selector being set
                matches = selector.matches  # type: ignore[union-attr]
                for c in index.candidates_in(selector, first, first + count):
                    rep = reps[c]
                    if not rep.host_network and matches(rep.labels):  # type: ignore[union-attr]
                        local |= 1 << (c - first)
            shift = lowest(local)
            found = self._selector_cache[key] = (first + shift, local >> shift) if local else (0, 0)
        return found

    def _labels_index(self) -> LabelIndex:
        """Every class's labels by position (an external address has none), built when first needed."""
        if self._class_index is None:
            self._class_index = LabelIndex([rep.labels if isinstance(rep, Pod) else {} for rep in self._reps])
        return self._class_index

    def select_anywhere(self, selector: LabelSelector | None) -> dict[str, int]:
        """``select`` in every namespace at once: namespace -> the classes the pod selector picks there, for
        the namespaces where it picks some (in class order). One index over all classes finds them, so the
        cost follows the selector's candidates, never the number of namespaces (cached per selector)."""
        found = self._anywhere_cache.get(selector)
        if found is None:
            picked: dict[str, list[int]] = {}
            for c in self._labels_index().candidates(selector):
                rep = self._reps[c]
                if isinstance(rep, Pod) and _picks(rep, selector):  # only pods belong to a namespace
                    picked.setdefault(rep.namespace, []).append(c)
            found = self._anywhere_cache[selector] = {ns: narrow(mask_of(cs)) for ns, cs in picked.items()}
        return {ns: small << low for ns, (low, small) in found.items()}

    def peer(self, peer: PodPeer | IPBlockPeer) -> int:
        """Classes one peer matches."""
        low, small = self._narrow_peer(peer)
        return small << low

    def _narrow_peer(self, peer: PodPeer | IPBlockPeer) -> tuple[int, int]:
        """``peer``, narrow (cached per peer: a peer hashes its selectors, so it is looked up once)."""
        pods = None
        if isinstance(peer, PodPeer):
            pods = None if peer.pod_selector is None else _selector_key(peer.pod_selector)
            key: object = (peer.namespace, pods,
                           None if peer.namespace_selector is None else _selector_key(peer.namespace_selector))
        else:
            key = peer
        found = self._peer_cache.get(key)
        if found is None:
            if isinstance(peer, IPBlockPeer):
                found = narrow(self._classes.ipblock_masks.get(peer, 0))
            else:
                names = self._namespaces(peer)
                if len(names) == 1:
                    found = self._select(names[0], peer.pod_selector, pods)
                else:  # namespaces in class order: their sets join from the lowest
                    found = union([self._select(ns, peer.pod_selector, pods) for ns in names])
            self._peer_cache[key] = found
        return found

    def _namespaces(self, peer: PodPeer) -> list[str]:
        """Namespaces (with pods, in class order) a peer's namespace half picks; cached per namespace selector."""
        if peer.namespace_selector is None:
            return [peer.namespace] if peer.namespace in self._classes.by_namespace else []
        key = _selector_key(peer.namespace_selector)
        found = self._ns_cache.get(key)
        if found is None:
            names = list(self._classes.by_namespace)
            if self._ns_index is None:
                self._ns_index = LabelIndex([self._ns_labels.get(ns, {}) for ns in names])
            found = [names[i] for i in self._ns_index.candidates(peer.namespace_selector)
                     if namespace_matches(peer, names[i], self._ns_labels)]
            self._ns_cache[key] = found
        return found

    def peers(self, rule: Rule | AdminRule) -> int:
        """Classes a rule's peers match (no peers: all)."""
        if rule.all_peers:
            return self._all
        low, small = self._narrow_peers(rule)
        return small << low

    def _narrow_peers(self, rule: Rule | AdminRule) -> tuple[int, int]:
        """A rule's peers, narrow (``narrow``); the rule must have peers. Cached per rule, without a
        copy for a rule of one peer (it shares the peer's own cached set)."""
        found = self._rule_peer_cache.get(id(rule))
        if found is None:
            if len(rule.peers) == 1:
                found = self._narrow_peer(rule.peers[0])
            else:
                found = union(sorted(self._narrow_peer(peer) for peer in rule.peers))
            if id(rule) in self._list_of:  # an input rule: alive as long as the matrix, so its id is its own
                self._rule_peer_cache[id(rule)] = found
        return found

    def _admits(self, rule: Rule | AdminRule, probe: Probe, peer: int, destination: int) -> bool:
        """Whether ``rule`` names class ``peer`` and its ports admit ``probe`` at class ``destination``."""
        if not rule.all_peers:
            low, small = self._narrow_peers(rule)
            if peer < low or not small >> (peer - low) & 1:
                return False
        return rule.all_ports or bool(self.ports(rule, probe) >> destination & 1)

    def ports(self, rule: Rule | AdminRule, probe: Probe) -> int:
        """Destination classes for which a rule's ports admit the probe (cached per port list and probe)."""
        if rule.all_ports:
            return self._all
        index = self._list_of.get(id(rule))
        if index is None:  # not one of the input's rules
            return self._list_ports(rule.ports, probe)
        if probe != self._ports_probe:
            self._ports_probe = probe
            self._ports_cache = [None] * len(self._port_lists)
        mask = self._ports_cache[index]
        if mask is None:
            mask = self._ports_cache[index] = self._list_ports(self._port_lists[index], probe)
        return mask

    def _list_masks(self, probe: Probe) -> list[int]:
        """What each port list admits on ``probe`` (indexed as ``_port_lists``; ALL, last, admits everything)."""
        if probe != self._ports_probe:
            self._ports_probe = probe
            self._ports_cache = [None] * len(self._port_lists)
        cache = self._ports_cache
        for index, mask in enumerate(cache):
            if mask is None:
                cache[index] = self._list_ports(self._port_lists[index], probe)
        return [*cache, self._all]  # type: ignore[list-item]

    def port_signature(self, probe: Probe) -> tuple[int, ...]:
        """What every port list of the input admits on ``probe``: probes with equal signatures are
        judged alike by every rule, so their matrices are equal."""
        return tuple(self._list_masks(probe)[:-1])

    def _list_ports(self, ports: tuple[PortSpec, ...], probe: Probe) -> int:
        mask = 0
        for spec in ports:
            if spec.protocol is not probe.protocol:
                continue
            if isinstance(spec.port, str):
                mask |= self._named(spec.port, probe)
            elif spec.port is None or _numeric_admits(spec, probe.port):
                return self._all
        return mask

    def _named(self, name: str, probe: Probe) -> int:
        """Classes whose pods resolve the named port to the probe's port (SEMANTICS.md, Ports)."""
        return self._named_table.get((name, probe.protocol), {}).get(probe.port, 0)

    def isolating(self, direction: Direction) -> list[list[NetworkPolicy]]:
        """Per class, the NetworkPolicies that select it with ``direction`` in their types (input order)."""
        return self._ingress if direction is Direction.INGRESS else self._egress

    # -- one flow at a time --------------------------------------------------------
    #
    # What ``allowed`` computes for all classes at once, asked for one pair: the same
    # rules, peers, ports and tiers (the bulk path ORs ``peers(rule) & ports(rule)``
    # where this tests one bit of each), for callers that look at a few flows (lint).

    def egress_allows(self, source: int, destination: int, probe: Probe) -> bool:
        """Whether class ``source``'s egress side lets it send to class ``destination`` on ``probe``."""
        if self._tiered:
            return bool(self._tiered_pair(source, Direction.EGRESS, probe) >> destination & 1)
        policies = self._egress[source]
        return not policies or any(
            self._admits(rule, probe, destination, destination) for policy in policies for rule in policy.egress
        )

    def ingress_allows(self, destination: int, source: int, probe: Probe) -> bool:
        """Whether class ``destination``'s ingress side accepts class ``source`` on ``probe``."""
        if self._tiered:
            return bool(self._tiered_pair(destination, Direction.INGRESS, probe) >> source & 1)
        policies = self._ingress[destination]
        return not policies or any(
            self._admits(rule, probe, source, destination) for policy in policies for rule in policy.ingress
        )

    def egress_key(self, source: int) -> tuple[tuple[int, ...], ...]:
        """What a class's egress side depends on (the policies of each tier that pick it): equal keys,
        equal egress verdicts."""
        key = (tuple(id(p) for p in self._egress[source]),)
        if self._tiered:
            key += (tuple(id(p) for p in self._admin[source]), tuple(id(p) for p in self._baseline[source]))
        return key

    def accepted(self, destination: int, probe: Probe) -> int:
        """The classes ``destination``'s ingress side accepts on ``probe``."""
        if self._tiered:
            return self._tiered_pair(destination, Direction.INGRESS, probe)
        side = self._np_side(destination, Direction.INGRESS, probe)
        return self._all if side is None else side

    def _tiered_pair(self, c: int, direction: Direction, probe: Probe) -> int:
        """One class's whole side through every tier (cached narrow, per class and probe)."""
        key = (c, direction, probe)
        found = self._pair_cache.get(key)
        if found is None:
            side = self._tiered_side(c, direction, probe, self._np_side(c, direction, probe))
            found = self._pair_cache[key] = narrow(side)
        return found[1] << found[0]

    def _np_side(self, c: int, direction: Direction, probe: Probe) -> int | None:
        """The NetworkPolicy tier of one class's side: the peers its rules admit, None when not isolated."""
        policies = self._ingress[c] if direction is Direction.INGRESS else self._egress[c]
        if not policies:
            return None
        mask = 0
        for policy in policies:
            for rule in policy.rules(direction):
                if direction is Direction.EGRESS:
                    mask |= self.peers(rule) & self.ports(rule, probe)
                elif self.ports(rule, probe) >> c & 1:
                    mask |= self.peers(rule)
        return mask

    # -- the matrix --------------------------------------------------------------

    def _tier(self, policies: list[AdminPolicy], direction: Direction, probe: Probe, undecided: int,
              d: int | None) -> tuple[int, int, int]:
        """Run admin-tier rules over ``undecided`` peers: (allowed, denied-or-decided, passed).

        For egress the masks are destinations (ports resolve per destination); for
        ingress (``d`` given) they are sources and ports resolve on ``d``.
        """
        allow = passed = 0
        for policy in policies:
            for rule in policy.rules(direction):
                if d is None:
                    matched = self.peers(rule) & self.ports(rule, probe) & undecided
                elif self.ports(rule, probe) >> d & 1:
                    matched = self.peers(rule) & undecided
                else:
                    continue
                if not matched:
                    continue
                undecided &= ~matched
                if rule.action is Action.ALLOW:
                    allow |= matched
                elif rule.action is Action.PASS:
                    passed |= matched
        return allow, undecided, passed

    def _tiered_side(self, c: int, direction: Direction, probe: Probe, np_mask: int | None) -> int:
        """Admin tier, then NetworkPolicy (``np_mask``, None when not isolated), then Baseline."""
        d = c if direction is Direction.INGRESS else None
        allow, undecided, passed = self._tier(self._admin[c], direction, probe, self._all, d)
        rest = undecided | passed
        if np_mask is not None:
            return allow | (rest & np_mask)
        base_allow, base_undecided, base_passed = self._tier(self._baseline[c], direction, probe, rest, d)
        return allow | base_allow | base_undecided | base_passed

    def allowed(self, probe: Probe) -> Rows:
        """For each source class, the bitset of destination classes it may reach."""
        if self._tiered:
            sends, wide = self._sides_tiered(probe)
            senders = [s for s, (_, send) in enumerate(sends) if send]
            sending = mask_of(senders)
            accept_groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
            for sources, dests in wide.items():
                accept_groups.setdefault(narrow(sources & sending), []).append(narrow(dests))
        else:
            sends, accept_groups, senders, sending = self._sides(probe)
        # Destination groups partition the classes, so each source's reachable set is
        # assembled from per-group contributions; a group accepting most senders is
        # added to everyone and taken back from the few it refuses (exact, because no
        # other group holds those destinations). Work: sum of min(|accepted|, |refused|).
        # Only the classes that send anything on this probe have a row to assemble (most
        # probes: a few hundred of thousands), and the source sets count only them.
        # The contributions are listed per source and joined one source at a time, so
        # no full-width set per source is held (that was most of the memory at scale).
        # Sources and destinations are narrow (``narrow``): a contribution is cut to the
        # source's send set where it lands, never widened to the cluster's width.
        count = len(senders)
        base_parts: list[tuple[int, int]] = []
        add: dict[int, list[list[tuple[int, int]]]] = {}  # per source, lists of destination parts
        remove: dict[int, list[list[tuple[int, int]]]] = {}
        for (low, sources), dests in accept_groups.items():  # sources within ``sending``
            if sources.bit_count() * 2 <= count:
                for s in bits(sources):
                    found = add.get(low + s)
                    if found is None:
                        add[low + s] = [dests]
                    else:
                        found.append(dests)
            else:
                base_parts.extend(dests)
                for s in bits(sending & ~(sources << low)):
                    remove.setdefault(s, []).append(dests)
        low, base = union(sorted(base_parts))
        base <<= low
        # Sources with nothing added or removed share one result per distinct send set. Rows are
        # cut to the send set's span (never shifted back to full width).
        shared: dict[int, tuple[int, int]] = {}
        rows = Rows.empty(len(sends))
        for s in senders:
            narrowed = sends[s]
            low, send = narrowed
            extra = add.get(s)
            less = remove.get(s)
            if extra is not None or less is not None:
                accepted = base
                if less is not None:
                    for dests in less:
                        for part_low, part in dests:
                            accepted &= ~(part << part_low)
                reached = (accepted >> low) & send
                if extra is not None:
                    span = send.bit_length()
                    for dests in extra:
                        for part_low, part in dests:  # each part brought into the send set's frame
                            if part_low < low:
                                reached |= (part >> (low - part_low)) & send
                            elif part_low - low < span:
                                reached |= (part << (part_low - low)) & send
                rows.put(s, *rows.narrowed(low, reached))
            else:
                found = shared.get(id(narrowed))  # one tuple per send set (its int may be a cached small int)
                if found is None:
                    found = shared[id(narrowed)] = rows.narrowed(low, (base >> low) & send)
                rows.put(s, *found)
        return rows

    def _by_list(self, groups: list[tuple[list[NetworkPolicy], list[int]]],
                 direction: Direction) -> list[list[tuple[int, Rule]]]:
        """Per port list (and ALL, last), the (group, rule) pairs of the groups' rules that use it."""
        by_list: list[list[tuple[int, Rule]]] = [[] for _ in range(len(self._port_lists) + 1)]
        list_of = self._list_of
        rules_of = attrgetter("ingress" if direction is Direction.INGRESS else "egress")  # policy.rules(direction)
        for g, (policies, _) in enumerate(groups):
            for policy in policies:
                for rule in rules_of(policy):
                    by_list[list_of[id(rule)]].append((g, rule))
        return by_list

    def _sides(
        self, probe: Probe
    ) -> tuple[list[tuple[int, int]], dict[tuple[int, int], list[tuple[int, int]]], list[int], int]:
        """NetworkPolicy only: per source class what it may send to (narrow, shared per group);
        destinations grouped by the senders they accept; the classes that send anything (in order),
        and as a set.

        Classes selected by the same policies are handled together: egress once per
        group; ingress once per group, split only where a named port resolves to the
        probe on some of the group's classes and not on others. Only the rules whose
        port list admits the probe somewhere are visited, and on the ingress side only
        for the classes that send on this probe: on most probes few do.
        """
        masks = self._list_masks(probe)
        every = self._all
        resolved = self._rule_peer_cache.get
        # Egress: a group's send set is its visited rules' peers, each within its ports. Most groups
        # have one such rule whose port list admits the probe everywhere: then the rule's cached
        # peers are the group's send set as they are, shared with every group naming them.
        # (The rules are walked inline, not through a generator: some thousands per probe.)
        sent_parts: list[tuple[int, tuple[int, int]]] = []  # (group, part) of each rule that sends somewhere
        for ports, users in zip(masks, self._egress_by_list):
            if not ports:
                continue
            everywhere = ports == every
            for g, rule in users:
                part = resolved(id(rule))
                if part is None:
                    part = (0, every) if rule.all_peers else self._narrow_peers(rule)
                if not everywhere:
                    part = (part[0], part[1] & (ports >> part[0]))
                if part[1]:
                    sent_parts.append((g, part))
        sent = _per_group(sent_parts)
        sends: list[tuple[int, int]] = [(0, 0)] * len(self._reps)  # isolated, nothing admitted
        senders: list[int] = []
        if self._egress_open is not None:  # the classes no egress policy selects send anywhere
            members = self._egress_groups[self._egress_open][1]
            send = narrow(every)
            for c in members:
                sends[c] = send
            senders.extend(members)
        for g, send in sent.items():
            members = self._egress_groups[g][1]
            for c in members:
                sends[c] = send
            senders.extend(members)
        senders.sort()
        sending = mask_of(senders)
        # Ingress, per group: the senders its rules accept at each of its classes. A rule whose port
        # list admits the probe at all of the group's classes widens them all alike (``whole``); the
        # others (named ports resolving on some classes only) split the group. Rules naming no
        # sender change no row and are passed over. Sets of senders are narrow (``narrow``), cut
        # to the senders where not every class sends: no set as wide as the cluster per rule.
        whole_parts: list[tuple[int, tuple[int, int]]] = []  # (group, senders) of each rule widening its whole group
        partial: dict[int, list[tuple[int, int]]] = {}
        narrow_groups = self._ingress_narrow
        everyone = sending == every
        for ports, users in zip(masks, self._ingress_by_list):
            if not ports:
                continue
            everywhere = ports == every
            for g, rule in users:
                part = resolved(id(rule))
                if part is None:
                    part = (0, every) if rule.all_peers else self._narrow_peers(rule)
                if not everyone:
                    low = part[0]
                    small = part[1] & (sending >> low)
                    if not small:
                        continue
                    part = (low, small)
                elif not part[1]:
                    continue
                if not everywhere:
                    low, group = narrow_groups[g]
                    eligible = (ports >> low) & group
                    if eligible != group:
                        if eligible:
                            partial.setdefault(g, []).append((eligible, part[1] << part[0]))
                        continue
                whole_parts.append((g, part))
        whole = _per_group(whole_parts)
        # Destinations grouped by the senders they accept: narrow senders -> the destination
        # groups (narrow) accepting exactly them. Isolated classes no rule admits a sender to on
        # this probe accept no one, and so contribute to no row: they are left out.
        accept_groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
        if self._ingress_open is not None:  # the classes no ingress policy selects accept every sender
            accept_groups[narrow(sending)] = [narrow_groups[self._ingress_open]]
        for g, rules in partial.items():
            low, group = narrow_groups[g]
            found = whole.pop(g, None)
            parts = {0 if found is None else found[1] << found[0]: group}  # sources -> destinations accepting exactly them
            for eligible, peers in rules:
                split: dict[int, int] = {}
                for sources, dests in parts.items():
                    inside = dests & eligible
                    if dests != inside:
                        split[sources] = split.get(sources, 0) | (dests ^ inside)
                    if inside:
                        widened = sources | peers
                        split[widened] = split.get(widened, 0) | inside
                parts = split
            for sources, dests in parts.items():
                accept_groups.setdefault(narrow(sources), []).append((low, dests))
        for g, part in whole.items():
            low, small = part
            if not small & 1:  # a part cut to the senders: narrowed again, so that equal sets meet
                shift = (small & -small).bit_length() - 1
                part = (low + shift, small >> shift)
            found_groups = accept_groups.get(part)
            if found_groups is None:
                accept_groups[part] = [narrow_groups[g]]
            else:
                found_groups.append(narrow_groups[g])
        return sends, accept_groups, senders, sending

    def _sides_tiered(self, probe: Probe) -> tuple[list[tuple[int, int]], dict[int, int]]:
        """With admin tiers: the same two sides, class by class through Admin, NetworkPolicy, Baseline."""
        egress_cache: dict[tuple[int, ...], int | None] = {}
        sends: list[tuple[int, int]] = []
        for s, policies in enumerate(self._egress):
            key = tuple(id(p) for p in policies)  # the NetworkPolicy tier depends on these alone
            if key not in egress_cache:
                egress_cache[key] = self._np_side(s, Direction.EGRESS, probe)
            sends.append(narrow(self._tiered_side(s, Direction.EGRESS, probe, egress_cache[key])))
        accept_groups: dict[int, int] = {}
        for d in range(len(self._reps)):
            sources = self._tiered_side(d, Direction.INGRESS, probe, self._np_side(d, Direction.INGRESS, probe))
            accept_groups[sources] = accept_groups.get(sources, 0) | (1 << d)
        return sends, accept_groups


#: The fields that make two port specs, requirements equal (their dataclasses compare exactly these).
_PORT_FIELDS = attrgetter("protocol", "port", "end_port")
_REQUIREMENT_FIELDS = attrgetter("key", "operator", "values")


def _selector_key(selector: LabelSelector) -> tuple:
    """A selector's fields as plain tuples: equal exactly when the selectors are, and hashed and
    compared in C (a frozen dataclass's ``__hash__`` and ``__eq__`` run Python code, per selector and
    per requirement, at each look-up of the tens of thousands a large cluster makes)."""
    return selector.match_labels, tuple(map(_REQUIREMENT_FIELDS, selector.match_expressions))


def _per_group(parts: list[tuple[int, tuple[int, int]]]) -> dict[int, tuple[int, int]]:
    """Each group's parts (narrow sets) joined: a group with one part keeps it as it is (shared with the
    rule's cached peers); several are joined once, at the end (``union``)."""
    joined: dict[int, tuple[int, int]] = {}
    more: dict[int, list[tuple[int, int]]] = {}
    for g, part in parts:
        found = joined.get(g)
        if found is None:
            joined[g] = part
        elif g in more:
            more[g].append(part)
        else:
            more[g] = [found, part]
    for g, many in more.items():
        joined[g] = union(sorted(many))
    return joined


def _picks(rep: Pod, selector: LabelSelector | None) -> bool:
    """Whether a pod selector (None: every pod) picks a class by its representative: never host-network pods."""
    return not rep.host_network and (selector is None or selector.matches(rep.labels))


def _group_classes(per_class: list[list[NetworkPolicy]]) -> list[tuple[list[NetworkPolicy], list[int]]]:
    """Classes selected by the same policies, as (policies, classes in order)."""
    groups: dict[tuple[int, ...], tuple[list[NetworkPolicy], list[int]]] = {}
    for c, policies in enumerate(per_class):
        key = tuple(map(id, policies))
        found = groups.get(key)
        if found is None:
            found = groups[key] = (policies, [])
        found[1].append(c)
    return list(groups.values())


def _open_group(groups: list[tuple[list[NetworkPolicy], list[int]]]) -> int | None:
    """The index of the group no policy selects, if there is one."""
    return next((g for g, (policies, _) in enumerate(groups) if not policies), None)


def _rules(policies: Iterable[NetworkPolicy | AdminPolicy]) -> Iterator[Rule | AdminRule]:
    for policy in policies:
        yield from policy.ingress
        yield from policy.egress


def _numeric_admits(spec: PortSpec, port: int) -> bool:
    end = spec.end_port if spec.end_port is not None else spec.port
    return spec.port <= port <= end  # type: ignore[operator]


class Rows(Sequence[int]):
    """One probe's matrix: ``rows[s]`` is the bitset of classes source class ``s`` may reach.

    Stored narrow (``narrow``: from each row's lowest bit, equal rows sharing one
    int): a large cluster's rows hold a few classes each, far from class 0, so
    full-width ints made the kept matrix grow with the square of the cluster
    (169 MB at 100,000 pods; a few MB narrow).
    """

    __slots__ = ("_low", "_bits", "_shared")

    def __init__(self, rows: Iterable[int] = ()) -> None:
        self._low = array("q")
        self._bits: list[int] = []
        self._shared: dict[int, int] = {}
        for mask in rows:
            self.append(mask)

    def append(self, mask: int) -> None:
        """Add the next source's row."""
        self.push(*self.narrowed(0, mask))

    def narrowed(self, low: int, mask: int) -> tuple[int, int]:
        """The set ``mask << low`` as a row is kept: narrow, its int shared with equal rows."""
        if not mask:
            return 0, 0
        shift = lowest(mask)
        small = mask >> shift
        return low + shift, self._shared.setdefault(small, small)

    def push(self, low: int, small: int) -> None:
        """Add the next source's row, already ``narrowed``."""
        self._low.append(low)
        self._bits.append(small)

    @classmethod
    def empty(cls, count: int) -> Rows:
        """``count`` sources that reach nothing, rows to be ``put``."""
        rows = cls()
        rows._low = array("q", bytes(8 * count))
        rows._bits = [0] * count
        return rows

    def put(self, source: int, low: int, small: int) -> None:
        """Set ``source``'s row, already ``narrowed``."""
        self._low[source] = low
        self._bits[source] = small

    def __len__(self) -> int:
        return len(self._bits)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._bits[index] << self._low[index]

    def row(self, source: int) -> tuple[int, int]:
        """``source``'s row narrow: ``(low, bits)`` with ``bits << low`` the set."""
        return self._low[source], self._bits[source]

    def nonempty(self) -> Iterator[int]:
        """The sources that reach some class, lowest first."""
        return compress(range(len(self._bits)), self._bits)

    def reachable(self, source: int) -> Iterator[int]:
        """The classes ``source`` may reach, lowest first (without building the full-width set)."""
        low = self._low[source]
        return (low + c for c in bits(self._bits[source]))


Progress = Callable[[int, int], None]


def class_matrix(
    cluster: Cluster, classes: PodClasses, probes: Sequence[Probe], progress: Progress | None = None
) -> dict[Probe, Rows]:
    """The allowed bitsets for every probe; ``progress(done, total)`` after each probe.

    Probes that every port list of the input admits alike share one (equal) matrix.
    """
    result: dict[Probe, Rows] = {}
    with collector_paused():
        matrix = ClassMatrix(cluster, classes)
        alike: dict[tuple[int, ...], Rows] = {}
        for done, probe in enumerate(probes, start=1):
            signature = matrix.port_signature(probe)
            rows = alike.get(signature)
            if rows is None:
                rows = alike[signature] = matrix.allowed(probe)
            result[probe] = rows
            if progress is not None:
                progress(done, len(probes))
    return result
