"""``podwall snapshot``: round trips, stripping, redaction that keeps the analysis, and ``podwall rbac``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest
import yaml

from podwall.cli.app import main
from podwall.cli.env import Environment
from podwall.loader.cluster.kinds import CORE, OPTIONAL
from podwall.loader.cluster.rbac import readonly_role
from podwall.loader.cluster.redact import Redactor
from tests.apiserver import world
from tests.apiserver.server import ApiServer, Rule
from tests.cli.harness import Run, run
from tests.loader.kubectl import KUBECTL, decode_all, typed
from tests.loader.test_yaml_writer import NASTY
from tests.cluster.conftest import READONLY

KEY = "test-redaction-key"


def cli(*args: str) -> Run:
    env = Environment(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO())
    code = main(list(args), env)
    return Run(int(code), env.stdout.getvalue(), env.stderr.getvalue())


def reach(*args: str) -> dict[str, Any]:
    result = run("reach", *args, "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("target", ["snapshot.yaml", "snapshot.json", "snapshot/"])
def test_round_trip_reach_from_snapshot_equals_reach_from_server(config: Path, tmp_path: Path, target: str) -> None:
    out = str(tmp_path / target) + ("/" if target.endswith("/") else "")
    result = cli("snapshot", "--kubeconfig", str(config), "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("podwall: wrote 34 objects to ")
    assert result.stderr.endswith(": 10 Pod, 6 NetworkPolicy, 5 Deployment, 5 ReplicaSet, 3 Namespace, 2 Node, "
                                  "2 Service, 1 DaemonSet\n")
    for by in ("pod", "workload"):
        assert reach("-f", out, "--by", by) == reach("--kubeconfig", str(config), "--by", by)
    if target.endswith("/"):
        assert sorted(p.name for p in Path(out).iterdir()) == [
            "daemonsets.apps.yaml", "deployments.apps.yaml", "namespaces.yaml", "networkpolicies.networking.k8s.io.yaml",
            "nodes.yaml", "pods.yaml", "replicasets.apps.yaml", "services.yaml"]
    assert not [p for p in tmp_path.rglob(".podwall-snapshot-*")]


def test_snapshot_to_stdout_feeds_a_verb(config: Path) -> None:
    result = cli("snapshot", "--kubeconfig", str(config), "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("# podwall snapshot of the API server at https://127.0.0.1:")
    linted = run("reach", "-f", "-", "-o", "json", stdin=result.stdout)
    assert json.loads(linted.stdout) == reach("--kubeconfig", str(config))


def test_snapshot_keeps_what_podwall_uses_and_strips_the_rest(api: ApiServer, config: Path, tmp_path: Path) -> None:
    api.put({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "scraped", "namespace": "production", "labels": {"app": "scraped"},
        "annotations": {"prometheus.io/scrape": "true", "podwall.io/ignore": "PW201", "team": "payments",
                        "kubectl.kubernetes.io/last-applied-configuration": "{...}"}},
        "spec": {"containers": [{"name": "c", "image": "nginx", "env": [{"name": "PASSWORD", "value": "hunter2"}],
                                 "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": "10.244.2.99", "podIPs": [{"ip": "10.244.2.99"}],
                   "conditions": [{"type": "Ready", "status": "True"}]}})
    path = tmp_path / "s.yaml"
    assert cli("snapshot", "--kubeconfig", str(config), "-o", str(path)).exit_code == 0
    text = path.read_text()
    for gone in ("managedFields", "last-applied-configuration", "resourceVersion", "uid:", "hunter2", "conditions",
                 "containerStatuses", "team", "calico_backend", "c2VjcmV0", "machineID"):
        assert gone not in text, gone
    documents = [d for d in yaml.safe_load_all(text) if d]
    scraped = next(d for d in documents if d["metadata"]["name"] == "scraped")
    assert scraped == {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "scraped", "namespace": "production", "labels": {"app": "scraped"},
                     "annotations": {"prometheus.io/scrape": "true", "podwall.io/ignore": "PW201"}},
        "spec": {"containers": [{"name": "c", "image": "nginx",
                                 "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": "10.244.2.99", "podIPs": [{"ip": "10.244.2.99"}]},
    }
    node = next(d for d in documents if d["kind"] == "Node")
    assert node["metadata"]["annotations"]["projectcalico.org/IPv4Address"] == "172.18.0.2/16"
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"] == "containerd://1.7.15"
    calico = next(d for d in documents if d["kind"] == "DaemonSet")
    assert calico["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/calico/node:v3.28.0"


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed (.ci/run installs it)")
def test_a_snapshot_means_to_kubectl_what_the_cluster_said(api: ApiServer, config: Path, tmp_path: Path) -> None:
    """Label keys and values, names, port names and annotations that YAML 1.1 would retype are quoted."""
    names = [s for s in NASTY if s][:400]
    api.put(*({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": name, "namespace": "production", "labels": {s: s for s in names[i : i + 40]},
        "annotations": {"podwall.io/ignore": name, "prometheus.io/port": name}},
        "spec": {"containers": [{"name": name, "image": name, "ports": [
            {"containerPort": 80 + j, "name": s, "protocol": "TCP"} for j, s in enumerate(names[i : i + 40])]}]},
        "status": {"phase": "Running", "podIP": "10.244.2.99"}} for i, name in enumerate(names)))
    assert cli("snapshot", "--kubeconfig", str(config), "-o", str(tmp_path / "s.yaml")).exit_code == 0
    assert cli("snapshot", "--kubeconfig", str(config), "-o", str(tmp_path / "s.json")).exit_code == 0
    (decoded,) = decode_all([(tmp_path / "s.yaml").read_text()])
    assert decoded.error is None
    told = json.loads((tmp_path / "s.json").read_text())["items"]
    assert len(told) > len(names)
    assert [typed(o) for o in decoded.objects] == [typed(o) for o in told]


def test_a_410_during_a_snapshot_restarts_that_list(api: ApiServer, config: Path, tmp_path: Path) -> None:
    from podwall.loader.cluster import ClusterSource, connect
    from podwall.loader.cluster.snapshot import snapshot

    api.expire.add(("", "pods"))
    result = snapshot(connect(ClusterSource(str(config))), str(tmp_path / "s.yaml"), page_size=3)
    assert result.objects["Pod"] == 10
    names = [d["metadata"]["name"] for d in yaml.safe_load_all((tmp_path / "s.yaml").read_text())
             if d and d["kind"] == "Pod"]
    assert len(names) == len(set(names)) == 10
    assert not list(tmp_path.glob(".podwall-snapshot-*"))


def test_a_failed_snapshot_leaves_nothing(api: ApiServer, tmp_path: Path) -> None:
    from tests.apiserver.server import kubeconfig

    api.add_user("gil", [Rule(frozenset({"list"}), frozenset({"*"}), frozenset({"pods", "namespaces"}))], token="g")
    out = tmp_path / "out"
    out.mkdir()
    result = cli("snapshot", "--kubeconfig", str(kubeconfig(api, tmp_path / "kc", token="g")), "-o", str(out / "s.yaml"))
    assert result.exit_code == 2 and "forbidden" in result.stderr
    assert list(out.iterdir()) == []


# -- redaction ---------------------------------------------------------------------------------------

EXTRA = """
apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {team: money, env: prod}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ledger, namespace: payments}
spec:
  replicas: 2
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger, tier: data}}
    spec:
      containers:
        - name: ledger
          image: registry.internal.example/payments/ledger:4.2
          ports: [{name: grpc, containerPort: 7000}, {name: stats, containerPort: 7001, protocol: UDP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ledger-ingress, namespace: payments}
spec:
  podSelector: {matchLabels: {app: ledger}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In,
                                                  values: [production, payments]}]}
          podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}
        - ipBlock: {cidr: 10.244.1.0/24, except: [10.244.1.12/32]}
      ports: [{port: grpc}]
    - from: [{ipBlock: {cidr: 10.244.2.16/28}}]
      ports: [{port: 7001, protocol: UDP}]
  egress:
    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12]}}]
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}},
            podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: payments}
