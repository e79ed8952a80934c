"""The engine agrees with the naive reference evaluator on random small clusters.

Clusters are built as model objects directly (policy types already defaulted, as the
loader does), so this module exercises the engine alone.
"""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Operator,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    Workload,
    WorkloadRef,
)
from reference import (
    direction_allows,
    policies_isolating,
    reference_allowed,
    reference_matrix,
    reference_workload_matrix,
    rule_admits,
)

engine = pytest.importorskip("podwall.engine")

TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP

PROBES = tuple(
    engine.Probe(port, proto)
    for port, proto in [
        (53, UDP),
        (53, TCP),
        (80, TCP),
        (81, TCP),
        (81, UDP),
        (8080, TCP),
        (5432, SCTP),
        (5432, TCP),
    ]
)

NAMESPACES = ("ns1", "ns2", "ns3")
NS_KEYS = ("team", "env", NAMESPACE_NAME_LABEL)
NS_VALUES = ("a", "b", "ns1", "ns2")
POD_KEYS = ("app", "tier", "env")
POD_VALUES = ("a", "b", "c")

CONTAINER_PORTS = (
    ContainerPort(80, TCP, "http"),
    ContainerPort(8080, TCP, "http"),
    ContainerPort(81, TCP, "web"),
    ContainerPort(81, UDP, "web"),
    ContainerPort(53, UDP, "dns"),
    ContainerPort(53, TCP, "dns-tcp"),
    ContainerPort(5432, SCTP, "db"),
    ContainerPort(5432, TCP, "db"),
    ContainerPort(80, TCP, ""),
    ContainerPort(8080, TCP, ""),
)
PORT_NAMES = ("http", "web", "dns", "dns-tcp", "db", "nope")
PORT_NUMBERS = (1, 53, 79, 80, 81, 5432, 8080)

CIDRS = tuple(
    ipaddress.ip_network(c)
    for c in (
        "10.0.0.0/24",
        "10.0.0.0/29",
        "10.0.0.4/30",
        "10.0.0.2/31",
        "10.0.0.1/32",
        "0.0.0.0/0",
        "8.8.8.0/24",
        "fd00::/64",
        "::/0",
    )
)
EXCEPTS = tuple(
    ipaddress.ip_network(c)
    for c in (
        "10.0.0.0/30",
        "10.0.0.2/31",
        "10.0.0.3/32",
        "10.0.0.0/25",
        "10.0.0.0/8",
        "8.8.8.8/32",
        "fd00::/120",
        "fd00::1/128",
    )
)
EXTERNAL_CANDIDATES = tuple(
    ipaddress.ip_address(a)
    for a in ("10.0.0.2", "10.0.0.3", "10.0.0.200", "8.8.8.8", "192.168.1.1", "fd00::1", "fd00::200", "2001:db8::1")
)
OWNERS = (None, None, ("Deployment", "d0"), ("Deployment", "d1"), ("StatefulSet", "s0"))


# --- strategies ----------------------------------------------------------------------


def selectors(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[LabelSelector]:
    """Random selectors over a small vocabulary, with every operator."""
    requirement = st.builds(
        lambda key, op, vals: Requirement(
            key, op, tuple(sorted(vals)) if op in (Operator.IN, Operator.NOT_IN) else ()
        ),
        st.sampled_from(keys),
        st.sampled_from(list(Operator)),
        st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True),
    )
    return st.builds(
        lambda ml, me: LabelSelector(tuple(sorted(ml.items())), tuple(me)),
        st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=2),
        st.lists(requirement, max_size=2),
    )


# Strategies are built once: building them per draw dominates the run time.
POD_SELECTORS = selectors(POD_KEYS, POD_VALUES)
NS_SELECTORS = selectors(NS_KEYS, NS_VALUES)

# Selector peers are drawn with namespace "" and given the policy's namespace later.
POD_PEERS = st.one_of(
    st.builds(lambda s: PodPeer("", s, None), POD_SELECTORS),  # podSelector only
    st.builds(lambda s: PodPeer("", None, s), NS_SELECTORS),  # namespaceSelector only
    st.builds(lambda p, n: PodPeer("", p, n), POD_SELECTORS, NS_SELECTORS),  # both: AND
)


