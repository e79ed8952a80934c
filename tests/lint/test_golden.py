"""Golden outputs of ``podwall lint`` in text, JSON and SARIF.

Run from the repository root with relative paths, as a user (or CI) would, so
file names in the output are stable. ``PODWALL_UPDATE_GOLDEN=1`` rewrites the
expected files; on a mismatch ``actual.*`` is written beside them for diffing.
"""

from __future__ import annotations

import pytest

from tests.cli.harness import ROOT, compare_golden, run

TUTORIAL = "examples/tutorial"
BROKEN = "tests/lint/data/broken"

CASES = {
    # case directory: (arguments, expected exit code, expected file name)
    "lint-tutorial-text": (["lint", "-f", TUTORIAL], 1, "expected.txt"),
    "lint-tutorial-json": (["lint", "-f", TUTORIAL, "-o", "json"], 1, "expected.json"),
    "lint-tutorial-sarif": (["lint", "-f", TUTORIAL, "-o", "sarif"], 1, "expected.sarif"),
    "lint-broken-text": (["lint", "-f", BROKEN], 1, "expected.txt"),
    "lint-broken-json": (["lint", "-f", BROKEN, "-o", "json", "--fail-on", "error"], 0, "expected.json"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    args, code, name = CASES[case]
    result = run(*args)
    assert result.exit_code == code, result.stderr
    compare_golden(case, name, result.stdout)
