"""Exposure analysis (``reach -o connlist --exposure``) on small inline worlds, no corpus needed.

Each world is a few manifests; the checks read the engine's report as
``(workload, peer, connections)`` triples per direction, and a few render the
netpol-analyzer text and JSON formats exactly.
"""

from __future__ import annotations

import json

import pytest

from podwall.engine.connlist import Focus, connlist
from podwall.engine.exposure_analysis import (
    ExposureReport,
    exposure_analysis,
    representatives,
)
from podwall.engine.options import Probe
from podwall.loader import load_text
from podwall.model import Direction, Protocol
from podwall.render.connlist import exposure_json, exposure_text
from tests.cli.harness import run

WORLD = "0.0.0.0-255.255.255.255[External]"

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata: {name: hello}
---
apiVersion: v1
kind: Namespace
metadata: {name: backend, labels: {team: b}}
---
"""


def deployment(name: str, namespace: str, labels: dict[str, str], ports: str = "[{containerPort: 8080}]") -> str:
    """A Deployment manifest whose template has ``labels`` and ``ports`` (YAML flow text)."""
    flow = ", ".join(f"{k}: {v}" for k, v in labels.items())
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector: {{matchLabels: {{{flow}}}}}
  template:
    metadata: {{labels: {{{flow}}}}}
    spec: {{containers: [{{name: c, image: x, ports: {ports}}}]}}
---
"""


A = deployment("a", "hello", {"app": "a"}, "[{containerPort: 8000}, {name: http, containerPort: 8090}]")
B = deployment("b", "hello", {"app": "b"})


def policy(name: str, namespace: str, spec: str) -> str:
    """A NetworkPolicy with ``spec`` written as YAML lines (indented two spaces)."""
    return f"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{spec}
