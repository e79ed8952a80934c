"""``-o sarif`` is valid SARIF 2.1.0 (against the vendored OASIS schema) and says what GitHub needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker

from podwall.lint import all_rules
from tests.cli.harness import ROOT, TUTORIAL, run

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = Draft4Validator(SCHEMA, format_checker=FormatChecker())


@pytest.mark.parametrize(
    "args",
    [
        ["-f", TUTORIAL],
        ["-f", "tests/lint/data/broken"],
        ["-f", "tests/lint/data/tutorial-fixed"],
        ["-f", TUTORIAL, "--disable", "PW101", "--fail-on", "info"],
    ],
    ids=["tutorial", "broken", "no-findings", "one-rule-off"],
)
def test_valid_against_the_sarif_schema(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    log = json.loads(run("lint", *args, "-o", "sarif").stdout)
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_rules_results_and_locations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    log = json.loads(run("lint", "-f", "tests/lint/data/broken", "-o", "sarif", "--disable", "PW218").stdout)
    assert log["version"] == "2.1.0"
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules() if r.code != "PW218"]
    for rule in rules:
        assert rule["helpUri"].endswith(f"/docs/rules/{rule['id']}.md")
        assert rule["help"]["markdown"].startswith(f"# {rule['id']} ")
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    results = sarif_run["results"]
    assert len(results) == 18
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["PW101"] == "note" and levels["PW210"] == "warning"
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["artifactLocation"]["uri"].startswith("tests/lint/data/broken/")
        assert physical["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"] in result["message"]["text"]
        assert result["properties"]["fix"] in result["message"]["markdown"]
        assert len(result["partialFingerprints"]["podwallFinding/v1"]) == 32


def test_absolute_paths_become_file_uris() -> None:
    log = json.loads(run("lint", "-f", str(ROOT / "examples" / "tutorial"), "-o", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {f"file://{ROOT}/examples/tutorial/{name}" for name in ("namespaces.yaml", "policies.yaml", "workloads.yaml")}
    assert not list(VALIDATOR.iter_errors(log))
