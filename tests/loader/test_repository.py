"""A repository laid out like a real one (issue 11): dot folders, pre-commit and podwall configs, a Helm
chart, a kustomize folder, docs in YAML, and the manifests. ``-f .`` must read the manifests only.

The fixture is ``data/repo``.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from podwall.errors import InputError, InputErrors
from podwall.loader import load, nothing_to_analyse
from tests.cli.harness import run

REPO = Path(__file__).parent / "data" / "repo"


def test_a_walk_reads_the_manifests_and_says_what_it_left_out() -> None:
    cluster = load([str(REPO)])
    assert [p.key for p in cluster.pods] == ["shop/Deployment/web"]
    assert cluster.passed == {
        "Helm charts and kustomize folders": 2,
        "YAML documents that are not Kubernetes objects": 1,  # docs/mkdocs.yml
        "hidden files and folders": 3,  # .github/, .pre-commit-config.yaml, .podwall.yaml
    }
    assert cluster.warnings == (
        f"warning: {REPO / 'chart'}: not read: a Helm chart, not manifests: render it, helm template {REPO / 'chart'} "
        "| podwall ... -f -, or add --render to let podwall run helm",
        f"warning: {REPO / 'overlay'}: not read: a kustomize folder, not manifests: render it, kubectl kustomize "
        f"{REPO / 'overlay'} | podwall ... -f -, or add --render to let podwall run kubectl",
    )


def test_lint_on_the_repository_root_works_and_counts_under_verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run("lint", "-f", ".", "-v")
    assert result.exit_code in (0, 1), result.stderr  # findings, never an input error
    assert "skipped in directory walks: hidden files and folders: 3" in result.stderr
    assert "skipped in directory walks: YAML documents that are not Kubernetes objects: 1" in result.stderr


def test_a_file_named_explicitly_stays_strict() -> None:
    with pytest.raises(InputErrors) as info:
        load([str(REPO / "docs" / "mkdocs.yml")])
    assert str(info.value).splitlines() == [
        f'{REPO / "docs" / "mkdocs.yml"}:1: missing required field "apiVersion"',
        f'{REPO / "docs" / "mkdocs.yml"}:1: missing required field "kind"',
    ]


def test_a_chart_named_with_f_is_one_line() -> None:
    result = run("reach", "-f", str(REPO / "chart"))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"{REPO / 'chart'}: a Helm chart, not manifests: render it, helm template {REPO / 'chart'} | podwall ... -f -, "
        "or add --render to let podwall run helm\n"
    )


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (.ci/run installs it)")
def test_render_runs_kubectl_kustomize() -> None:
    cluster = load([str(REPO / "overlay"), str(REPO / "deploy")], render=True)
    assert sorted(p.key for p in cluster.pods) == ["shop/Deployment/web", "shop/Deployment/worker"]
    (worker,) = [p for p in cluster.pods if p.name == "worker"]
    assert worker.labels == {"app": "worker", "team": "payments"}  # kustomize's commonLabels applied
    assert str(worker.location) == f"{REPO / 'overlay'} (kubectl kustomize):1"


@pytest.mark.skipif(shutil.which("helm") is not None, reason="helm is installed: nothing to say about its absence")
def test_render_without_helm_says_so() -> None:
    with pytest.raises(InputErrors) as info:
        load([str(REPO / "chart")], render=True)
    assert str(info.value) == (
        f"{REPO / 'chart'}: a Helm chart: --render needs helm on PATH, which is not there; render it yourself: "
        f"helm template {REPO / 'chart'} | podwall ... -f -"
    )


def test_input_with_no_pods_workloads_or_policies_is_an_error() -> None:
    """A CI job whose ``helm template`` step printed nothing must fail."""
    empty = run("reach", "-f", "-", stdin="")
    assert (empty.exit_code, empty.stderr) == (
        2, "podwall: nothing to analyse: no pods, workloads or policies in <stdin> (it holds no Kubernetes object)\n"
    )
    namespace_only = load(["-"], stdin=io.StringIO("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"))
    with pytest.raises(InputError, match=r"\(it holds 1 Namespace\)$"):
        nothing_to_analyse(namespace_only, ["-"])
    nothing_to_analyse(load([str(REPO / "deploy")]), [str(REPO / "deploy")])  # a workload: fine
