"""The closed loop, as a property: intended flows -> records in each format -> advise -> the engine agrees.

A random cluster (Deployments with pods, addresses and ports, in one or two
namespaces, some sharing a label) and random intended flows (between workloads,
to and from outside addresses) are written as the records each tool would write
for them. ``advise`` must then produce policies that allow every intended flow
and nothing else between the workloads or to the outside (the engine's matrix),
and ``flows check`` against them must report nothing that would break.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import podwall
from podwall.engine import External, Probe, evaluate, reach
from podwall.flows import FORMATS, advise, check, read_file
from podwall.generate import with_policies
from podwall.model import Protocol

PORTS = (Probe(80), Probe(8080), Probe(5432), Probe(53, Protocol.UDP))
OUTSIDE = ipaddress.ip_address("198.51.100.7")  # a destination on the internet
CLIENT = ipaddress.ip_address("203.0.113.9")  # a client on the internet
ELSEWHERE = (ipaddress.ip_address("192.0.2.44"), ipaddress.ip_address("198.51.101.7"))  # never intended


@dataclass(frozen=True)
class Workload:
    index: int
    namespace: str
    team: bool
    ports: tuple[Probe, ...]
    replicas: int

    @property
    def name(self) -> str:
        return f"w{self.index}"

    @property
    def key(self) -> str:
        return f"{self.namespace}/Deployment/{self.name}"

    @property
    def labels(self) -> dict[str, str]:
        return {"app": self.name, **({"team": "shop"} if self.team else {})}

    def pod(self, k: int) -> tuple[str, str]:
        """(pod name, address) of replica k."""
        return f"{self.name}-6d4b8c9f7-{k:05d}", f"10.1.{self.index}.{10 + k}"


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Workload], list[tuple[object, object, Probe]]]:
    namespaces = draw(st.sampled_from([("ns-a",), ("ns-a", "ns-b")]))
    count = draw(st.integers(2, 4))
    workloads = [
        Workload(i, draw(st.sampled_from(namespaces)), draw(st.booleans()),
                 tuple(draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=2, unique=True))),
                 draw(st.integers(1, 2)))
        for i in range(count)
    ]
    candidates: list[tuple[object, object, Probe]] = []
    for s in workloads:
        for d in workloads:
            candidates += [(s, d, p) for p in d.ports]
        candidates.append((s, OUTSIDE, Probe(443)))
        candidates += [(CLIENT, s, p) for p in s.ports]
    flows = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=6, unique=True))
    return workloads, flows


def manifests(workloads: list[Workload]) -> str:
    documents: list[dict] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
                             for n in sorted({w.namespace for w in workloads})]
    for w in workloads:
        ports = [{"containerPort": p.port, "protocol": p.protocol.value} for p in w.ports]
        documents.append({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": w.name, "namespace": w.namespace},
            "spec": {"replicas": w.replicas, "selector": {"matchLabels": {"app": w.name}},
                     "template": {"metadata": {"labels": w.labels}, "spec": {"containers": [{"name": "c", "image": "x", "ports": ports}]}}},
        })
        for k in range(w.replicas):
            name, ip = w.pod(k)
            documents.append({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": w.namespace, "labels": {**w.labels, "pod-template-hash": "6d4b8c9f7"}},
                "spec": {"containers": [{"name": "c", "image": "x", "ports": ports}]},
                "status": {"phase": "Running", "podIP": ip},
            })
    return yaml.safe_dump_all(documents)


# -- the records each tool writes for one connection -------------------------------------------------


def _end(end: object, k: int) -> dict:
    """An end as (namespace, pod, ip, labels) or an address."""
    if isinstance(end, Workload):
        name, ip = end.pod(k)
        return {"ns": end.namespace, "pod": name, "ip": ip, "labels": end.labels, "aggr": f"{end.name}-6d4b8c9f7-*"}
    return {"ip": str(end)}


def records(fmt: str, flows: list[tuple[object, object, Probe]]) -> list[str]:
    lines: list[str] = {"vpc": ["version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"],
                        "csv": ["src_ip,dst_ip,dst_port,protocol,count"]}.get(fmt, [])
    for n, (source, destination, probe) in enumerate(flows):
        for k in range(2):  # two connections, from each replica when there are two
            s = _end(source, k % (source.replicas if isinstance(source, Workload) else 1))
            d = _end(destination, k % (destination.replicas if isinstance(destination, Workload) else 1))
            lines += _one(fmt, s, d, probe, 40000 + 10 * n + k, 1714989600 + n)
    return lines


def _one(fmt: str, s: dict, d: dict, probe: Probe, sport: int, time: int) -> list[str]:
    proto, number = probe.protocol.value, {"TCP": 6, "UDP": 17}[probe.protocol.value]
    if fmt == "hubble":
        def ep(e: dict) -> dict:
            if "pod" not in e:
                return {"identity": 2, "labels": ["reserved:world"]}
            return {"namespace": e["ns"], "pod_name": e["pod"], "labels": [f"k8s:{k}={v}" for k, v in e["labels"].items()]}
        def flow(a: dict, b: dict, sp: int, dp: int, reply: bool) -> str:
            return json.dumps({"flow": {"time": f"2024-05-06T10:00:{time % 60:02d}Z", "verdict": "FORWARDED",
                               "IP": {"source": a["ip"], "destination": b["ip"]}, "l4": {proto: {"source_port": sp, "destination_port": dp}},
                               "source": ep(a), "destination": ep(b), "is_reply": reply}})
        return [flow(s, d, sport, probe.port, False), flow(d, s, probe.port, sport, True)]
    if fmt == "calico":
        def side(prefix: str, e: dict) -> dict:
            if "pod" not in e:
                return {f"{prefix}_ip": e["ip"], f"{prefix}_name": "-", f"{prefix}_name_aggr": "pub", f"{prefix}_namespace": "-",
                        f"{prefix}_type": "net", f"{prefix}_labels": {"labels": []}}
            return {f"{prefix}_ip": None, f"{prefix}_name": "-", f"{prefix}_name_aggr": e["aggr"], f"{prefix}_namespace": e["ns"],
                    f"{prefix}_type": "wep", f"{prefix}_labels": {"labels": [f"{k}={v}" for k, v in e["labels"].items()]}}
        return [json.dumps({"start_time": time, "end_time": time + 300, **side("source", s), **side("dest", d),
                            "dest_port": probe.port, "proto": proto.lower(), "action": "allow", "reporter": "src", "num_flows": 1})]
    if fmt == "gadget":
        if "pod" in s:
            at, remote, kind = s, d, "OUTGOING"
        else:
            at, remote, kind = d, s, "HOST"
        event = {"node": "n1", "namespace": at["ns"], "pod": at["pod"], "type": "normal", "pktType": kind, "proto": proto.lower(),
                 "port": probe.port, "podIP": at["ip"], "podLabels": at["labels"], "remoteAddr": remote["ip"]}
        if "pod" in remote:
            event.update(remoteKind="pod", remoteName=remote["pod"], remoteNamespace=remote["ns"], remoteLabels=remote["labels"])
        else:
            event.update(remoteKind="other")
        return [json.dumps(event)]
    if fmt == "vpc":
        return [f"2 123456789012 eni-1 {s['ip']} {d['ip']} {sport} {probe.port} {number} 5 400 {time} {time + 60} ACCEPT OK",
                f"2 123456789012 eni-2 {d['ip']} {s['ip']} {probe.port} {sport} {number} 5 900 {time} {time + 60} ACCEPT OK"]
    if fmt == "conntrack":
        return [f"{proto.lower()} {number} 100 src={s['ip']} dst={d['ip']} sport={sport} dport={probe.port} "
                f"src={d['ip']} dst={s['ip']} sport={probe.port} dport={sport} [ASSURED] mark=0 use=1"]
    return [f"{s['ip']},{d['ip']},{probe.port},{proto},1"]


def _name(end: object) -> str:
    return end.key if isinstance(end, Workload) else "outside"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(FORMATS))
def test_advised_policies_allow_exactly_what_was_observed(world, fmt: str) -> None:
    workloads, flows = world
    cluster = podwall.load_text(manifests(workloads), "cluster.yaml")
    text = "\n".join(records(fmt, flows)) + "\n"
    import io

    advice = advise(read_file("-", fmt, io.StringIO(text)), cluster, external_prefix=24)
    assert advice.ok, (advice.text, [j.flow.key for j in advice.replay.judged if not j.allowed])
    assert not advice.observation.unattributed and not advice.observation.unreadable
    combined = with_policies(cluster, advice.generation.policies)

    # 1. every intended flow allowed, and nothing else between the workloads (the engine's matrix)
    # (a namespace no observed flow touches is not the app's: its workloads are left open, and so
    # are flows between two of them)
    app = set(advice.intents.namespaces)
    assert app == {w.namespace for f in flows for w in f[:2] if isinstance(w, Workload)}
    intended = {(_name(s), _name(d), p) for s, d, p in flows}
    matrix = reach(combined, list(PORTS), by="workload")
    between = {(s, d, p) for s, d, p in matrix.allowed}
    inside = {f for f in intended if f[0] != "outside" and f[1] != "outside" and f[0] != f[1]}
    assert inside <= between
    assert all(s.split("/")[0] not in app and d.split("/")[0] not in app for s, d, _ in between - inside)

    # 2. the outside: intended ends allowed, other addresses and ports denied
    for w in (w for w in workloads if w.namespace in app):
        pods = [p for p in combined.pods if p.workload_key == w.key]
        for pod in pods:
            out = evaluate(combined, pod, External(OUTSIDE), Probe(443)).allowed
            assert out == ((w.key, "outside", Probe(443)) in intended)
            for elsewhere in ELSEWHERE:
                assert not evaluate(combined, pod, External(elsewhere), Probe(443)).allowed
            for probe in w.ports:
                inbound = evaluate(combined, External(CLIENT), pod, probe).allowed
                assert inbound == (("outside", w.key, probe) in intended)
                assert not evaluate(combined, External(ELSEWHERE[0]), pod, probe).allowed

    # 3. flows check against the advised policies: nothing observed would break
    replay = check(combined, read_file("-", fmt, io.StringIO(text)))
    assert replay.ok and len(replay.judged) == len({(s, d, p) for s, d, p in flows})
