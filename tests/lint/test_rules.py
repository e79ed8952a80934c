"""Every rule against its case file (``cases/PWxxx.yaml``), and the meta-test that keeps rules complete.

A case lists the exact findings its rule must report (object, message and, when
given, line and fix); passing cases list none. Only the case's rule runs.
"""

from __future__ import annotations

import importlib
import re

import pytest
import yaml

from podwall.cni import choose
from podwall.engine import EngineOptions
from podwall.lint import LintConfig, Severity, all_rules, lint
from podwall.lint.registry import SECTIONS
from podwall.loader import load_text
from tests.lint.cases import Case, all_cases, case_files, read

RULES = {rule.code: rule for rule in all_rules()}


def only(code: str) -> LintConfig:
    """A configuration that runs one rule."""
    return LintConfig(disable=frozenset(RULES) - {code})


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_case(case: Case) -> None:
    assert isinstance(case.findings, list), f"{case.id}: findings must be a list"
    report = lint_case(case)
    got = [
        {"object": f.object, "line": f.line, "message": f.message, "fix": f.fix, "rule": f.rule}
        for f in report.findings
    ]
    want = case.findings
    assert [g["rule"] for g in got] == [case.rule] * len(got)
    assert [(g["object"], g["message"]) for g in got] == [(w["object"], w["message"]) for w in want]
    for g, w in zip(got, want, strict=True):
        for key in ("line", "fix"):
            if key in w:
                assert g[key] == w[key], f"{case.id}: {key}"


def lint_case(case: Case):
    """Lint a case's input with its rule only, judged as its CNI profile (``cni:``, else detected, else generic)."""
    cluster = load_text(case.text, "case.yaml")
    choice = choose(cluster, case.cni)
    return lint(cluster, only(case.rule), EngineOptions(conventions=choice.conventions), cni=choice)


def is_concrete_fix(fix: str) -> bool:
    """A ``podwall generate`` command (or a ``kubectl`` one), or YAML that parses to a mapping."""
    first = fix.split("\n", 1)[0]
    if first.startswith(("podwall generate ", "kubectl ")):
        return True
    try:
        return isinstance(yaml.safe_load(fix), dict)
    except yaml.YAMLError:
        return False


@pytest.mark.parametrize("case", [c for c in all_cases() if c.findings], ids=lambda c: c.id)
def test_fixes_are_commands_or_yaml(case: Case) -> None:
    report = lint_case(case)
    for finding in report.findings:
        assert is_concrete_fix(finding.fix), finding.fix


# -- the meta-test: a rule is not done until it has code, name, docs and cases --------------------


def test_every_rule_has_a_case_file_and_every_case_file_a_rule() -> None:
    files = {path.stem: path for path in case_files()}
    assert sorted(files) == sorted(RULES)
    for code, path in files.items():
        assert read(path)[0] == code, f"{path.name} must say rule: {code}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_complete(code: str) -> None:
    rule = RULES[code]
    # one module per rule, named after it, in its family's range
    module = importlib.import_module(rule.__module__)
    assert module.__name__.split(".")[-1].startswith(f"{code}_")
    assert [c for c in vars(module).values() if isinstance(c, type) and getattr(c, "code", None) == code] == [rule]
    assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", rule.name)
    assert isinstance(rule.severity, Severity)
    # documentation: a summary line and every section, with a YAML example
    assert rule.summary().endswith(".") and len(rule.summary()) <= 100
    sections = rule.sections()
    assert list(sections) == list(SECTIONS)
    assert all(len(text.split()) >= 5 for text in sections.values()), sections
    assert "```yaml" in sections["Example"]
    # cases: at least one failing and one passing
    _, cases = read(next(p for p in case_files() if p.stem == code))
    assert any(c.findings for c in cases), f"{code} needs a failing case"
    assert any(c.findings == [] for c in cases), f"{code} needs a passing case"
    assert len({c.name for c in cases}) == len(cases)


def test_codes_and_names_are_unique_and_families_are_separate() -> None:
    assert len({r.name for r in RULES.values()}) == len(RULES)
    assert all(r.family() == ("source" if r.code < "PW200" else "engine") for r in RULES.values())
