"""``diff -o md``'s Mermaid block: parsed by Mermaid's own parser, one edge per changed pair, bounded for large diffs."""

from __future__ import annotations

import re

import pytest

import podwall
from podwall.diff import compare
from podwall.render.diff_md import diff_md
from podwall.render.diff_picture import changed_mermaid
from tests.cli.harness import GOLDEN, ROOT
from tests.diff._shared import CORPUS
from tests.render.tools import mermaid_parse

BLOCK = re.compile(r"```mermaid\n(.*?)```\n", re.S)
GOLDENS = ["diff-tutorial-mixed-md", "diff-tutorial-add-namespace-md", "diff-corpus-acs-security-demos-new-md",
           "diff-corpus-k8s-ingress-md"]  # fmt: skip


def _report(before: str, after: str) -> podwall.diff.DiffReport:
    return compare(podwall.load([before]), podwall.load([after]), explain=False)


def test_every_golden_block_parses() -> None:
    texts = {}
    for name in GOLDENS:
        [block] = BLOCK.findall((GOLDEN / name / "expected.md").read_text())
        texts[name] = block
    parsed = mermaid_parse(texts)
    assert all(p["ok"] for p in parsed.values()), parsed
    mixed = parsed["diff-tutorial-mixed-md"]
    assert len(mixed["vertices"]) == 4 and len(mixed["edges"]) == 5  # the changed pairs only, no context
    # Mermaid's parser keeps an entity (#gt;) as its own placeholder until it draws: ﬂ°gt¶ß
    assert sorted(e["text"].replace("\ufb02\u00b0gt\u00b6\u00df", ">") for e in mixed["edges"]) == sorted(
        ["+ TCP 8080", "TCP 5432 -> TCP 5432-5433", "- TCP 53,UDP 53", "- TCP 53,UDP 53", "- TCP 53,UDP 53"]
    )


def test_one_edge_per_changed_pair_in_workload_view() -> None:
    report = _report(str(ROOT / "examples" / "tutorial"), str(ROOT / "tests" / "diff" / "data" / "tutorial-add-namespace"))
    text, note = changed_mermaid(report)
    assert note is None
    [parsed] = mermaid_parse({"d": text}).values()
    assert parsed["ok"], parsed
    assert len(parsed["edges"]) == len(report.pairs) == 9


def test_large_diffs_are_bounded_and_say_what_is_left_out() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"netpol-analyzer corpus not found at {CORPUS}")
    report = _report(str(CORPUS / "netpol-analyzer" / "k8s_ingress_test" / "input"),
                     str(CORPUS / "netpol-analyzer-diff" / "inputs" / "k8s_ingress_test_new"))  # fmt: skip
    assert len(report.pairs) == 45
    by_namespace, note = changed_mermaid(report, limit=40)
    assert note == "45 changed pairs, more than 40: drawn by namespace, the number of pairs on each edge"
    first, cut = changed_mermaid(report, limit=2)
    assert cut is not None and cut.endswith("only the first 2 of 3 namespace edges are drawn (every pair is in the tables)")
    parsed = mermaid_parse({"ns": by_namespace, "cut": first})
    assert parsed["ns"]["ok"] and parsed["cut"]["ok"], parsed
    assert len(parsed["ns"]["edges"]) == 3 and len(parsed["cut"]["edges"]) == 2
    assert f"_Green: added, red: removed, amber: changed. {cut}._" in diff_md(report, picture_limit=2)


def test_no_picture_without_changes() -> None:
    tutorial = str(ROOT / "examples" / "tutorial")
    assert "```mermaid" not in diff_md(_report(tutorial, tutorial))


def test_the_guide_shows_the_golden_picture() -> None:
    guide = (ROOT / "docs" / "diff.md").read_text()
    [shown] = re.findall(r"<!-- golden-picture: diff-tutorial-mixed-md -->\n```mermaid\n(.*?)```\n", guide, re.S)
    assert BLOCK.findall((GOLDEN / "diff-tutorial-mixed-md" / "expected.md").read_text()) == [shown]
