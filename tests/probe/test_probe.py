"""``podwall probe`` end to end against the test API server, with a scripted kubelet and network."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment
from podwall.engine import Probe
from podwall.loader.cluster import ClusterSource, read_cluster
from podwall.model import Cluster
from podwall.probe import make_plan
from podwall.probe.twins import PROBE_LABEL, ROLE_LABEL
from tests.apiserver.server import ApiServer, Rule, kubeconfig, rules_from_role
from tests.apiserver import world
from tests.cli.harness import ROOT, Run, compare_golden, run
from tests.probe.conftest import ROLES, TOKEN, leftovers
from tests.probe.kubelet import Kubelet, enforcing, everything_connects


def cli(*args: str, stdin: str = "") -> Run:
    env = Environment(stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO())
    code = main(list(args), env)
    return Run(int(code), env.stdout.getvalue(), env.stderr.getvalue())


def stable(text: str) -> str:
    """Output with the random run id and the elapsed time replaced."""
    text = re.sub(r"\bpw-[0-9a-f]{6}-", "pw-RUN-", text)
    text = re.sub(r"run [0-9a-f]{6}:", "run RUN:", text)
    return re.sub(r" in \d+\.\d s:", " in N s:", text)


def created(api: ApiServer) -> list[str]:
    return [r.path for r in api.requests if r.method == "POST"]


def test_twins_agree_with_the_engine_where_the_plugin_enforces_policy(api: ApiServer, config: Path,
                                                                      cluster: Cluster) -> None:
    api.kubelet = Kubelet(enforcing(cluster))
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    compare_golden("probe-tutorial", "expected.txt", stable(result.stdout))
    assert leftovers(api) == []
    posts = created(api)
    assert posts[0] == "/api/v1/namespaces" and len(posts) == 1 + 3 + 3  # owner, 3 destination and 3 source twins
    assert all(p == "/api/v1/namespaces/production/pods" for p in posts[1:])


def test_twin_specs_are_safe_in_a_live_cluster(api: ApiServer, config: Path, cluster: Cluster) -> None:
    """Owned by podwall, never Ready, no token, the workload's labels and ports, requests and limits."""
    seen: list[dict] = []
    kubelet = Kubelet(enforcing(cluster))

    def recording(server: ApiServer, pod: dict) -> None:
        seen.append(pod)
        kubelet(server, pod)

    api.kubelet = recording
    assert cli("probe", "--kubeconfig", str(config), "-n", "production", "--to", "backend", "--from", "frontend",
               "--yes").exit_code == 0
    owner = next(n for n in api.events if n[1] == ("", "namespaces") and n[2] == "ADDED"
                 and n[3]["metadata"]["name"].startswith("podwall-probe-"))[3]
    assert len(seen) == 2
    backend = api.items("pods")  # the twins are gone; compare with a real backend pod
    real = next(p for p in world.tutorial() if p["kind"] == "Pod" and p["metadata"]["name"].startswith("backend-"))
    for twin in seen:
        meta, spec = twin["metadata"], twin["spec"]
        assert meta["ownerReferences"] == [{"apiVersion": "v1", "kind": "Namespace",
                                            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
                                            "controller": True, "blockOwnerDeletion": False}]
        assert meta["labels"][PROBE_LABEL] == owner["metadata"]["labels"][PROBE_LABEL]
        assert spec["automountServiceAccountToken"] is False and spec["enableServiceLinks"] is False
        container = spec["containers"][0]
        assert container["readinessProbe"]["exec"]["command"] == ["/bin/false"]
        assert container["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}
        assert container["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    destination = next(t for t in seen if t["metadata"]["labels"][ROLE_LABEL] == "destination")
    assert destination["metadata"]["annotations"] == {"podwall.io/twin-of": "production/Deployment/backend"}
    expected_labels = dict(real["metadata"]["labels"], **{PROBE_LABEL: destination["metadata"]["labels"][PROBE_LABEL],
                                                          ROLE_LABEL: "destination"})
    assert destination["metadata"]["labels"] == expected_labels
    assert destination["spec"]["containers"][0]["ports"] == [
        {"containerPort": p["containerPort"], "protocol": p["protocol"], "name": p["name"]}
        for c in real["spec"]["containers"] for p in c["ports"]]
    assert {e["name"] for e in destination["spec"]["containers"][0]["env"]} == {"SERVE_PORT_8080", "SERVE_PORT_9090"}
    source = next(t for t in seen if t["metadata"]["labels"][ROLE_LABEL] == "source")
    targets = next(e["value"] for e in source["spec"]["containers"][0]["env"] if e["name"] == "PODWALL_TARGETS")
    assert re.fullmatch(r"10\.244\.7\.\d+:8080/tcp 10\.244\.7\.\d+:9090/tcp", targets)
    assert backend == [p for p in api.items("pods") if p in backend]


def test_a_plugin_that_enforces_nothing_is_named(api: ApiServer, config: Path) -> None:
    api.kubelet = Kubelet(everything_connects)
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--yes", "-o", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["apiVersion"] == "podwall.io/v1" and report["kind"] == "ProbeReport"
    assert report["summary"] == {"probes": 18, "agree": 1, "mismatches": 17, "inconclusive": 0}
    assert report["notes"] == ["the network plugin does not enforce NetworkPolicy: all 17 probes the policies "
                               "deny connected"]
    assert {r["cause"] for r in report["results"] if not r["agrees"]} == {
        "the network plugin does not enforce NetworkPolicy"}
    assert leftovers(api) == []


def _flannel_world() -> list[dict]:
    """The tutorial with Flannel instead of Calico (and nodes without Calico's annotations)."""
    nodes = world.nodes()
    for node in nodes:
        annotations = node["metadata"]["annotations"]
        node["metadata"]["annotations"] = {k: v for k, v in annotations.items() if not k.startswith("projectcalico")}
    flannel = world.documents((ROOT / "tests" / "cni" / "data" / "flannel.yaml").read_text())
    return nodes + world.live([*world.manifests(), *flannel])


def test_a_plugin_detected_as_enforcing_nothing_is_still_held_to_the_policies(tmp_path: Path) -> None:
    """Flannel predicts ALLOWED everywhere; the probe still asks whether the policies are enforced: exit 1, named."""
    from tests.apiserver.server import serving
    from tests.probe.conftest import PROBER

    with serving(tmp_path / "api", _flannel_world(), "prober", PROBER, TOKEN) as api:
        config = kubeconfig(api, tmp_path / "kubeconfig", user="prober", token=TOKEN, context="kind-kind")
        api.kubelet = Kubelet(everything_connects)
        result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--yes", "-o", "json")
        assert result.exit_code == 1, result.stdout
        assert result.stderr.splitlines()[:2] == [
            "podwall: CNI profile flannel v0.25.5 (detected: DaemonSet kube-flannel/kube-flannel-ds, image "
            "docker.io/flannel/flannel:v0.25.5)",
            "podwall: flannel enforces no NetworkPolicy: the twins are judged as a plugin that enforces the "
            "policies would judge them, to show whether this cluster does",
        ]
        report = json.loads(result.stdout)
        assert report["summary"] == {"probes": 18, "agree": 1, "mismatches": 17, "inconclusive": 0}
        assert report["notes"] == ["the network plugin does not enforce NetworkPolicy, as its CNI profile flannel "
                                   "says: all 17 probes the policies deny connected"]
        assert {r["cause"] for r in report["results"] if not r["agrees"]} == {
            "the network plugin does not enforce NetworkPolicy (CNI profile flannel, which enforces none)"}
        assert leftovers(api) == []
        # Denials that are blocked although flannel enforces nothing: another policy engine, said so.
        api.kubelet = Kubelet(enforcing(read_cluster(ClusterSource(str(config)))))
        blocked = cli("probe", "--kubeconfig", str(config), "-n", "production", "--yes")
        assert blocked.exit_code == 0, blocked.stdout
        assert blocked.stdout.splitlines()[-1] == (
            "note: the CNI profile flannel enforces no NetworkPolicy, yet 17 of 17 probes the policies deny were "
            "blocked: another policy engine may run beside it (podwall cni --cluster shows what was recognised; "
            "--cni NAME judges as another plugin)")


def test_one_unexpected_flow_is_a_mismatch_with_a_cause(api: ApiServer, config: Path, cluster: Cluster) -> None:
    enforce = enforcing(cluster)

    def network(src: dict, dst: dict, port: int, protocol: str) -> str:
        if dst["metadata"]["name"].startswith("pw-") and "database" in dst["metadata"]["name"] and port == 5432:
            return "TIMEOUT"  # the backend -> database flow the policies allow is blocked
        return enforce(src, dst, port, protocol)

    api.kubelet = Kubelet(network)
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--yes")
    assert result.exit_code == 1
    assert stable(result.stdout).splitlines()[-4:] == [
        "",
        "Mismatches:",
        "  production/Deployment/backend -> production/Deployment/database 5432/TCP: engine ALLOWED, observed timeout "
        "(TIMEOUT)",
        "    likely cause: the source twin reached nothing: egress is blocked by something outside NetworkPolicy "
        "(a plugin's own policies, a node firewall, a service mesh)",
    ]


IPBLOCK = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend-from-node-range, namespace: production}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress]
  ingress:
    - from: [{ipBlock: {cidr: 10.244.7.0/24}}]
      ports: [{port: 8080}]
