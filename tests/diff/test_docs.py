"""docs/diff.md stays true: its sample outputs are golden files, its workflow runs, its library example runs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli.harness import GOLDEN, ROOT, run

GUIDE = (ROOT / "docs" / "diff.md").read_text()
README = (ROOT / "README.md").read_text()
FENCED = re.compile(r"<!-- (golden|workflow): (\S+) -->\n```[a-z]*\n(.*?)```\n", re.S)


def blocks(text: str, kind: str) -> list[tuple[str, str]]:
    return [(name, body) for found, name, body in FENCED.findall(text) if found == kind]


@pytest.mark.parametrize(("doc", "text"), [("docs/diff.md", GUIDE), ("README.md", README)])
def test_samples_are_golden_outputs(doc: str, text: str) -> None:
    samples = [s for s in blocks(text, "golden") if s[0].startswith("diff-")]
    assert samples, f"{doc} shows no diff sample"
    for name, body in samples:
        assert body == (GOLDEN / name).read_text(), f"{doc}: the sample of {name} is not the golden output"


def test_the_library_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    [code] = re.findall(r"```python\n(import podwall\nfrom podwall.diff.*?)```", GUIDE, re.S)
    exec(compile(code, "docs/diff.md", "exec"), {})  # noqa: S102 - the documented example, verbatim
    assert capsys.readouterr().out.splitlines() == [
        "production/frontend[Deployment] -> production/backend[Deployment] TCP 8080 False False",
        "  TCP 8080 before: False after: True",
        "True () ['PW210', 'PW213']",
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_github_workflow_runs_its_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow's podwall command, run as the action would: base branch fetched, pull request checked out."""
    [(name, body)] = blocks(GUIDE, "workflow")
    assert name == "podwall-diff.yml"
    workflow = yaml.safe_load(body)
    steps = workflow["jobs"]["diff"]["steps"]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    script = next(s["run"] for s in steps if s.get("id") == "diff")
    [command] = [line for line in script.splitlines() if line.startswith("podwall diff")]
    args = shlex.split(command.replace("${{ github.base_ref }}", "main").split(" > ")[0])[1:]
    assert steps[-1]["if"] == "steps.diff.outputs.status == '4' || steps.diff.outputs.status == '2'"

    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*argv: str) -> None:
        subprocess.run(["git", *argv], cwd=tmp_path, env=env, check=True, capture_output=True)

    shutil.copytree(ROOT / "examples" / "tutorial", tmp_path / "k8s")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("update-ref", "refs/remotes/origin/main", "HEAD")  # what fetch-depth: 0 leaves behind
    monkeypatch.chdir(tmp_path)
    for change, code in [("loosen", 1), ("add-namespace", 4)]:
        shutil.rmtree(tmp_path / "k8s")
        shutil.copytree(ROOT / "tests" / "diff" / "data" / f"tutorial-{change}", tmp_path / "k8s")
        result = run(*args)
        assert result.exit_code == code, result.stderr
        assert result.stdout.startswith("### podwall diff: ")


def test_the_pre_commit_hook() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["podwall-diff"]
    assert (hook["entry"], hook["args"], hook["pass_filenames"]) == (
        "podwall diff", ["git:HEAD", ".", "--fail-on", "widened"], False)
    assert "podwall-diff" in GUIDE and "podwall-diff" in README
