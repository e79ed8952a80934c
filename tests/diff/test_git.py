"""``git:REV[:PATH]`` sources on a temporary repository: files added, removed and renamed; clear errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import podwall
from podwall.errors import InputErrors, UsageError
from podwall.loader.files import MAX_BYTES, Folder, Passed, Unreadable, read_all
from podwall.loader.gitrev import parse_source, read_revision
from podwall.loader.render import resolve
from tests.cli.harness import ROOT, run

TUTORIAL = ROOT / "examples" / "tutorial"
DATA = ROOT / "tests" / "diff" / "data"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three revisions of k8s/: the tutorial; one more policy file and a renamed file; a removed file."""
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    git(root, "init", "-q")
    for file in TUTORIAL.glob("*.yaml"):
        shutil.copy(file, root / "k8s" / file.name)
    (root / "README.md").write_text("not a manifest\n")
    commit(root, "tutorial")
    git(root, "tag", "one")
    shutil.copy(DATA / "tutorial-loosen" / "frontend-egress.yaml", root / "k8s" / "frontend-egress.yaml")  # added
    (root / "k8s" / "apps").mkdir()
    git(root, "mv", "k8s/workloads.yaml", "k8s/apps/workloads.yml")  # renamed (another directory and extension)
    commit(root, "loosen")
    git(root, "tag", "two")
    (root / "k8s" / "frontend-egress.yaml").unlink()  # removed again
    commit(root, "tighten back")
    git(root, "tag", "three")
    monkeypatch.chdir(root)
    return root


def test_revisions_are_read_like_directories(repo: Path) -> None:
    """A diff between two revisions is the diff between the same trees on disk."""
    by_git = run("diff", "git:one:k8s", "git:two:k8s", "-o", "connlist")
    assert by_git.exit_code == 0, by_git.stderr
    on_disk = run("diff", str(TUTORIAL), str(DATA / "tutorial-loosen"), "-o", "connlist")
    assert by_git.stdout == on_disk.stdout != ""
    back = run("diff", "git:two:k8s", "git:three:k8s", "-o", "connlist")
    assert back.stdout == run("diff", str(DATA / "tutorial-loosen"), str(TUTORIAL), "-o", "connlist").stdout


def test_inputs_are_named_and_walked_like_files(repo: Path) -> None:
    read = read_revision("two", "k8s")
    assert [item.name for item in read.items] == [
        "git:two:k8s/apps/workloads.yml",
        "git:two:k8s/frontend-egress.yaml",
        "git:two:k8s/namespaces.yaml",
        "git:two:k8s/policies.yaml",
    ]
    assert [item.name for item in read_revision("one").items] == [  # the whole tree; README.md is no manifest
        "git:one:k8s/namespaces.yaml",
        "git:one:k8s/policies.yaml",
        "git:one:k8s/workloads.yaml",
    ]


def test_path_is_relative_to_the_current_directory(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "k8s")
    assert [item.name for item in read_revision("one").items] == [
        "git:one:namespaces.yaml", "git:one:policies.yaml", "git:one:workloads.yaml"
    ]
    assert [item.name for item in read_revision("one", "policies.yaml").items] == ["git:one:policies.yaml"]
    assert len(podwall.load_revision("one", "../k8s/policies.yaml").policies) == 6


def test_the_working_tree_against_a_revision(repo: Path) -> None:
    """The CI use: committed manifests against the working copy, uncommitted edits included."""
    assert run("diff", "git:HEAD:k8s", "k8s", "-o", "connlist").stdout == ""
    shutil.copy(DATA / "tutorial-loosen" / "frontend-egress.yaml", repo / "k8s" / "new.yaml")
    result = run("diff", "git:HEAD:k8s", "k8s", "-o", "connlist", "--fail-on", "added")
    assert result.exit_code == 1
    assert "diff-type: added, source: production/frontend[Deployment]" in result.stdout


