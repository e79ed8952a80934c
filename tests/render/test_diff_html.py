"""``podwall diff -o html`` in headless Chromium: the render report's page drawing a change.

Expectations come from the CLI itself: the changed edges are ``diff -o json``'s
pairs, each in its change's colour class; clicking a pair (its edge in the
graph, or its row) lists what ``diff -o json`` says of it. Clicks are real
mouse events at the element's coordinates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.harness import ROOT, TUTORIAL, run
from tests.render.tools import GENERIC_CNI, Page, chromium

AFTER = "tests/diff/data/tutorial-mixed"  # added, removed and changed pairs, and lint findings fixed


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as context:
        yield context


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    done = run("diff", TUTORIAL, str(ROOT / AFTER), "-o", "json")
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def diff_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    done = run("diff", TUTORIAL, str(ROOT / AFTER), "-o", "html")
    assert (done.exit_code, done.stderr) == (0, GENERIC_CNI)
    path = tmp_path_factory.mktemp("diff") / "diff.html"
    path.write_text(done.stdout)
    return path


@pytest.fixture()
def page(browser: Any, diff_html: Path) -> Any:
    yield (opened := Page(browser, diff_html))
    opened.page.close()


def _name(pair: dict[str, Any]) -> tuple[str, str]:
    return pair["source"]["name"], pair["destination"]["name"]


def test_opens_offline_without_console_errors_and_says_the_summary(page: Page, diff_html: Path,
                                                                   document: dict[str, Any]) -> None:
    assert page.errors == []
    assert page.requests == [diff_html.as_uri()]
    assert page.js("document.querySelectorAll('script[src], link[rel=stylesheet], #matrix').length") == 0
    assert page.page.text_content(".sub").startswith(document["summary"]["text"] + " · ")
    assert page.page.text_content("#findings-section h2") == "Lint delta"


def test_one_edge_per_changed_pair_in_its_colour(page: Page, document: dict[str, Any]) -> None:
    coloured = page.js("window.podwall.cy().edges('.added, .removed, .changed').map(e => "
                       "[e.source().id(), e.target().id(), ['added', 'removed', 'changed'].filter(c => e.hasClass(c))])")
    expected = sorted([*_name(p), [p["change"]]] for p in document["pairs"])
    assert sorted(coloured) == expected
    assert {p["change"] for p in document["pairs"]} == {"added", "removed", "changed"}
    colours = page.js("Object.fromEntries(['added', 'removed', 'changed'].map(c => "
                      "[c, window.podwall.cy().edges('.' + c)[0].style('line-color')]))")
    assert colours == {"added": "rgb(46,125,50)", "removed": "rgb(198,40,40)", "changed": "rgb(239,143,0)"}
    unchanged = run("reach", "-f", TUTORIAL, "-o", "connlist").stdout.splitlines()
    assert page.js("window.podwall.cy().edges().length") == len(unchanged) + sum(
        p["change"] == "added" for p in document["pairs"]
    )  # every connection of either side drawn once: the unchanged ones plain, as context


def _listed(page: Page) -> dict[str, Any]:
    return {
        "title": page.page.text_content("#details-title"),
        "change": page.page.get_attribute("#pair-change", "class"),
        "before": page.page.text_content("#pair-before"),
        "after": page.page.text_content("#pair-after"),
        "gained": page.page.text_content("#pair-gained"),
        "lost": page.page.text_content("#pair-lost"),
        "reasons": page.js("[...document.querySelectorAll('#pair-reasons li')].map(li => "
                           "[li.dataset.change, li.dataset.conns])"),
    }


def _expected(pair: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": " => ".join(_name(pair)),
        "change": pair["change"],
        **{k: pair[k]["text"] for k in ("before", "after", "gained", "lost")},
        "reasons": [[r["change"], r["connections"]["text"]] for r in pair["reasons"]],
    }


def test_clicking_a_changed_edge_lists_exactly_its_json_changes(page: Page, document: dict[str, Any]) -> None:
    for pair in document["pairs"]:
        point = page.js("([s, d]) => window.podwall.edgePoint(s, d)", list(_name(pair)))
        page.page.mouse.click(point["x"], point["y"])
        assert _listed(page) == _expected(pair)
        assert page.js("window.podwall.cy().edges('.picked').map(e => [e.source().id(), e.target().id()])") == [
            list(_name(pair))
        ]
        assert pair["reasons"]  # every pair carries its reasons


def test_clicking_a_row_of_the_changes_lists_exactly_its_json_changes(page: Page, document: dict[str, Any]) -> None:
    rows = page.page.locator("#changes tbody tr")
    assert rows.count() == len(document["pairs"])
    for i, pair in enumerate(document["pairs"]):
        cells = rows.nth(i).locator("td").all_text_contents()
        assert cells == [pair["change"], *_name(pair), pair["before"]["text"], pair["after"]["text"]]
        rows.nth(i).click()
        assert _listed(page) == _expected(pair)
        assert page.js("document.querySelectorAll('#changes tr.picked').length") == 1


def test_the_reasons_are_the_text_reports(page: Page) -> None:
    text = run("diff", TUTORIAL, str(ROOT / AFTER), "-o", "text", "--no-lint").stdout
    page.page.locator("#changes tbody tr").nth(0).click()
    words = page.page.locator("#pair-reasons li .after").all_text_contents()
    assert words and all(w.removeprefix("after: ") in text for w in words)


def test_the_lint_delta_lists_introduced_and_fixed_findings(page: Page, document: dict[str, Any]) -> None:
    rows = page.js("[...document.querySelectorAll('#findings tbody tr')].map(tr => [tr.dataset.change, tr.dataset.rule])")
    expected = [["introduced", f["rule"]] for f in document["lint"]["introduced"]]
    expected += [["fixed", f["rule"]] for f in document["lint"]["fixed"]]
    assert sorted(rows) == sorted(expected) and expected


def test_clicking_a_workload_lists_its_flows_with_their_change(page: Page, document: dict[str, Any]) -> None:
    """Every connection of either side at the workload, the changed ones as diff -o connlist's rows say them."""
    backend = "production/backend[Deployment]"
    page.click_node(backend)
    assert page.page.text_content("#details-title") == backend
    listed = page.page.locator("#flows li").all_text_contents()
    changed = {_name(p): p for p in document["pairs"] if backend in _name(p)}
    assert [line for line in listed if " : " in line and line.split(" : ")[0] in
            {" => ".join(n) for n in changed}] == [
        f"{' => '.join(n)} : " + (f"{p['before']['text']} -> {p['after']['text']}" if p["change"] == "changed"
                                  else f"{p['change']} {(p['after'] if p['change'] == 'added' else p['before'])['text']}")
        for n, p in sorted(changed.items())
    ]
    assert page.js("[...document.querySelectorAll('#flows li[data-change]')].map(li => li.dataset.change).sort()") == sorted(
        p["change"] for p in changed.values()
    )