@st.composite
def _ipblock_peers(draw) -> IPBlockPeer:
    cidr = draw(st.sampled_from(CIDRS))
    fitting = [e for e in EXCEPTS if e.version == cidr.version and e.subnet_of(cidr)]
    excepts = draw(st.lists(st.sampled_from(fitting), max_size=2, unique=True)) if fitting else []
    return IPBlockPeer(cidr, tuple(excepts))


IPBLOCK_PEERS = _ipblock_peers()


@st.composite
def _port_specs(draw) -> PortSpec:
    protocol = draw(st.sampled_from([TCP, TCP, UDP, SCTP]))
    kind = draw(st.sampled_from(["none", "number", "range", "named"]))
    if kind == "none":
        return PortSpec(protocol)
    if kind == "named":
        return PortSpec(protocol, draw(st.sampled_from(PORT_NAMES)))
    port = draw(st.sampled_from(PORT_NUMBERS))
    if kind == "number":
        return PortSpec(protocol, port)
    end = draw(st.sampled_from([e for e in (port, port + 1, 81, 8080, 65535) if e >= port]))
    return PortSpec(protocol, port, end)


PORT_SPECS = _port_specs()
RULE_BODIES = st.tuples(
    st.lists(st.one_of(POD_PEERS, IPBLOCK_PEERS), max_size=2),  # empty: every peer
    st.lists(PORT_SPECS, max_size=2),  # empty: every port
)
RULE_LISTS = st.lists(RULE_BODIES, max_size=2)
DECLARED_TYPES = st.sampled_from(
    [None, (), (Direction.INGRESS,), (Direction.EGRESS,), (Direction.INGRESS, Direction.EGRESS)]
)


def _rules(bodies, direction: Direction, namespace: str) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            direction,
            index,
            tuple(dataclasses.replace(p, namespace=namespace) if isinstance(p, PodPeer) else p for p in peers),
            tuple(ports),
        )
        for index, (peers, ports) in enumerate(bodies)
    )


@st.composite
def policies(draw, namespaces: list[str], index: int) -> NetworkPolicy:
    namespace = draw(st.sampled_from(namespaces))
    ingress = _rules(draw(RULE_LISTS), Direction.INGRESS, namespace)
    egress = _rules(draw(RULE_LISTS), Direction.EGRESS, namespace)
    declared = draw(DECLARED_TYPES)
    if declared:
        types = frozenset(declared)
    else:  # the API server's defaulting
        types = frozenset({Direction.INGRESS} | ({Direction.EGRESS} if egress else set()))
    return NetworkPolicy(
        namespace=namespace,
        name=f"pol{index}",
        pod_selector=draw(POD_SELECTORS),
        policy_types=types,
        ingress=ingress,
        egress=egress,
    )


def _unique_ports(ports: list[ContainerPort]) -> tuple[ContainerPort, ...]:
    """Drop ports whose (number, protocol) or (name, protocol) was already declared."""
    seen: set[tuple] = set()
    kept = []
    for cp in ports:
        keys = {(cp.port, cp.protocol)} | ({(cp.name, cp.protocol)} if cp.name else set())
        if keys & seen:
            continue
        seen |= keys
        kept.append(cp)
    return tuple(kept)


NS_LABELS = st.dictionaries(st.sampled_from(("team", "env")), st.sampled_from(("a", "b")), max_size=2)
POD_LABELS = st.dictionaries(st.sampled_from(POD_KEYS), st.sampled_from(POD_VALUES), max_size=3)
PORT_LISTS = st.lists(st.sampled_from(CONTAINER_PORTS), max_size=3)
HOST_NETWORK = st.sampled_from([False] * 5 + [True])
IP_KINDS = st.sampled_from(["none", "v4", "v4", "dual"])
OWNER_SPECS = st.sampled_from(OWNERS)