def test_errors_name_revision_file_and_line(repo: Path) -> None:
    (repo / "k8s" / "policies.yaml").write_text("kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: x}\nspec:\n  podSelector: 3\n")
    commit(repo, "broken")
    result = run("diff", "git:one:k8s", "git:HEAD:k8s", "-o", "connlist")
    assert result.exit_code == 2
    assert result.stderr.startswith("after: git:HEAD:k8s/policies.yaml:5: NetworkPolicy default/x: spec.podSelector: ")
    with pytest.raises(InputErrors):
        podwall.load_revision("HEAD", "k8s")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("git:nosuch", "podwall: before: git:nosuch: unknown revision 'nosuch': no commit of this repository has that name"),
        ("git:one:nowhere", "podwall: before: git:one:nowhere: no such file or directory at this revision"),
        ("git:one:../..", "podwall: before: git:one:../..: the path leaves the repository"),
        ("git:", "podwall: before: invalid source 'git:': expected git:REVISION[:PATH], e.g. git:origin/main or git:HEAD~1:k8s/"),
    ],
)
def test_bad_sources_are_one_clear_line(repo: Path, source: str, message: str) -> None:
    result = run("diff", source, "k8s")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run("diff", "git:HEAD", str(TUTORIAL))
    assert result.exit_code == 2
    assert result.stderr.startswith("podwall: before: git:HEAD: not inside a git repository (fatal: not a git repository")


def test_a_directory_without_manifests(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.txt").write_text("x\n")
    commit(repo, "docs")
    result = run("diff", "git:HEAD:docs", "k8s")
    assert (result.exit_code, result.stderr) == (2, "before: git:HEAD:docs: no .yaml, .yml or .json files in this directory\n")


def _described(item) -> tuple[str, str]:
    """(name, what it is): read, passed for a reason, or the error."""
    if isinstance(item, Passed):
        return item.path, f"passed: {item.reason}"
    if isinstance(item, Unreadable):
        return item.error.location.path, f"error: {item.error.message}"
    return item.name, "read"


def test_walked_like_a_directory_on_disk(repo: Path) -> None:
    """Links to files are read (named by the link), links to directories and hidden entries are not, as on disk."""
    os.symlink("../policies.yaml", repo / "k8s" / "apps" / "linked.yaml")
    os.symlink("../k8s", repo / "k8s" / "loop.yaml")
    os.symlink("missing.yaml", repo / "k8s" / "dangling.yaml")
    (repo / "k8s" / ".github").mkdir()
    (repo / "k8s" / ".github" / "ci.yaml").write_text("on: push\n")
    (repo / "k8s" / ".hidden.yaml").write_text("kind: nothing\n")
    commit(repo, "links")
    read = read_revision("HEAD", "k8s")
    assert [_described(item) for item in read.items] == [
        ("git:HEAD:k8s/.github", "passed: hidden files and folders"),
        ("git:HEAD:k8s/.hidden.yaml", "passed: hidden files and folders"),
        ("git:HEAD:k8s/apps/linked.yaml", "read"),
        ("git:HEAD:k8s/apps/workloads.yml", "read"),
        ("git:HEAD:k8s/dangling.yaml", "error: broken symbolic link"),
        ("git:HEAD:k8s/loop.yaml", "passed: symbolic links to directories (not followed)"),
        ("git:HEAD:k8s/namespaces.yaml", "read"),
        ("git:HEAD:k8s/policies.yaml", "read"),
    ]
    named = read_revision("HEAD", "k8s/dangling.yaml")
    assert [_described(item) for item in named.items] == [("git:HEAD:k8s/dangling.yaml", "error: no such file or directory")]
    assert [_described(item) for item in read_revision("HEAD", "k8s/.hidden.yaml").items] == [
        ("git:HEAD:k8s/.hidden.yaml", "read")  # named explicitly: read whatever its name
    ]


def test_inputs_are_bounded_before_they_are_read(repo: Path) -> None:
    (repo / "k8s" / "big.yaml").write_text("# padding\n" * 20000)
    commit(repo, "big")
    result = run("diff", "git:HEAD:k8s", "k8s", "--max-input-mb", "1", "-o", "connlist")
    assert result.exit_code == 0  # 195 KiB: under the limit
    (repo / "k8s" / "big.yaml").write_text("# padding\n" * 200000)
    commit(repo, "bigger")
    result = run("diff", "git:HEAD:k8s", "k8s", "--max-input-mb", "1", "-o", "connlist")
    assert result.exit_code == 2
    assert result.stderr == (
        "before: git:HEAD:k8s/big.yaml: too large: 1.9 MiB: podwall reads at most 1 MiB per input "
        "(--max-input-mb raises the limit)\n"
        "after: k8s/big.yaml: too large: 1.9 MiB: podwall reads at most 1 MiB per input (--max-input-mb raises the limit)\n"
    )


def test_parse_source() -> None:
    assert parse_source("examples/tutorial") is None
    assert parse_source("git:origin/main") == ("origin/main", ".")
    assert parse_source("git:HEAD~1:k8s/prod") == ("HEAD~1", "k8s/prod")
    with pytest.raises(UsageError):
        parse_source("git:-x")


def _disk(item) -> tuple[str, str]:
    """A disk walk's item described as ``_described`` does (a chart or kustomize folder as loader.render passes it)."""
    if isinstance(item, Folder):
        return _described(resolve(item, False, MAX_BYTES))
    return _described(item)


@pytest.fixture()
def folders(repo: Path) -> Path:
    """k8s/ with a Helm chart, a kustomization (nested under base/), a values file and a CI file that are not objects."""
    chart = repo / "k8s" / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "templates" / "deployment.yaml").write_text("kind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n")
    overlay = repo / "k8s" / "base" / "overlay"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("resources:\n- patch.yaml\n")
    (overlay / "patch.yaml").write_text("- op: replace\n  path: /spec/replicas\n  value: 3\n")
    (repo / "k8s" / "base" / "values.yaml").write_text("replicas: 3\nimage: web:1\n")  # YAML, no Kubernetes object
    commit(repo, "chart and kustomization")
    return repo


