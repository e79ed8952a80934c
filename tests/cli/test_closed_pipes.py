"""A reader that leaves early (``| head``), a closed stdout or stderr: the exit status stays the run's own.

podwall ignores SIGPIPE (Python does) and meets EPIPE instead: once stdout's reader has
left, results are dropped and the run finishes with the status it earned (0, 1, 2, 4);
help text, which click writes itself, exits 141 (128 + SIGPIPE, as a shell reports a
tool killed by SIGPIPE). Exit 1 stays a verdict, never a broken pipe. A closed stdout
(``>&-``) is one line and exit 2; a closed or broken stderr loses the diagnostics, never
the exit status.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment
from tests.cli.harness import CNI_GENERIC, TUTORIAL

PODLIST = str(Path(__file__).parent / "data" / "absent-replicaset.json")
PODWALL = [sys.executable, "-m", "podwall"]


class _LeftReader(io.StringIO):
    """A pipe whose reader is gone: every write fails with EPIPE."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["explain", "-f", PODLIST, "-n", "shop", "web", "db", "5432"], 0),  # ALLOWED
        (["explain", "-f", PODLIST, "-n", "shop", "web", "db", "8080"], 1),  # DENIED
        (["reach", "-f", TUTORIAL, "-o", "csv"], 0),
        (["lint", "-f", TUTORIAL, "--fail-on", "warning"], 1),
    ],
    ids=["explain-allowed", "explain-denied", "reach", "lint-findings"],
)
def test_a_reader_that_left_keeps_the_runs_own_status(args: list[str], status: int) -> None:
    env = Environment(stdin=io.StringIO(""), stdout=_LeftReader(), stderr=io.StringIO())
    assert main(args, env) == status
    assert env.stderr.getvalue() == CNI_GENERIC  # no word about the pipe, no traceback


def test_a_broken_stderr_keeps_the_status() -> None:
    env = Environment(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=_LeftReader())
    assert main(["reach", "-f", "/nonexistent"], env) == 2


def _run(args: list[str], *, stdout: str = "pipe", stderr: str = "pipe") -> tuple[int, str]:
    """Run podwall in a process whose stdout/stderr is a pipe its reader already closed, closed, or captured."""
    read, write = os.pipe()
    os.close(read)  # the reader left before podwall wrote a byte: every write is EPIPE
    streams = {"pipe": write, "closed": subprocess.DEVNULL, "captured": subprocess.PIPE}
    closing = " ".join(f"{fd}>&-" for fd, how in ((1, stdout), (2, stderr)) if how == "closed")
    try:
        done = subprocess.run(["sh", "-c", f'exec "$@" {closing}', "sh", *PODWALL, *args],
                              stdout=streams[stdout], stderr=streams[stderr], text=True, timeout=120)
    finally:
        os.close(write)
    return done.returncode, done.stderr or ""


def test_reach_csv_with_both_streams_into_a_closed_pipe_exits_0() -> None:
    """``podwall reach -o csv 2>&1 | head -1``: the CNI line and the table both meet EPIPE."""
    assert _run(["reach", "-f", TUTORIAL, "-o", "csv"], stdout="pipe", stderr="pipe") == (0, "")


@pytest.mark.parametrize(("port", "status"), [("5432", 0), ("8080", 1)], ids=["allowed", "denied"])
def test_explain_into_a_closed_pipe_exits_with_its_verdict(port: str, status: int) -> None:
    code, stderr = _run(["explain", "-f", PODLIST, "-n", "shop", "web", "db", port], stderr="captured")
    assert (code, stderr) == (status, CNI_GENERIC)


def test_explain_with_stdout_closed_is_exit_2() -> None:
    code, stderr = _run(["explain", "-f", PODLIST, "-n", "shop", "web", "db", "5432"], stdout="closed",
                        stderr="captured")
    assert (code, stderr) == (2, CNI_GENERIC + "podwall: cannot write standard output: bad file descriptor\n")


@pytest.mark.parametrize("stderr", ["closed", "pipe"])
def test_an_input_error_with_stderr_lost_is_still_exit_2(stderr: str) -> None:
    assert _run(["reach", "-f", "/nonexistent"], stdout="captured", stderr=stderr) == (2, "")


def test_help_into_a_closed_pipe_is_141() -> None:
    assert _run(["--help"], stderr="captured") == (141, "")
