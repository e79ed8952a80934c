"""Shared test setup: make ``tests/`` importable (for ``reference``) in any import mode."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import pytest


@pytest.fixture(autouse=True)
def _no_colour_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs under test never depend on the developer's or CI's NO_COLOR / FORCE_COLOR / TERM."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
