"""``reach``: subjects, default probes, pod and workload views, namespace filter.

The matrix is compared with the reference evaluator over every pair, and a few
flows the scenario was written for are asserted by name.
"""

from __future__ import annotations

import itertools

import pytest

from podwall.model import Protocol
from reference import reference_matrix, reference_workload_matrix

from ._world import WORLD, load, namespace, netpol, pod

engine = pytest.importorskip("podwall.engine")


def P(text: str):
    return engine.Probe.parse(text)


def deployment(key: str, labels: dict[str, str], ports: str) -> str:
    ns, name = key.split("/")
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{matchLabels: {labels}}}
  template:
    metadata: {{labels: {labels}}}
    spec:
      containers:
      - {{name: main, image: registry.example/app:1, ports: {ports}}}
"""


BACKEND_PODS = "".join(
    f"""\
---
apiVersion: v1
kind: Pod
metadata:
  name: backend-5d9-{suffix}
  namespace: prod
  labels: {{app: be}}
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: backend-5d9, uid: rs1}}]
spec:
  containers: [{{name: main, image: registry.example/app:1, ports: [{{containerPort: 8080, name: http}}]}}]
status: {{phase: Running, podIP: {ip}}}
"""
    for suffix, ip in (("aaaaa", "10.0.1.5"), ("bbbbb", "10.0.1.6"))
)

APP = "---\n".join(
    [
        namespace("prod", env="prod"),
        namespace("monitoring"),
        deployment("prod/frontend", {"app": "fe"}, "[{containerPort: 80, name: http}]"),
        deployment("prod/backend", {"app": "be"}, "[{containerPort: 8080, name: http}]"),
        """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: backend-5d9
  namespace: prod
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: backend, uid: d1}]
spec:
  selector: {matchLabels: {app: be}}
  template:
    metadata: {labels: {app: be}}
    spec:
      containers: [{name: main, image: registry.example/app:1, ports: [{containerPort: 8080, name: http}]}]
""",
        deployment("prod/database", {"app": "db"}, "[{containerPort: 5432}]"),
        deployment("monitoring/prometheus", {"app": "prom"}, "[{containerPort: 9090, name: metrics}]"),
        """\
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: prod, labels: {app: debug}}
spec:
  containers:
  - name: main
    image: registry.example/app:1
    ports: [{containerPort: 53, protocol: UDP, name: dns}, {containerPort: 53, name: dns-tcp}]
""",
        """\
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: prod}
spec:
  selector: {app: be}
  ports: [{port: 7777, targetPort: http}]
