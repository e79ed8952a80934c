"""Reading a live cluster through the real Kubernetes client against the local test API server."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment
from podwall.loader.cluster import ClusterError, ClusterSource, connect, read, read_cluster
from tests.apiserver import world
from tests.apiserver.server import EVERYTHING, ApiServer, Rule, kubeconfig
from tests.cli.harness import Run, run
from tests.cluster.conftest import TOKEN


def reach_json(*args: str) -> dict:
    result = run("reach", *args, "--by", "workload", "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def dump_live(api: ApiServer, path: Path) -> Path:
    """Every object the server holds, as ``kubectl get ... -o json`` would print them (unstripped)."""
    items = []
    for kind in api.kinds.values():
        if kind.plural not in ("secrets", "configmaps", "clusterroles", "serviceaccounts"):
            items.extend(api.items(kind.plural, kind.group))
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path


def test_cluster_reads_as_the_same_objects_read_from_a_file(api: ApiServer, config: Path, tmp_path: Path) -> None:
    """Same validation, grouping and verdicts: the live source goes through the file loader's builder."""
    live = reach_json("--cluster", "--kubeconfig", str(config))
    files = reach_json("-f", str(dump_live(api, tmp_path / "live.json")))
    assert live == files
    assert "production/Deployment/frontend" in live["subjects"]
    assert {"from": "production/Deployment/frontend", "to": "production/Deployment/backend", "port": 8080,
            "protocol": "TCP"} not in live["allowed"]  # the tutorial's famous surprise, read live


def test_podwall_never_asks_for_secrets_or_configmaps(api: ApiServer, config: Path) -> None:
    read_cluster(ClusterSource(str(config)))
    paths = [r.path for r in api.requests]
    assert paths and not [p for p in paths if "secrets" in p or "configmaps" in p]
    assert {r.method for r in api.requests} == {"GET"}


@pytest.mark.parametrize("auth", ["token", "client-certificate"])
def test_token_and_client_certificate_auth(api: ApiServer, tmp_path: Path, auth: str) -> None:
    if auth == "token":
        path = kubeconfig(api, tmp_path / "kc", token=TOKEN)
    else:
        api.add_user("carol", EVERYTHING)
        path = kubeconfig(api, tmp_path / "kc", user="carol", client=api.pki.client("carol", ("devs",)))
    cluster = read_cluster(ClusterSource(str(path)))
    assert len(cluster.pods) == 10
    assert {r.user for r in api.requests} == {"reader" if auth == "token" else "carol"}


def test_pages_follow_continue_tokens(api: ApiServer, config: Path) -> None:
    conn = connect(ClusterSource(str(config)))
    cluster = read(conn, page_size=3)
    pods = api.served("pods")
    assert [bool(r.query.get("continue")) for r in pods] == [False, True, True, True]
    assert {r.query["limit"] for r in pods} == {"3"}
    assert len(cluster.pods) == 10


def test_410_gone_restarts_the_list_cleanly(api: ApiServer, config: Path) -> None:
    api.expire.add(("", "pods"))
    cluster = read(connect(ClusterSource(str(config))), page_size=4)
    pods = api.served("pods")
    assert [r.status for r in pods] == [200, 410, 200, 200, 200]
    assert [bool(r.query.get("continue")) for r in pods] == [False, True, False, True, True]
    assert sorted(p.name for p in cluster.pods) == sorted(p["metadata"]["name"] for p in api.items("pods"))


def test_lists_run_concurrently_while_one_is_slow(api: ApiServer, config: Path) -> None:
    """A held pods list does not stop the others (no sleeps: the server's conditions say when)."""
    release = api.hold("pods")
    result: dict[str, object] = {}

    def reader() -> None:
        try:
            result["cluster"] = read_cluster(ClusterSource(str(config)))
        except BaseException as error:  # noqa: BLE001 - reported below
            result["error"] = error

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        api.wait_for(lambda: any(r.status == 200 for r in api.served("networkpolicies", "networking.k8s.io"))
                     and any(r.status == 200 for r in api.served("services")), "other lists while pods is held")
        assert "cluster" not in result
    finally:
        release.set()
        thread.join()
    assert "error" not in result
    assert len(result["cluster"].pods) == 10  # type: ignore[attr-defined]


