"""``flows check``: every observed flow judged by the engine against the given policies.

Each folded flow is explained (``podwall.engine.explaining``: the same verdict, the
same reasons as ``podwall explain``) between its workloads, or a workload and an
address. Flows the policies deny that the network let through (or that the tool
did not judge) *would break*; they are grouped by workload pair with the policies
responsible. Flows the tool recorded as dropped although the policies allow them
get their likely cause. Flows the policies deny and the network already dropped
are blocked today too (listed, not a break).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TextIO

from podwall.engine import EngineOptions, Explanation, Probe, evaluate, explain
from podwall.engine.classes import distinct_ipblocks
from podwall.engine.ranges import AddressRange
from podwall.engine.ranges import partition as address_partition
from podwall.engine.verdict import Basis, DirectionVerdict
from podwall.flows.fold import Observation, ObservedFlow, observe
from podwall.flows.record import Flow
from podwall.flows.resolve import Party, Resolver
from podwall.flows.source import Skipped, read
from podwall.model import Cluster, IPAddress, PortSpec, Protocol
from podwall.model.quick import frozen

#: Drop reasons that are the policies' (Hubble's DropReason names, Calico's deny, VPC's REJECT is not).
POLICY_DROPS = frozenset({"POLICY_DENIED", "POLICY_DENY", "AUDIT", "denied by a Calico policy"})


@frozen
class Judged:
    """One observed flow and the engine's explanation of it."""

    flow: ObservedFlow
    explanation: Explanation

    @property
    def allowed(self) -> bool:
        """The engine's verdict."""
        return self.explanation.allowed

    @property
    def blocked_today(self) -> bool:
        """The tool said every record of it was dropped (nothing got through)."""
        return 0 < self.flow.dropped == self.flow.records


@frozen
class Side:
    """A side that denies: its direction, its subject and the policies that isolate it there."""

    direction: str  # "egress" or "ingress"
    subject: str
    policies: tuple[str, ...]


@frozen
class BreakGroup:
    """Flows between one pair the policies would block, with the sides and policies responsible."""

    source: str
    destination: str
    flows: tuple[Judged, ...]
    sides: tuple[Side, ...]

    @property
    def count(self) -> int:
        """Observed connections over every port of the pair."""
        return sum(j.flow.count for j in self.flows)

    @property
    def policies(self) -> tuple[str, ...]:
        """Every policy isolating a denying side, sorted."""
        return tuple(sorted({p for side in self.sides for p in side.policies}))


@frozen
class DroppedButAllowed:
    """A flow the tool recorded as dropped although the policies allow it, and the likely cause."""

    judged: Judged
    cause: str


@frozen
class CheckReport:
    """``flows check``'s answer: what would break, what the network dropped anyway, and coverage."""

    observation: Observation
    judged: tuple[Judged, ...]
    breaks: tuple[BreakGroup, ...]
    blocked: tuple[Judged, ...]
    dropped_but_allowed: tuple[DroppedButAllowed, ...]
    policies: int

    @property
    def would_break(self) -> int:
        """How many observed flows (folded) the policies would block."""
        return sum(len(g.flows) for g in self.breaks)

    @property
    def ok(self) -> bool:
        """Nothing observed would break."""
        return not self.breaks


def external_ranges(cluster: Cluster) -> list[AddressRange]:
    """The address ranges every policy treats alike (the engine's partition by ipBlocks), both families."""
    return address_partition(distinct_ipblocks(cluster), versions=(4, 6))


def range_key(ranges: Sequence[AddressRange]) -> Callable[[IPAddress], str]:
    """Fold an outside address into its range: one verdict per range, so one flow per range."""
    starts = {v: [r.first for r in ranges if r.version == v] for v in (4, 6)}
    by_version = {v: [r for r in ranges if r.version == v] for v in (4, 6)}

    def key(address: IPAddress) -> str:
        rs = by_version[address.version]
        if len(rs) <= 1:
            return "(external)" if address.version == 4 else "(external IPv6)"
        index = bisect.bisect_right(starts[address.version], int(address)) - 1
        return f"(external)/{rs[index]}"

    return key


def _subject(party: Party) -> str:
    return party.name if party.kind == "workload" else str(party.address)


def judge(cluster: Cluster, flow: ObservedFlow, options: EngineOptions = EngineOptions()) -> Explanation:
    """The engine's explanation of one observed flow."""
    probe = Probe(flow.port, flow.protocol)
    pod = flow.source.pod if flow.source.kind == "workload" and flow.source.name == flow.destination.name else None
    if pod is None and flow.source.kind == "workload" and flow.source.name == flow.destination.name:
        pod = next((p for p in cluster.pods if p.workload_key == flow.source.name), None)
    if pod is not None:
        # Between two replicas (or pods) of one workload: a pod to itself is always allowed,
        # so judge the pod against a twin, as generate's verification does.
        twin = replace(pod, name=f"{pod.name}-replica")
        verdict = evaluate(cluster, pod, twin, probe, options)
        verdict = replace(verdict, source=flow.source.name, destination=flow.destination.name)
        return Explanation(flow.source.name, flow.destination.name, probe, verdict, ("between two pods of the workload",))
    return explain(cluster, _subject(flow.source), _subject(flow.destination), probe, options)


