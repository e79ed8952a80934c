"""Exposure analysis: what each workload is open to beyond the pods in the input.

netpol-analyzer's ``--exposure``. A connection list answers for the pods that
exist; a policy rule also admits pods that do not exist yet. Each selector peer
of every rule (NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy)
stands for such pods as a *representative peer*; ``entire-cluster`` stands for
any pod anywhere. For each workload and direction, the connections with each
representative are judged tier by tier exactly as for a pod (``evaluate``), where
a rule peer matches a representative when the peer's selectors are contained in
the representative's: every requirement of the peer is one of the
representative's (``matchLabels`` ``k: v`` counts as ``k In (v)``, a peer with
no namespaceSelector requires its policy's namespace by name). So ``{}`` matches
every representative, and ``app Exists`` does not match ``app In (x)``: the
comparison is of requirements, not of the label sets they could select.

What is reported, per workload and direction:

- the connections with external address ranges (the connection list's own);
- the connections with each representative, except where
  - they are empty;
  - a broader representative (whose requirements are a subset) has at least the
    same connections (``[namespace with {k=v}]/[all pods] : TCP 80`` says nothing
    that ``entire-cluster : TCP 80`` does not);
  - the representative is realised by a pod of the input: both its namespace and
    its pod part are non-empty ``matchLabels``-only selectors (or the policy's
    namespace), and some pod matches them. The connection list already shows it.
    ``[all pods]``, ``[all namespaces]`` and selectors with ``matchExpressions``
    stand for more pods than any existing one and are always reported;
- whether no policy protects it: no NetworkPolicy isolates it in that direction
  and no admin-tier policy selects it with a rule of that direction.

A named port in an egress rule cannot be resolved on a representative (its
container ports are unknown): it is reported by name (``TCP http``).

How it stays near-linear: pods that select the same rules (same namespace,
labels, container ports, host network) share one *plan* per direction, and
workloads whose pods have the same plans share one answer. A plan's rules are
judged only against the representatives some rule peer contains (found through
an index of requirements, as bitsets); every other representative gets what
``entire-cluster`` gets, and ``entire-cluster`` covers it. A representative is
compared only with the broader ones among those candidates.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from podwall._runtime import collector_paused
from podwall.engine.classes import bits
from podwall.engine.connlist import ConnLine, Focus, node_name, port_atoms
from podwall.engine.connset import PROTOCOLS, ConnSet
from podwall.engine.conventions import view
from podwall.engine.evaluate import namespace_labels
from podwall.engine.options import EngineOptions
from podwall.engine.match import admin_selects, selects
from podwall.engine.options import Probe
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Action,
    AdminRule,
    Cluster,
    Direction,
    Labels,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    Tier,
)
from podwall.model.quick import frozen, mutable

ENTIRE_CLUSTER = "entire-cluster"

Requirements = frozenset[Requirement]


@frozen
class Representative:
    """Pods a rule admits that need not exist: requirements on their namespace's labels and on theirs.

    ``name`` is netpol-analyzer's: ``entire-cluster``, ``ns/[all pods]``,
    ``[namespace with {k=v}]/[pod with {k=v}]``, ``[all namespaces]/[pod with {...}]``.
    """

    name: str
    namespace: Requirements
    pods: Requirements

    def within(self, other: Representative) -> bool:
        """Whether every pod this one stands for is one ``other`` stands for (by requirements)."""
        return other.namespace <= self.namespace and other.pods <= self.pods


ENTIRE = Representative(ENTIRE_CLUSTER, frozenset(), frozenset())


@frozen
class ExposureLine:
    """What ``workload`` is exposed to in ``direction``: a representative peer or an external range.

    ``named`` are (protocol, port name) pairs of egress rules that no number
    stands for, because the representative's container ports are unknown.
    """

    workload: str
    direction: Direction
    peer: str
    conns: ConnSet
    named: tuple[tuple[Protocol, str], ...] = ()

    @property
    def conn_text(self) -> str:
        """``All Connections``, ``TCP 80,UDP 53`` or with names: ``TCP 8080,http``."""
        if not self.named or self.conns.is_all:
            return str(self.conns)
        parts: list[str] = []
        for proto in PROTOCOLS:
            ports = [f"{s}" if s == e else f"{s}-{e}" for p, s, e in self.conns.intervals if p is proto]
            full = ports == ["1-65535"]
            if not full:
                ports += sorted(name for p, name in self.named if p is proto)
            if ports:
                parts.append(f"{proto.value} {','.join(ports)}")
        return ",".join(parts)


@frozen
class ExposureReport:
    """Exposure lines by direction, sorted by workload then peer; unprotected (workload, direction) pairs."""

    egress: tuple[ExposureLine, ...] = ()
    ingress: tuple[ExposureLine, ...] = ()
    unprotected: tuple[tuple[str, Direction], ...] = ()


def exposure_analysis(
    cluster: Cluster,
    lines: Sequence[ConnLine],
    focus: Focus | None = None,
    options: EngineOptions = EngineOptions(),
) -> ExposureReport:
    """The exposure of every workload; ``lines`` is the unfiltered connection list (for external ranges).

    ``focus`` filters as for the connection list: ``workloads`` and ``direction``
    by the exposed workload, ``conn`` by the connections (judged on that one port,
    so a broader representative also hides a narrower one there); ``peers`` does
    not apply: a representative peer is not a workload. The input is judged as
    ``options.conventions`` say the network plugin sees it.
    """
    with collector_paused():
        return _analyse(view(cluster, options.conventions), lines, focus)


def _analyse(cluster: Cluster, lines: Sequence[ConnLine], focus: Focus | None) -> ExposureReport:
    labels = namespace_labels(cluster)
    reps = representatives(cluster, labels)
    numeric = port_atoms(cluster)
    named = sorted(
        {
            (spec.protocol, spec.port)
            for policy in (*cluster.policies, *cluster.admin_policies)
            for rule in policy.rules(Direction.EGRESS)
            for spec in rule.ports
            if isinstance(spec.port, str)
        },
        key=lambda item: (item[0].value, item[1]),
    )
    judge = _Judge(cluster, labels, numeric, named, reps)
    restrict = judge.mask_of(focus.conn) if focus is not None and focus.conn is not None else None

    by_node: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        by_node.setdefault(node_name(pod), []).append(pod)

    found: dict[Direction, list[ExposureLine]] = {Direction.EGRESS: [], Direction.INGRESS: []}
    unprotected = list(_unprotected(judge, by_node))
    answers: dict[tuple[Direction, frozenset[int]], list[tuple[Representative, int]]] = {}
    for node, pods in sorted(by_node.items()):
        for direction in (Direction.EGRESS, Direction.INGRESS):
            plans = frozenset(judge.plan(pod, direction) for pod in pods)
            key = (direction, plans)
            if key not in answers:  # workloads whose pods have the same plans have the same exposure
                answers[key] = judge.reported(plans, restrict)
            for rep, mask in answers[key]:
                conns, names = judge.describe(mask)
                found[direction].append(ExposureLine(node, direction, rep.name, conns, names))

    for line in lines:
        if line.source.endswith("[External]"):
            found[Direction.INGRESS].append(ExposureLine(line.destination, Direction.INGRESS, line.source, line.conns))
        elif line.destination.endswith("[External]"):
            found[Direction.EGRESS].append(ExposureLine(line.source, Direction.EGRESS, line.destination, line.conns))

    if focus is not None:
        for direction, exposed in found.items():
            found[direction] = [x for x in exposed if _kept(focus, x.workload, direction, x.conns)]
        unprotected = [(w, d) for w, d in unprotected if _kept(focus, w, d, None)]

    def order(x: ExposureLine) -> tuple[str, str]:
        return x.workload, x.peer

    return ExposureReport(
        egress=tuple(sorted(found[Direction.EGRESS], key=order)),
        ingress=tuple(sorted(found[Direction.INGRESS], key=order)),
        unprotected=tuple(unprotected),
    )


def unprotected(cluster: Cluster, options: EngineOptions = EngineOptions()) -> tuple[tuple[str, Direction], ...]:
    """The (workload, direction) pairs no policy protects: the exposure report's last section, on its own.

    Cheap (no representative is judged), for callers that need only this part.
    """
    cluster = view(cluster, options.conventions)
    by_node: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        by_node.setdefault(node_name(pod), []).append(pod)
    return tuple(_unprotected(_Judge(cluster, namespace_labels(cluster), [], [], [ENTIRE]), by_node))


def _unprotected(judge: _Judge, by_node: Mapping[str, Sequence[Pod]]) -> Iterable[tuple[str, Direction]]:
    for node, pods in sorted(by_node.items()):
        for direction in (Direction.EGRESS, Direction.INGRESS):
            if not all(judge.protected(p, direction) for p in pods):
                yield node, direction


def _kept(focus: Focus, workload: str, direction: Direction, conns: ConnSet | None) -> bool:
    """The focus filters that apply to an exposure line (``conns`` None: an unprotected workload)."""
    if focus.direction is not None and focus.direction is not direction:
        return False
    if focus.conn is not None and conns is not None and not conns.contains(focus.conn):
        return False
    # A line with the workload at both ends passes the workload filter iff the workload is a focus one.
    only_workloads = replace(focus, peers=(), direction=None, conn=None)
    return only_workloads.keeps(ConnLine(workload, workload, ConnSet()))


# -- representatives ---------------------------------------------------------------------------


def _requirements(selector: LabelSelector) -> Requirements:
    """``matchLabels`` as ``In`` requirements, with ``matchExpressions``."""
    found = {Requirement(k, Operator.IN, (v,)) for k, v in selector.match_labels}
    return frozenset(found | set(selector.match_expressions))


def selector_text(selector: LabelSelector) -> str:
    """``{k=v,{Key:k,Operator:In,Values:[a b],}}``: labels by key, then expressions by key."""
    terms = [f"{k}={v}" for k, v in sorted(selector.match_labels)]
    expressions = sorted(selector.match_expressions, key=lambda r: (r.key, r.operator.value, r.values))
    terms += [f"{{Key:{r.key},Operator:{r.operator.value},Values:[{' '.join(r.values)}],}}" for r in expressions]
    return "{" + ",".join(terms) + "}"


def representative(peer: PodPeer, policy_namespace: str) -> Representative:
    """The representative peer of one selector peer (``policy_namespace``: where a bare podSelector looks)."""
    pod = peer.pod_selector or LabelSelector()
    ns = peer.namespace_selector
    pods_part = "[all pods]" if pod.is_empty else f"[pod with {selector_text(pod)}]"
    if ns is None:
        ns_name, ns_reqs = policy_namespace, frozenset({Requirement(NAMESPACE_NAME_LABEL, Operator.IN, (policy_namespace,))})
    else:
        ns_reqs = _requirements(ns)
        if ns.is_empty:
            if pod.is_empty:
                return ENTIRE
            ns_name = "[all namespaces]"
        elif len(ns.match_labels) == 1 and ns.match_labels[0][0] == NAMESPACE_NAME_LABEL and not ns.match_expressions:
            ns_name = ns.match_labels[0][1]
        else:
            ns_name = f"[namespace with {selector_text(ns)}]"
    return Representative(f"{ns_name}/{pods_part}", ns_reqs, _requirements(pod))


class _Population:
    """The input's pods (host network aside) by namespace and label, to ask whether a peer is realised."""

    def __init__(self, pods: Iterable[Pod], labels: Mapping[str, Labels]) -> None:
        self.labels = labels
        self.by_label: dict[tuple[str, str, str], set[frozenset[tuple[str, str]]]] = {}
        for pod in pods:
            if not pod.host_network:
                items = frozenset(pod.labels.items())
                for k, v in items:
                    self.by_label.setdefault((pod.namespace, k, v), set()).add(items)
        self.namespaces = sorted({ns for ns, _k, _v in self.by_label})
        self._matching: dict[LabelSelector, list[str]] = {}
        self._realised: dict[tuple[PodPeer, str], bool] = {}

    def realised(self, peer: PodPeer, policy_namespace: str) -> bool:
        """A peer whose namespace and pod parts are non-empty matchLabels that some pod of the input matches."""
        key = (peer, policy_namespace)
        if key not in self._realised:
            self._realised[key] = self._find(peer, policy_namespace)
        return self._realised[key]

    def _find(self, peer: PodPeer, policy_namespace: str) -> bool:
        pod_selector = peer.pod_selector
        ns = peer.namespace_selector
        if pod_selector is None or pod_selector.is_empty or pod_selector.match_expressions:
            return False
        if ns is not None and (ns.is_empty or ns.match_expressions):
            return False
        if ns is None:
            namespaces = [policy_namespace]
        else:
            if ns not in self._matching:
                self._matching[ns] = [n for n in self.namespaces if ns.matches(self.labels.get(n, {}))]
            namespaces = self._matching[ns]
        for namespace in namespaces:  # the pods carrying the rarest of the selector's labels there
            postings = [self.by_label.get((namespace, k, v), set()) for k, v in pod_selector.match_labels]
            if any(pod_selector.matches(dict(items)) for items in min(postings, key=len)):
                return True
        return False