def test_a_server_slower_than_the_timeout_is_one_line(api: ApiServer, config: Path) -> None:
    release = api.hold("pods")
    try:
        with pytest.raises(ClusterError) as caught:
            read_cluster(ClusterSource(str(config), timeout=0.3))
    finally:
        release.set()
    assert str(caught.value) == f'the API server at {api.url} (context "test") did not answer within 0.3 s'


def cli(*args: str, kubectl_plugin: bool = False) -> Run:
    env = Environment(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO(), kubectl_plugin=kubectl_plugin)
    code = main(list(args), env)
    return Run(int(code), env.stdout.getvalue(), env.stderr.getvalue())


def test_401_names_server_and_context(api: ApiServer, tmp_path: Path) -> None:
    path = kubeconfig(api, tmp_path / "kc", token="wrong", context="prod-admin")
    result = cli("reach", "--kubeconfig", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f'podwall: the API server at {api.url} (context "prod-admin") rejected the credentials (401 Unauthorized): '
        "they are missing or expired\n"
    )


def test_403_names_verb_resource_and_the_role(api: ApiServer, tmp_path: Path) -> None:
    api.add_user("dave", [Rule(frozenset({"list"}), frozenset({"", "apps", "batch", "networking.k8s.io"}),
                               frozenset({"namespaces", "services", "deployments", "networkpolicies"}))], token="d")
    result = cli("lint", "--kubeconfig", str(kubeconfig(api, tmp_path / "kc", token="d")))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f'podwall: the API server at {api.url} (context "test"): forbidden: ')
    assert 'User "dave" cannot list resource "' in result.stderr
    assert "'podwall rbac | kubectl apply -f -' (deploy/rbac-readonly.yaml)" in result.stderr


def test_forbidden_nodes_is_a_warning(api: ApiServer, tmp_path: Path) -> None:
    rules = [Rule(frozenset({"list"}), frozenset({"*"}), frozenset({"*"}) - set()) ]
    api.add_user("erin", [Rule(r.verbs, r.groups, frozenset({
        "pods", "namespaces", "services", "replicationcontrollers", "deployments", "statefulsets", "daemonsets",
        "replicasets", "jobs", "cronjobs", "networkpolicies", "ingresses"})) for r in rules], token="e")
    result = cli("reach", "--kubeconfig", str(kubeconfig(api, tmp_path / "kc", token="e")))
    assert result.exit_code == 0
    assert result.stderr == (
        f'warning: the API server at {api.url} (context "test"): cannot list nodes/v1 (forbidden): not read; '
        "network-plugin detection and node addresses are unavailable\n"
        "podwall: CNI profile calico v3.28.0 (detected: DaemonSet kube-system/calico-node, "
        "image docker.io/calico/node:v3.28.0)\n"
    )