---
"""


def analyse(text: str, focus: Focus | None = None) -> tuple[tuple, ExposureReport]:
    cluster = load_text(text)
    every = connlist(cluster)
    lines = tuple(line for line in every if focus is None or focus.keeps(line))
    return lines, exposure_analysis(cluster, every, focus)


def triples(report: ExposureReport, direction: Direction) -> list[tuple[str, str, str]]:
    found = report.egress if direction is Direction.EGRESS else report.ingress
    return [(x.workload, x.peer, x.conn_text) for x in found]


EGRESS, INGRESS = Direction.EGRESS, Direction.INGRESS


def test_no_policy_exposes_to_everything_and_says_so() -> None:
    _, report = analyse(NAMESPACES + B)
    assert triples(report, EGRESS) == [
        ("hello/b[Deployment]", WORLD, "All Connections"),
        ("hello/b[Deployment]", "entire-cluster", "All Connections"),
    ]
    assert triples(report, INGRESS) == triples(report, EGRESS)
    assert report.unprotected == (("hello/b[Deployment]", EGRESS), ("hello/b[Deployment]", INGRESS))


@pytest.mark.parametrize(
    ("peer", "name"),
    [
        ("{namespaceSelector: {}}", "entire-cluster"),
        ("{namespaceSelector: {}, podSelector: {}}", "entire-cluster"),
        ("{podSelector: {}}", "hello/[all pods]"),
        ("{podSelector: {matchLabels: {role: mon}}}", "hello/[pod with {role=mon}]"),
        ("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: backend}}}", "backend/[all pods]"),
        ("{namespaceSelector: {matchLabels: {team: x, env: qa}}}", "[namespace with {env=qa,team=x}]/[all pods]"),
        (
            "{namespaceSelector: {matchLabels: {team: x}}, podSelector: {matchLabels: {role: mon}}}",
            "[namespace with {team=x}]/[pod with {role=mon}]",
        ),
        ("{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}", "[all namespaces]/[pod with {k8s-app=kube-dns}]"),
        (
            (
                "{podSelector: {matchLabels: {app: x}, matchExpressions: [{key: tier, operator: Exists}, "
                "{key: env, operator: NotIn, values: [qa, dev]}]}}"
            ),
            "hello/[pod with {app=x,{Key:env,Operator:NotIn,Values:[dev qa],},{Key:tier,Operator:Exists,Values:[],}}]",
        ),
    ],
    ids=["ns-empty", "both-empty", "pods-of-policy-ns", "pod-selector", "ns-by-name", "ns-labels", "ns-and-pod",
         "any-ns-pod", "expressions"],
)
def test_representative_peer_names(peer: str, name: str) -> None:
    text = NAMESPACES + A + policy("p", "hello", f"  podSelector: {{matchLabels: {{app: a}}}}\n  ingress: [{{from: [{peer}]}}]")
    _, report = analyse(text)
    assert ("hello/a[Deployment]", name, "All Connections") in triples(report, INGRESS)


def test_rules_toward_one_representative_merge_and_broader_ones_hide_narrower() -> None:
    spec = """\
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: x}}}]
    ports: [{port: 8090}]
  - from: [{namespaceSelector: {matchLabels: {team: "y"}}}]
    ports: [{port: 8000}]
  - from: [{namespaceSelector: {}}]
    ports: [{port: 8000}]"""
    _, report = analyse(NAMESPACES + A + policy("p", "hello", spec))
    # team=x gets its own port and the entire cluster's; team=y says nothing entire-cluster does not
    assert triples(report, INGRESS) == [
        ("hello/a[Deployment]", "[namespace with {team=x}]/[all pods]", "TCP 8000,8090"),
        ("hello/a[Deployment]", "entire-cluster", "TCP 8000"),
    ]
    assert report.unprotected == (("hello/a[Deployment]", EGRESS),)


def test_a_narrower_representative_is_hidden_by_a_broader_one_with_the_same_connections() -> None:
    """Not only entire-cluster hides: any representative it is within with at least its connections does."""
    spec = """\
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: x}}}]
    ports: [{port: 8090}]
  - from: [{namespaceSelector: {matchLabels: {team: x}}, podSelector: {matchLabels: {role: mon}}}]
    ports: [{port: 8090}]
  - from: [{namespaceSelector: {matchLabels: {team: x}}, podSelector: {matchLabels: {role: db}}}]
    ports: [{port: 8000}]"""
    _, report = analyse(NAMESPACES + A + policy("p", "hello", spec))
    assert triples(report, INGRESS) == [
        ("hello/a[Deployment]", "[namespace with {team=x}]/[all pods]", "TCP 8090"),
        ("hello/a[Deployment]", "[namespace with {team=x}]/[pod with {role=db}]", "TCP 8000,8090"),
    ]


def test_requirements_are_compared_not_the_labels_they_select() -> None:
    # ``app Exists`` would select every pod with ``app In (x)``, but is not the same requirement
    spec = """\
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [x]}]}}]
    ports: [{port: 9090}]
  - from: [{podSelector: {matchExpressions: [{key: app, operator: Exists}]}}]
    ports: [{port: 8080}]"""
    _, report = analyse(NAMESPACES + A + policy("p", "hello", spec))
    assert triples(report, INGRESS) == [
        ("hello/a[Deployment]", "hello/[pod with {{Key:app,Operator:Exists,Values:[],}}]", "TCP 8080"),
        ("hello/a[Deployment]", "hello/[pod with {{Key:app,Operator:In,Values:[x],}}]", "TCP 9090"),
    ]


def test_a_representative_realised_by_an_input_pod_is_in_the_connection_list_instead() -> None:
    spec = """\
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]
  - from: [{namespaceSelector: {matchLabels: {team: b}}, podSelector: {matchLabels: {app: b}}}]
  - from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [b, c]}]}}]
    ports: [{port: 8000}]
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: backend}}}]
    ports: [{port: 8090}]"""
    text = NAMESPACES + A + B + deployment("b", "backend", {"app": "b", "extra": "label"}) + policy("p", "hello", spec)
    lines, report = analyse(text)
    assert ("hello/b[Deployment]", "hello/a[Deployment]", "All Connections") in [
        (x.source, x.destination, str(x.conns)) for x in lines
    ]
    names = {rep.name for rep in representatives(load_text(text))}
    assert "hello/[pod with {app=b}]" not in names  # hello/b matches it
    assert "[namespace with {team=b}]/[pod with {app=b}]" not in names  # backend/b matches it
    # matchExpressions and [all pods] stand for more than the pods that exist
    assert [x for x in triples(report, INGRESS) if x[0] == "hello/a[Deployment]"] == [
        ("hello/a[Deployment]", "backend/[all pods]", "TCP 8090"),
        ("hello/a[Deployment]", "hello/[pod with {{Key:app,Operator:In,Values:[b c],}}]", "TCP 8000"),
    ]


def test_named_ports_resolve_on_the_workload_for_ingress_and_stay_names_for_egress() -> None:
    spec = """\
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: http}]
  egress:
  - to: [{namespaceSelector: {}}]
    ports: [{port: http}, {port: 53, protocol: UDP}]"""
    _, report = analyse(NAMESPACES + A + policy("p", "hello", spec))
    assert triples(report, INGRESS) == [("hello/a[Deployment]", "entire-cluster", "TCP 8090")]
    assert triples(report, EGRESS) == [("hello/a[Deployment]", "entire-cluster", "TCP http,UDP 53")]


ADMIN = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: monitoring-pass}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hello}}}
  ingress:
  - {name: pass, action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: backend}}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
  - {name: deny, action: Deny, from: [{namespaces: {}}]}
---
"""


