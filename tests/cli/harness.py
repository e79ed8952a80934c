"""Drive the real ``main`` with captured streams, as a user's shell would."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from podwall.cli.app import main
from podwall.cli.env import Environment

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = str(ROOT / "examples" / "tutorial")


@dataclass
class Run:
    """What a command printed and returned."""

    exit_code: int
    stdout: str
    stderr: str


def run(*args: str, stdin: str = "") -> Run:
    """Run ``podwall ARGS`` in-process."""
    env = Environment(stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO())
    code = main(list(args), env)
    return Run(int(code), env.stdout.getvalue(), env.stderr.getvalue())


GOLDEN = ROOT / "tests" / "golden"


def compare_golden(case: str, name: str, actual: str) -> None:
    """Assert ``actual`` equals ``tests/golden/CASE/NAME``.

    ``PODWALL_UPDATE_GOLDEN=1`` rewrites the expected file; on a mismatch the
    actual output is written beside it (``actual.*``, git-ignored) for diffing.
    """
    directory = GOLDEN / case
    expected = directory / name
    if os.environ.get("PODWALL_UPDATE_GOLDEN"):
        directory.mkdir(parents=True, exist_ok=True)
        expected.write_text(actual)
    if not expected.exists() or actual != expected.read_text():
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name.replace("expected", "actual", 1)).write_text(actual)
    assert expected.exists(), f"{case}/{name} is missing (PODWALL_UPDATE_GOLDEN=1 writes it)"
    assert actual == expected.read_text(), f"{case}/{name} differs (see the actual file beside it)"


#: What every verb that judges flows says on stderr when the input names no network plugin.
CNI_GENERIC = "podwall: CNI profile generic (no network plugin recognised in the input; --cni NAME picks one)\n"
