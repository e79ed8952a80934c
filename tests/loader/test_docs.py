"""The samples in docs/input.md and the README's Validation section are what podwall prints.

A block shows a command (run in ``tests/loader/data/docs``), what it prints on
stderr (stdout too, unless the command ends with ``>/dev/null``), then
``$ echo $?`` and the exit code.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli.harness import ROOT, run

DOC = ROOT / "docs" / "input.md"
README = ROOT / "README.md"
DATA = Path(__file__).parent / "data" / "docs"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _validation_section() -> str:
    text = README.read_text()
    start = text.index("## Validation")
    return text[start : text.index("\n## ", start + 1)]


def samples() -> list[tuple[str, str, int]]:
    found = []
    for block in BLOCK.findall(DOC.read_text()) + BLOCK.findall(_validation_section()):
        command, _, rest = block.partition("\n")
        printed, _, code = rest.partition("$ echo $?\n")
        found.append((command.removeprefix("$ "), printed, int(code.strip())))
    return found


@pytest.mark.parametrize(("command", "printed", "code"), samples(), ids=lambda v: v if isinstance(v, str) and v.startswith("podwall") else "")
def test_doc_sample(command: str, printed: str, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    args = shlex.split(command)
    quiet = args[-1] == ">/dev/null"
    result = run(*(args[1:-1] if quiet else args[1:]))
    assert (result.exit_code, result.stderr + ("" if quiet else result.stdout)) == (code, printed)


def test_every_sample_was_found() -> None:
    assert len(samples()) == 6