"""


def test_a_plugin_convention_is_named_when_it_explains_the_mismatch(api: ApiServer, config: Path) -> None:
    """A plugin whose ipBlocks ignore pod IPs (Cilium's documented behaviour) blocks what the engine allows."""
    api.put(*world.live(world.documents(IPBLOCK)))
    from podwall.loader.cluster import ClusterSource, read_cluster

    cluster = read_cluster(ClusterSource(str(config)))
    api.kubelet = Kubelet(enforcing(cluster, ipblock_matches_pods=False))
    args = ["probe", "--kubeconfig", str(config), "--from", "monitoring/prometheus", "--to", "production/backend",
            "--probe", "8080/TCP", "--yes"]
    result = cli(*args, "-o", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    [mismatch] = [r for r in report["results"] if not r["agrees"]]
    assert (mismatch["port"], mismatch["engine"], mismatch["observed"]) == (8080, "allowed", "timeout")
    assert mismatch["cause"] == ("a plugin convention: explained by the conventions of cilium (ipBlock matches pod "
                                 "IPs: no); they agree with every probe of the run")
    agreed = cli(*args, "--ipblock-ignores-pods")
    assert agreed.exit_code == 0, agreed.stdout


def test_a_twin_that_never_starts_is_inconclusive_and_cleaned_up(api: ApiServer, config: Path,
                                                                 cluster: Cluster) -> None:
    api.kubelet = Kubelet(enforcing(cluster), stuck=("pw-",))
    env_timeout = ["--timeout", "1"]
    from podwall.loader.cluster import ClusterSource, connect
    from podwall.probe import ProbeOptions, run_probe

    plan = make_plan(cluster, namespace="production", sources=["frontend"], destinations=["backend"],
                     probes=[Probe(8080)])
    report = run_probe(connect(ClusterSource(str(config))), cluster, plan,
                       options=ProbeOptions(start_timeout=30, run="abc123"))
    assert env_timeout
    assert report.failed
    [result] = report.judged.results
    assert result.observed == "not-run"
    assert result.detail == ('destination twin did not start: ImagePullBackOff: Back-off pulling image '
                             '"registry.k8s.io/e2e-test-images/agnhost:2.53@sha256:99c6b4bb4a1e1df3f0b3752168c8935879'
                             '4d02258ebebc26bf21c29399011a85"')
    assert leftovers(api) == []


def test_dry_run_creates_nothing(api: ApiServer, config: Path) -> None:
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--dry-run")
    assert result.exit_code == 0
    compare_golden("probe-tutorial", "plan.txt", result.stdout)
    as_json = json.loads(cli("probe", "--kubeconfig", str(config), "-n", "production", "--dry-run", "-o",
                             "json").stdout)
    assert as_json["kind"] == "ProbePlan" and len(as_json["flows"]) == 18
    assert created(api) == [] and {r.method for r in api.requests} == {"GET"}


def test_without_yes_podwall_asks_first(api: ApiServer, config: Path, cluster: Cluster) -> None:
    api.kubelet = Kubelet(enforcing(cluster))
    declined = cli("probe", "--kubeconfig", str(config), "-n", "production", stdin="n\n")
    assert declined.exit_code == 130
    assert "Create 6 twin pods now? [y/N] podwall: cancelled; nothing was created" in declined.stderr
    assert created(api) == []
    accepted = cli("probe", "--kubeconfig", str(config), "-n", "production", "--from", "frontend", stdin="y\n")
    assert accepted.exit_code == 0


def test_a_forbidden_create_is_one_line_and_leaves_nothing(api: ApiServer, tmp_path: Path) -> None:
    """Pod creation refused (no probe role): exit 2 naming the probe role; the owner namespace is removed."""
    api.add_user("reader", rules_from_role(ROLES[0]) + [
        Rule(frozenset({"create", "delete", "list"}), frozenset({""}), frozenset({"namespaces"}))], token="r")
    path = kubeconfig(api, tmp_path / "kc", token="r")
    unchecked = cli("probe", "--kubeconfig", str(path), "-n", "production", "--yes")
    assert unchecked.exit_code == 2 and created(api) == []  # the budgets twins must not disturb cannot be listed
    assert unchecked.stderr.splitlines()[-1] == (
        "podwall: cannot list the PodDisruptionBudgets of namespace production, which twins must not disturb: "
        "forbidden; podwall probe needs its own role: 'podwall rbac --probe | kubectl apply -f -' "
        "(deploy/rbac-probe.yaml)")
    api.rules["reader"].append(Rule(frozenset({"list"}), frozenset({"policy"}), frozenset({"poddisruptionbudgets"})))
    result = cli("probe", "--kubeconfig", str(path), "-n", "production", "--yes")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].endswith(
        "podwall probe needs its own role: 'podwall rbac --probe | kubectl apply -f -' (deploy/rbac-probe.yaml)")
    assert 'cannot create resource "pods"' in result.stderr
    assert leftovers(api) == []


def test_clean_removes_leftovers(api: ApiServer, config: Path) -> None:
    api.put({"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": "podwall-probe-dead00", "labels": {PROBE_LABEL: "dead00", ROLE_LABEL: "owner"}}})
    api.put({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "pw-dead00-web-12345-d", "namespace": "production",
        "labels": {"app": "backend", PROBE_LABEL: "dead00", ROLE_LABEL: "destination"}},
        "spec": {"containers": [{"name": "twin", "image": "agnhost"}]}})
    result = cli("probe", "--kubeconfig", str(config), "--clean")
    assert (result.exit_code, result.stderr) == (0, "podwall: removed 1 twin pods and 1 owner namespaces\n")
    assert leftovers(api) == []
    assert len(api.items("pods")) == 10  # the real pods are untouched


