"""The shipped pre-commit hook on a repository laid out like a real one (issue 11, "Done when").

pre-commit runs a ``language: python`` hook as ``ENTRY ARGS...`` from the repository root
(the hook's ``args``, then the user's; no file names with ``pass_filenames: false``). The
repository is the loader's fixture: dot folders, ``.pre-commit-config.yaml``,
``.podwall.yaml``, a Helm chart, a kustomize folder, docs in YAML, and the manifests.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import yaml

from tests.cli.harness import ROOT

REPO = ROOT / "tests" / "loader" / "data" / "repo"


def _hook() -> dict[str, object]:
    (hook,) = [h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "podwall-lint"]
    return hook


def _user_args() -> list[str]:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    (entry,) = [h for r in config["repos"] for h in r["hooks"] if h["id"] == _hook()["id"]]
    return list(entry.get("args", []))


def test_the_hook_passes_on_the_repository_root() -> None:
    hook = _hook()
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    entry = shlex.split(str(hook["entry"]))
    assert entry[0] == "podwall"
    command = [sys.executable, "-m", "podwall", *entry[1:], *hook["args"], *_user_args()]  # type: ignore[misc]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "missing required field" not in done.stderr
    assert re.search(r"\n0 findings \(0 errors, 0 warnings, 0 info\) from \d+ rules\n$", "\n" + done.stdout)
    # the chart and the kustomize folder are named with how to render them, never parsed as manifests
    assert "a Helm chart, not manifests: render it, helm template" in done.stderr
    assert "a kustomize folder, not manifests: render it, kubectl kustomize" in done.stderr


def test_the_hook_runs_on_the_files_that_repositories_change() -> None:
    files = re.compile(str(_hook()["files"]))
    changed = [p.relative_to(REPO).as_posix() for p in REPO.rglob("*") if p.is_file()]
    assert {p for p in changed if files.search(p)} >= {"deploy/shop.yaml", ".podwall.yaml", "chart/Chart.yaml"}


def test_lint_on_the_root_reads_the_config_found_there() -> None:
    """``.podwall.yaml`` at the root applies (it disables PW202, which the fixture would trip)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run([sys.executable, "-m", "podwall", "lint", "-f", ".", "-o", "json"], cwd=REPO,
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0
    assert '"PW202"' not in done.stdout