def representatives(cluster: Cluster, labels: Mapping[str, Labels] | None = None) -> list[Representative]:
    """``entire-cluster`` and one representative per distinct selector peer of any rule, unless realised."""
    population = _Population(cluster.pods, labels if labels is not None else namespace_labels(cluster))
    found: dict[tuple[Requirements, Requirements], Representative] = {(ENTIRE.namespace, ENTIRE.pods): ENTIRE}
    scoped = [(p.namespace, p) for p in cluster.policies] + [("", p) for p in cluster.admin_policies]
    for policy_namespace, policy in scoped:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for rule in policy.rules(direction):
                for peer in rule.peers:
                    if not isinstance(peer, PodPeer) or population.realised(peer, policy_namespace):
                        continue
                    rep = representative(peer, policy_namespace)
                    found.setdefault((rep.namespace, rep.pods), rep)
    return list(found.values())



# -- judging workloads against representatives, tier by tier ---------------------------------


class _Candidates:
    """The representatives as bit indexes, with which are contained in which (``within``), through an index.

    ``inside(Q)`` is the bitset of representatives whose requirements include all
    of Q's: the AND of one posting bitset per requirement, so no representative is
    compared with every other.
    """

    def __init__(self, reps: Sequence[Representative]) -> None:
        self.reps = list(reps)
        self.everyone = (1 << len(self.reps)) - 1
        self._postings: dict[tuple[bool, Requirement], int] = {}
        for i, rep in enumerate(self.reps):
            for part, reqs in ((True, rep.namespace), (False, rep.pods)):
                for req in reqs:
                    self._postings[part, req] = self._postings.get((part, req), 0) | (1 << i)
        self._inside: dict[tuple[Requirements, Requirements], int] = {}
        self._broader: list[int] | None = None

    def inside(self, peer: Representative) -> int:
        """The representatives within ``peer`` (every pod they stand for, ``peer`` stands for)."""
        key = (peer.namespace, peer.pods)
        if key not in self._inside:
            found = self.everyone
            for part, reqs in ((True, peer.namespace), (False, peer.pods)):
                for req in reqs:
                    found &= self._postings.get((part, req), 0)
            self._inside[key] = found
        return self._inside[key]

    def broader(self, i: int) -> int:
        """The other representatives that representative ``i`` is within, ``entire-cluster`` aside."""
        if self._broader is None:
            self._broader = [0] * len(self.reps)
            for j, rep in enumerate(self.reps):
                if rep.namespace or rep.pods:
                    for k in bits(self.inside(rep) & ~(1 << j)):
                        self._broader[k] |= 1 << j
        return self._broader[i]


