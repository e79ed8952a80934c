"""Kernel == engine: real packets through nftables agree with podwall's verdicts on every probe.

One lab is built per world and reused: between policy sets only the nft tables
are replaced (the idempotent apply) and tracked connections are forgotten.
Policy sets: hand-written cases (``corpus.POLICY_SETS``), the tutorial's steps on
its own workloads, and hypothesis-generated sets (fixed seed).
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

import podwall
from podwall.engine import EngineOptions, Probe
from podwall.lab import Lab, LabResult, Outcome, plan_lab
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    Direction,
    IPBlockPeer,
    LabelSelector,
    NetworkPolicy,
    Operator,
    PodPeer,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
)

from tests.lab import corpus
from tests.lab.conftest import STATS

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "examples" / "tutorial"
STORY = ROOT / "examples" / "lab" / "tutorial-story"
TIMEOUT = 0.5
PROBES = tuple(Probe(port, proto) for port in (80, 81) for proto in (Protocol.TCP, Protocol.UDP))


def check(lab: Lab, cluster: Cluster, options: EngineOptions = EngineOptions()) -> LabResult:
    """Apply, probe, and require agreement on every probe; count what was compared."""
    lab.apply(cluster, options)
    result = lab.measure(cluster, options)
    problems = [
        f"{o.source} -> {o.destination} {o.probe}: kernel {o.observed.value}, engine "
        f"{'allowed' if o.predicted else 'denied'} ({o.detail})"
        for o in (*result.disagreements, *result.errors)
    ]
    assert not problems, "\n".join(problems)
    assert result.compared > 0
    STATS["sets"] = STATS.get("sets", 0) + 1
    STATS["compared"] = STATS.get("compared", 0) + result.compared
    return result


def _host_state() -> tuple[str, str, str]:
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    names = "\n".join(sorted(line.split(":")[1].split("@")[0].strip() for line in links.splitlines() if ":" in line))
    return names, routes, tables


@pytest.fixture(scope="module")
def world() -> Cluster:
    return podwall.load_text(corpus.WORLD, "<conformance world>")


@pytest.fixture(scope="module")
def world_lab(world: Cluster):
    before = _host_state()
    plan = plan_lab(world, PROBES, extra_ipblocks=corpus.catalogue_ipblocks())
    with Lab(plan, timeout=TIMEOUT) as lab:
        # Nothing of the lab is visible from the host: no interface, route or table appeared.
        assert _host_state() == before
        yield lab
    assert _host_state() == before


def test_world_addresses_are_as_documented(world_lab: Lab) -> None:
    addresses = {s.key: str(s.address) for s in world_lab.plan.subjects}
    assert addresses["x/a"] == "10.244.0.1"
    assert addresses["z/c"] == "10.244.2.3"
    assert len(world_lab.plan.externals) >= 4  # regions cut by the catalogue's ipBlocks


@pytest.mark.parametrize("name", sorted(corpus.POLICY_SETS))
def test_policy_set(world_lab: Lab, world: Cluster, name: str) -> None:
    cluster = podwall.load_text(corpus.WORLD + corpus.POLICY_SETS[name], f"<{name}>")
    result = check(world_lab, cluster)
    if name == "whole-protocol-and-sctp":
        assert not result.untestable  # SCTP rules compile and load; SCTP is simply never probed here
    if name == "no-policies":
        assert all(o.observed is Outcome.ALLOWED for o in result.observations)


@pytest.mark.parametrize("name", corpus.IPBLOCK_IGNORES_PODS)
def test_policy_set_ipblock_ignores_pods(world_lab: Lab, name: str) -> None:
    cluster = podwall.load_text(corpus.WORLD + corpus.POLICY_SETS[name], f"<{name}>")
    check(world_lab, cluster, EngineOptions(ipblock_matches_pods=False))


def test_apply_is_idempotent(world_lab: Lab) -> None:
    cluster = podwall.load_text(corpus.WORLD + corpus.POLICY_SETS["policies-are-additive"], "<additive>")
    world_lab.apply(cluster)
    check(world_lab, cluster)  # applied twice in a row: same table, same verdicts


# -- the tutorial's steps, on its own workloads (DNS over UDP and TCP included) -----------------


@pytest.fixture(scope="module")
def tutorial_lab():
    base = podwall.load([str(TUTORIAL / "namespaces.yaml"), str(TUTORIAL / "workloads.yaml")])
    plan = plan_lab(base, by="workload")
    with Lab(plan, timeout=TIMEOUT) as lab:
        yield lab


STEPS = sorted(p.name for p in STORY.glob("*.yaml"))


@pytest.mark.parametrize("count", range(len(STEPS) + 2), ids=lambda n: f"steps-1-to-{n}")
def test_tutorial_steps(tutorial_lab: Lab, count: int) -> None:
    paths = [str(TUTORIAL / "namespaces.yaml"), str(TUTORIAL / "workloads.yaml")]
    if count <= len(STEPS):
        paths += [str(STORY / name) for name in STEPS[:count]]
    else:
        paths += [str(TUTORIAL / "policies.yaml")]  # the tutorial's full recommendation
    result = check(tutorial_lab, podwall.load(paths))
    seen = {(o.source, o.destination, str(o.probe)): o.observed for o in result.observations}
    frontend, coredns, backend = ("production/Deployment/frontend", "kube-system/Deployment/coredns",
                                  "production/Deployment/backend")
    dns = Outcome.ALLOWED if count == 0 or count >= 2 else Outcome.DENIED
    assert seen[frontend, coredns, "53/UDP"] is dns
    assert seen[frontend, coredns, "53/TCP"] is dns
    assert seen[frontend, backend, "8080/TCP"] is (Outcome.ALLOWED if count in (0, 4) else Outcome.DENIED)


# -- hypothesis-generated policy sets on the conformance world -----------------------------------

_POD_VALUES = st.sampled_from(corpus.PODS)
_NS_VALUES = st.sampled_from(corpus.NAMESPACES)


def _selector(key: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[LabelSelector]:
    requirement = st.builds(
        lambda op, vals: Requirement(key, op, tuple(sorted(set(vals))) if op in (Operator.IN, Operator.NOT_IN) else ()),
        st.sampled_from(list(Operator)),
        st.lists(values, min_size=1, max_size=2),
    )
    return st.one_of(
        st.just(LabelSelector()),
        st.builds(lambda v: LabelSelector(((key, v),)), values),
        st.builds(lambda r: LabelSelector((), (r,)), requirement),
    )


_POD_SELECTORS = _selector("pod", _POD_VALUES)
_NS_SELECTORS = st.one_of(_selector("ns", _NS_VALUES), _selector(NAMESPACE_NAME_LABEL, _NS_VALUES))


@st.composite
def _peer(draw, namespace: str):
    kind = draw(st.sampled_from(["pod", "namespace", "both", "ipblock"]))
    if kind == "pod":
        return PodPeer(namespace, draw(_POD_SELECTORS), None)
    if kind == "namespace":
        return PodPeer(namespace, None, draw(_NS_SELECTORS))
    if kind == "both":
        return PodPeer(namespace, draw(_POD_SELECTORS), draw(_NS_SELECTORS))
    cidr = draw(st.sampled_from(corpus.CIDRS))
    fitting = [e for e in corpus.EXCEPTS if e.subnet_of(cidr) and e != cidr]
    excepts = draw(st.lists(st.sampled_from(fitting), max_size=2, unique=True)) if fitting else []
    return IPBlockPeer(cidr, tuple(excepts))


@st.composite
def _port(draw) -> PortSpec:
    protocol = draw(st.sampled_from([Protocol.TCP, Protocol.TCP, Protocol.UDP, Protocol.SCTP]))
    kind = draw(st.sampled_from(["all", "number", "range", "named"]))
    if kind == "all":
        return PortSpec(protocol)
    if kind == "named":
        return PortSpec(protocol, draw(st.sampled_from(["serve-80-tcp", "serve-81-tcp", "serve-80-udp", "serve-81-udp", "nope"])))
    port = draw(st.sampled_from([79, 80, 81]))
    if kind == "number":
        return PortSpec(protocol, port)
    return PortSpec(protocol, port, draw(st.sampled_from([e for e in (80, 81, 9000) if e >= port])))


@st.composite
def _policy(draw, index: int) -> NetworkPolicy:
    namespace = draw(_NS_VALUES)
    types = draw(st.sampled_from([(Direction.INGRESS,), (Direction.EGRESS,), (Direction.INGRESS, Direction.EGRESS)]))
    rules: dict[Direction, tuple[Rule, ...]] = {Direction.INGRESS: (), Direction.EGRESS: ()}
    for direction in types:  # rules of a direction the policy does not isolate are never read
        bodies = draw(st.lists(st.tuples(st.lists(_peer(namespace), max_size=2), st.lists(_port(), max_size=2)),
                               min_size=1, max_size=3))
        rules[direction] = tuple(Rule(direction, i, tuple(peers), tuple(ports)) for i, (peers, ports) in enumerate(bodies))
    return NetworkPolicy(
        namespace, f"generated-{index}", draw(_POD_SELECTORS), frozenset(types),
        rules[Direction.INGRESS], rules[Direction.EGRESS],
    )


@st.composite
def policy_sets(draw) -> tuple[NetworkPolicy, ...]:
    count = draw(st.integers(min_value=1, max_value=4))
    return tuple(draw(_policy(i)) for i in range(count))


_PASSED: set[str] = set()


@settings(max_examples=20, derandomize=True, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policies=policy_sets())
def test_generated_policy_sets(world_lab: Lab, world: Cluster, policies: tuple[NetworkPolicy, ...]) -> None:
    text = "\n".join(repr(p) for p in policies)
    assume(text not in _PASSED)  # derandomized generation repeats itself; a passed repeat proves nothing new
    note(text)
    check(world_lab, dataclasses.replace(world, policies=policies))
    _PASSED.add(text)


# -- admin tiers (when the model has them) -----------------------------------------------------


@pytest.mark.parametrize("name", sorted(corpus.ADMIN_SETS))
def test_admin_tier_set(world_lab: Lab, name: str) -> None:
    if not hasattr(podwall.model, "AdminPolicy"):
        pytest.skip("this podwall has no admin-tier model (AdminNetworkPolicy)")
    cluster = podwall.load_text(corpus.WORLD + corpus.ADMIN_SETS[name], f"<{name}>")
    assert cluster.admin_policies
    check(world_lab, cluster)