""",
        netpol("prod/default-deny", "podSelector: {}\npolicyTypes: [Ingress, Egress]\n"),
        netpol(
            "prod/fe-to-be",
            """
            podSelector: {matchLabels: {app: be}}
            ingress:
            - from: [{podSelector: {matchLabels: {app: fe}}}]
              ports: [{port: http}]
            """,
        ),
        netpol(
            "prod/fe-egress",
            """
            podSelector: {matchLabels: {app: fe}}
            policyTypes: [Egress]
            egress:
            - to: [{podSelector: {matchLabels: {app: be}}}]
              ports: [{port: 8080}]
            """,
        ),
        netpol(
            "prod/be-to-db",
            """
            podSelector: {matchLabels: {app: db}}
            ingress:
            - from: [{podSelector: {matchLabels: {app: be}}}]
              ports: [{port: 5432}]
            """,
        ),
        netpol(
            "prod/be-egress",
            """
            podSelector: {matchLabels: {app: be}}
            policyTypes: [Egress]
            egress:
            - to: [{podSelector: {matchLabels: {app: db}}}]
              ports: [{port: 5432}]
            - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
              ports: [{port: metrics}]
            """,
        ),
        netpol(
            "prod/allow-prometheus",
            """
            podSelector: {}
            ingress:
            - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                podSelector: {matchLabels: {app: prom}}
            """,
        ),
        netpol(
            "monitoring/only-from-one-backend-pod",
            """
            podSelector: {}
            ingress:
            - from: [{ipBlock: {cidr: 10.0.1.5/32}}]
            """,
        ),
    ]
) + BACKEND_PODS

FE, BE, DB = "prod/Deployment/frontend", "prod/Deployment/backend", "prod/Deployment/database"
PROM, DEBUG = "monitoring/Deployment/prometheus", "prod/Pod/debug"
BE_A, BE_B = "prod/backend-5d9-aaaaa", "prod/backend-5d9-bbbbb"


def test_default_probes_are_declared_ports_sorted() -> None:
    """Without probes: every declared container port, deduplicated, sorted by (port, protocol).

    Service ports are not container ports: policies never see them.
    """
    result = engine.reach(load(APP))
    expected = sorted(
        {(53, Protocol.TCP), (53, Protocol.UDP), (80, Protocol.TCP), (5432, Protocol.TCP), (8080, Protocol.TCP), (9090, Protocol.TCP)},
        key=lambda t: (t[0], t[1].value),
    )
    assert [(p.port, p.protocol) for p in result.probes] == expected


def test_pod_view_matches_reference() -> None:
    """Pod view: subjects are pod keys (templates as ns/Kind/name); allowed as the reference."""
    cluster = load(APP)
    result = engine.reach(cluster)
    assert set(result.subjects) == {p.key for p in cluster.pods}
    assert set(result.subjects) == {FE, BE_A, BE_B, DB, PROM, "prod/debug"}
    assert result.allowed == reference_matrix(cluster, result.probes)
    assert all(src != dst for src, dst, _ in result.allowed)
    assert (FE, BE_A, P("8080/TCP")) in result.allowed
    assert (FE, BE_B, P("8080/TCP")) in result.allowed
    assert ("prod/debug", BE_A, P("8080/TCP")) not in result.allowed
    assert (BE_A, PROM, P("9090/TCP")) in result.allowed
    assert (BE_B, PROM, P("9090/TCP")) not in result.allowed
    assert (BE_A, BE_B, P("8080/TCP")) not in result.allowed  # same workload, still isolated


def test_workload_view_matches_reference() -> None:
    """Workload view: A -> B iff some pod of A may reach some pod of B; no self pairs."""
    cluster = load(APP)
    result = engine.reach(cluster, by="workload")
    assert set(result.subjects) == {FE, BE, DB, PROM, DEBUG}
    assert result.allowed == reference_workload_matrix(cluster, result.probes)
    assert all(src != dst for src, dst, _ in result.allowed)
    assert (FE, BE, P("8080/TCP")) in result.allowed
    assert (BE, DB, P("5432/TCP")) in result.allowed
    assert (FE, DB, P("5432/TCP")) not in result.allowed
    assert (PROM, BE, P("8080/TCP")) in result.allowed
    assert (BE, PROM, P("9090/TCP")) in result.allowed  # only backend-5d9-aaaaa may
    assert (DEBUG, BE, P("8080/TCP")) not in result.allowed


def test_explicit_probes() -> None:
    """Given probes are the probes of the result, declared or not."""
    cluster = load(APP)
    probes = [P("1234/TCP"), P("9090/TCP")]
    result = engine.reach(cluster, probes)
    assert set(result.probes) == set(probes)
    assert result.allowed == reference_matrix(cluster, result.probes)
    assert (PROM, BE_A, P("1234/TCP")) in result.allowed
    assert (FE, BE_A, P("1234/TCP")) not in result.allowed


@pytest.mark.parametrize(("namespaces", "by"), [(["prod"], "pod"), (["monitoring"], "pod"), (["prod"], "workload")])
def test_namespace_scope_keeps_flows_with_one_end_inside(namespaces: list[str], by: str) -> None:
    """``namespaces``: the flows with at least one end inside, between those subjects and their peers anywhere."""
    cluster = load(APP)
    full = engine.reach(cluster, by=by)
    part = engine.reach(cluster, by=by, namespaces=namespaces)
    inside = {s for s in full.subjects if s.split("/")[0] in namespaces}
    kept = {(s, d, p) for s, d, p in full.allowed if s in inside or d in inside}
    assert part.allowed == kept
    assert set(part.subjects) == inside | {s for s, _, _ in kept} | {d for _, d, _ in kept}
    assert all(part.in_scope(s) == (s in inside) for s in part.subjects)


def test_no_policies_allows_every_pair() -> None:
    """Without policies every pod reaches every other pod on every probe."""
    cluster = load(WORLD)
    result = engine.reach(cluster)
    keys = [p.key for p in cluster.pods]
    assert result.allowed == {
        (s, d, p) for s, d in itertools.permutations(keys, 2) for p in result.probes
    }
    assert {(p.port, p.protocol) for p in result.probes} == {(80, Protocol.TCP), (53, Protocol.UDP)}


NODE_LOCAL = "---\n".join(
    [
        namespace("x"),
        """\
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: x, labels: {app: agent}}
spec: {hostNetwork: true, nodeName: n1, containers: [{name: c, image: app}]}
status: {podIP: 10.0.0.1}
""",
        """\
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: x, labels: {app: server}}
spec: {nodeName: n1, containers: [{name: c, image: app, ports: [{containerPort: 80}, {containerPort: 443}]}]}
status: {podIP: 10.244.1.10}
""",
        netpol("x/deny", "podSelector: {}\npolicyTypes: [Ingress, Egress]"),
    ]
)


def test_node_local_flows_are_on_every_probe_and_on_none_without_probes() -> None:
    """A host-network pod reaches the pods of its node on every probe judged, whatever the policies
    say; with no probe judged there is no flow at all (``destinations`` lists none, node-local or not)."""
    cluster = load(NODE_LOCAL)
    result = engine.reach(cluster, [P("80/TCP"), P("443/TCP"), P("53/UDP")])
    assert result.destinations("x/agent") == [("x/server", (P("53/UDP"), P("80/TCP"), P("443/TCP")))]
    assert result.destinations("x/server") == []
    assert result.allowed == reference_matrix(cluster, result.probes)
    none = engine.reach(cluster, [])
    assert none.probes == ()
    assert [none.destinations(s) for s in none.subjects] == [[], []]


SPLIT = "---\n".join(
    [
        namespace("x"),
        pod("x/a", {"app": "a"}, ("http:80",), "10.0.0.1"),
        pod("x/b", {"app": "b"}, ("http:8080",), "10.0.0.2"),
        pod("x/c", {"app": "c"}, ("80",), "10.0.0.3"),
        pod("x/d", {"app": "d"}, ("http:80", "8080"), "10.0.0.4"),
        # egress of a: two rules admitting 80/TCP, joined into one send set
        netpol("x/a-out", """