spec:
  selector: {app: ledger}
  ports: [{name: grpc, port: 7000, targetPort: grpc}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ledger, namespace: payments}
spec:
  rules:
    - host: ledger.payments.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: ledger, port: {name: grpc}}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: external-dns, namespace: kube-system}
spec:
  selector: {matchLabels: {app: external-dns}}
  template:
    metadata: {labels: {app: external-dns}}
    spec:
      containers:
        - name: external-dns
          image: registry.acme-corp.com/platform/external-dns:v0.14.2
          args: [--source=service, --domain-filter=payments.acme-corp.com, --provider=aws]
"""


def _mapped(result: dict[str, Any], name: Callable[[str], str]) -> dict[str, Any]:
    """``result`` with every namespace and object name in its subjects passed through ``name``."""
    def subject(text: str) -> str:
        parts = text.split("/")
        return "/".join(name(p) if i != len(parts) - 2 or len(parts) == 2 else p for i, p in enumerate(parts))

    return {
        "subjects": sorted({subject(s) for s in result["subjects"]}),
        "probes": result["probes"],
        "allowed": sorted({json.dumps({**a, "from": subject(a["from"]), "to": subject(a["to"])}, sort_keys=True)
                           for a in result["allowed"]}),
    }


def test_redacted_snapshot_gives_isomorphic_results(api: ApiServer, config: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    api.put(*world.live(world.documents(EXTRA)))
    monkeypatch.setenv("PODWALL_REDACT_KEY", KEY)
    plain, redacted = tmp_path / "plain.yaml", tmp_path / "redacted.yaml"
    assert cli("snapshot", "--kubeconfig", str(config), "-o", str(plain)).exit_code == 0
    result = cli("snapshot", "--kubeconfig", str(config), "-o", str(redacted), "--redact")
    assert result.exit_code == 0 and "(redacted)" in result.stderr
    redactor = Redactor(KEY.encode())
    for by in ("pod", "workload"):
        original = reach("-f", str(plain), "--by", by)
        hidden = reach("-f", str(redacted), "--by", by)
        assert len(original["allowed"]) == len(hidden["allowed"]) > 40
        assert _mapped(original, redactor.name) == _mapped(hidden, str)
    text = redacted.read_text()
    for secret in ("payments", "ledger", "frontend", "production", "10.244.", "172.18.", "money", "node-a",
                   "registry.internal", "example.com", "127.0.0.1", "acme-corp", "--domain-filter", "external-dns",
                   "--provider", "docker.io"):
        assert secret not in text, secret
    # Only what network-plugin detection reads is kept in kube-system: the agent's image as repository:tag.
    for kept in ("kube-system", "kube-dns", "calico-node", "image: calico/node:v3.28.0", "grpc", "7001"):
        assert kept in text, kept
    line = "podwall: CNI profile calico v3.28.0 (detected: DaemonSet kube-system/calico-node, image "
    assert line + "docker.io/calico/node:v3.28.0; Node node-a" in run("reach", "-f", str(plain)).stderr
    assert line + "calico/node:v3.28.0; Node r" in run("reach", "-f", str(redacted)).stderr
    explained = run("explain", "-f", str(redacted), f"{redactor.name('production')}/Deployment/"
                    f"{redactor.name('frontend')}", f"{redactor.name('payments')}/StatefulSet/{redactor.name('ledger')}",
                    "7000")
    assert explained.exit_code == run("explain", "-f", str(plain), "production/Deployment/frontend",
                                      "payments/StatefulSet/ledger", "7000").exit_code == 1  # DENIED, both


def test_prefix_preserving_addresses() -> None:
    redactor = Redactor(b"k")
    a, b = redactor.ip("10.244.1.12"), redactor.ip("10.244.1.200")
    assert a != "10.244.1.12" and a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0]
    assert redactor.cidr("10.244.1.0/24") == a.rsplit(".", 1)[0] + ".0/24"
    assert redactor.cidr("0.0.0.0/0") == "0.0.0.0/0"
    six = redactor.ip("fd00::1")
    assert ":" in six and redactor.cidr("fd00::/64").endswith("/64")
    assert redactor.name("kube-system") == "kube-system" and redactor.name("web") == Redactor(b"k").name("web")


# -- RBAC ------------------------------------------------------------------------------------------------


def test_rbac_prints_the_shipped_role() -> None:
    result = run("rbac")
    assert result.exit_code == 0
    assert result.stdout == READONLY.read_text() == readonly_role()


def test_the_role_grants_list_on_every_resource_read_and_nothing_more() -> None:
    role = yaml.safe_load(READONLY.read_text())
    kubernetes_validate.validate(role, "1.30", strict=True)  # raises when invalid
    rules = [(frozenset(r["apiGroups"]), frozenset(r["resources"]), tuple(r["verbs"])) for r in role["rules"]]
    assert {verbs for _, _, verbs in rules} == {("list",)}
    granted = {(g, res) for groups, resources, _ in rules for g in groups for res in resources}
    assert {(r.group, r.plural) for r in CORE + OPTIONAL} <= granted
    assert not {res for _, res in granted} & {"secrets", "configmaps", "pods/exec", "pods/log"}
    reader = [Rule(frozenset(v), g, r) for g, r, v in rules]
    assert all(any(rule.allows("list", r.group, r.plural, None) for rule in reader) for r in CORE + OPTIONAL)


CNI_FIXTURES = sorted((Path(__file__).parents[1] / "cni" / "data").glob("*.yaml"))


@pytest.mark.parametrize("fixture", CNI_FIXTURES, ids=lambda p: p.stem)
def test_redaction_keeps_the_network_plugin_recognisable(fixture: Path) -> None:
    """Every plugin's trimmed install manifest, redacted: the same profile at the same version, nothing else kept."""
    from podwall.cni import detect, recognisable
    from podwall.loader import load_text
    from podwall.loader.cluster.strip import strip

    documents = [item for d in yaml.safe_load_all(fixture.read_text()) if d
                 for item in (d["items"] if d["kind"] == "List" else [d])]
    redactor = Redactor(b"k", recognisable())
    redacted = "".join("---\n" + json.dumps(redactor.object(strip(d, d["kind"], d["apiVersion"]))) + "\n"
                       for d in documents)
    before, after = detect(load_text(fixture.read_text())), detect(load_text(redacted))
    assert (after.profile and after.profile.name, after.version, after.found) == (
        before.profile and before.profile.name, before.version, before.found)
    assert "--disable-network-policy" not in redacted or "k3s" in fixture.stem


