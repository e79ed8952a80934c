"""``podwall diff -o json``: a versioned contract, validated against the shipped JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from podwall.render.diff_json import API_VERSION, diff_schema_text
from tests.cli.harness import ROOT, run
from tests.diff._shared import CORPUS

SCHEMA = json.loads(diff_schema_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CHANGES = ("loosen", "tighten", "relabel", "rename", "add-namespace", "add-workload", "service-target-port")


def test_schema_is_valid_and_pins_the_version() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["apiVersion"] == {"const": API_VERSION} == {"const": "podwall.io/v1"}


@pytest.mark.parametrize("change", CHANGES)
def test_every_tutorial_change_validates(change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for extra in ([], ["--no-lint"]):
        result = run("diff", "examples/tutorial", f"tests/diff/data/tutorial-{change}", "-o", "json", *extra)
        assert result.exit_code == 0, result.stderr
        document = json.loads(result.stdout)
        VALIDATOR.validate(document)
        assert (document["apiVersion"], document["kind"]) == ("podwall.io/v1", "Diff")
        assert (document["lint"] is None) == bool(extra)


def test_summary_counts_match_the_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    document = json.loads(run("diff", "examples/tutorial", "tests/diff/data/tutorial-add-namespace", "-o", "json").stdout)
    pairs = document["pairs"]
    summary = document["summary"]
    assert summary["opened"] == sum(bool(p["gained"]["ranges"]) for p in pairs) == 9
    assert summary["openedFromOutside"] == sum(p["fromOutside"] for p in pairs) == 1
    assert summary["openedAcrossNamespaces"] == sum(p["acrossNamespaces"] for p in pairs) == 7
    assert document["workloads"] == {"added": ["staging/web[Deployment]"], "removed": []}
    [external] = [p for p in pairs if p["source"]["kind"] == "external"]
    assert external["source"] == {"name": "0.0.0.0-255.255.255.255[External]", "kind": "external", "namespace": None,
                                  "subject": "0.0.0.0", "new": False}
    assert external["destination"]["new"] is True
    assert [r["before"] for r in external["reasons"]] == [None, None, None]  # the workload is new: nothing to judge


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"netpol-analyzer corpus not found at {CORPUS}")
def test_admin_tiers_and_the_ingress_controller_validate() -> None:
    for before, after in [
        ("netpol-analyzer/anp_np_banp_core_test/input", "netpol-analyzer-diff/inputs/anp_banp_core_test"),
        ("netpol-analyzer/acs-security-demos/input", "netpol-analyzer-diff/inputs/acs-security-demos-no-routes"),
        ("netpol-analyzer/ipblockstest/input", "netpol-analyzer/ipblockstest_2/input"),
    ]:
        result = run("diff", str(CORPUS / before), str(CORPUS / after), "-o", "json")
        assert result.exit_code == 0, result.stderr
        document = json.loads(result.stdout)
        VALIDATOR.validate(document)
        assert document["pairs"]
