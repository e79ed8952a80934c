"""The progress bar draws on stderr only, only on a terminal, and only for slow work."""

from __future__ import annotations

import io

import pytest

from podwall.cli import progress
from podwall.cli.env import Environment


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    with progress.ProgressBar(env, "probing") as bar:
        bar(1, 3)
        bar(2, 3)
    assert env.stderr.getvalue() == "" and env.stdout.getvalue() == ""


def test_bar_on_terminal_stderr_never_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=Terminal())
    with progress.ProgressBar(env, "probing") as bar:
        bar(1, 3)
        bar(2, 3)
    assert "probing" in env.stderr.getvalue()
    assert env.stdout.getvalue() == ""


def test_fast_work_draws_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 3600.0)
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=Terminal())
    with progress.ProgressBar(env, "probing") as bar:
        bar(1, 3)
    assert env.stderr.getvalue() == ""
