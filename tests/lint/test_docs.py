"""``docs/rules/`` is generated from the rules and checked in: it must be up to date."""

from __future__ import annotations

from pathlib import Path

from podwall.lint import all_rules
from podwall.lint.docs import main, pages, stale
from tests.cli.harness import ROOT

DOCS = ROOT / "docs" / "rules"


def test_checked_in_rule_docs_are_up_to_date() -> None:
    assert stale(DOCS) == [], "run: python -m podwall.lint.docs"


def test_every_rule_has_a_page_with_every_section() -> None:
    generated = pages()
    assert sorted(generated) == sorted([f"{r.code}.md" for r in all_rules()] + ["README.md"])
    for rule in all_rules():
        page = generated[f"{rule.code}.md"]
        assert page.startswith(f"# {rule.code} `{rule.name}`\n")
        for heading in ("## What it checks", "## Why it matters", "## Example", "## Fix", "## Known limits"):
            assert heading in page
        assert f"[{rule.code}]({rule.code}.md)" in generated["README.md"]


def test_the_script_writes_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "rules"
    assert main(["--check", str(target)]) == 1
    assert main([str(target)]) == 0
    assert main(["--check", str(target)]) == 0
    (target / "PW999.md").write_text("left over\n")
    (target / "PW101.md").write_text("edited by hand\n")
    assert stale(target) == ["PW101.md", "PW999.md"]
    main([str(target)])
    assert stale(target) == [] and not (target / "PW999.md").exists()


def test_lint_guide_links_the_rules() -> None:
    guide = (ROOT / "docs" / "lint.md").read_text()
    assert "(rules/README.md)" in guide and "podwall.io/ignore" in guide and ".podwall.yaml" in guide
