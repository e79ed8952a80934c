"""The connectivity matrix over pod classes, with bitsets instead of pod pairs.

For a probe p, with E(s) the classes a source class s may send to and I(d) the
classes a destination class d accepts from, traffic s -> d is allowed iff
d in E(s) and s in I(d). E is computed per distinct set of egress-isolating
policies; destinations are grouped by equal I, so the work is
classes x distinct-rule-sets, never pods x pods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from podwall._runtime import collector_paused
from podwall.engine.classes import PodClasses, bits
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

    def __init__(self, cluster: Cluster, classes: PodClasses) -> None:
        self._classes = classes
        self._reps = classes.representatives
        self._all = classes.all
        self._ns_labels = namespace_labels(cluster)
        self._selector_cache: dict[tuple[str, LabelSelector | None], int] = {}
        self._peer_cache: dict[object, int] = {}
        self._ports_cache: dict[tuple[int, Probe], int] = {}
        self._rule_peer_cache: dict[int, int] = {}
        self._ns_cache: dict[LabelSelector, list[str]] = {}
        self._ingress: list[list[NetworkPolicy]] = [[] for _ in self._reps]
        self._egress: list[list[NetworkPolicy]] = [[] for _ in self._reps]
        for policy in cluster.policies:
            selected = self._select(policy.namespace, policy.pod_selector)
            for c in bits(selected):
                if policy.isolates(Direction.INGRESS):
                    self._ingress[c].append(policy)
                if policy.isolates(Direction.EGRESS):
                    self._egress[c].append(policy)
        self._egress_groups = _group_classes(self._egress)
        self._ingress_groups = _group_classes(self._ingress)
        # Named ports: (name, protocol) -> port -> classes whose pods declare it so (first declaration wins).
        self._named_table: dict[tuple[str, Protocol], dict[int, int]] = {}
        for c, rep in enumerate(self._reps):
            if not isinstance(rep, Pod):
                continue
            seen: set[tuple[str, Protocol]] = set()
            for cp in rep.ports:
                key = (cp.name, cp.protocol)
                if cp.name and key not in seen:
                    seen.add(key)
                    by_port = self._named_table.setdefault(key, {})
                    by_port[cp.port] = by_port.get(cp.port, 0) | (1 << c)
        # Admin tiers: per class, the policies whose subject selects it, in evaluation order.
        self._admin: list[list[AdminPolicy]] = [[] for _ in self._reps]
        self._baseline: list[list[AdminPolicy]] = [[] for _ in self._reps]
        self._tiered = bool(cluster.admin_policies)
        for admin in cluster.admin_policies:
            target = self._admin if admin.tier is Tier.ADMIN else self._baseline
            for c in bits(self._peer(admin.subject)):
                target[c].append(admin)

    # -- selector and peer sets ------------------------------------------------

    def _select(self, namespace: str, selector: LabelSelector | None) -> int:
        """Non-host-network classes of a namespace matching a pod selector (None: all)."""
        key = (namespace, selector)
        mask = self._selector_cache.get(key)
        if mask is None:
            mask = 0
            for c in bits(self._classes.by_namespace.get(namespace, 0)):
                rep = self._reps[c]
                assert isinstance(rep, Pod)  # only pods belong to a namespace
                if not rep.host_network and (selector is None or selector.matches(rep.labels)):
                    mask |= 1 << c
            self._selector_cache[key] = mask
        return mask

    def _peer(self, peer: PodPeer | IPBlockPeer) -> int:
        mask = self._peer_cache.get(peer)
        if mask is None:
            if isinstance(peer, IPBlockPeer):
                mask = self._classes.ipblock_masks.get(peer, 0)
            else:
                mask = 0
                for ns in self._namespaces(peer):
                    mask |= self._select(ns, peer.pod_selector)
            self._peer_cache[peer] = mask
        return mask

    def _namespaces(self, peer: PodPeer) -> list[str]:
        """Namespaces (with pods) a peer's namespace half picks; cached per namespace selector."""
        if peer.namespace_selector is None:
            return [peer.namespace] if peer.namespace in self._classes.by_namespace else []
        found = self._ns_cache.get(peer.namespace_selector)
        if found is None:
            found = [ns for ns in self._classes.by_namespace if namespace_matches(peer, ns, self._ns_labels)]
            self._ns_cache[peer.namespace_selector] = found
        return found

    def peers(self, rule: Rule | AdminRule) -> int:
        """Classes a rule's peers match (no peers: all)."""
        if rule.all_peers:
            return self._all
        mask = self._rule_peer_cache.get(id(rule))
        if mask is None:
            mask = 0
            for peer in rule.peers:
                mask |= self._peer(peer)
            self._rule_peer_cache[id(rule)] = mask
        return mask

    def ports(self, rule: Rule | AdminRule, probe: Probe) -> int:
        """Destination classes for which a rule's ports admit the probe (cached per rule and probe)."""
        if rule.all_ports:
            return self._all
        key = (id(rule), probe)
        mask = self._ports_cache.get(key)
        if mask is None:
            mask = self._ports_cache[key] = self._rule_ports(rule, probe)
        return mask

    def _rule_ports(self, rule: Rule | AdminRule, probe: Probe) -> int:
        mask = 0
        for spec in rule.ports:
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

    def allowed(self, probe: Probe) -> list[int]:
        """For each source class, the bitset of destination classes it may reach."""
        if self._tiered:
            sends, accept_groups = self._sides_tiered(probe)
        else:
            sends, accept_groups = self._sides(probe)
        # Destination groups partition the classes, so each source's reachable set is
        # assembled from per-group contributions; a group accepting most sources is
        # added to everyone and taken back from the few it refuses (exact, because no
        # other group holds those destinations). Work: sum of min(|accepted|, |refused|).
        count = len(self._reps)
        base = 0
        add = [0] * count
        remove = [0] * count
        for sources, dests in accept_groups.items():
            if sources.bit_count() * 2 <= count:
                for s in bits(sources):
                    add[s] |= dests
            else:
                base |= dests
                for s in bits(self._all & ~sources):
                    remove[s] |= dests
        # Sources with nothing added or removed share one result per distinct send set.
        shared: dict[int, int] = {}
        result: list[int] = []
        for s, send in enumerate(sends):
            if remove[s] or add[s]:
                result.append(send & ((base & ~remove[s]) | add[s]))
            else:
                found = shared.get(id(send))
                if found is None:
                    found = shared[id(send)] = send & base
                result.append(found)
        return result

    def _sides(self, probe: Probe) -> tuple[list[int], dict[int, int]]:
        """NetworkPolicy only: per source class what it may send to; destinations grouped by what they accept.

        Classes selected by the same policies are handled together: egress once per
        group; ingress once per group, split only where a named port resolves to the
        probe on some of the group's classes and not on others.
        """
        sends = [0] * len(self._reps)
        for policies, members in self._egress_groups:
            mask = self._all
            if policies:
                mask = 0
                for policy in policies:
                    for rule in policy.egress:
                        ports = self.ports(rule, probe)
                        if ports:
                            mask |= self.peers(rule) if ports == self._all else self.peers(rule) & ports
            for c in bits(members):
                sends[c] = mask
        accept_groups: dict[int, int] = {}
        for policies, members in self._ingress_groups:
            parts = {self._all: members} if not policies else {0: members}
            for policy in policies:
                for rule in policy.ingress:
                    eligible = self.ports(rule, probe) & members
                    if not eligible:
                        continue
                    peers = self.peers(rule)
                    split: dict[int, int] = {}
                    for sources, dests in parts.items():
                        inside = dests & eligible
                        if dests & ~inside:
                            split[sources] = split.get(sources, 0) | (dests & ~inside)
                        if inside:
                            widened = sources | peers
                            split[widened] = split.get(widened, 0) | inside
                    parts = split
            for sources, dests in parts.items():
                accept_groups[sources] = accept_groups.get(sources, 0) | dests
        return sends, accept_groups

    def _sides_tiered(self, probe: Probe) -> tuple[list[int], dict[int, int]]:
        """With admin tiers: the same two sides, class by class through Admin, NetworkPolicy, Baseline."""
        egress_cache: dict[tuple[int, ...], int] = {}
        sends: list[int] = []
        for s, policies in enumerate(self._egress):
            mask: int | None = None
            if policies:
                key = tuple(id(p) for p in policies)
                mask = egress_cache.get(key)
                if mask is None:
                    mask = 0
                    for policy in policies:
                        for rule in policy.egress:
                            mask |= self.peers(rule) & self.ports(rule, probe)
                    egress_cache[key] = mask
            sends.append(self._tiered_side(s, Direction.EGRESS, probe, mask))
        accept_groups: dict[int, int] = {}
        for d, policies in enumerate(self._ingress):
            sources: int | None = None
            if policies:
                sources = 0
                for policy in policies:
                    for rule in policy.ingress:
                        if self.ports(rule, probe) >> d & 1:
                            sources |= self.peers(rule)
            sources = self._tiered_side(d, Direction.INGRESS, probe, sources)
            accept_groups[sources] = accept_groups.get(sources, 0) | (1 << d)
        return sends, accept_groups


def _group_classes(per_class: list[list[NetworkPolicy]]) -> list[tuple[list[NetworkPolicy], int]]:
    """Classes selected by the same policies, as (policies, class bitset)."""
    groups: dict[tuple[int, ...], tuple[list[NetworkPolicy], int]] = {}
    for c, policies in enumerate(per_class):
        key = tuple(id(p) for p in policies)
        found = groups.get(key)
        groups[key] = (policies, (found[1] if found else 0) | (1 << c))
    return list(groups.values())


def _numeric_admits(spec: PortSpec, port: int) -> bool:
    end = spec.end_port if spec.end_port is not None else spec.port
    return spec.port <= port <= end  # type: ignore[operator]


Progress = Callable[[int, int], None]


def class_matrix(
    cluster: Cluster, classes: PodClasses, probes: Sequence[Probe], progress: Progress | None = None
) -> dict[Probe, list[int]]:
    """The allowed bitsets for every probe; ``progress(done, total)`` after each probe."""
    result: dict[Probe, list[int]] = {}
    with collector_paused():
        matrix = ClassMatrix(cluster, classes)
        for done, probe in enumerate(probes, start=1):
            result[probe] = matrix.allowed(probe)
            if progress is not None:
                progress(done, len(probes))
    return result
