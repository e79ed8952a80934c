"""One spelling for one thing: standard input in messages, the podwall that sudo runs in examples."""

from __future__ import annotations

import re

import pytest

from tests.cli.harness import ROOT, run
from tests.cli.test_help import help_of


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["reach", "-f", "-"], "\n", "podwall: nothing to analyse: no pods, workloads or policies in <stdin> "
                                     "(it holds no Kubernetes object)\n"),
        (["reach", "-f", "-"], ": [\n", "<stdin>:1:1: invalid YAML: did not find expected key\n"),
        (["generate", "from-intents", "-"], "kind: Intents\n",
         "<stdin>:1: missing required field \"apiVersion\" (it is \"podwall/v1alpha1\" for an intents file)\n"),
    ],
    ids=["nothing-to-analyse", "invalid-yaml", "intents"],
)
def test_stdin_is_named_stdin(args: list[str], stdin: str, message: str) -> None:
    r = run(*args, stdin=stdin)
    assert (r.exit_code, r.stderr) == (2, message)


SUDO_BARE = re.compile(r"sudo (?:-\S+ )*podwall\b")


@pytest.mark.parametrize("path", [("lab",), ("lab", "run"), ("lab", "clean")], ids=" ".join)
def test_lab_help_runs_the_venvs_podwall_under_sudo(path: tuple[str, ...]) -> None:
    """sudo resets PATH: ``sudo podwall`` fails with the venv make demo builds (the README says so)."""
    text = help_of(*path)
    assert "sudo .venv/bin/podwall lab " in text
    assert SUDO_BARE.search(text) is None, text


def test_docs_never_say_sudo_podwall() -> None:
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert SUDO_BARE.search(path.read_text()) is None, path
