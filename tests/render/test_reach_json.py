"""The streamed JSON matrix is byte for byte ``json.dumps`` of each flow, whatever the chunking."""

from __future__ import annotations

import importlib
import ipaddress
import json

import pytest

from podwall.engine import Probe, Reachability, reach
from podwall.model import Cluster, ContainerPort, Direction, IPBlockPeer, LabelSelector, Namespace, NetworkPolicy, Pod
from podwall.model import Protocol, Rule
from podwall.render.reach_json import reach_json, reach_json_chunks

module = importlib.import_module("podwall.render.reach_json")  # the package exports a function of that name


def _cluster() -> Cluster:
    """Enough open pods that the flows fill several chunks; one egress ipBlock for external subjects."""
    pods = tuple(Pod(f"ns{n % 3}", f"p{n:02d}", {"app": f"a{n % 7}"}, (ContainerPort(80 + n % 2, Protocol.TCP),))
                 for n in range(40))
    block = IPBlockPeer(ipaddress.ip_network("10.0.0.0/8"))
    policies = (NetworkPolicy("ns0", "out", LabelSelector(), frozenset({Direction.EGRESS}),
                              egress=(Rule(Direction.EGRESS, 0, (block,)),)),)
    return Cluster(tuple(Namespace(f"ns{n}", {}) for n in range(3)), pods, (), (), policies)


def _reference(result: Reachability) -> str:
    """The contract as one json.dumps per flow (how the chunks were first written)."""
    head = json.dumps({"apiVersion": "podwall.io/v1", "kind": "Reachability", "view": result.view.value,
                       "namespaces": sorted(result.scope) if result.scope is not None else None})[:-1]
    subjects = json.dumps(list(result.subjects))
    probes = json.dumps([{"port": p.port, "protocol": p.protocol.value} for p in result.probes])
    flows = [json.dumps({"from": s, "to": d, "port": p.port, "protocol": p.protocol.value})
             for s in result.subjects for d, p in sorted(result.reachable_from(s))]
    body = "\n  " + ",\n  ".join(flows) + "\n ]" if flows else "]"
    return f'{head},\n "subjects": {subjects},\n "probes": {probes},\n "allowed": [{body}}}\n'


@pytest.mark.parametrize("by", ["pod", "workload"])
@pytest.mark.parametrize("external", [False, True])
def test_chunks_spell_every_flow_as_json_dumps(by: str, external: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "BATCH", 100)
    result = reach(_cluster(), by=by, external=external)
    flows = sum(len(probes) for s in result.subjects for _, probes in result.destinations(s))
    assert flows > 2 * module.BATCH  # several full chunks and a partial one
    assert len(list(reach_json_chunks(result))) >= 3
    assert reach_json(result) == _reference(result)


def test_destinations_group_what_reachable_from_lists() -> None:
    result = reach(_cluster(), [Probe(80), Probe(81), Probe(53, Protocol.UDP)], by="pod")
    for subject in result.subjects:
        grouped = result.destinations(subject)
        assert [d for d, _ in grouped] == sorted({d for d, _ in grouped})
        assert {(d, p) for d, probes in grouped for p in probes} == result.reachable_from(subject)
        assert all(list(probes) == sorted(probes) for _, probes in grouped)


def test_an_empty_matrix_closes_the_list() -> None:
    pod = Pod("ns", "only", {}, ())
    result = reach(Cluster((Namespace("ns", {}),), (pod,), (), (), ()), [Probe(80)], by="pod")
    assert reach_json(result) == _reference(result)
    assert json.loads(reach_json(result))["allowed"] == []