class _Judge:
    """Allowed atoms as bit masks: numeric port atoms, then named egress ports (unknown numbers)."""

    def __init__(
        self,
        cluster: Cluster,
        labels: Mapping[str, Labels],
        numeric: list[tuple[Protocol, int, int]],
        named: list[tuple[Protocol, str]],
        reps: Sequence[Representative],
    ) -> None:
        self.cluster = cluster
        self.labels = labels
        self.numeric = numeric
        self.named = named
        self.width = len(numeric) + len(named)
        self.full = (1 << self.width) - 1
        self._atoms: dict[Protocol, tuple[int, list[int]]] = {}  # protocol -> its first atom, the atoms' first ports
        for i, (proto, lo, _hi) in enumerate(numeric):
            self._atoms.setdefault(proto, (i, []))[1].append(lo)
        self.candidates = _Candidates(reps)
        self._ports: dict[tuple[int, object], int] = {}
        self._described: dict[int, tuple[ConnSet, tuple[tuple[Protocol, str], ...]]] = {}
        self._rules: dict[int, tuple[bool, tuple[int, ...]]] = {}
        self._in_namespace: dict[str, list[NetworkPolicy]] = {}  # a NetworkPolicy selects pods of its own namespace
        for policy in cluster.policies:
            self._in_namespace.setdefault(policy.namespace, []).append(policy)
        self._tiers = {tier: cluster.admin_tier(tier) for tier in (Tier.ADMIN, Tier.BASELINE)}
        self._selecting: dict[tuple[str, frozenset[tuple[str, str]]], list[NetworkPolicy]] = {}
        self._plan_of: dict[tuple[object, ...], int] = {}  # (pod's kind, direction) -> plan number
        self._plans: dict[tuple[object, ...], int] = {}  # plan's steps -> plan number
        self.plans: list[_Plan] = []
        self._answers: list[tuple[int, dict[int, int]] | None] = []

    # ports -------------------------------------------------------------------------------------

    def mask_of(self, probe: Probe) -> int:
        """The atom holding one port."""
        for i, (proto, lo, hi) in enumerate(self.numeric):
            if proto is probe.protocol and lo <= probe.port <= hi:
                return 1 << i
        return 0

    def _spec_mask(self, spec: PortSpec, destination: Pod | None) -> int:
        """The atoms one port spec admits (atoms of a protocol are consecutive and sorted: found by bisection)."""
        first, starts = self._atoms.get(spec.protocol, (0, []))
        mask = 0
        if isinstance(spec.port, str):  # resolves on the destination pod; a representative has no container ports
            number = destination.named_port(spec.port, spec.protocol) if destination is not None else None
            i = bisect_left(starts, number) if number is not None else len(starts)
            if i < len(starts) and starts[i] == number:
                mask = 1 << (first + i)
        else:
            lo, hi = (0, len(starts)) if spec.port is None else (
                bisect_left(starts, spec.port), bisect_right(starts, spec.end_port or spec.port))
            mask = ((1 << max(hi - lo, 0)) - 1) << (first + lo)
        if destination is None:
            for j, (proto, name) in enumerate(self.named):
                if spec.protocol is proto and (spec.port is None or spec.port == name):
                    mask |= 1 << (len(self.numeric) + j)
        return mask

    def ports(self, rule: Rule | AdminRule, destination: Pod | None) -> int:
        """The atoms a rule's ports admit; ``destination`` None: toward a representative."""
        if rule.all_ports:
            return self.full
        named = destination is not None and any(isinstance(spec.port, str) for spec in rule.ports)
        # only named ports look at the pod (at its container ports); otherwise: toward a pod, or a representative
        key = (id(rule), destination.ports if named and destination is not None else destination is None)
        if key not in self._ports:
            mask = 0
            for spec in rule.ports:
                mask |= self._spec_mask(spec, destination)
            self._ports[key] = mask
        return self._ports[key]

    def describe(self, mask: int) -> tuple[ConnSet, tuple[tuple[Protocol, str], ...]]:
        """A mask as connections and named ports (workloads share few distinct masks)."""
        if mask not in self._described:
            n = len(self.numeric)
            conns = ConnSet.of(self.numeric[i] for i in bits(mask & ((1 << n) - 1)))
            self._described[mask] = conns, tuple(self.named[i - n] for i in bits(mask >> n << n))
        return self._described[mask]

    # rules -------------------------------------------------------------------------------------

    def _peers(self, rule: Rule | AdminRule, policy_namespace: str) -> tuple[bool, tuple[int, ...]]:
        """Whether the rule contains every representative, else the ones some peer of it contains."""
        key = id(rule)
        if key not in self._rules:
            inside, everyone = 0, rule.all_peers
            for peer in rule.peers:
                if isinstance(peer, PodPeer):
                    rep = representative(peer, policy_namespace)
                    everyone = everyone or not (rep.namespace or rep.pods)
                    inside |= self.candidates.inside(rep)
            self._rules[key] = (everyone, () if everyone else tuple(bits(inside)))
        return self._rules[key]

    def protected(self, pod: Pod, direction: Direction) -> bool:
        """Some NetworkPolicy isolates the pod in ``direction``, or an admin policy has rules for it there."""
        if pod.host_network:
            return False
        if any(p.isolates(direction) and selects(p, pod) for p in self._in_namespace.get(pod.namespace, ())):
            return True
        return any(p.rules(direction) and admin_selects(p, pod, self.labels) for p in self.cluster.admin_policies)

    def plan(self, pod: Pod, direction: Direction) -> int:
        """The number of the pod's plan in ``direction``: pods that select the same rules share one."""
        kind = (pod.namespace, frozenset(pod.labels.items()), pod.ports, pod.host_network, direction)
        if kind not in self._plan_of:
            plan = self._build(pod, direction)
            key = (plan.isolated, *((t, id(r), a, p) for t, r, _ns, a, p in plan.steps))
            if key not in self._plans:
                self._plans[key] = len(self.plans)
                self.plans.append(plan)
                self._answers.append(None)
            self._plan_of[kind] = self._plans[key]
        return self._plan_of[kind]

    def _build(self, pod: Pod, direction: Direction) -> _Plan:
        """The rules that judge one pod in one direction, with their port masks."""
        if pod.host_network:  # node traffic: no policy applies
            return _Plan([], False)
        destination = pod if direction is Direction.INGRESS else None
        steps: list[_Step] = []

        def tier(tier: Tier) -> None:
            steps.extend(
                (tier, rule, "", rule.action, self.ports(rule, destination))
                for policy in self._tiers[tier]
                if admin_selects(policy, pod, self.labels)
                for rule in policy.rules(direction)
            )

        tier(Tier.ADMIN)
        kind = (pod.namespace, frozenset(pod.labels.items()))
        if kind not in self._selecting:
            self._selecting[kind] = [p for p in self._in_namespace.get(pod.namespace, ()) if selects(p, pod)]
        isolating = [p for p in self._selecting[kind] if p.isolates(direction)]
        steps.extend(
            (None, rule, policy.namespace, Action.ALLOW, self.ports(rule, destination))
            for policy in isolating
            for rule in policy.rules(direction)
        )
        tier(Tier.BASELINE)
        return _Plan(steps, bool(isolating))

    def _answer(self, number: int) -> tuple[int, dict[int, int]]:
        """A plan's atoms for every representative: what ``entire-cluster`` gets, and the others that differ.

        Only representatives that some rule peer contains can be judged apart from
        ``entire-cluster``: each is judged on the rules that contain it.
        """
        found = self._answers[number]
        if found is None:
            plan = self.plans[number]
            everyone: list[int] = []
            contained: dict[int, list[int]] = {}
            for i, (_tier, rule, namespace, _action, _ports) in enumerate(plan.steps):
                universal, inside = self._peers(rule, namespace)
                if universal:
                    everyone.append(i)
                else:
                    for r in inside:
                        contained.setdefault(r, []).append(i)
            default = self._allowed(plan, everyone)
            masks = {
                r: self._allowed(plan, sorted(own + everyone) if everyone else own) for r, own in contained.items()
            }
            found = self._answers[number] = (default, masks)
        return found

    def reported(self, plans: Iterable[int], restrict: int | None) -> list[tuple[Representative, int]]:
        """The representatives a workload with these plans (one per kind of pod) is reported with, and their atoms.

        A representative is left out when its atoms are empty or a broader one has
        at least the same: ``entire-cluster``, which every representative is within
        and which gets what every uncontained representative gets, or a broader
        contained one.
        """
        answers = [self._answer(n) for n in plans]
        default = 0
        for own_default, _masks in answers:
            default |= own_default
        masks: dict[int, int] = {}
        for r in {r for _default, own in answers for r in own}:
            mask = 0
            for own_default, own in answers:
                mask |= own.get(r, own_default)
            masks[r] = mask
        if restrict is not None:
            default &= restrict
            masks = {r: mask & restrict for r, mask in masks.items()}
        present = 0
        for r in masks:
            present |= 1 << r
        reps = self.candidates.reps
        found = [(reps[0], default)] if default else []  # reps[0] is entire-cluster (``representatives`` puts it first)
        for r in sorted(masks):
            mask = masks[r]
            if mask & ~default == 0:
                continue
            if any(mask & ~masks[b] == 0 for b in bits(self.candidates.broader(r) & present)):
                continue
            found.append((reps[r], mask))
        return found

    def _allowed(self, plan: _Plan, chosen: Sequence[int]) -> int:
        """Tier by tier, as ``evaluate`` judges one flow, over every atom at once, with the ``chosen`` steps
        (those whose rule contains the representative, in order)."""
        allowed, undecided, passed, admitted = 0, self.full, 0, 0
        steps = plan.steps
        k = 0
        while k < len(chosen) and steps[chosen[k]][0] is Tier.ADMIN:  # the first matching rule decides
            _tier, _rule, _ns, action, ports = steps[chosen[k]]
            hit = ports & undecided
            if action is Action.ALLOW:
                allowed |= hit
            elif action is Action.PASS:  # leaves the tier
                passed |= hit
            undecided &= ~hit
            k += 1
        pending = undecided | passed
        while k < len(chosen) and steps[chosen[k]][0] is None:
            admitted |= steps[chosen[k]][4]
            k += 1
        if plan.isolated:  # NetworkPolicies are final for the pods they isolate
            return allowed | (admitted & pending)
        undecided = pending
        for i in chosen[k:]:
            _tier, _rule, _ns, action, ports = steps[i]
            hit = ports & undecided
            if action is not Action.DENY:  # Allow, or Pass on to the default: allow
                allowed |= hit
            undecided &= ~hit
        return allowed | undecided


#: (tier: ADMIN, None for NetworkPolicy, BASELINE), rule, its policy's namespace, action, port atoms.
_Step = tuple[Tier | None, Rule | AdminRule, str, Action, int]


@mutable
class _Plan:
    """A pod's rules in one direction: admin tier, isolating NetworkPolicies, baseline tier, in order."""

    steps: list[_Step]
    isolated: bool
