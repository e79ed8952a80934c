"""Drive the real ``main`` with captured streams, as a user's shell would."""

from __future__ import annotations

import io
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
