"""A fix that is a ``podwall generate`` command really fixes: run it, add its output, lint again.

Placeholders (``app=CLIENT``) and comment lines are skipped; fixes that replace
part of an existing manifest (YAML snippets) are checked in the case files.
"""

from __future__ import annotations

import pytest

from podwall.lint import LintConfig, all_rules, lint
from podwall.loader import load_text
from tests.cli.harness import run
from tests.lint.cases import Case, all_cases

RULES = frozenset(rule.code for rule in all_rules())


def runnable(fix: str) -> list[list[str]]:
    """The ``podwall generate`` lines of a fix that need no placeholder, as argument lists."""
    import shlex

    lines = []
    for line in fix.split("\n"):
        if line.startswith("podwall generate ") and "CLIENT" not in line and "NAME" not in line and "PORT" not in line:
            lines.append(shlex.split(line)[1:])
    return lines


CASES = [
    case
    for case in all_cases()
    if isinstance(case.findings, list) and any(runnable(f.get("fix", "")) for f in case.findings)
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_generated_fix_removes_the_finding(case: Case) -> None:
    config = LintConfig(disable=RULES - {case.rule})
    before = lint(load_text(case.text, "case.yaml"), config).findings
    assert before
    for finding in before:
        added = []
        for n, args in enumerate(runnable(finding.fix)):
            # a fresh name: the fix may stand beside a broken policy of the recipe's name
            result = run(*args, "--name", f"podwall-fix-{n}")
            assert result.exit_code == 0, (args, result.stderr)
            added.append(result.stdout)
        if not added:
            continue
        fixed = case.text + "\n---\n" + "\n---\n".join(added)
        after = lint(load_text(fixed, "case.yaml"), config).findings
        assert (finding.object, finding.message) not in [(f.object, f.message) for f in after], finding.fix
