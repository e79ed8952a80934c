"""JSON outputs that are contracts carry apiVersion podwall.io/v1 and a kind, and validate against their shipped schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from podwall.render.contract import API_VERSION, KINDS, schema_text
from tests.cli.harness import GOLDEN, ROOT, TUTORIAL, run

TIERS = str(ROOT / "examples" / "admin-tiers")
INTENTS = str(ROOT / "examples" / "lab" / "tutorial-intents.yaml")

RUNS = {
    "reach": ["reach", "-f", TUTORIAL, "-o", "json"],
    "reach-pod-scoped": ["reach", "-f", TUTORIAL, "--by", "pod", "-n", "production", "-o", "json"],
    "reach-external": ["reach", "-f", TIERS, "--external", "-o", "json"],
    "reach-intents": ["reach", "-f", TUTORIAL, "--intents", INTENTS, "-o", "json"],
    "summary": ["reach", "-f", TUTORIAL, "--summary", "-o", "json"],
    "summary-scoped": ["reach", "-f", TUTORIAL, "--summary", "-n", "monitoring", "-o", "json"],
    "explain": ["explain", "-f", TUTORIAL, "-n", "production", "frontend", "backend", "8080", "-o", "json"],
    "explain-tiers": ["explain", "-f", TIERS, "monitoring/deploy/prometheus", "shop/deploy/web", "9090", "-o", "json"],
    "explain-external": ["explain", "-f", TIERS, "shop/deploy/web", "169.254.169.254", "80", "-o", "json"],
    "explain-ports": ["explain", "-f", TUTORIAL, "-n", "production", "backend", "database", "-o", "json"],
    "explain-ports-service": ["explain", "-f", TUTORIAL, "-n", "production", "frontend", "svc/backend", "-o", "json"],
    "lint": ["lint", "-f", TUTORIAL, "-o", "json"],
    "lint-capped": ["lint", "-f", TUTORIAL, "-o", "json", "--max-findings", "1"],
}


def validate(document: dict[str, object]) -> None:
    assert list(document)[:2] == ["apiVersion", "kind"]
    assert document["apiVersion"] == API_VERSION
    schema = json.loads(schema_text(str(document["kind"])))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("case", sorted(RUNS))
def test_json_outputs_validate_against_their_schema(case: str) -> None:
    r = run(*RUNS[case])
    assert r.exit_code in (0, 1), r.stderr
    validate(json.loads(r.stdout))


def test_the_lab_json_golden_validates() -> None:
    validate(json.loads((GOLDEN / "lab-intents-json" / "expected.json").read_text()))


def test_every_kind_ships_a_schema() -> None:
    for kind in KINDS:
        schema = json.loads(schema_text(kind))
        assert schema["properties"]["kind"] == {"const": kind}


def test_schemas_reject_what_the_contract_excludes() -> None:
    document = json.loads(run(*RUNS["reach"]).stdout)
    with pytest.raises(jsonschema.ValidationError):
        validate({**document, "allowed": [{"from": "a", "to": "b", "port": 0, "protocol": "TCP"}]})
    with pytest.raises(jsonschema.ValidationError):
        validate({**document, "surprise": 1})
