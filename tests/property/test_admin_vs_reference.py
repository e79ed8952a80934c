"""The engine agrees with the reference on random clusters that also carry admin-tier policies.

Each cluster of ``test_engine_vs_reference`` gets 0-3 random AdminNetworkPolicies,
ClusterNetworkPolicies (tier Admin or Baseline) and at most one
BaselineAdminNetworkPolicy ``default``, built as model objects exactly as the
loader builds them (see ``podwall.loader.admin``):

- subjects and peers: ``namespaces: S`` = ``PodPeer("", None, S)``,
  ``pods: {namespaceSelector: N, podSelector: P}`` = ``PodPeer("", P, N)``;
  egress ``networks: [cidr, ...]`` = one ``IPBlockPeer(cidr)`` per CIDR; a rule
  may end up with no peers at all (only ``nodes``/``domainNames`` peers, which
  match nothing);
- ports: ANP ``portNumber``/``portRange`` and CNP ``tcp``/``udp``/``sctp``
  (``destinationPort`` number, range, or absent = every port of the protocol)
  are one ``PortSpec``; a named port (``namedPort``/``destinationNamedPort``)
  is one ``PortSpec`` per protocol;
- actions each kind allows (CNP ``Accept`` is ``Action.ALLOW``; BANP has no Pass);
- ``Cluster.admin_policies`` sorted by (tier, priority, name), as the loader keeps it.

Priorities collide on purpose so that the name decides the order.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwall.model import (
    Action,
    AdminPolicy,
    AdminRule,
    Cluster,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Tier,
)
from reference import direction_reason, policies_isolating, reference_allowed, reference_matrix, rule_admits

from .test_engine_vs_reference import (
    CIDRS,
    NS_KEYS,
    NS_SELECTORS,
    NS_VALUES,
    POD_KEYS,
    POD_SELECTORS,
    POD_VALUES,
    PORT_NAMES,
    PORT_NUMBERS,
    PROBES,
    _diff,
    _name,
    clusters,
    externals,
    options,
)

engine = pytest.importorskip("podwall.engine")

TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP
ANP, BANP, CNP = "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"

# --- strategies ----------------------------------------------------------------------

# Random selectors rarely match anything; admin rules decide nothing unless their
# subjects and peers often do, so broad and one-label selectors are drawn often too.
EVERYTHING = st.just(LabelSelector())
ADMIN_NS_SELECTORS = st.one_of(
    EVERYTHING,
    EVERYTHING,
    st.builds(lambda k, v: LabelSelector(((k, v),)), st.sampled_from(NS_KEYS), st.sampled_from(NS_VALUES)),
    NS_SELECTORS,
)
ADMIN_POD_SELECTORS = st.one_of(
    EVERYTHING,
    st.builds(lambda k, v: LabelSelector(((k, v),)), st.sampled_from(POD_KEYS), st.sampled_from(POD_VALUES)),
    POD_SELECTORS,
)
SELECTOR_PEERS = st.one_of(
    st.builds(lambda n: PodPeer("", None, n), ADMIN_NS_SELECTORS),  # namespaces: N
    st.builds(lambda n, p: PodPeer("", p, n), ADMIN_NS_SELECTORS, ADMIN_POD_SELECTORS),  # pods: {N, P}
)
SUBJECTS = st.one_of(st.just(PodPeer("", None, LabelSelector())), SELECTOR_PEERS)  # often every pod
NETWORKS = st.lists(st.sampled_from(CIDRS), min_size=1, max_size=2, unique=True).map(
    lambda cidrs: [IPBlockPeer(c) for c in cidrs]  # networks: [cidr, ...]
)
NO_PEER = st.just([])  # nodes / domainNames: warned about, match nothing


def _peer_lists(direction: Direction) -> st.SearchStrategy[tuple]:
    one = SELECTOR_PEERS.map(lambda p: [p])
    if direction is Direction.EGRESS:
        one = st.one_of(one, one, NETWORKS, NO_PEER)
    else:
        one = st.one_of(one, one, one, NO_PEER)
    return st.lists(one, min_size=1, max_size=2).map(lambda parts: tuple(p for part in parts for p in part))


PEER_LISTS = {d: _peer_lists(d) for d in Direction}
PROTOCOL = st.sampled_from([TCP, TCP, UDP, SCTP])


def _named(name: str) -> list[PortSpec]:
    """``namedPort``/``destinationNamedPort``: the container port of that name in any protocol."""
    return [PortSpec(p, name) for p in Protocol]


@st.composite
def _range(draw, protocol: Protocol) -> list[PortSpec]:
    start = draw(st.sampled_from(PORT_NUMBERS))
    end = draw(st.sampled_from([e for e in (start, start + 1, 81, 8080, 65535) if e >= start]))
    return [PortSpec(protocol, start, end)]


ANP_PORTS = st.one_of(
    st.builds(lambda p, n: [PortSpec(p, n)], PROTOCOL, st.sampled_from(PORT_NUMBERS)),  # portNumber
    st.sampled_from(PORT_NAMES).map(_named),  # namedPort
    PROTOCOL.flatmap(_range),  # portRange
)
CNP_PORTS = st.one_of(
    PROTOCOL.map(lambda p: [PortSpec(p)]),  # tcp: {} (every port)
    st.builds(lambda p, n: [PortSpec(p, n)], PROTOCOL, st.sampled_from(PORT_NUMBERS)),  # destinationPort.number
    PROTOCOL.flatmap(_range),  # destinationPort.range
    st.sampled_from(PORT_NAMES).map(_named),  # destinationNamedPort
)
PORT_LISTS = {
    kind: st.lists(ports, max_size=2).map(lambda parts: tuple(s for part in parts for s in part))
    for kind, ports in ((ANP, ANP_PORTS), (BANP, ANP_PORTS), (CNP, CNP_PORTS))
}
ACTIONS = {
    ANP: st.sampled_from([Action.ALLOW, Action.DENY, Action.PASS]),
    BANP: st.sampled_from([Action.ALLOW, Action.DENY]),
    CNP: st.sampled_from([Action.ALLOW, Action.DENY, Action.PASS]),  # Accept, Deny, Pass
}


@st.composite
def admin_rules(draw, kind: str, direction: Direction) -> tuple[AdminRule, ...]:
    count = draw(st.sampled_from([1, 1, 2, 3, 0]))
    return tuple(
        AdminRule(
            direction,
            i,
            draw(ACTIONS[kind]),
            draw(PEER_LISTS[direction]),
            draw(PORT_LISTS[kind]),
            name=f"r{i}",
        )
        for i in range(count)
    )


@st.composite
def admin_policies(draw) -> tuple[AdminPolicy, ...]:
    count = draw(st.sampled_from([1, 2, 2, 3, 3, 0]))
    names = draw(st.permutations(["alpha", "beta", "gamma"]))
    kinds = draw(st.lists(st.sampled_from([ANP, ANP, CNP, CNP, BANP]), min_size=count, max_size=count))
    found: list[AdminPolicy] = []
    have_banp = False
    for name, kind in zip(names, kinds):
        if kind == BANP:
            if have_banp:
                kind = ANP
            else:
                have_banp, name = True, "default"
        if kind == BANP:
            tier, priority = Tier.BASELINE, 0
        else:
            tier = Tier.ADMIN if kind == ANP else draw(st.sampled_from(list(Tier)))
            priority = draw(st.sampled_from([0, 1, 1, 1, 1000]))
        found.append(
            AdminPolicy(
                kind,
                name,
                tier,
                priority,
                draw(SUBJECTS),
                draw(admin_rules(kind, Direction.INGRESS)),
                draw(admin_rules(kind, Direction.EGRESS)),
            )
        )
    return tuple(sorted(found, key=lambda p: (p.tier.value, p.priority, p.name)))  # as the loader keeps them


@st.composite
def tiered_clusters(draw) -> Cluster:
    cluster = draw(clusters())
    return dataclasses.replace(cluster, admin_policies=draw(admin_policies()))


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SWITCH = pytest.mark.parametrize(
    "ipblock_matches_pods", [True, False], ids=["ipblock-matches-pods", "ipblock-ignores-pods"]
)

# --- properties ----------------------------------------------------------------------


@SWITCH
@SETTINGS
@given(cluster=tiered_clusters())
def test_reach_matches_reference_with_admin_tiers(cluster: Cluster, ipblock_matches_pods: bool) -> None:
    """The pod-view matrix is exactly the reference's, pair by pair."""
    result = engine.reach(cluster, PROBES, options=options(ipblock_matches_pods))
    expected = reference_matrix(cluster, PROBES, ipblock_matches_pods)
    assert result.allowed == expected, _diff(result.allowed, expected)


