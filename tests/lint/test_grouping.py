"""Lint at scale: findings grouped per (rule, object, rule of the object), peers named, counts per rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.harness import run

CLIENTS = 30


def _deployment(name: str, labels: dict[str, str], port: int | None = None) -> str:
    ports = f"\n          ports: [{{containerPort: {port}}}]" if port else ""
    shown = ", ".join(f"{k}: {v}" for k, v in labels.items())
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\n"
        f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{{shown}}}}}\n"
        f"    spec:\n      containers:\n        - name: c\n          image: x{ports}\n"
    )


@pytest.fixture(scope="module")
def many_clients(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One ingress rule admitting 30 clients whose egress is denied: 30 PW210 findings with one fix."""
    docs = [
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-all, namespace: shop}\n"
        "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api-from-clients, namespace: shop}\n"
        "spec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n"
        "    - from: [{podSelector: {matchLabels: {role: client}}}]\n      ports: [{port: 8080}]\n",
        _deployment("api", {"app": "api"}, 8080),
        *(_deployment(f"client{i:02d}", {"app": f"client{i:02d}", "role": "client"}) for i in range(CLIENTS)),
    ]
    path: Path = tmp_path_factory.mktemp("many") / "app.yaml"
    path.write_text("---\n".join(docs))
    return str(path)


def test_one_group_per_rule_of_an_object_with_the_peers_named(many_clients: str) -> None:
    text = run("lint", "-f", many_clients, "--disable", "PW203,PW212").stdout
    assert text.count("PW210 [flow.ingress-without-egress]") == 1
    assert "and the same for 29 more peers: shop/Deployment/client01, shop/Deployment/client02," in text
    assert "... (29 in all)" in text
    assert text.count("fix: podwall generate allow --from role=client --to app=api") == 1
    assert "PW210  flow.ingress-without-egress  30 warnings in 1 group" in text
    assert re.search(r"\n30 findings \(0 errors, 30 warnings, 0 info\) in 1 group from \d+ rules\n$", text)


def test_max_findings_and_summary(many_clients: str) -> None:
    capped = run("lint", "-f", many_clients, "--max-findings", "2")
    assert capped.exit_code == 1  # the exit code still counts every finding
    assert "... 60 more groups not shown (--max-findings 2)" in capped.stdout
    assert capped.stdout.count("\n    fix") == 2
    summary = run("lint", "-f", many_clients, "--summary").stdout
    assert summary.startswith("By rule:\n") and "fix" not in summary
    assert "  PW203  dns.blocked                  31 errors\n" in summary


def test_json_lists_every_finding_and_the_groups(many_clients: str) -> None:
    document = json.loads(run("lint", "-f", many_clients, "-o", "json").stdout)
    pw210 = [g for g in document["groups"] if g["rule"] == "PW210"]
    assert len(pw210) == 1 and pw210[0]["count"] == CLIENTS and pw210[0]["field"] == "spec.ingress[0]"
    assert pw210[0]["peers"] == [f"shop/Deployment/client{i:02d}" for i in range(CLIENTS)]
    assert [document["findings"][i]["peer"] for i in pw210[0]["findings"]] == pw210[0]["peers"]
    assert document["counts"] == {"PW203": 31, "PW210": 30, "PW212": 30}
    assert document["summary"]["findings"] == 91 and document["summary"]["groups"] == 62
    capped = json.loads(run("lint", "-f", many_clients, "-o", "json", "--max-findings", "1").stdout)
    assert len(capped["groups"]) == 1 and capped["summary"]["omitted_groups"] == 61
    assert capped["summary"]["findings"] == 91  # counts always count everything