@pytest.mark.parametrize("case", ["unwritable-file", "under-a-file", "directory-under-a-file"])
def test_an_unwritable_destination_is_one_line_before_the_cluster_is_read(api: ApiServer, config: Path,
                                                                          tmp_path: Path, case: str) -> None:
    from tests.cli.test_output_errors import _bad_destinations

    (locked, denied), (under, not_dir) = _bad_destinations(tmp_path)
    destination, reasons = {"unwritable-file": (locked + ".yaml", denied), "under-a-file": (under + ".yaml", not_dir),
                            "directory-under-a-file": (under + "/snap/", not_dir)}[case]
    requests = len(api.requests)
    result = cli("snapshot", "--kubeconfig", str(config), "-o", destination)
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"podwall: cannot write {destination}: ") and line.endswith(reasons), line
    assert len(api.requests) == requests  # refused before reading anything


def test_a_full_standard_output_is_one_line(config: Path) -> None:
    full = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 - its close fails too, by design
    env = Environment(stdin=io.StringIO(""), stdout=full, stderr=io.StringIO())
    assert main(["snapshot", "--kubeconfig", str(config), "-o", "-"], env) == 2
    with pytest.raises(OSError):
        full.close()
    assert env.stderr.getvalue().splitlines() == ["podwall: cannot write standard output: no space left on device"]