podSelector: {matchLabels: {app: a}}
policyTypes: [Egress]
egress:
- to: [{podSelector: {matchLabels: {app: b}}}]
- to: [{podSelector: {matchLabels: {app: c}}}, {podSelector: {matchLabels: {app: d}}}]
  ports: [{port: 80}]
"""),
        # ingress of every pod: a named port resolving on some pods only, beside rules on every port
        netpol("x/in", """
podSelector: {}
policyTypes: [Ingress]
ingress:
- from: [{podSelector: {matchLabels: {app: a}}}]
  ports: [{port: http}]
- from: [{podSelector: {matchLabels: {app: c}}}]
- from: [{podSelector: {matchLabels: {app: d}}}]
  ports: [{port: 80}, {port: 8080}]
"""),
    ]
)


@pytest.mark.parametrize(("by", "reference", "prefix"), [
    ("pod", reference_matrix, "x/"), ("workload", reference_workload_matrix, "x/Pod/")])
def test_groups_with_several_rules_and_named_ports_match_reference(by, reference, prefix: str) -> None:
    """Several rules of one group admitting a probe join; a named port resolving on some of a group's
    pods splits it, alongside rules admitting the probe on all of them."""
    cluster = load(SPLIT)
    result = engine.reach(cluster, [P("80/TCP"), P("8080/TCP"), P("53/UDP")], by=by)
    assert result.allowed == reference(cluster, result.probes)
    a, b, c, d = (prefix + name for name in "abcd")
    assert (a, b, P("8080/TCP")) in result.allowed  # named http is 8080 on b
    assert (a, d, P("80/TCP")) in result.allowed  # named http is 80 on d
    assert (a, c, P("80/TCP")) not in result.allowed  # c declares no http
    assert (c, b, P("53/UDP")) in result.allowed  # c: every port
