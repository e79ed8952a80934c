"""What a terminal gets: colour when asked (or on a TTY), ASCII where the stream cannot carry a glyph."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment, wants_color
from tests.cli.harness import ROOT, TUTORIAL, run

FRONTEND = "production/Deployment/frontend"
BACKEND = "production/Deployment/backend"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run_on(stdout: io.TextIOBase, *args: str) -> tuple[int, str]:
    env = Environment(stdin=io.StringIO(), stdout=stdout, stderr=io.StringIO())  # type: ignore[arg-type]
    return int(main(list(args), env)), env.stderr.getvalue()


@pytest.mark.parametrize(
    ("choice", "environ", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # set but empty: not set (no-color.org)
        ("auto", {"TERM": "dumb"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_color_choice(choice: str, environ: dict[str, str], tty: bool, expected: bool) -> None:
    assert wants_color(choice, Terminal() if tty else io.StringIO(), environ) is expected


def test_verdict_words_are_coloured_on_a_terminal_only() -> None:
    terminal = Terminal()
    code, _ = run_on(terminal, "explain", "-f", TUTORIAL, FRONTEND, BACKEND, "8080/TCP")
    assert code == 1 and "\x1b[" in terminal.getvalue() and "DENIED" in terminal.getvalue()
    piped = run("explain", "-f", TUTORIAL, FRONTEND, BACKEND, "8080/TCP")
    assert "\x1b[" not in piped.stdout
    never = Terminal()
    run_on(never, "--color", "never", "explain", "-f", TUTORIAL, FRONTEND, BACKEND, "8080/TCP")
    assert "\x1b[" not in never.getvalue()
    always = run("--color", "always", "reach", "-f", TUTORIAL)
    assert "\x1b[" in always.stdout


def test_colour_never_moves_a_column() -> None:
    plain = run("reach", "-f", TUTORIAL).stdout
    painted = run("--color", "always", "reach", "-f", TUTORIAL).stdout
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", painted) == plain


def test_ascii_stdout_gets_ascii_spelling_not_a_traceback() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict", write_through=True)
    code, stderr = run_on(stream, "reach", "-f", TUTORIAL)
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert code == 0 and "Traceback" not in stderr and "internal error" not in stderr
    assert "  .  " in text and "·" not in text
    assert text.replace(".  ", "·  ").count("·") >= 1


def test_pythonioencoding_ascii_end_to_end() -> None:
    """The real interpreter with PYTHONIOENCODING=ascii: exit 0, ASCII output (was a UnicodeEncodeError)."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "podwall", "reach", "-f", TUTORIAL],
        capture_output=True, env=env, cwd=ROOT, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii() and b"Deployment/frontend" in done.stdout


def test_every_role_has_a_look() -> None:
    from podwall.cli.env import LOOKS
    from podwall.render.style import ROLES

    assert sorted(LOOKS) == sorted(ROLES)