def test_namespace_scoped_access_reads_that_namespace_with_a_warning(api: ApiServer, tmp_path: Path) -> None:
    """A user with a RoleBinding in one namespace: -n NS reads that namespace (kubectl habits), and says so."""
    api.add_user("fay", [Rule(frozenset({"list", "get"}), frozenset({"*"}), frozenset({"*"}), "production")], token="f")
    path = kubeconfig(api, tmp_path / "kc", token="f")
    denied = cli("reach", "--kubeconfig", str(path))
    assert denied.exit_code == 2 and "forbidden" in denied.stderr
    result = cli("reach", "--kubeconfig", str(path), "-n", "production", "--by", "workload", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["subjects"] == [
        "production/Deployment/backend", "production/Deployment/database", "production/Deployment/frontend"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [  # one line for every list narrowed to the namespace, one for the kinds not read
        f'warning: the API server at {api.url} (context "test"): cannot list namespaces/v1, pods/v1, '
        "replicationcontrollers/v1, services/v1, daemonsets.apps/v1, deployments.apps/v1, replicasets.apps/v1, "
        "statefulsets.apps/v1, cronjobs.batch/v1, jobs.batch/v1, ingresses.networking.k8s.io/v1, "
        "networkpolicies.networking.k8s.io/v1 in every namespace (forbidden): read namespace production only; "
        "flows with other namespaces are judged without their objects",
        f'warning: the API server at {api.url} (context "test"): cannot list nodes/v1 (forbidden): not read; '
        "network-plugin detection and node addresses are unavailable",
    ]


def test_absent_crds_are_not_read_and_present_ones_are(api: ApiServer, config: Path) -> None:
    read_cluster(ClusterSource(str(config)))
    assert not [r for r in api.requests if "policy.networking.k8s.io" in r.path or "monitoring" in r.path]
    api.install("admin-policies", "calico")
    api.put({"apiVersion": "crd.projectcalico.org/v1", "kind": "GlobalNetworkPolicy",
             "metadata": {"name": "deny-egress"}, "spec": {"selector": "all()", "types": ["Egress"]}})
    api.put({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
             "metadata": {"name": "default"},
             "spec": {"subject": {"namespaces": {}}, "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}})
    cluster = read_cluster(ClusterSource(str(config)))
    assert [p.name for p in cluster.admin_policies] == ["default"]
    assert [(u.kind, u.name) for u in cluster.unevaluated] == [("GlobalNetworkPolicy", "deny-egress")]
    assert any("GlobalNetworkPolicy deny-egress: not evaluated yet" in w for w in cluster.warnings)


def test_a_crd_gone_between_discovery_and_list_is_not_an_error(api: ApiServer, config: Path) -> None:
    api.install("monitoring")
    api.broken[("monitoring.coreos.com", "podmonitors")] = 404
    cluster = read_cluster(ClusterSource(str(config)))
    assert len(cluster.pods) == 10


def test_a_kind_the_api_does_not_serve_is_one_line(api: ApiServer, config: Path) -> None:
    del api.kinds[("networking.k8s.io", "networkpolicies")]
    result = cli("reach", "--kubeconfig", str(config))
    assert result.exit_code == 2
    assert result.stderr == (f'podwall: the API server at {api.url} (context "test") serves no NetworkPolicy '
                             "(networkpolicies.networking.k8s.io/v1): podwall cannot read this cluster\n")


def test_unreachable_server_is_one_line(api: ApiServer, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = kubeconfig(api, tmp_path / "kc", token=TOKEN, context="kind-kind", server_url=f"https://127.0.0.1:{port}")
    result = cli("explain", "--kubeconfig", str(path), "a/b", "c/d", "80")
    assert result.exit_code == 2
    assert result.stderr == (f'podwall: cannot reach the API server at https://127.0.0.1:{port} (context "kind-kind"): '
                             "connection refused\n")


def test_unknown_context_and_missing_kubeconfig(api: ApiServer, config: Path, tmp_path: Path) -> None:
    result = cli("reach", "--kubeconfig", str(config), "--context", "prod")
    assert (result.exit_code, result.stderr) == (2, f'podwall: no context "prod" in kubeconfig {config} (contexts: test)\n')
    missing = tmp_path / "nope"
    result = cli("reach", "--kubeconfig", str(missing))
    assert (result.exit_code, result.stderr) == (2, f"podwall: no kubeconfig: {missing} does not exist\n")


EXEC_PLUGIN = """\
import json, sys
if {fail!r}:
    sys.stderr.write("token expired: run 'cloud login'\\n")
    sys.exit(1)
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {{"token": {token!r}}}}}))
"""


@pytest.mark.parametrize("fail", [False, True])
def test_exec_plugin_credentials_and_their_own_error(api: ApiServer, tmp_path: Path, fail: bool) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(EXEC_PLUGIN.format(fail=fail, token=TOKEN))
    exec_user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                          "args": [str(plugin)], "interactiveMode": "Never"}}
    path = kubeconfig(api, tmp_path / "kc", extra_user=exec_user, context="eks")
    result = cli("reach", "--kubeconfig", str(path), "--by", "workload", "-o", "json")
    if not fail:
        assert result.exit_code == 0, result.stderr
        assert "production/Deployment/frontend" in json.loads(result.stdout)["subjects"]
        return
    assert result.exit_code == 2
    assert result.stderr == (
        f'podwall: the API server at {api.url} (context "eks") rejected the credentials (401 Unauthorized): they are '
        "missing or expired; the auth plugin said: exec: process returned 1. token expired: run 'cloud login'\n"
    )


def test_kubectl_plugin_reads_the_current_context_and_says_so(api: ApiServer, config: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(config))
    result = cli("reach", "--by", "workload", "-o", "json", kubectl_plugin=True)
    assert result.exit_code == 0
    assert result.stderr == (f'podwall: reading the live cluster: the API server at {api.url} (context "test"); '
                             "use -f to read manifests instead\n"
                             "podwall: CNI profile calico v3.28.0 (detected: DaemonSet kube-system/calico-node, "
                             "image docker.io/calico/node:v3.28.0; Node node-a, annotation projectcalico.org/IPv4Address)\n")
    assert json.loads(result.stdout) == reach_json("--cluster")
    plain = cli("reach")  # the podwall command itself never reads a cluster unasked
    assert plain.exit_code == 2 and "no input" in plain.stderr


def test_files_and_cluster_exclude_each_other(config: Path) -> None:
    result = cli("reach", "-f", "examples/tutorial", "--kubeconfig", str(config))
    assert result.exit_code == 2
    assert "-f and --cluster/--kubeconfig/--context exclude each other" in result.stderr


def test_without_the_client_library_the_error_says_how_to_install(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes", None)
    result = cli("reach", "--kubeconfig", str(config))
    assert result.exit_code == 2
    assert result.stderr == ("podwall: reading a live cluster needs the Kubernetes Python client: "
                             "pip install 'podwall[cluster]'\n")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (apt-get install kubernetes-client)")
def test_kubectl_reads_the_same_server(api: ApiServer, config: Path) -> None:
    """The test server speaks what a real client expects: kubectl pages through pods and reads policies."""
    env = dict(os.environ, KUBECONFIG=str(config), HOME=str(config.parent))
    out = subprocess.run(["kubectl", "get", "pods", "-A", "-o", "json", "--chunk-size=4"], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    names = [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in json.loads(out)["items"]]
    assert names == [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in api.items("pods")]
    assert [bool(r.query.get("continue")) for r in api.served("pods")] == [False, True, True]
    out = subprocess.run(["kubectl", "get", "networkpolicies", "-n", "production", "-o", "name"], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == [f"networkpolicy.networking.k8s.io/{p['metadata']['name']}"
                           for p in api.items("networkpolicies", "networking.k8s.io")]
    denied = subprocess.run(["kubectl", "get", "secrets", "-A"], env=env, capture_output=True, text=True, timeout=60)
    assert denied.returncode == 1
    assert 'User "reader" cannot list resource "secrets"' in denied.stderr


def test_tutorial_world_is_what_the_manifests_say() -> None:
    """The fixture itself: controllers' products carry ownerReferences and IPs (so the tests above mean something)."""
    objects = world.tutorial()
    pods = [o for o in objects if o["kind"] == "Pod"]
    assert len(pods) == 10
    assert all(p["metadata"]["ownerReferences"][0]["controller"] for p in pods)
    assert all(p["status"]["podIP"] for p in pods)


def test_generate_verifies_against_the_live_cluster(config: Path, tmp_path: Path) -> None:
    """generate's -f context can be the cluster: the tutorial's missing egress half is found live."""
    args = ["generate", "allow", "-n", "production", "--from", "app=frontend", "--to", "app=backend",
            "--port", "8080/TCP", "--verify"]
    live = cli(*args, "--kubeconfig", str(config))
    files = cli(*args, "-f", str(dump_live_path(config, tmp_path)))
    assert (live.exit_code, live.stdout) == (files.exit_code, files.stdout)
    assert live.exit_code == 0 and "kind: NetworkPolicy" in live.stdout


def dump_live_path(config: Path, tmp_path: Path) -> Path:
    """The cluster behind ``config`` as a snapshot file (the generate test's -f twin)."""
    out = tmp_path / "snapshot.yaml"
    assert cli("snapshot", "--kubeconfig", str(config), "-o", str(out)).exit_code == 0
    return out


def test_kubectl_plugin_without_kubeconfig_says_both_ways_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    result = cli("lint", kubectl_plugin=True)
    assert (result.exit_code, result.stderr) == (
        2, f"podwall: no -f given, and the live cluster cannot be read: no kubeconfig: {tmp_path / 'none'} does not exist\n")


def test_in_cluster_configuration_inside_a_pod(api: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No kubeconfig, but a service account mounted as in a pod: --cluster uses it."""
    import kubernetes.config.incluster_config as incluster

    token = tmp_path / "token"
    token.write_text(TOKEN)
    monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(api.pki.ca))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", api.url.rsplit(":", 1)[1])
    result = cli("reach", "--cluster", "-v", "--by", "workload", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (f"podwall: reading the live cluster: the API server at {api.url} "
                                             "(in-cluster configuration)")
    assert "production/Deployment/frontend" in json.loads(result.stdout)["subjects"]
    assert {r.user for r in api.requests} == {"reader"}


def test_nodes_and_plugin_agents_reach_the_model(config: Path) -> None:
    """What network-plugin detection reads: Nodes with their annotations, kube-system DaemonSets with images."""
    cluster = read_cluster(ClusterSource(str(config)))
    assert [n.name for n in cluster.nodes] == ["node-a", "node-b"]
    assert cluster.nodes[0].annotations["projectcalico.org/IPv4Address"] == "172.18.0.2/16"
    calico = next(w for w in cluster.workloads if w.ref.name == "calico-node")
    assert [c.image for c in calico.containers] == ["docker.io/calico/node:v3.28.0"]


def test_progress_counts_objects_as_pages_arrive(api: ApiServer, config: Path) -> None:
    calls: list[tuple[int, int]] = []
    api.expire.add(("", "pods"))
    read(connect(ClusterSource(str(config))), page_size=4, progress=lambda done, total: calls.append((done, total)))
    assert all(done <= total for done, total in calls)
    assert calls[-1] == (34, 34)  # 10 pods, 6 policies, 5 Deployments, 5 ReplicaSets, 3 namespaces, ...
    assert len(calls) > 10  # one call per page (and one for the restart), so a bar moves


@pytest.mark.parametrize(("text", "message"), [
    ("just a string\n", "is not a kubeconfig: a mapping with apiVersion: v1, kind: Config, clusters, contexts and "
                         "users is expected, not a string"),
    ("- a\n- b\n", "is not a kubeconfig: a mapping with apiVersion: v1, kind: Config, clusters, contexts and users "
                   "is expected, not a list of values"),
    ("apiVersion: v1\nkind: Config\ncontexts: prod\n", "contexts: a list of mappings (- name: ...) is expected, "
                                                       "not a string"),
])
def test_a_kubeconfig_that_is_no_kubeconfig_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    result = cli("reach", "--kubeconfig", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"podwall: kubeconfig {path} {message}".replace(f"{path} contexts:",
                                                                                          f"{path}: contexts:")]