def test_admin_tiers_judge_representatives_like_pods() -> None:
    spec = """\
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: backend}}}]
    ports: [{port: 8000}]"""
    _, report = analyse(NAMESPACES + A + B + ADMIN + policy("p", "hello", spec))
    assert triples(report, INGRESS) == [
        # Pass hands backend to the NetworkPolicy, which admits 8000
        ("hello/a[Deployment]", "backend/[all pods]", "TCP 8000"),
        # no NetworkPolicy isolates b: the baseline denies every pod, not external addresses
        ("hello/b[Deployment]", WORLD, "All Connections"),
    ]
    # b is protected on ingress by the baseline policy; nothing protects egress
    assert report.unprotected == (("hello/a[Deployment]", EGRESS), ("hello/b[Deployment]", EGRESS))


def test_focus_filters_exposure_lines_by_workload_direction_and_connection() -> None:
    spec = """\
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: x}}}]
    ports: [{port: 8090}, {port: 8000}]
  - from: [{namespaceSelector: {}}]
    ports: [{port: 8000}]"""
    text = NAMESPACES + A + B + policy("p", "hello", spec)
    _, report = analyse(text, Focus(workloads=("hello/a",)))
    assert {x.workload for x in (*report.egress, *report.ingress)} == {"hello/a[Deployment]"}
    assert report.unprotected == (("hello/a[Deployment]", EGRESS),)
    _, report = analyse(text, Focus(workloads=("a",), direction=INGRESS))
    assert report.egress == () and report.unprotected == ()
    assert [x.peer for x in report.ingress] == ["[namespace with {team=x}]/[all pods]", "entire-cluster"]
    # on 8000 alone team=x has nothing entire-cluster lacks
    _, report = analyse(text, Focus(workloads=("a",), direction=INGRESS, conn=Probe(8000, Protocol.TCP)))
    assert [x.peer for x in report.ingress] == ["entire-cluster"]
    _, report = analyse(text, Focus(conn=Probe(8090, Protocol.TCP)))
    assert [(x.workload, x.peer) for x in report.ingress] == [
        ("hello/a[Deployment]", "[namespace with {team=x}]/[all pods]"),
        ("hello/b[Deployment]", WORLD),
        ("hello/b[Deployment]", "entire-cluster"),
    ]


TEXT_WORLD = NAMESPACES + A + B + policy(
    "p",
    "hello",
    """\
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: 8000}]""",
)


