"""``podwall render -o html`` of a live cluster: the commands the report suggests read the same cluster."""

from __future__ import annotations

import json
from pathlib import Path

from tests.apiserver.server import ApiServer
from tests.cli.harness import run


def report_data(page: str) -> dict:
    return json.loads(page.split('id="podwall-data">', 1)[1].split("</script>", 1)[0])


def test_suggested_explain_commands_name_the_live_source(api: ApiServer, config: Path) -> None:
    done = run("render", "--kubeconfig", str(config), "--context", "test", "-o", "html", "--cni", "calico")
    assert done.exit_code == 0, done.stderr
    data = report_data(done.stdout)
    assert data["explain_command"] == f"podwall explain --kubeconfig {config} --context test --cni calico"
    assert f"from the live cluster (--kubeconfig {config} --context test --cni calico)" in done.stdout
    assert "MANIFESTS" not in done.stdout.split("<script>", 1)[0] + json.dumps(data)


def test_cluster_alone_is_repeated_as_cluster(api: ApiServer, config: Path, monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(config))
    done = run("render", "--cluster", "-o", "html", "-n", "production")
    assert done.exit_code == 0, done.stderr
    assert report_data(done.stdout)["explain_command"] == "podwall explain --cluster -n production"
