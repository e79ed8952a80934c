"""The HTML report in headless Chromium (Debian's, driven by Playwright): what a person would click and read.

Every expectation comes from the CLI itself: the flows listed for a workload are
``podwall reach -o connlist``'s lines with it at an end, a matrix cell's
explanation is ``podwall explain``'s output for that pair and port. Mouse
clicks and moves are real input events at the element's coordinates.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import podwall
from podwall.engine import Probe
from podwall.engine.connlist import connlist, node_name
from podwall.engine.exposure_analysis import exposure_analysis
from tests.cli.harness import ROOT, TUTORIAL, run
from tests.render.tools import GENERIC_CNI, OUTPUT, Page, chromium

SCREENSHOT = OUTPUT / "render-tutorial.png"
DOCS_SCREENSHOT = ROOT / "docs" / "images" / "render-tutorial.png"


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as context:
        yield context


@pytest.fixture(scope="module")
def tutorial_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "tutorial.html"
    here = os.getcwd()
    os.chdir(ROOT)  # the report shows the -f path as given: keep it relative, as a user would type it
    try:
        done = run("render", "-f", "examples/tutorial", "-o", "html", "--by", "workload", "--output-file", str(path))
    finally:
        os.chdir(here)
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", GENERIC_CNI)
    return path


@pytest.fixture()
def tutorial(browser: Any, tutorial_html: Path) -> Any:
    page = Page(browser, tutorial_html)
    yield page
    page.page.close()


def connlist_lines(path: str) -> list[str]:
    done = run("reach", "-f", path, "-o", "connlist")
    assert done.exit_code == 0
    return done.stdout.splitlines()


def test_opens_offline_without_console_errors(tutorial: Page, tutorial_html: Path) -> None:
    assert tutorial.errors == []
    assert tutorial.requests == [tutorial_html.as_uri()]  # every script and style is inline
    assert tutorial.js("document.querySelectorAll('script[src], link[rel=stylesheet]').length") == 0


def test_the_graph_has_one_node_per_workload(tutorial: Page) -> None:
    workloads = {node_name(p) for p in podwall.load([TUTORIAL]).pods}
    assert tutorial.visible('node[role = "workload"]') == sorted(workloads)
    assert tutorial.visible('node[role = "external"]') == ["0.0.0.0-255.255.255.255[External]"]
    assert tutorial.visible('node[role = "namespace-box"]') == ["ns:kube-system", "ns:monitoring", "ns:production"]


def test_clicking_a_workload_lists_exactly_its_reach_flows_and_exposure(tutorial: Page) -> None:
    lines = connlist_lines(TUTORIAL)
    cluster = podwall.load([TUTORIAL])
    exposure = exposure_analysis(cluster, connlist(cluster))
    for workload in sorted({node_name(p) for p in cluster.pods}):
        tutorial.click_node(workload)
        assert tutorial.page.text_content("#details-title") == workload
        listed = tutorial.page.locator("#flows li").all_text_contents()
        mine = [line for line in lines if workload in line.split(" : ")[0].split(" => ")]
        assert listed == mine, workload
        highlighted = tutorial.js("window.podwall.cy().edges('.hl').length")
        assert highlighted == len(mine)
        exposed = [f"{'=>' if x.direction.value == 'Egress' else '<='} {x.peer} : {x.conn_text}"
                   for x in (*exposure.egress, *exposure.ingress) if x.workload == workload]
        assert tutorial.page.locator("#exposure li").all_text_contents() == exposed, workload
        assert exposed  # every tutorial workload is exposed to something beyond the input's pods


def test_clicking_the_background_clears_the_highlight(tutorial: Page) -> None:
    tutorial.click_node("production/backend[Deployment]")
    assert tutorial.js("window.podwall.cy().elements('.faded').length") > 0
    box = tutorial.page.locator("#graph").bounding_box()
    tutorial.page.mouse.click(box["x"] + 3, box["y"] + 3)
    assert tutorial.js("window.podwall.cy().elements('.faded, .hl').length") == 0


@pytest.mark.parametrize(
    ("source", "destination", "port", "allowed"),
    [
        ("production/frontend[Deployment]", "production/backend[Deployment]", "8080/TCP", False),
        ("production/backend[Deployment]", "production/database[Deployment]", "5432/TCP", True),
        ("monitoring/prometheus[Deployment]", "production/backend[Deployment]", "9090/TCP", True),
    ],
)
def test_hovering_a_matrix_cell_shows_podwall_explain(tutorial: Page, source: str, destination: str, port: str,
                                                      allowed: bool) -> None:
    tutorial.hover_cell(source, destination)
    tip = tutorial.page.locator("#tooltip")
    assert tip.is_visible()
    assert tutorial.page.get_attribute("#tooltip > div", "data-src") == source
    shown = tutorial.page.text_content(f'#tooltip pre.explain[data-port="{port}"]')
    ns_s, rest_s = source.split("/")
    ns_d, rest_d = destination.split("/")
    name = lambda ns, rest: f"{ns}/{rest.split('[')[1].rstrip(']')}/{rest.split('[')[0]}"  # noqa: E731
    cli = run("explain", "-f", TUTORIAL, name(ns_s, rest_s), name(ns_d, rest_d), port)
    assert cli.exit_code == (0 if allowed else 1)
    assert shown == cli.stdout
    assert tutorial.page.text_content("#tip-conns").startswith("Allowed" if allowed else "No connection")


def test_hover_leaves_and_click_pins(tutorial: Page) -> None:
    tutorial.hover_cell("production/frontend[Deployment]", "production/backend[Deployment]")
    point = tutorial.js("([s, d]) => window.podwall.cellPoint(s, d)",
                        ["production/frontend[Deployment]", "production/backend[Deployment]"])
    tutorial.page.mouse.click(point["x"], point["y"])
    assert "pinned" in (tutorial.page.get_attribute("#tooltip", "class") or "")
    tutorial.page.keyboard.press("Escape")
    assert not tutorial.page.locator("#tooltip").is_visible()


def test_namespace_filter_hides_its_workloads_and_their_edges(tutorial: Page) -> None:
    tutorial.page.click("#ns-filter-box summary")
    tutorial.page.uncheck('input[data-ns="production"]')
    assert tutorial.visible('node[role = "workload"]') == ["kube-system/coredns[Deployment]",
                                                           "monitoring/prometheus[Deployment]"]
    edges = tutorial.visible_edges()
    assert all("production/" not in edge for edge in edges) and len(edges) == 6
    assert tutorial.js("document.getElementById('matrix-note').textContent") == "2 workloads"
    tutorial.page.check('input[data-ns="production"]')
    assert len(tutorial.visible('node[role = "workload"]')) == 5


def test_port_filter_keeps_the_edges_allowed_on_that_port(tutorial: Page) -> None:
    cluster = podwall.load([TUTORIAL])
    for text, probe in (("9090", Probe.parse("9090/TCP")), ("udp-53", Probe.parse("53/UDP")), ("5432/TCP", Probe.parse("5432"))):
        tutorial.page.fill("#port-filter", text)
        shown = tutorial.visible_edges()
        expected = [f"{line.source} => {line.destination}" for line in connlist(cluster) if line.conns.contains(probe)]
        assert sorted(shown) == sorted(expected), text
    tutorial.page.fill("#port-filter", "")
    assert len(tutorial.visible_edges()) == 16


def test_search_marks_matching_workloads(tutorial: Page) -> None:
    tutorial.page.fill("#search", "back")
    assert tutorial.js("window.podwall.cy().nodes('.match').map(n => n.id())") == ["production/backend[Deployment]"]


def test_posture_header_and_findings(tutorial: Page) -> None:
    tiles = tutorial.page.locator("#posture .tile").all_inner_texts()
    assert [t.replace("\n", " | ") for t in tiles] == [
        "1 of 3 | namespaces with default-deny ingress",
        "1 of 3 | namespaces with default-deny egress",
        "2 of 5 | workloads unprotected",
        "4 | connections open to the internet",
        "0 errors · 3 warnings · 1 info | lint findings",
    ]
    lint = run("lint", "-f", TUTORIAL, "-o", "json")
    import json

    found = json.loads(lint.stdout)["findings"]
    shown = tutorial.page.locator("#findings tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.rule, r.children[1].firstChild.textContent, r.children[2].textContent,"
        " r.children[3].textContent])")
    assert sorted(shown) == sorted([f["rule"], f["object"], f["message"], f["fix"]] for f in found)
    groups = tutorial.page.locator("#findings details.rule > summary").all_text_contents()
    assert groups[0].startswith("warning ") and groups[-1].startswith("info PW202 default-deny.egress-missing")


def test_screenshot_of_the_tutorial_report(tutorial: Page) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    tutorial.click_node("production/backend[Deployment]")
    tutorial.page.evaluate("window.scrollTo(0, 0)")
    tutorial.page.screenshot(path=str(SCREENSHOT), full_page=True)
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    if os.environ.get("PODWALL_UPDATE_GOLDEN"):
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SCREENSHOT, DOCS_SCREENSHOT)
    assert DOCS_SCREENSHOT.is_file(), "PODWALL_UPDATE_GOLDEN=1 writes docs/images/render-tutorial.png"


# --- large inputs: drawn by namespace, opened on click --------------------------------------------------


def _large(tmp_path_factory: pytest.TempPathFactory, pods: int, namespaces: int) -> tuple[Path, Path]:
    from benchmarks import gen

    folder = tmp_path_factory.mktemp(f"large-{pods}")
    manifests = folder / "cluster.yaml"
    manifests.write_text(gen.generate(pods, namespaces=namespaces, policies_per_ns=8, seed=5, as_="workloads"))
    report = folder / "report.html"
    done = run("render", "-f", str(manifests), "-o", "html", "--output-file", str(report))
    assert done.exit_code == 0, done.stderr
    return manifests, report


@pytest.fixture(scope="module")
def large_500(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _large(tmp_path_factory, 1850, 12)


def test_500_workloads_open_by_namespace_and_drill_down(browser: Any, large_500: tuple[Path, Path]) -> None:
    manifests, report = large_500
    cluster = podwall.load([str(manifests)])
    workloads = sorted({node_name(p) for p in cluster.pods})
    assert 480 <= len(workloads) <= 560
    by_ns: dict[str, list[str]] = {}
    for w in workloads:
        by_ns.setdefault(w.split("/", 1)[0], []).append(w)

    page = Page(browser, report)
    try:
        assert page.errors == []
        assert page.visible('node[role = "namespace"]') == sorted(f"ns:{ns}" for ns in by_ns)
        assert page.visible('node[role = "workload"]') == []
        assert page.js("window.podwall.matrixLevel()") == "namespaces"

        namespace = max(by_ns, key=lambda ns: len(by_ns[ns]))
        page.click_node(f"ns:{namespace}")
        page.js("window.podwall.ready")
        assert page.visible('node[role = "workload"]') == sorted(by_ns[namespace])

        lines = connlist_lines(str(manifests))
        workload = by_ns[namespace][0]
        page.click_node(workload)
        mine = [line for line in lines if workload in line.split(" : ")[0].split(" => ")]
        assert page.page.locator("#flows li").all_text_contents() == mine

        point = page.js("([s, d]) => window.podwall.cellPoint(s, d)", [namespace, namespace])
        page.page.mouse.click(point["x"], point["y"])
        assert page.js("window.podwall.matrixLevel()") == "pair"
        page.hover_cell(by_ns[namespace][0], by_ns[namespace][1])
        assert page.page.get_attribute("#tooltip > div", "data-dst") == by_ns[namespace][1]
        assert "podwall explain -f" in (page.page.text_content("#tooltip") or "")
        assert page.errors == []
    finally:
        page.page.close()


@pytest.mark.skipif(not os.environ.get("PODWALL_LARGE"), reason="3,000 workloads take about a minute: PODWALL_LARGE=1 runs it (make bench measures it)")
def test_3000_workloads_open(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    manifests, report = _large(tmp_path_factory, 10900, 110)
    namespaces = {p.namespace for p in podwall.load([str(manifests)]).pods}
    page = Page(browser, report)
    try:
        assert page.errors == []
        assert page.visible('node[role = "namespace"]') == sorted(f"ns:{ns}" for ns in namespaces)
        assert page.js("window.podwall.matrixLevel()") == "namespaces"
    finally:
        page.page.close()