@SWITCH
@SETTINGS
@given(cluster=tiered_clusters(), data=st.data())
def test_evaluate_matches_reference_with_admin_tiers(
    cluster: Cluster, data: st.DataObject, ipblock_matches_pods: bool
) -> None:
    """Per pair (pods and external addresses): the verdict, each side's basis and admin steps."""
    opts = options(ipblock_matches_pods)
    probes = data.draw(st.lists(st.sampled_from(PROBES), min_size=1, max_size=3, unique=True), label="probes")
    outside = data.draw(
        st.lists(st.sampled_from(externals(cluster)), min_size=1, max_size=2, unique=True), label="externals"
    )
    ends = [*cluster.pods, *outside]
    for src in ends:
        for dst in ends:
            if not isinstance(src, Pod) and not isinstance(dst, Pod):
                continue
            for probe in probes:
                verdict = engine.evaluate(cluster, src, dst, probe, opts)
                where = f"{_name(src)} -> {_name(dst)} {probe}"
                assert verdict.allowed == reference_allowed(cluster, src, dst, probe, ipblock_matches_pods), where
                if src is dst:
                    continue
                for side, pod, direction, other in (
                    (verdict.egress, src, Direction.EGRESS, dst),
                    (verdict.ingress, dst, Direction.INGRESS, src),
                ):
                    _check_side(cluster, side, pod, direction, other, dst, probe, ipblock_matches_pods, where)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster=tiered_clusters())