@st.composite
def clusters(draw) -> Cluster:
    ns_names = draw(st.lists(st.sampled_from(NAMESPACES), min_size=2, max_size=3, unique=True))
    namespaces = []
    for name in ns_names:
        labels = draw(NS_LABELS)
        labels[NAMESPACE_NAME_LABEL] = name
        namespaces.append(Namespace(name, labels))

    pods: list[Pod] = []
    for i in range(draw(st.integers(2, 6))):
        namespace = draw(st.sampled_from(ns_names))
        labels = draw(POD_LABELS)
        ports = _unique_ports(draw(PORT_LISTS))
        host_network = draw(HOST_NETWORK)
        ip_kind = draw(IP_KINDS)
        ips: tuple = ()
        if ip_kind != "none":
            ips = (ipaddress.ip_address(f"10.0.0.{i + 1}"),)
        if ip_kind == "dual":
            ips += (ipaddress.ip_address(f"fd00::{i + 1}"),)
        owner_spec = draw(OWNER_SPECS)
        owner = WorkloadRef(owner_spec[0], namespace, owner_spec[1]) if owner_spec else None
        template = owner is not None and draw(st.booleans())
        if template:
            ips = ()
        pods.append(
            Pod(
                namespace=namespace,
                name=f"p{i}",
                labels=labels,
                ports=ports,
                ips=ips,
                host_network=host_network,
                owner=owner,
                template=template,
            )
        )
    # A template stands for a workload with no pods in the input: at most one per owner,
    # and only if no other pod has that owner.
    fixed = []
    for pod in pods:
        if pod.template and sum(p.owner == pod.owner for p in pods) > 1:
            pod = dataclasses.replace(pod, template=False)
        fixed.append(pod)
    pods = fixed

    workloads = {}
    for pod in pods:
        if pod.owner is not None and pod.owner not in workloads:
            workloads[pod.owner] = Workload(pod.owner, dict(pod.labels), pod.ports, pod.host_network)

    pols = tuple(draw(policies(ns_names, i)) for i in range(draw(st.integers(0, 4))))
    return Cluster(
        namespaces=tuple(namespaces),
        pods=tuple(pods),
        workloads=tuple(workloads.values()),
        policies=pols,
    )


def externals(cluster: Cluster) -> list:
    """A few addresses outside every pod, near and far from the pod range, v4 and v6."""
    pod_ips = {ip for pod in cluster.pods for ip in pod.ips}
    return [engine.External(a) for a in EXTERNAL_CANDIDATES if a not in pod_ips]


def options(ipblock_matches_pods: bool):
    return engine.EngineOptions(ipblock_matches_pods=ipblock_matches_pods)


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- properties ----------------------------------------------------------------------


@pytest.mark.parametrize("ipblock_matches_pods", [True, False], ids=["ipblock-matches-pods", "ipblock-ignores-pods"])
@SETTINGS
@given(cluster=clusters())
def test_reach_matches_reference(cluster: Cluster, ipblock_matches_pods: bool) -> None:
    """The pod-view matrix is exactly the reference's, pair by pair."""
    result = engine.reach(cluster, PROBES, options=options(ipblock_matches_pods))
    assert set(result.subjects) == {pod.key for pod in cluster.pods}
    assert set(result.probes) == set(PROBES)
    expected = reference_matrix(cluster, PROBES, ipblock_matches_pods)
    assert result.allowed == expected, _diff(result.allowed, expected)


