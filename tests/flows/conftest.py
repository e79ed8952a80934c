"""The flows tests run at the repository root: outputs name the files they read, and goldens must not name the checkout."""

from __future__ import annotations

import pytest

from tests.cli.harness import ROOT

TUTORIAL = "examples/tutorial"
PODS = "tests/flows/data/cluster"
HUBBLE = "tests/flows/data/hubble.jsonl"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
