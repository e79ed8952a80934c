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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from podwall._runtime import collector_paused
from podwall.engine.classes import bits
from podwall.engine.connlist import ConnLine, Focus, node_name, port_atoms
from podwall.engine.connset import PROTOCOLS, ConnSet
from podwall.engine.conventions import view
from podwall.engine.evaluate import namespace_labels
from podwall.engine.options import EngineOptions
from podwall.engine.match import admin_selects, port_matches, selects
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

ENTIRE_CLUSTER = "entire-cluster"

Requirements = frozenset[Requirement]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
    judge = _Judge(cluster, labels, numeric, named)
    restrict = judge.mask_of(focus.conn) if focus is not None and focus.conn is not None else None

    by_node: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        by_node.setdefault(node_name(pod), []).append(pod)

    found: dict[Direction, list[ExposureLine]] = {Direction.EGRESS: [], Direction.INGRESS: []}
    unprotected = list(_unprotected(judge, by_node))
    for node, pods in sorted(by_node.items()):
        for direction in (Direction.EGRESS, Direction.INGRESS):
            masks = {rep: judge.allowed(pods, direction, rep) for rep in reps}
            if restrict is not None:
                masks = {rep: mask & restrict for rep, mask in masks.items()}
            for rep in _reported(masks):
                conns, names = judge.describe(masks[rep])
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
    return tuple(_unprotected(_Judge(cluster, namespace_labels(cluster), [], []), by_node))


def _unprotected(judge: _Judge, by_node: Mapping[str, Sequence[Pod]]) -> Iterable[tuple[str, Direction]]:
    for node, pods in sorted(by_node.items()):
        for direction in (Direction.EGRESS, Direction.INGRESS):
            if not all(judge.protected(p, direction) for p in pods):
                yield node, direction


def _reported(masks: Mapping[Representative, int]) -> list[Representative]:
    """Representatives with connections that no broader representative already has."""
    return [
        rep
        for rep, mask in masks.items()
        if mask
        and not any(
            other is not rep and rep.within(other) and mask & ~masks[other] == 0 for other in masks
        )
    ]


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


def _realised(peer: PodPeer, policy_namespace: str, pods: Iterable[Pod], labels: Mapping[str, Labels]) -> bool:
    """A peer whose namespace and pod parts are non-empty matchLabels that some pod of the input matches."""
    pod_selector = peer.pod_selector
    ns = peer.namespace_selector
    if pod_selector is None or pod_selector.is_empty or pod_selector.match_expressions:
        return False
    if ns is not None and (ns.is_empty or ns.match_expressions):
        return False
    for pod in pods:
        if pod.host_network or not pod_selector.matches(pod.labels):
            continue
        if ns is None and pod.namespace == policy_namespace:
            return True
        if ns is not None and ns.matches(labels.get(pod.namespace, {})):
            return True
    return False


def representatives(cluster: Cluster, labels: Mapping[str, Labels] | None = None) -> list[Representative]:
    """``entire-cluster`` and one representative per distinct selector peer of any rule, unless realised."""
    ns_labels = labels if labels is not None else namespace_labels(cluster)
    found: dict[tuple[Requirements, Requirements], Representative] = {(ENTIRE.namespace, ENTIRE.pods): ENTIRE}
    scoped = [(p.namespace, p) for p in cluster.policies] + [("", p) for p in cluster.admin_policies]
    for policy_namespace, policy in scoped:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for rule in policy.rules(direction):
                for peer in rule.peers:
                    if not isinstance(peer, PodPeer) or _realised(peer, policy_namespace, cluster.pods, ns_labels):
                        continue
                    rep = representative(peer, policy_namespace)
                    found.setdefault((rep.namespace, rep.pods), rep)
    return list(found.values())


# -- judging a workload against a representative, tier by tier ---------------------------------


def _contains(rule: Rule | AdminRule, rep: Representative, policy_namespace: str) -> bool:
    """Whether some peer of the rule matches every pod the representative stands for."""
    if rule.all_peers:
        return True
    return any(
        isinstance(peer, PodPeer) and rep.within(representative(peer, policy_namespace)) for peer in rule.peers
    )