def test_rbac_probe_prints_the_shipped_role() -> None:
    result = run("rbac", "--probe")
    assert result.exit_code == 0 and result.stdout == ROLES[1].read_text()
    assert result.stdout == (ROOT / "src" / "podwall" / "probe" / "rbac-probe.yaml").read_text()


#: The child as a terminal starts it. A shell running the suite in the background (``make test &``, a CI
#: runner's non-interactive shell) starts its children with SIGINT ignored, which Python then leaves
#: ignored: the Ctrl-C below would never arrive (the run went on until the held twins' 60 s were over).
SUBPROCESS = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from podwall.cli.app import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_runs_remove_their_twins(api: ApiServer, config: Path, cluster: Cluster,
                                             sig: signal.Signals) -> None:
    """Ctrl-C or SIGTERM while source twins run: exit 130, and every twin and the owner are gone."""
    held = __import__("threading").Event()
    api.kubelet = Kubelet(enforcing(cluster), hold_sources=held)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    child = subprocess.Popen([sys.executable, "-c", SUBPROCESS, "probe", "--kubeconfig", str(config), "-n",
                              "production", "--yes"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        api.wait_for(lambda: any(p["metadata"]["labels"].get(ROLE_LABEL) == "source" for p in api.items("pods")),
                     "a source twin")
        child.send_signal(sig)
        out, err = child.communicate(timeout=60)
    finally:
        held.set()
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err
    assert err.splitlines()[-1] == "podwall: interrupted"
    assert leftovers(api) == []


def test_an_expired_watch_lists_again(api: ApiServer, config: Path, cluster: Cluster) -> None:
    """A watch answered with an ERROR event (410 Expired) makes the runner list and watch again."""
    kubelet = Kubelet(enforcing(cluster))

    def after_two_expired_watches(server: ApiServer, pod: dict) -> None:
        server.wait_for(lambda: server.expire_watches == 0
                        and sum(1 for r in server.requests if r.query.get("watch")) >= 3, "two expired watches")
        kubelet(server, pod)

    api.kubelet = after_two_expired_watches
    api.expire_watches = 2
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--from", "frontend", "--yes")
    assert result.exit_code == 0, result.stdout
    assert api.expire_watches == 0
    lists = [r for r in api.requests if r.path == "/api/v1/pods" and "watch" not in r.query]
    assert len(lists) >= 4  # a list per phase, one more per expired watch, and the cleanup's
    assert leftovers(api) == []


SELECTING = """
apiVersion: v1
kind: Service
metadata: {name: backend-peers, namespace: production}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: backend}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: database-ready-only, namespace: production}
spec:
  selector: {app: database}
  ports: [{port: 5432}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: database, namespace: production}
spec:
  maxUnavailable: 1
  selector: {matchExpressions: [{key: app, operator: In, values: [database]}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: other-namespace, namespace: monitoring}
spec:
  minAvailable: 1
  selector: {}
"""


def test_twins_a_budget_or_a_not_ready_service_would_select_are_refused(api: ApiServer, config: Path,
                                                                         cluster: Cluster) -> None:
    """A twin carries its workload's labels: a PDB would count it, publishNotReadyAddresses would route to it."""
    api.put(*world.live(world.documents(SELECTING)))
    planned = cli("probe", "--kubeconfig", str(config), "-n", "production", "--dry-run")
    assert planned.exit_code == 0, planned.stderr
    assert planned.stdout.splitlines()[0] == "podwall probe plan: 2 probes, 0 allowed and 2 denied by the policies"
    assert planned.stdout.splitlines()[-2:] == [
        "  note: not probed: Service production/backend-peers selects production/Deployment/backend's pods: it has "
        "publishNotReadyAddresses: true, so the never-Ready twins would be its endpoints and receive real traffic "
        "(leave it out, or --allow-selected-twins to create its twins anyway)",
        "  note: not probed: PodDisruptionBudget production/database selects production/Deployment/database's pods: "
        "the twins would count in the budget (never healthy, no scalable controller) during the run (leave it out, "
        "or --allow-selected-twins to create its twins anyway)",
    ]
    api.kubelet = Kubelet(enforcing(cluster))
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    twins = [p for p in api.events if p[1] == ("", "pods") and p[2] == "ADDED"
             and PROBE_LABEL in p[3]["metadata"].get("labels", {})]
    assert {t[3]["metadata"]["annotations"]["podwall.io/twin-of"] for t in twins} == {"production/Deployment/frontend"}
    accepted = cli("probe", "--kubeconfig", str(config), "-n", "production", "--allow-selected-twins", "--dry-run")
    assert accepted.stdout.splitlines()[0] == "podwall probe plan: 18 probes, 1 allowed and 17 denied by the policies"
    assert leftovers(api) == []


@pytest.mark.parametrize(("args", "message"), [
    (("--image", "Agnhost:2.53"), "podwall: --image Agnhost:2.53: not an image reference"),
    (("--image", "registry.k8s.io/agnhost:2.53 --privileged"), "podwall: --image registry.k8s.io/agnhost:2.53 "
                                                                "--privileged: not an image reference"),
    (("--image", "agnhost@sha256:abc"), "podwall: --image agnhost@sha256:abc: not an image reference"),
    (("--sample", "0"), "podwall: Invalid value for '--sample': 0 is not in the range x>=1."),
])
def test_bad_options_are_refused_before_the_cluster_is_read(api: ApiServer, config: Path, args: tuple[str, ...],
                                                            message: str) -> None:
    result = cli("probe", "--kubeconfig", str(config), "-n", "production", "--dry-run", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert api.requests == []


@pytest.mark.parametrize("image", ["agnhost", "localhost:5000/e2e/agnhost:2.53", "registry.k8s.io/e2e-test-images/"
                                   "agnhost:2.53@sha256:" + "a" * 64, "[fd00::1]:5000/agnhost", "my_registry/a__b:v1"])
def test_valid_images_are_accepted(image: str) -> None:
    from podwall.probe.twins import check_image

    assert check_image(image) == image