def test_charts_and_kustomize_folders_are_walked_as_on_disk(folders: Path) -> None:
    """The same items, in the same order, as files.read_all on the checkout: charts and kustomizations not entered."""
    from_git = [_described(item) for item in read_revision("HEAD", "k8s").items]
    on_disk = [_disk(item) for item in read_all(["k8s"], None)]
    assert [(name.removeprefix("git:HEAD:"), what) for name, what in from_git] == on_disk
    assert ("git:HEAD:k8s/chart", "passed: Helm charts and kustomize folders") in from_git
    assert ("git:HEAD:k8s/base/overlay", "passed: Helm charts and kustomize folders") in from_git
    assert not any("templates" in name or "patch.yaml" in name for name, _ in from_git)


def test_a_diff_across_charts_warns_and_counts_what_is_not_an_object(folders: Path) -> None:
    result = run("diff", "git:HEAD:k8s", "k8s", "-o", "connlist", "-v")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    for side, name in (("before", "git:HEAD:k8s"), ("after", "k8s")):
        for folder, what in (("base/overlay", "a kustomize folder"), ("chart", "a Helm chart")):
            assert any(line.startswith(f"{side}: warning: {name}/{folder}: not read: {what}, not manifests: ")
                       for line in lines), (side, folder, lines)
    assert "before: warning: git:HEAD:k8s/chart: not read: a Helm chart, not manifests: podwall does not render it " \
           "at a git revision; check the revision out and give podwall the output of helm template DIR (-)" in lines
    for side in ("before", "after"):  # base/values.yaml, counted, not refused, and not the chart's templates
        assert f"{side}: skipped in directory walks: YAML documents that are not Kubernetes objects: 1" in lines, lines


def test_a_chart_named_at_a_revision_is_an_error(folders: Path) -> None:
    result = run("diff", "git:HEAD:k8s/chart", "k8s", "-o", "connlist")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "before: git:HEAD:k8s/chart: a Helm chart, not manifests: podwall does not render it at a git revision; "
        "check the revision out and give podwall the output of helm template DIR (-)"
    )