class _Judge:
    """Allowed atoms as bit masks: numeric port atoms, then named egress ports (unknown numbers)."""

    def __init__(
        self,
        cluster: Cluster,
        labels: Mapping[str, Labels],
        numeric: list[tuple[Protocol, int, int]],
        named: list[tuple[Protocol, str]],
    ) -> None:
        self.cluster = cluster
        self.labels = labels
        self.numeric = numeric
        self.named = named
        self.width = len(numeric) + len(named)
        self.full = (1 << self.width) - 1
        self._contains: dict[tuple[int, Representative], bool] = {}
        self._plans: dict[tuple[int, Direction], _Plan | None] = {}
        self._ports: dict[tuple[int, int], int] = {}
        self._in_namespace: dict[str, list[NetworkPolicy]] | None = None

    # ports -------------------------------------------------------------------------------------

    def mask_of(self, probe: Probe) -> int:
        """The atom holding one port."""
        for i, (proto, lo, hi) in enumerate(self.numeric):
            if proto is probe.protocol and lo <= probe.port <= hi:
                return 1 << i
        return 0

    def _spec_mask(self, spec: PortSpec, destination: Pod | None) -> int:
        mask = 0
        for i, (proto, lo, _hi) in enumerate(self.numeric):
            if destination is not None:
                hit = port_matches(spec, Probe(lo, proto), destination)
            else:  # a representative: no container ports, so a named port resolves to no number
                hit = spec.protocol is proto and (
                    spec.port is None
                    or (isinstance(spec.port, int) and spec.port <= lo <= (spec.end_port or spec.port))
                )
            if hit:
                mask |= 1 << i
        if destination is None:
            for j, (proto, name) in enumerate(self.named):
                if spec.protocol is proto and (spec.port is None or spec.port == name):
                    mask |= 1 << (len(self.numeric) + j)
        return mask

    def ports(self, rule: Rule | AdminRule, destination: Pod | None) -> int:
        """The atoms a rule's ports admit; ``destination`` None: toward a representative."""
        if rule.all_ports:
            return self.full
        key = (id(rule), id(destination))
        if key not in self._ports:
            mask = 0
            for spec in rule.ports:
                mask |= self._spec_mask(spec, destination)
            self._ports[key] = mask
        return self._ports[key]

    def describe(self, mask: int) -> tuple[ConnSet, tuple[tuple[Protocol, str], ...]]:
        """A mask as connections and named ports."""
        n = len(self.numeric)
        conns = ConnSet.of(self.numeric[i] for i in bits(mask & ((1 << n) - 1)))
        names = tuple(self.named[i - n] for i in bits(mask >> n << n))
        return conns, names

    # rules -------------------------------------------------------------------------------------

    def contains(self, rule: Rule | AdminRule, rep: Representative, policy_namespace: str) -> bool:
        key = (id(rule), rep)
        if key not in self._contains:
            self._contains[key] = _contains(rule, rep, policy_namespace)
        return self._contains[key]

    def protected(self, pod: Pod, direction: Direction) -> bool:
        """Some NetworkPolicy isolates the pod in ``direction``, or an admin policy has rules for it there."""
        if pod.host_network:
            return False
        if self._in_namespace is None:  # a NetworkPolicy selects pods of its own namespace only
            self._in_namespace = {}
            for policy in self.cluster.policies:
                self._in_namespace.setdefault(policy.namespace, []).append(policy)
        if any(p.isolates(direction) and selects(p, pod) for p in self._in_namespace.get(pod.namespace, ())):
            return True
        return any(p.rules(direction) and admin_selects(p, pod, self.labels) for p in self.cluster.admin_policies)

    def allowed(self, pods: Sequence[Pod], direction: Direction, rep: Representative) -> int:
        """Atoms allowed between any of ``pods`` and the representative in ``direction``."""
        mask = 0
        for pod in pods:
            mask |= self._allowed(self._plan(pod, direction), rep)
        return mask

    def _plan(self, pod: Pod, direction: Direction) -> _Plan | None:
        """The rules that judge one pod in one direction, with their port masks (None: not judged)."""
        key = (id(pod), direction)
        if key in self._plans:
            return self._plans[key]
        plan: _Plan | None = None
        if not pod.host_network:
            destination = pod if direction is Direction.INGRESS else None

            def tier(tier: Tier) -> list[_Step]:
                return [
                    (rule, "", rule.action, self.ports(rule, destination))
                    for policy in self.cluster.admin_tier(tier)
                    if admin_selects(policy, pod, self.labels)
                    for rule in policy.rules(direction)
                ]

            isolating = [p for p in self.cluster.policies if p.isolates(direction) and selects(p, pod)]
            plan = _Plan(
                admin=tier(Tier.ADMIN),
                isolated=bool(isolating),
                policies=[
                    (rule, policy.namespace, Action.ALLOW, self.ports(rule, destination))
                    for policy in isolating
                    for rule in policy.rules(direction)
                ],
                baseline=tier(Tier.BASELINE),
            )
        self._plans[key] = plan
        return plan

    def _allowed(self, plan: _Plan | None, rep: Representative) -> int:
        """One pod, tier by tier, as ``evaluate`` judges one flow, over every atom at once."""
        if plan is None:  # host network: node traffic, no policy applies
            return self.full
        allowed, undecided, passed = 0, self.full, 0
        for rule, namespace, action, ports in plan.admin:  # the first matching rule decides; Pass leaves the tier
            if undecided and self.contains(rule, rep, namespace):
                hit = ports & undecided
                if action is Action.ALLOW:
                    allowed |= hit
                elif action is Action.PASS:
                    passed |= hit
                undecided &= ~hit
        pending = undecided | passed
        if plan.isolated:  # NetworkPolicies are final for the pods they isolate
            admitted = 0
            for rule, namespace, _action, ports in plan.policies:
                if self.contains(rule, rep, namespace):
                    admitted |= ports
            return allowed | (admitted & pending)
        undecided = pending
        for rule, namespace, action, ports in plan.baseline:
            if undecided and self.contains(rule, rep, namespace):
                hit = ports & undecided
                if action is not Action.DENY:  # Allow, or Pass on to the default: allow
                    allowed |= hit
                undecided &= ~hit
        return allowed | undecided


_Step = tuple[Rule | AdminRule, str, Action, int]


@dataclass(slots=True)
class _Plan:
    """A pod's rules in one direction: admin tier, isolating NetworkPolicies, baseline tier."""

    admin: list[_Step]
    isolated: bool
    policies: list[_Step]
    baseline: list[_Step]
