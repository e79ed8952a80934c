"""Exit codes and one-line errors of the CLI, driven through ``main``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import podwall

from tests.cli.harness import TUTORIAL, run

POLICY_WITH_BAD_EXCEPT = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: prod
spec:
  podSelector: {}
  ingress:
    - from:
        - ipBlock:
            cidr: 10.0.0.0/16
            except:
              - 10.1.0.0/16
"""

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: prod, labels: {app: a}}
spec:
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
"""


def test_explain_allowed_exits_0() -> None:
    r = run("explain", "-f", TUTORIAL, "production/Deployment/backend", "production/Deployment/database", "5432/TCP")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (
        0,
        "ALLOWED: production/Deployment/backend -> production/Deployment/database on 5432/TCP",
    )


def test_explain_denied_exits_1() -> None:
    r = run("explain", "-f", TUTORIAL, "production/Deployment/frontend", "production/Deployment/backend", "8080")
    assert r.exit_code == 1
    assert r.stdout.startswith("DENIED: production/Deployment/frontend -> production/Deployment/backend on 8080/TCP")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "-f", TUTORIAL, "production/nope", "production/Deployment/backend", "80"],
         "podwall: unknown subject 'production/nope': There is no pod, workload or Service 'nope' in namespace "
         "'production' (there: backend, database, frontend)"),
        (["explain", "-f", TUTORIAL, "-n", "production", "frontnd", "backend", "80"],
         "podwall: unknown subject 'frontnd': did you mean production/Deployment/frontend? There is no pod"),
        (["explain", "-f", TUTORIAL, "frontend", "production/backend", "80"],
         "podwall: unknown subject 'frontend': did you mean production/Deployment/frontend (-n production or "
         "production/frontend)? There is no namespace 'default' in the input (namespaces: kube-system, monitoring, "
         "production)\n"),
        (["explain", "-f", TUTORIAL, "-n", "prod", "frontend", "backend"],
         "podwall: -n prod: no namespace 'prod' in the input (namespaces: kube-system, monitoring, production)"),
        (["explain", "-f", TUTORIAL, "-n", "productoin", "frontend", "backend"],
         "podwall: -n productoin: did you mean production? no namespace 'productoin' in the input"),
        (["reach", "-f", TUTORIAL, "-n", "productoin"],
         "podwall: -n productoin: did you mean production?"),
        (["lint", "-f", TUTORIAL, "-n", "productoin"],
         "podwall: -n productoin: did you mean production?"),
        (["explain", "-f", TUTORIAL, "production/Widget/x", "production/Deployment/backend", "80"],
         "podwall: unknown kind 'Widget' in 'production/Widget/x'"),
        (["explain", "-f", TUTORIAL, "production/Deployment/backend", "production/Deployment/database", "http"],
         "podwall: production/Deployment/database declares no TCP port named 'http' (its named ports: metrics, postgres)"),
        (["explain", "-f", TUTORIAL, "production/Deployment/backend", "production/Deployment/database", "postgre"],
         "podwall: production/Deployment/database declares no TCP port named 'postgre': did you mean 'postgres'?"),
        (["reach", "-f", TUTORIAL, "--probe", "80/HTTP"],
         "podwall: invalid probe '80/HTTP': protocol must be TCP, UDP or SCTP"),
        (["reach", "-f", TUTORIAL, "--probe", "0"], "podwall: invalid probe '0': port must be 1-65535"),
        (["explain", "-f", TUTORIAL, "kube-system/svc/kube-dns", "production/Deployment/backend", "80"],
         "podwall: a Service cannot be a source"),
        (["explain", "-f", TUTORIAL, "production/Deployment/frontend", "kube-system/svc/kube-dns", "80"],
         "podwall: Service kube-system/Service/kube-dns has no port 80/TCP (its ports: 53/UDP (dns), 53/TCP (dns-tcp))"),
        (["explain", "-f", TUTORIAL, "a", "b", "80", "90"], "podwall: expected SOURCE DESTINATION [PORT], got 4 arguments"),
        (["explain", "-f", TUTORIAL, "--from-labels", "app", "backend"], "podwall: invalid --from-labels 'app'"),
        (["reach", "-f", TUTORIAL, "--focus-workload", "x"],
         "podwall: --focus-* options apply to -o connlist and -o connlist-json"),
        (["reach", "-f", TUTORIAL, "-o", "connlist", "--by", "pod"],
         "podwall: -o connlist lists workloads: use --by workload (or leave --by out)"),
        (["reach", "-f", TUTORIAL, "-o", "connlist", "--probe", "80"],
         "podwall: -o connlist covers every port: --probe does not apply (use --focus-conn)"),
        (["reach", "-f", TUTORIAL, "-o", "connlist-json", "--focus-direction", "egress"],
         "podwall: --focus-workload-peer and --focus-direction need --focus-workload"),
        (["reach", "-f", TUTORIAL, "-o", "connlist", "--focus-conn", "tcp"],
         "podwall: invalid --focus-conn 'tcp': expected PROTOCOL-PORT, e.g. udp-52"),
        (["reach", "-f", TUTORIAL, "-o", "connlist", "--external"],
         "podwall: -o connlist always lists external ranges: --external does not apply"),
        (["reach", "-f", TUTORIAL, "-o", "connlist", "--focus-workload", "frontnd"],
         "podwall: --focus-workload frontnd: did you mean production/Deployment/frontend? no workload 'frontnd'"),
        (["reach", "-f", TUTORIAL, "-o", "connlist", "--focus-workload", "frontend", "--focus-workload-peer", "prod/db"],
         "podwall: --focus-workload-peer prod/db: There is no namespace 'prod' in the input (namespaces: kube-system, "
         "monitoring, production)\n"),
        (["reach", "-f", TUTORIAL, "--fail-on-intent"],
         "podwall: --fail-on-intent needs intents: a kind: Intents document among -f, or --intents FILE"),
        (["reach", "-f", TUTORIAL, "--intents", "x.yaml", "-o", "csv"],
         "podwall: --intents prints with -o table, matrix, list or json"),
    ],
    ids=["fail-on-intent-alone", "intents-csv", "unknown-pod", "typo-did-you-mean", "other-namespace", "absent-namespace", "namespace-typo",
         "reach-namespace-typo", "lint-namespace-typo", "unknown-kind", "unknown-port-name", "port-name-typo", "bad-protocol", "port-zero", "service-source", "service-port",
         "explain-arity", "bad-from-labels",
         "focus-without-connlist", "connlist-by-pod", "connlist-probe", "direction-without-workload", "bad-focus-conn",
         "connlist-external", "focus-typo", "focus-peer-unknown"],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    r = run(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith(message)


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    r = run("reach", "-f", str(tmp_path / "absent.yaml"))
    assert r.exit_code == 2
    assert "absent.yaml" in r.stderr
    assert "Traceback" not in r.stderr


def test_invalid_policy_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(POLICY_WITH_BAD_EXCEPT)
    r = run("reach", "-f", str(path))
    assert r.exit_code == 2
    assert r.stderr == (
        f"{path}:13: NetworkPolicy prod/web: spec.ingress[0].from[0].ipBlock.except[0]: "
        "10.1.0.0/16 is not inside 10.0.0.0/16\n"
    )


def test_lenient_skips_the_bad_policy_and_warns(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(POLICY_WITH_BAD_EXCEPT)
    (tmp_path / "pod.yaml").write_text(POD)
    r = run("reach", "-f", str(tmp_path), "--lenient", "-o", "json")
    assert r.exit_code == 0
    assert "10.1.0.0/16 is not inside 10.0.0.0/16" in r.stderr
    assert json.loads(r.stdout)["subjects"] == ["prod/Pod/a"]


def test_lenient_skipping_everything_says_so_after_the_warnings() -> None:
    # each skipped object is warned about before the input is found empty, and the message counts them
    r = run("reach", "-f", "-", "--lenient", stdin=POLICY_WITH_BAD_EXCEPT)
    assert r.exit_code == 2 and r.stdout == ""
    *warnings, last = r.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("warning: skipped object: <stdin>:")
    assert last == ("podwall: nothing to analyse: no pods, workloads or policies in <stdin> "
                    "(it holds 1 object skipped for errors, warned above)")


def test_stdin_is_read_with_dash() -> None:
    r = run("reach", "-f", "-", "-o", "json", stdin=POD)
    assert r.exit_code == 0
    assert json.loads(r.stdout) == {
        "apiVersion": "podwall.io/v1", "kind": "Reachability", "view": "workload", "namespaces": None,
        "subjects": ["prod/Pod/a"], "probes": [{"port": 80, "protocol": "TCP"}], "allowed": [],
    }


def test_namespace_and_all_namespaces_conflict() -> None:
    r = run("reach", "-f", TUTORIAL, "-n", "x", "-A")
    assert r.exit_code == 2
    assert "-n and -A cannot be used together" in r.stderr


def test_missing_filename_is_a_usage_error() -> None:
    r = run("reach")
    assert r.exit_code == 2
    assert "no input: give -f PATH" in r.stderr and "or --cluster" in r.stderr


def test_namespace_keeps_its_subjects_and_their_peers_in_every_format() -> None:
    """-n NS: NS's subjects and every peer exchanging a flow with them; the same flows in json, csv and table."""
    r = run("reach", "-f", TUTORIAL, "-n", "kube-system", "-o", "json")
    document = json.loads(r.stdout)
    assert document["subjects"] == ["kube-system/Deployment/coredns", "monitoring/Deployment/prometheus",
                                    "production/Deployment/backend", "production/Deployment/database",
                                    "production/Deployment/frontend"]
    flows = {(a["from"], a["to"], a["port"], a["protocol"]) for a in document["allowed"]}
    assert all("kube-system/" in f"{s} {d}" for s, d, _, _ in flows)  # one end in kube-system, always
    assert ("production/Deployment/frontend", "kube-system/Deployment/coredns", 53, "UDP") in flows
    csv = run("reach", "-f", TUTORIAL, "-n", "kube-system", "-o", "csv").stdout.splitlines()[1:]
    assert {tuple(line.split(",")) for line in csv} == {(s, d, str(p), proto) for s, d, p, proto in flows}
    table = run("reach", "-f", TUTORIAL, "-n", "kube-system").stdout
    assert "Deployment/frontend" in table and "between two peers nothing is judged" in table


