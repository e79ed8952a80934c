"""``podwall lab`` through ``main``: exit codes, errors, output formats."""

from __future__ import annotations

import json
import os

import pytest

from podwall.lab import session as lab_session

from tests.cli.harness import TUTORIAL, run

TUTORIAL_BASE = ["-f", f"{TUTORIAL}/namespaces.yaml", "-f", f"{TUTORIAL}/workloads.yaml"]


def test_run_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = run("lab", "run", "-f", TUTORIAL)
    assert result.exit_code == 2
    assert result.stderr == "podwall: podwall lab needs root: it creates network namespaces and nftables rules (try sudo)\n"


def test_clean_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = run("lab", "clean")
    assert result.exit_code == 2
    assert result.stderr.startswith("podwall: podwall lab needs root")


def test_run_names_missing_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(lab_session.netns.shutil, "which", lambda name: None)
    monkeypatch.setattr(lab_session.netns, "_sbin", lambda name: None)
    result = run("lab", "run", "-f", TUTORIAL)
    assert result.exit_code == 2
    assert result.stderr == ("podwall: podwall lab needs ip (iproute2) and nft (nftables): "
                             "e.g. apt-get install iproute2 nftables\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "203.0.113.1"], "podwall: --from 203.0.113.1: the lab probes pods and workloads"),
        (["--to", "production/nope"], "podwall: unknown subject 'production/nope'"),
        (["--timeout", "0"], "Invalid value for '--timeout'"),
        (["-n", "production", "--from", "kube-system/deploy/coredns"],
         "podwall: --from kube-system/Deployment/coredns: not among the subjects in scope (see -n)"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run("lab", "run", "-f", TUTORIAL, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_rules_subject_filter() -> None:
    result = run("lab", "rules", "-f", TUTORIAL, "--by", "workload", "--subject", "kube-system/deploy/coredns")
    assert result.exit_code == 0
    assert result.stdout.startswith('# podwall lab: 10.244.0.1\n# subject: "kube-system/Deployment/coredns"\n')
    assert result.stdout.count("table inet podwall {") == 1


@pytest.mark.lab
def test_run_json_on_the_tutorial() -> None:
    result = run("lab", "run", "-f", TUTORIAL, "--by", "workload", "--timeout", "0.5", "-o", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["summary"] == {"compared": 210, "disagreements": 0, "errors": 0, "not_testable": 0, "ok": True}
    assert document["externals"] == ["203.0.113.10"]
    assert set(document["timings"]) == {"build", "apply", "probe", "teardown"}
    flows = {(r["from"], r["to"], r["port"], r["protocol"]): r for r in document["results"]}
    backend_db = flows["production/Deployment/backend", "production/Deployment/database", 5432, "TCP"]
    assert (backend_db["observed"], backend_db["engine"], backend_db["agrees"]) == ("allowed", "allowed", True)
    dns = flows["production/Deployment/frontend", "kube-system/Deployment/coredns", 53, "UDP"]
    assert dns["detail"] == "DNS over UDP: kube-dns.kube-system.svc.cluster.local is 10.244.0.1"


@pytest.mark.lab
def test_a_disagreement_exits_1_and_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enforce nothing (a broken compiler): the kernel allows what the engine denies, and the CLI says so."""
    real = lab_session.compile_lab
    monkeypatch.setattr(lab_session, "compile_lab",
                        lambda cluster, pods, **kw: real(lab_session.replace(cluster, policies=()), pods, **kw))
    result = run("lab", "run", *TUTORIAL_BASE, "-f", f"{TUTORIAL}/policies.yaml", "--by", "workload",
                 "--from", "production/deploy/frontend", "--to", "production/deploy/backend",
                 "--probe", "8080", "--timeout", "0.5")
    assert result.exit_code == 1
    assert "DISAGREEMENTS: kernel and engine differ on 1 of 1 probes:" in result.stdout
    assert ("production/Deployment/frontend -> production/Deployment/backend 8080/TCP: kernel ALLOWED, "
            "engine DENIED") in result.stdout
    assert "Egress from production/Deployment/frontend: DENIED\n      isolated for egress by" in result.stdout


@pytest.mark.lab
def test_list_output_and_sctp_is_not_testable() -> None:
    result = run("lab", "run", "-f", TUTORIAL, "--by", "workload", "--from", "production/deploy/frontend",
                 "--to", "kube-system/deploy/coredns", "--probe", "53/UDP", "--probe", "53/SCTP",
                 "--timeout", "0.5", "-o", "list")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("N/A      production/Deployment/frontend -> kube-system/Deployment/coredns 53/SCTP")
    assert lines[1].startswith("ALLOWED  production/Deployment/frontend -> kube-system/Deployment/coredns 53/UDP")
    assert "Not tested: 1 probe: SCTP is not testable on this kernel." in result.stdout
    assert "Kernel and engine agree on all 1 probes compared." in result.stdout