def test_admin_policies_selecting_nobody_change_nothing(cluster: Cluster) -> None:
    """Admin policies whose subject picks no pod are inert, whatever their rules."""
    nobody = LabelSelector((("app", "no-such-app"),))
    inert = tuple(
        dataclasses.replace(p, subject=PodPeer("", nobody, LabelSelector())) for p in cluster.admin_policies
    )
    plain = dataclasses.replace(cluster, admin_policies=())
    muted = dataclasses.replace(cluster, admin_policies=inert)
    assert engine.reach(muted, PROBES).allowed == engine.reach(plain, PROBES).allowed


# --- helpers -------------------------------------------------------------------------


def _check_side(cluster, side, pod, direction, other, dst, probe, ipblock_matches_pods, where) -> None:
    """One DirectionVerdict against the reference: basis, admin steps, isolated_by, allowed_by."""
    if not isinstance(pod, Pod):
        assert not side.applies and side.allowed, where
        return
    reason = direction_reason(cluster, pod, direction, other, dst, probe, ipblock_matches_pods)
    assert side.basis.value == reason.basis, where
    assert side.allowed == reason.allowed, where
    expected_steps = [
        (m.policy.short, m.policy.key, m.rule.index, m.rule.name, m.action.value) for m in reason.matches
    ]
    got_steps = [(s.policy, s.key, s.rule, s.rule_name, s.action) for s in side.steps]
    assert got_steps == expected_steps, where
    if reason.basis in ("rule", "no-rule"):
        isolating = policies_isolating(cluster, pod, direction)
        assert set(side.isolated_by) == {p.key for p in isolating}, where
        admitting = {
            (p.key, direction, rule.index)
            for p in isolating
            for rule in p.rules(direction)
            if rule_admits(cluster, rule, other, dst, probe, ipblock_matches_pods)
        }
        assert {(r.policy, Direction(r.direction), r.index) for r in side.allowed_by} == admitting, where
    else:
        assert side.isolated_by == () and side.allowed_by == (), where
