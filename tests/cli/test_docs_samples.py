"""Every sample output in the README and docs/ is what podwall prints today.

A sample is a fenced block right after a marker line:

    <!-- output of: podwall reach -f examples/tutorial -->
    ```text
    ...
    ```

The command runs (in-process, from the repository root) and its stdout must equal
the block. ``<!-- output of: make demo -->`` runs the demo target's recipe from the
Makefile, echo lines included, so the quick start shows exactly what ``make demo``
prints. ``PODWALL_UPDATE_GOLDEN=1`` rewrites the blocks.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from tests.cli.harness import ROOT, run

MARKER = re.compile(r"<!-- output of: (?P<command>.+?) -->\n```(?P<lang>[a-z]*)\n(?P<body>.*?)```\n", re.DOTALL)
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _podwall(command: str) -> str:
    args = shlex.split(command)
    assert args[0] == "podwall", command
    cwd = os.getcwd()
    os.chdir(ROOT)  # samples name paths from the repository root, as a reader types them there
    try:
        return run(*args[1:]).stdout
    finally:
        os.chdir(cwd)


def demo_output() -> str:
    """What ``make demo`` prints once its venv exists: the recipe's echo lines and podwall runs, in order."""
    text = (ROOT / "Makefile").read_text()
    recipe = text.split("\ndemo:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    out: list[str] = []
    for line in recipe:
        line = line.strip().lstrip("@")
        if line == "echo":
            out.append("\n")
        elif line.startswith("echo "):
            out.append(shlex.split(line)[1].replace("$(EXAMPLE)", "examples/tutorial") + "\n")
        elif line.startswith("$(BIN)/podwall "):
            command = line.removeprefix("$(BIN)/").removesuffix("|| true").strip()
            out.append(_podwall(command.replace("$(EXAMPLE)", "examples/tutorial")))
        else:
            raise AssertionError(f"demo recipe line the test cannot replay: {line}")
    return "".join(out)


def samples() -> list[tuple[Path, str]]:
    return [(path, m["command"]) for path in DOCUMENTS for m in MARKER.finditer(path.read_text())]


@pytest.mark.parametrize(("path", "command"), samples(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_sample_is_real_output(path: Path, command: str) -> None:
    actual = demo_output() if command == "make demo" else _podwall(command)
    text = path.read_text()
    match = next(m for m in MARKER.finditer(text) if m["command"] == command)
    if os.environ.get("PODWALL_UPDATE_GOLDEN") and match["body"] != actual:
        path.write_text(text[: match.start("body")] + actual + text[match.end("body"):])
        return
    assert match["body"] == actual, f"{path.name}: the sample of `{command}` differs from real output"


def test_the_quick_start_has_the_demo_and_the_live_cluster_recipe() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "<!-- output of: make demo -->" in quick
    assert "kubectl get ns,pods,deploy,sts,ds,rs,job,cronjob,svc,ing,netpol -A -o json | podwall reach -f -" in quick
