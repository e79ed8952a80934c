"""Kernel == engine under every distinct CNI profile: the lab compiles the profile's conventions into nftables.

One lab for examples/cni (two nodes, a host-network agent, an ipBlock naming pod
addresses, a port range, a BaselineAdminNetworkPolicy); each distinct set of
conventions is applied to it in turn and every probe compared with the engine.
The flows the scenario was written for must also come out as the profiles say.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import podwall
from podwall.cni import profile, profiles
from podwall.engine import EngineOptions, Probe
from podwall.lab import Lab, Outcome, plan_lab
from podwall.model import Cluster, Protocol
from tests.lab.conftest import STATS, fresh_run_id

pytestmark = pytest.mark.lab

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cni"

#: One profile per distinct set of conventions (the others judge alike).
DISTINCT: dict[object, str] = {}
for _p in profiles().values():
    DISTINCT.setdefault(_p.conventions(), _p.name)


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return podwall.load([str(EXAMPLE)])


@pytest.fixture(scope="module")
def lab(cluster: Cluster):
    plan = plan_lab(cluster, internet=False, run_id=fresh_run_id())
    with Lab(plan, timeout=0.5) as built:
        yield built


def _observed(result, source: str, destination: str, port: int) -> Outcome:
    return next(
        o.observed for o in result.observations
        if (o.source, o.destination, o.probe) == (source, destination, Probe(port, Protocol.TCP))
    )


@pytest.mark.parametrize("name", sorted(DISTINCT.values()))
def test_kernel_agrees_with_the_profile(lab: Lab, cluster: Cluster, name: str) -> None:
    options = EngineOptions(conventions=profile(name).conventions())
    lab.apply(cluster, options)
    result = lab.measure(cluster, options)
    problems = [f"{o.source} -> {o.destination} {o.probe}: kernel {o.observed.value} ({o.detail})"
                for o in (*result.disagreements, *result.errors)]
    assert not problems, "\n".join(problems)
    STATS["sets"] = STATS.get("sets", 0) + 1
    STATS["compared"] = STATS.get("compared", 0) + result.compared
    conventions = options.conventions
    # the scenario's flows, as docs/cni.md reads them off the profiles
    web_to_db = Outcome.ALLOWED if conventions.ipblock_matches_pods or not conventions.enforces else Outcome.DENIED
    assert _observed(result, "shop/web", "shop/db", 5432) is web_to_db
    same_node = conventions.host_network.value == "node" or not conventions.enforces
    assert _observed(result, "monitoring/node-agent", "shop/db", 9100) is (Outcome.ALLOWED if same_node else Outcome.DENIED)
    port_range = conventions.end_port or not conventions.enforces
    assert _observed(result, "shop/db", "shop/web", 8080) is (Outcome.ALLOWED if port_range else Outcome.DENIED)
