"""``generate intents``: a scaffold from the input that parses, and whose suggestions work once uncommented."""

from __future__ import annotations

import re

from podwall import load_text
from podwall.generate import env_references, parse_intents, scaffold_intents
from podwall.generate.scaffold import _names_service
from podwall.model import Service
from tests.generate._support import SHOP, run

MANIFESTS = """\
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: a}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web, team: x}}
        spec:
          containers:
            - name: c
              image: i
              env: [{name: API, value: "http://api.b.svc.cluster.local:80"}, {name: S, valueFrom: {secretKeyRef: {name: s, key: k}}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: b}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web, team: x}}
        spec: {containers: [{name: c, image: i}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: b}
    spec:
      selector: {matchLabels: {team: x, tier: api}}
      template:
        metadata: {labels: {team: x, tier: api}}
        spec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: internet, namespace: b}
    spec:
      selector: {matchLabels: {tier: api}}
      template:
        metadata: {labels: {tier: api}}
        spec: {hostNetwork: true, containers: [{name: c, image: i}]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: debug, namespace: b}
    spec: {containers: [{name: c, image: i, env: [{name: X, value: api}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: api, namespace: b}
    spec: {selector: {tier: api, team: x}, ports: [{port: 80}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: coredns, namespace: kube-system}
    spec:
      selector: {matchLabels: {k8s-app: kube-dns}}
      template:
        metadata: {labels: {k8s-app: kube-dns}}
        spec: {containers: [{name: c, image: i}]}
"""


def test_environment_references() -> None:
    found = env_references([("x.yaml", MANIFESTS), ("broken.yaml", "{")], "default")
    assert found == {
        ("a", "Deployment", "web"): [("API", "http://api.b.svc.cluster.local:80")],
        ("b", "Pod", "debug"): [("X", "api")],
    }


def test_service_names_in_values() -> None:
    api = Service("b", "api")
    assert _names_service("http://api:80/x", "b", api)
    assert not _names_service("http://api:80/x", "a", api)  # a short name resolves in the client's own namespace
    assert _names_service("api.b", "a", api) and _names_service("API.B.SVC.cluster.local.", "a", api)
    assert not _names_service("apis.b", "a", api) and not _names_service("x-api", "b", api)


def test_scaffold_names_selectors_and_notes() -> None:
    cluster = load_text(MANIFESTS, "in.yaml")
    text = scaffold_intents(cluster, env_references([("in.yaml", MANIFESTS)]), name="demo")
    workloads = re.findall(r"^  (\S+): (.*?)\s*(?:# (.*))?$", text.split("workloads:\n")[1].split("flows:")[0], re.M)
    assert workloads == [
        ("web-a", "{namespace: a, selector: app=web}", "Deployment a/web"),
        ("api", '{namespace: b, selector: "team=x,tier=api"}', "Deployment b/api; ports 80/TCP"),
        ("debug", '{namespace: b, selector: ""}', "Pod b/debug; no labels: this selects every pod of the namespace; add labels to the pods"),
        ("internet-2", "{namespace: b, selector: tier=api}", "DaemonSet b/internet; also selects api: give the pods a telling label; hostNetwork: policies never select it"),
        ("web-b", "{namespace: b, selector: app=web}", "Deployment b/web"),
    ]
    assert "  # - web-a -> api:80  # env API of web-a names Service b/api" in text
    assert "  # - debug -> api:80  # env X of debug names Service b/api" in text
    assert "kube-system" not in text.split("workloads:")[1]
    parse_intents(text)


def test_shop_scaffold_becomes_a_verified_policy_set() -> None:
    """Uncomment the suggestions the environment found: the result generates and verifies."""
    scaffold = run("generate", "intents", "-f", SHOP, "--name", "shop").stdout
    edited = "\n".join(
        line.replace("# - ", "- ", 1) if line.startswith("  # - ") and "CLIENT" not in line else line
        for line in scaffold.splitlines()
    )
    result = run("generate", "from-intents", "-", "-f", SHOP, stdin=edited)
    assert result.exit_code == 0, result.stderr
    assert "ok: 5 intended flows allowed, 4 unchecked; the generated policies open no other flow" in result.stderr
    names = re.findall(r"^  name: (\S+)$", result.stdout, re.M)
    assert names == [
        "default-deny-all", "allow-dns", "prometheus-egress",
        "default-deny-all", "allow-dns", "api-ingress", "api-egress", "cache-ingress", "db-ingress", "report-egress",
        "web-egress",
    ]


def test_no_workloads() -> None:
    system_only = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: dns, namespace: kube-system}\n"
    )
    text = run("generate", "intents", "-f", "-", stdin=system_only).stdout
    assert "workloads: {}  # the input has no workload outside the system namespaces" in text
    assert parse_intents(text).workloads == ()
    # An input with no pod, workload or policy at all is an error (a render that printed nothing).
    empty = run("generate", "intents", "-f", "-", stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n")
    assert (empty.exit_code, empty.stderr) == (
        2, "podwall: nothing to analyse: no pods, workloads or policies in <stdin> (it holds 1 Namespace)\n"
    )
