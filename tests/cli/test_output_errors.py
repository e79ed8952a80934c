"""Every destination a verb writes to: an unwritable one is one line naming it, exit code 2, never a traceback."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment
from tests.cli.harness import TUTORIAL, Run, run


def _unwritable_directory(tmp_path: Path) -> str:
    """A directory nobody may create files in: sysfs refuses even root; else a read-only directory."""
    if os.geteuid() == 0:
        return "/sys/kernel"
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return str(locked)


def _bad_destinations(tmp_path: Path) -> list[tuple[str, str]]:
    """(destination, the reason the system gives) for a file inside an unwritable directory and under a file."""
    regular = tmp_path / "a-file"
    regular.write_text("")
    locked = _unwritable_directory(tmp_path)
    return [(f"{locked}/out", ("permission denied", "operation not permitted")), (f"{regular}/out", ("not a directory",))]


def _one_line(result: Run, destination: str, reason: tuple[str, ...]) -> None:
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"podwall: cannot write {destination}") and lines[0].endswith(reason), lines[0]


@pytest.mark.parametrize("case", [0, 1], ids=["unwritable-directory", "under-a-file"])
def test_render_output_file(tmp_path: Path, case: int) -> None:
    destination, reason = _bad_destinations(tmp_path)[case]
    _one_line(run("render", "-f", TUTORIAL, "-o", "mermaid", "--output-file", destination + ".md"),
              destination + ".md", reason)


@pytest.mark.parametrize("case", [0, 1], ids=["unwritable-directory", "under-a-file"])
def test_generate_directory(tmp_path: Path, case: int) -> None:
    destination, reason = _bad_destinations(tmp_path)[case]
    _one_line(run("generate", "deny", "-n", "shop", "-d", destination), destination, reason)


@pytest.mark.parametrize("verb", [
    ("reach", "-f", TUTORIAL),
    ("lint", "-f", TUTORIAL),
    ("generate", "deny", "-n", "shop"),
    ("render", "-f", TUTORIAL, "-o", "mermaid"),
    ("cni", "--list"),
], ids=lambda v: v[0])
def test_a_full_standard_output_is_one_line(verb: tuple[str, ...]) -> None:
    """``podwall reach > /dev/full``: the write fails, the user hears which and why."""
    full = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 - its close fails too, by design
    env = Environment(stdin=io.StringIO(""), stdout=full, stderr=io.StringIO())
    code = main(list(verb), env)
    with pytest.raises(OSError):
        full.close()
    assert code == 2
    assert env.stderr.getvalue().splitlines()[-1] == "podwall: cannot write standard output: no space left on device"