def _denying(side: DirectionVerdict) -> bool:
    return side.applies and not side.allowed


def _sides(judged: Iterable[Judged]) -> tuple[Side, ...]:
    """The denying sides of a pair's flows, named by the pair's ends, with their isolating policies."""
    found: dict[tuple[str, str], set[str]] = {}
    for j in judged:
        verdict = j.explanation.verdict
        for side, party in ((verdict.egress, j.flow.source), (verdict.ingress, j.flow.destination)):
            if _denying(side):
                policies = set(side.isolated_by) | {s.key for s in side.steps if s.action == "Deny"}
                found.setdefault((side.direction.value.lower(), party.name), set()).update(policies)
    return tuple(Side(d, s, tuple(sorted(p))) for (d, s), p in sorted(found.items()))


def likely_cause(judged: Judged, cluster: Cluster) -> str:
    """Why a plugin may have dropped a flow the policies allow (a guess, said as one)."""
    flow = judged.flow
    reasons = set(flow.reasons)
    if reasons and not reasons & POLICY_DROPS:
        shown = ", ".join(sorted(reasons))
        return f"not a policy drop ({shown}): the network itself, not the policies"
    if cluster.unevaluated:
        kinds = sorted({p.kind for p in cluster.unevaluated})
        return f"policies podwall does not evaluate ({', '.join(kinds)}) may deny it"
    convention = _convention(judged, cluster)
    if convention:
        return f"a CNI convention: {convention} (plugins differ here; see --ipblock-ignores-pods)"
    if flow.forwarded:
        return "stale snapshot: the same flow was also let through, so the policies changed while it was observed"
    return "stale snapshot: the cluster's policies are not the ones given with -f (or an enforcement gap in the plugin)"


def _convention(judged: Judged, cluster: Cluster) -> str:
    flow = judged.flow
    ends = (flow.source, flow.destination)
    if any(p.kind == "node" for p in ends) or any(p.pod is not None and p.pod.host_network for p in ends):
        return "traffic from or to a node (host network) is judged differently by each plugin"
    for side in (judged.explanation.verdict.egress, judged.explanation.verdict.ingress):
        for ref in side.allowed_by:
            rule = _rule(cluster, ref.policy, side.direction.value, ref.index)
            if rule is None:
                continue
            if any(getattr(peer, "cidr", None) is not None for peer in rule.peers) and all(p.kind == "workload" for p in ends):
                return f"{ref.policy} admits it by an ipBlock, which some plugins never match against pod addresses"
            if any(_unusual(spec) for spec in rule.ports):
                return f"{ref.policy} admits it by endPort or SCTP, which some plugins do not support"
    return ""


def _unusual(spec: PortSpec) -> bool:
    return spec.end_port is not None or spec.protocol is Protocol.SCTP


def _rule(cluster: Cluster, key: str, direction: str, index: int):  # type: ignore[no-untyped-def]
    for policy in cluster.policies:
        if policy.key == key:
            rules = policy.ingress if direction == "Ingress" else policy.egress
            return rules[index] if index < len(rules) else None
    return None


def assess(
    cluster: Cluster,
    observation: Observation,
    *,
    options: EngineOptions = EngineOptions(),
    namespaces: set[str] | None = None,
) -> CheckReport:
    """Judge folded flows against ``cluster``'s policies (``namespaces``: only flows touching them)."""
    judged: list[Judged] = []
    for flow in observation.flows:
        if namespaces is not None and not {flow.source.namespace, flow.destination.namespace} & namespaces:
            continue
        judged.append(Judged(flow, judge(cluster, flow, options)))
    denied = [j for j in judged if not j.allowed]
    groups: dict[tuple[str, str], list[Judged]] = {}
    for j in denied:
        if not j.blocked_today:
            groups.setdefault((j.flow.source.name, j.flow.destination.name), []).append(j)
    breaks = tuple(BreakGroup(s, d, tuple(js), _sides(js)) for (s, d), js in groups.items())
    dropped = tuple(DroppedButAllowed(j, likely_cause(j, cluster)) for j in judged if j.allowed and j.flow.dropped)
    return CheckReport(
        observation,
        tuple(judged),
        breaks,
        tuple(j for j in denied if j.blocked_today),
        dropped,
        len(cluster.policies),
    )


def check(
    cluster: Cluster,
    records: Iterable[Flow | Skipped],
    *,
    options: EngineOptions = EngineOptions(),
    namespaces: set[str] | None = None,
) -> CheckReport:
    """Fold observed records (outside addresses by the engine's ranges) and judge them against ``cluster``."""
    observation = observe(records, Resolver(cluster), range_key(external_ranges(cluster)))
    return assess(cluster, observation, options=options, namespaces=namespaces)


def check_files(
    cluster: Cluster,
    paths: Sequence[str],
    *,
    fmt: str | None = None,
    stdin: TextIO | None = None,
    options: EngineOptions = EngineOptions(),
    namespaces: set[str] | None = None,
) -> CheckReport:
    """``check`` over flow files (``-`` for stdin, ``.gz`` read as gzip; ``fmt`` None: told by content)."""
    return check(cluster, read(paths, fmt, stdin), options=options, namespaces=namespaces)