def test_verbose_lists_skipped_kinds(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                                      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")  # input with no pod is an error
    r = run("reach", "-f", str(tmp_path), "-v")
    assert r.exit_code == 0
    assert "skipped: 1 ConfigMap object (not used by podwall)" in r.stderr


def test_unevaluated_policy_kinds_warn(tmp_path: Path) -> None:
    (tmp_path / "cilium.yaml").write_text(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"
        "metadata: {name: deny-all, namespace: prod}\nspec: {endpointSelector: {}}\n"
    )
    r = run("reach", "-f", str(tmp_path))
    assert r.exit_code == 0
    assert r.stderr.startswith("warning: ")
    assert "CiliumNetworkPolicy prod/deny-all: not evaluated yet" in r.stderr


def test_python_dash_m_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "podwall", "--version"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, f"podwall, version {podwall.__version__}\n")


def test_an_unexpected_exception_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug never exits 0 or 1 (those are verdicts) and never prints a traceback unless -v."""
    import podwall.cli.commands.explain as explain_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(explain_module, "explain", broken)
    result = run("explain", "-f", TUTORIAL, "production/frontend", "production/backend", "8080")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("podwall: internal error: RuntimeError: boom (a bug in podwall")
    assert "Traceback" not in result.stderr
    verbose = run("explain", "-v", "-f", TUTORIAL, "production/frontend", "production/backend", "8080")
    assert verbose.exit_code == 3
    assert "Traceback (most recent call last)" in verbose.stderr


def test_extensions_v1beta1_network_policy_says_it_was_removed(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(
        "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\nspec: {podSelector: {}}\n"
    )
    r = run("reach", "-f", str(tmp_path))
    assert r.exit_code == 2
    assert r.stderr == (
        f"{tmp_path / 'old.yaml'}:1: NetworkPolicy x/a: apiVersion: no matches for kind \"NetworkPolicy\" "
        'in version "extensions/v1beta1" (removed in Kubernetes 1.16): Kubernetes 1.32 serves it as '
        "networking.k8s.io/v1\n"
    )
