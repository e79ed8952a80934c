"""lint's JSON is byte for byte ``json.dumps(..., indent=2)`` of the contract, whatever the chunking."""

from __future__ import annotations

import importlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwall.lint import LintReport, Severity, lint
from podwall.render.contract import document
from podwall.render.lint_json import lint_json, lint_json_chunks
from tests.lint.scale import synthetic

module = importlib.import_module("podwall.render.lint_json")  # the package's table names a function of that name

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
flat = st.lists(scalars, max_size=5) | st.dictionaries(st.text(max_size=5), scalars, max_size=5)


@settings(max_examples=400, deadline=None)
@given(flat, st.integers(0, 3))
def test_a_flat_container_is_json_dumps_with_indent(value: dict[str, object] | list[object], level: int) -> None:
    assert module._flat(value, level) == json.dumps(value, indent=2).replace("\n", "\n" + "  " * level)


def _reference(report: LintReport, max_groups: int = 0) -> str:
    """The contract as one ``json.dumps(indent=2)`` (how lint_json was first written)."""
    groups = report.groups
    kept = groups[:max_groups] if max_groups else groups
    findings = [f for g in kept for f in g.findings]
    index = {id(f): i for i, f in enumerate(findings)}
    body = {
        "findings": [f.to_dict() for f in findings],
        "groups": [
            {"rule": g.first.rule, "object": g.first.object, "field": g.first.field or None, "count": len(g.findings),
             "peers": list(g.peers), "findings": [index[id(f)] for f in g.findings]}
            for g in kept
        ],
        "counts": report.per_rule(),
        "summary": {
            "findings": len(report.findings),
            **{s.value: report.count(s) for s in Severity},
            "groups": len(groups),
            "omitted_groups": len(groups) - len(kept),
            "suppressed": report.suppressed,
            "fail_on": report.fail_on.value,
            "failed": report.failed,
        },
    }
    return json.dumps(document("LintReport", body), indent=2) + "\n"


@pytest.mark.parametrize("max_groups", [0, 1, 7])
def test_chunks_spell_the_report_as_json_dumps(max_groups: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "BATCH", 3)
    report = lint(synthetic(namespaces=4, apps=5, replicas=1, egress_halves=False))
    assert len(report.findings) > 2 * module.BATCH  # several full chunks and a partial one
    assert len(list(lint_json_chunks(report, max_groups=max_groups))) >= 4
    assert lint_json(report, max_groups=max_groups) == _reference(report, max_groups)


def test_an_empty_report_is_spelled_as_json_dumps() -> None:
    report = lint(synthetic(namespaces=0, apps=0, replicas=0))
    assert lint_json(report) == _reference(report)
