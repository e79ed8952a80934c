"""``podwall diff`` on the command line: --fail-on exit codes, the boundary exit code, errors that name the side."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.harness import ROOT, run

TUTORIAL = "examples/tutorial"
DATA = "tests/diff/data"
#: Every verb names the CNI profile it judged by on stderr.
PROFILE = "podwall: CNI profile generic (no network plugin recognised in the input; --cni NAME picks one)\n"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def after(change: str) -> str:
    return f"{DATA}/tutorial-{change}"


@pytest.mark.parametrize(
    ("change", "fail_on", "code"),
    [
        # loosen: frontend -> backend is added (a pair with no connection before), inside production
        ("loosen", "added", 1),
        ("loosen", "widened", 1),
        ("loosen", "any", 1),
        # tighten: only closes
        ("tighten", "added", 0),
        ("tighten", "widened", 0),
        ("tighten", "any", 1),
        # a Service's targetPort: no connection changes (only the lint delta)
        ("service-target-port", "any", 0),
        # a new namespace: opens traffic from outside the cluster and across namespaces, whatever the level
        ("add-namespace", "added", 4),
        ("add-namespace", "any", 4),
        # a new workload in production: DNS to kube-system and the scrape from monitoring cross namespaces
        ("add-workload", "added", 4),
    ],
)
def test_fail_on(change: str, fail_on: str, code: int) -> None:
    result = run("diff", TUTORIAL, after(change), "-o", "connlist", "--fail-on", fail_on)
    assert result.exit_code == code, result.stderr
    if code == 0:
        assert result.stderr == PROFILE
    elif code == 1:
        assert result.stderr == PROFILE + f"podwall diff: the change reaches --fail-on {fail_on}\n"


def test_without_fail_on_a_change_exits_zero() -> None:
    result = run("diff", TUTORIAL, after("add-namespace"), "-o", "connlist")
    assert (result.exit_code, result.stderr) == (0, PROFILE)


def test_boundary_message_names_the_pairs() -> None:
    result = run("diff", TUTORIAL, after("add-namespace"), "-o", "connlist", "--fail-on", "widened")
    assert result.exit_code == 4
    assert result.stderr == PROFILE + (
        "podwall diff: this change opens traffic from outside the cluster (1 pair) and across namespaces (7 pairs): "
        "(external)/0.0.0.0-255.255.255.255 -> staging/Deployment/web, "
        "kube-system/Deployment/coredns -> staging/Deployment/web, "
        "monitoring/Deployment/prometheus -> staging/Deployment/web and 5 more\n"
    )


def test_the_same_input_on_both_sides_is_no_change() -> None:
    for output, text in [("text", "No connection changes\n\nLint: 0 introduced, 0 fixed\n"), ("connlist", ""),
                         ("connlist-csv", ""), ("connlist-md", "")]:
        result = run("diff", TUTORIAL, TUTORIAL, "-o", output, "--fail-on", "any")
        assert (result.exit_code, result.stdout, result.stderr) == (0, text, PROFILE)


def test_stdin_is_one_side() -> None:
    text = "".join(p.read_text() + "\n---\n" for p in sorted(Path(after("loosen")).glob("*.yaml")))
    result = run("diff", TUTORIAL, "-", "-o", "connlist", stdin=text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == run("diff", TUTORIAL, after("loosen"), "-o", "connlist").stdout
    assert "frontend[Deployment] => " not in result.stdout  # connlist-diff lines, not a connection list
    assert result.stdout.startswith("Connectivity diff:\ndiff-type: added, source: production/frontend[Deployment]")


def test_both_sides_from_stdin_is_a_usage_error() -> None:
    result = run("diff", "-", "-")
    assert result.exit_code == 2
    assert result.stderr == "podwall: only one of BEFORE and AFTER can be - (standard input) (see 'podwall diff --help')\n"


def test_input_errors_name_the_side(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\nspec:\n  ingres: []\n")
    result = run("diff", TUTORIAL, str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f'after: {bad}:5: NetworkPolicy default/x: spec: unknown field "ingres" (did you mean "ingress"?)\n'
    )
    missing = run("diff", str(tmp_path / "nope"), TUTORIAL)
    assert (missing.exit_code, missing.stderr) == (2, f"before: {tmp_path / 'nope'}: no such file or directory\n")


def test_lenient_warnings_name_the_side(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: Bad_Name}\nspec: {}\n---\n"
        "kind: Pod\napiVersion: v1\nmetadata: {name: web}\nspec: {containers: [{name: web, image: nginx}]}\n"
    )
    result = run("diff", str(bad), TUTORIAL, "-o", "connlist", "--lenient")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"before: warning: skipped object: {bad}:3: NetworkPolicy default/Bad_Name: ")


def test_namespace_limits_the_pairs() -> None:
    result = run("diff", TUTORIAL, after("tighten"), "-o", "connlist", "-n", "kube-system")
    assert (result.exit_code, result.stdout) == (0, "")
    shown = run("diff", TUTORIAL, after("tighten"), "-o", "connlist", "-n", "monitoring")
    assert shown.stdout.count("diff-type: removed") == 3


def test_focus_workload() -> None:
    result = run("diff", TUTORIAL, after("rename"), "-o", "connlist", "--focus-workload", "database")
    assert result.stdout.splitlines()[1:] == [
        "diff-type: added, source: production/api[Deployment], destination: production/database[Deployment], "
        "ref1: No Connections, ref2: TCP 5432, workloads-diff-info: workload production/api[Deployment] added",
        "diff-type: removed, source: production/backend[Deployment], destination: production/database[Deployment], "
        "ref1: TCP 5432, ref2: No Connections, workloads-diff-info: workload production/backend[Deployment] removed",
    ]
    peerless = run("diff", TUTORIAL, after("rename"), "--focus-direction", "ingress")
    assert peerless.exit_code == 2
    assert "--focus-workload-peer and --focus-direction need --focus-workload" in peerless.stderr


def test_no_lint_leaves_the_delta_out() -> None:
    result = run("diff", TUTORIAL, after("loosen"), "-o", "text", "--no-lint")
    assert result.exit_code == 0
    assert "Lint:" not in result.stdout
    assert "PW210" in run("diff", TUTORIAL, after("loosen"), "-o", "text").stdout


def test_help_lists_diff_and_exit_code_four(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--help").exit_code == 0
    top = " ".join(capsys.readouterr().out.split())
    assert "diff What a change opens and closes, and why." in top
    assert "4 diff --fail-on: the change opens traffic from outside the cluster or across namespaces" in top
    assert run("diff", "--help").exit_code == 0
    assert "git:REV[:PATH]" in capsys.readouterr().out


def test_render_renders_a_kustomize_side(tmp_path: Path) -> None:
    """--render is honoured on a side on disk, as -f honours it: kubectl kustomize renders the folder."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    folder = tmp_path / "overlay"
    shutil.copytree(ROOT / after("loosen"), folder)
    (folder / "kustomization.yaml").write_text(
        "resources:\n" + "".join(f"- {f.name}\n" for f in sorted((ROOT / after("loosen")).glob("*.yaml")))
    )
    expected = run("diff", TUTORIAL, after("loosen"), "-o", "connlist").stdout
    assert expected.count("diff-type:") == 1
    rendered = run("diff", TUTORIAL, str(folder), "-o", "connlist", "--render")
    assert (rendered.exit_code, rendered.stdout) == (0, expected), rendered.stderr
    refused = run("diff", TUTORIAL, str(folder), "-o", "connlist")
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"after: {folder}: a kustomize folder, not manifests: ")


@pytest.mark.parametrize(("args", "side"), [((TUTORIAL, "-"), "after"), (("-", TUTORIAL), "before")])
def test_an_empty_side_is_nothing_to_analyse_not_everything_removed(args: tuple[str, str], side: str) -> None:
    # a CI step whose `helm template` printed nothing must fail, as it does for every other verb
    result = run("diff", *args, "--fail-on", "any", stdin="\n")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"podwall: {side}: nothing to analyse: no pods, workloads or policies in <stdin> (it holds no Kubernetes object)\n"
    )