@pytest.mark.parametrize("ipblock_matches_pods", [True, False], ids=["ipblock-matches-pods", "ipblock-ignores-pods"])
@SETTINGS
@given(cluster=clusters(), data=st.data())
def test_evaluate_matches_reference(cluster: Cluster, data: st.DataObject, ipblock_matches_pods: bool) -> None:
    """Per pair (pods and external addresses), the verdict and each side agree with the reference.

    To keep the module fast, each example judges every pod pair plus one or two
    external addresses, on one to three probes drawn from PROBES.
    """
    opts = options(ipblock_matches_pods)
    probes = data.draw(st.lists(st.sampled_from(PROBES), min_size=1, max_size=3, unique=True), label="probes")
    outside = data.draw(st.lists(st.sampled_from(externals(cluster)), min_size=1, max_size=2, unique=True), label="externals")
    ends = [*cluster.pods, *outside]
    for src in ends:
        for dst in ends:
            if not isinstance(src, Pod) and not isinstance(dst, Pod):
                continue
            for probe in probes:
                verdict = engine.evaluate(cluster, src, dst, probe, opts)
                expected = reference_allowed(cluster, src, dst, probe, ipblock_matches_pods)
                where = f"{_name(src)} -> {_name(dst)} {probe}"
                assert verdict.allowed == expected, where
                if src is dst:
                    continue
                _check_side(cluster, verdict.egress, src, Direction.EGRESS, dst, dst, probe, ipblock_matches_pods, where)
                _check_side(cluster, verdict.ingress, dst, Direction.INGRESS, src, dst, probe, ipblock_matches_pods, where)


@SETTINGS
@given(cluster=clusters())
def test_workload_view_matches_reference(cluster: Cluster) -> None:
    """Workload subjects A->B are allowed iff some pod of A may reach some pod of B."""
    result = engine.reach(cluster, PROBES, by="workload")
    assert set(result.subjects) == {pod.workload_key for pod in cluster.pods}
    expected = reference_workload_matrix(cluster, PROBES)
    assert result.allowed == expected, _diff(result.allowed, expected)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster=clusters(), data=st.data())
def test_policies_are_additive(cluster: Cluster, data: st.DataObject) -> None:
    """Order and duplicates never matter; more rules under the same isolation never subtract."""
    before = engine.reach(cluster, PROBES)
    shuffled = dataclasses.replace(
        cluster,
        policies=tuple(reversed(cluster.policies))
        + tuple(dataclasses.replace(p, name=p.name + "-copy") for p in cluster.policies),
    )
    assert engine.reach(shuffled, PROBES).allowed == before.allowed
    if not cluster.policies:
        return
    # A sibling of an existing policy (same namespace, selector and types: the same
    # pods isolated the same ways) with other rules can only add flows.
    base = data.draw(st.sampled_from(cluster.policies), label="sibling of")
    sibling = dataclasses.replace(
        base,
        name=base.name + "-more",
        ingress=_rules(data.draw(RULE_LISTS, label="ingress"), Direction.INGRESS, base.namespace),
        egress=_rules(data.draw(RULE_LISTS, label="egress"), Direction.EGRESS, base.namespace),
    )
    grown = dataclasses.replace(cluster, policies=(*cluster.policies, sibling))
    after = engine.reach(grown, PROBES)
    assert before.allowed <= after.allowed, _diff(after.allowed, before.allowed)
    assert after.allowed == reference_matrix(grown, PROBES)


# --- helpers -------------------------------------------------------------------------


def _check_side(cluster, side, pod, direction, other, dst, probe, ipblock_matches_pods, where) -> None:
    """One DirectionVerdict against the reference: allowed, isolated_by and allowed_by."""
    if not isinstance(pod, Pod):
        assert not side.applies, where
        assert side.allowed, where
        return
    isolating = policies_isolating(cluster, pod, direction)
    assert side.allowed == direction_allows(cluster, pod, direction, other, dst, probe, ipblock_matches_pods), where
    assert set(side.isolated_by) == {p.key for p in isolating}, where
    admitting = {
        (p.key, direction, rule.index)
        for p in isolating
        for rule in p.rules(direction)
        if rule_admits(cluster, rule, other, dst, probe, ipblock_matches_pods)
    }
    got = {(ref.policy, Direction(ref.direction), ref.index) for ref in side.allowed_by}
    assert got == admitting, where


def _name(end) -> str:
    return end.key if isinstance(end, Pod) else str(end.address)


def _diff(got: frozenset, expected: frozenset) -> str:
    extra = sorted((s, d, str(p)) for s, d, p in got - expected)
    missing = sorted((s, d, str(p)) for s, d, p in expected - got)
    return f"engine allows but reference denies: {extra}\nreference allows but engine denies: {missing}"