def test_text_format() -> None:
    lines, report = analyse(TEXT_WORLD)
    assert exposure_text(lines, report) == (
        "0.0.0.0-255.255.255.255[External] => hello/b[Deployment] : All Connections\n"
        "hello/a[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
        "hello/a[Deployment] => hello/b[Deployment] : All Connections\n"
        "hello/b[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
        "hello/b[Deployment] => hello/a[Deployment] : TCP 8000\n"
        "\n"
        "Exposure Analysis Result:\n"
        "Egress Exposure:\n"
        "hello/a[Deployment] \t=> \t0.0.0.0-255.255.255.255[External] : All Connections\n"
        "hello/a[Deployment] \t=> \tentire-cluster : All Connections\n"
        "hello/b[Deployment] \t=> \t0.0.0.0-255.255.255.255[External] : All Connections\n"
        "hello/b[Deployment] \t=> \tentire-cluster : All Connections\n"
        "\n"
        "Ingress Exposure:\n"
        "hello/a[Deployment] \t<= \tentire-cluster : TCP 8000\n"
        "hello/b[Deployment] \t<= \t0.0.0.0-255.255.255.255[External] : All Connections\n"
        "hello/b[Deployment] \t<= \tentire-cluster : All Connections\n"
        "\n"
        "Workloads not protected by network policies:\n"
        "hello/a[Deployment] is not protected on Egress\n"
        "hello/b[Deployment] is not protected on Egress\n"
        "hello/b[Deployment] is not protected on Ingress\n"
    )


def test_text_format_pads_names_and_drops_connections_under_a_focus_connection() -> None:
    text = TEXT_WORLD + deployment("longer-name", "backend", {"app": "z"})
    probe = Probe(8000, Protocol.TCP)
    lines, report = analyse(text, Focus(workloads=("a", "longer-name"), direction=INGRESS, conn=probe))
    assert exposure_text(lines, report, probe) == (
        "Permitted connections on TCP 8000:\n"
        "0.0.0.0-255.255.255.255[External] => backend/longer-name[Deployment]\n"
        "backend/longer-name[Deployment] => hello/a[Deployment]\n"
        "hello/a[Deployment] => backend/longer-name[Deployment]\n"
        "hello/b[Deployment] => backend/longer-name[Deployment]\n"
        "hello/b[Deployment] => hello/a[Deployment]\n"
        "\n"
        "Exposure Analysis Result On TCP 8000:\n"
        "Ingress Exposure:\n"
        "backend/longer-name[Deployment] \t<= \t0.0.0.0-255.255.255.255[External]\n"
        "backend/longer-name[Deployment] \t<= \tentire-cluster\n"
        "hello/a[Deployment]             \t<= \tentire-cluster\n"
    )


def test_text_format_with_nothing_exposed() -> None:
    lines, report = analyse(TEXT_WORLD, Focus(workloads=("nothing",)))
    assert exposure_text(lines, report) == "Exposure Analysis Result:\n"


def test_json_format() -> None:
    lines, report = analyse(TEXT_WORLD, Focus(workloads=("a",), direction=INGRESS))
    assert json.loads(exposure_json(lines, report)) == {
        "connlist_results": [{"src": "hello/b[Deployment]", "dst": "hello/a[Deployment]", "conn": "TCP 8000"}],
        "exposure_results": {
            "egress_exposure": None,
            "ingress_exposure": [{"src": "entire-cluster", "dst": "hello/a[Deployment]", "conn": "TCP 8000"}],
        },
    }
    probe = Probe(8000, Protocol.TCP)
    lines, report = analyse(TEXT_WORLD, Focus(workloads=("a",), direction=EGRESS, conn=probe))
    assert json.loads(exposure_json(lines, report, probe)) == {
        "connlist_conn_focus_results": [
            {"src": "hello/a[Deployment]", "dst": WORLD},
            {"src": "hello/a[Deployment]", "dst": "hello/b[Deployment]"},
        ],
        "exposure_conn_focus_results": {
            "egress_exposure": [
                {"src": "hello/a[Deployment]", "dst": WORLD},
                {"src": "hello/a[Deployment]", "dst": "entire-cluster"},
            ],
            "ingress_exposure": [],
        },
    }


def test_cli_exposure_needs_a_connection_list(tmp_path) -> None:
    (tmp_path / "world.yaml").write_text(TEXT_WORLD)
    result = run("reach", "-f", str(tmp_path), "--exposure")
    assert result.exit_code == 2
    assert result.stderr == "podwall: --exposure applies to -o connlist and -o connlist-json (see 'podwall reach --help')\n"
    result = run("reach", "-f", str(tmp_path), "-o", "connlist", "--exposure", "-n", "backend")
    assert result.exit_code == 0
    assert result.stdout == "Exposure Analysis Result:\n"
