"""Mermaid and DOT goldens for the tutorial and two corpus scenarios, checked by Mermaid's parser and Graphviz.

Each golden is compared byte for byte (``PODWALL_UPDATE_GOLDEN=1`` rewrites it),
then parsed by the real tools: Mermaid's own parser under node must find one
vertex per node of the picture and one edge per line of ``reach -o connlist``
with its connections as the label; ``dot -Tsvg`` must draw it, with one
``<title>`` per node.
"""

from __future__ import annotations

import functools
import re
import subprocess

import pytest

import podwall
from podwall.engine.connlist import connlist
from podwall.render.picture import PictureView, aggregate, picture
from tests.cli.harness import ROOT, TUTORIAL, compare_golden, run
from tests.render.tools import GENERIC_CNI, corpus_input, dot_program, mermaid_parse

TIERS = str(ROOT / "examples" / "admin-tiers")

#: case -> (input, extra arguments); every case is drawn as Mermaid and as DOT.
CASES = {
    "tutorial": (lambda: TUTORIAL, ["--by", "workload"]),
    "tutorial-by-namespace": (lambda: TUTORIAL, ["--by", "namespace"]),
    "tutorial-focus-backend": (lambda: TUTORIAL, ["--by", "workload", "--focus-workload", "production/backend"]),
    "admin-tiers": (lambda: TIERS, ["--by", "workload"]),
    "acs-security-demos": (lambda: corpus_input("acs-security-demos"), ["--by", "workload"]),
    "onlineboutique": (lambda: corpus_input("onlineboutique"), ["--by", "workload"]),
}


def _draw(case: str, output: str) -> tuple[str, list[str]]:
    source, extra = CASES[case]
    path = source()
    return _drawn(path, output, tuple(extra)), [path, *extra]


@functools.cache
def _drawn(path: str, output: str, extra: tuple[str, ...]) -> str:
    done = run("render", "-f", path, "-o", output, *extra)
    assert done.exit_code == 0, done.stderr
    assert done.stderr == GENERIC_CNI
    return done.stdout


@functools.cache
def _parsed_all() -> dict:
    """Every case's Mermaid parsed in one node process (starting Mermaid costs seconds)."""
    texts = {}
    for case, (source, extra) in CASES.items():
        try:
            texts[case] = _drawn(source(), "mermaid", tuple(extra))
        except pytest.skip.Exception:
            continue
    return mermaid_parse(texts)


@pytest.mark.parametrize("case", sorted(CASES))
def test_mermaid_golden_parses_with_mermaid(case: str) -> None:
    text, args = _draw(case, "mermaid")
    compare_golden(f"render-{case}-mermaid", "expected.mmd", text)

    parsed = _parsed_all()[case]
    assert parsed["ok"], parsed["error"]
    assert parsed["type"] == "flowchart-v2"
    cluster = podwall.load([args[0]])
    by = PictureView(args[args.index("--by") + 1])
    pic = picture(cluster)
    if "--focus-workload" in args:
        focus = podwall.Focus(workloads=(args[args.index("--focus-workload") + 1],))
        pic = picture(cluster, focus=focus)
    if by is PictureView.NAMESPACE:
        pic = aggregate(pic)
    texts = [v["text"] for v in parsed["vertices"]]
    assert len(texts) == len(pic.nodes)
    assert [t.split("<br>")[0] for t in texts] == [n.label for n in pic.nodes]
    ids = {v["id"]: n.id for v, n in zip(parsed["vertices"], pic.nodes)}
    drawn = [(ids[e["start"]], ids[e["end"]], e["text"]) for e in parsed["edges"]]
    assert drawn == [(e.source, e.destination, e.label(pic.view)) for e in pic.edges]
    if by is PictureView.WORKLOAD:
        assert sorted(s["title"] for s in parsed["subgraphs"]) == list(pic.namespaces)
        unprotected = {ids[v["id"]] for v in parsed["vertices"] if "unprotected" in v["classes"]}
        assert unprotected == {n.id for n in pic.nodes if n.unprotected}


def test_mermaid_edges_are_exactly_the_connection_list() -> None:
    """Independent of the picture module: the drawn edges are reach -o connlist's lines."""
    parsed = _parsed_all()["tutorial"]
    names = {v["id"]: v["text"].split("<br>")[0] for v in parsed["vertices"]}
    listed = run("reach", "-f", TUTORIAL, "-o", "connlist").stdout.splitlines()
    short = [re.sub(r"^[^/]*/|\[[^\]]*\]$", "", part) for line in listed for part in line.split(" : ")[0].split(" => ")]
    assert [(names[e["start"]], names[e["end"]]) for e in parsed["edges"]] == list(zip(short[::2], short[1::2]))
    assert [e["text"] for e in parsed["edges"]] == [line.split(" : ")[1] for line in listed]


@pytest.mark.parametrize("case", sorted(CASES))
def test_dot_golden_draws_with_graphviz(case: str) -> None:
    text, args = _draw(case, "dot")
    compare_golden(f"render-{case}-dot", "expected.dot", text)

    done = subprocess.run([dot_program(), "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    titles = re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', done.stdout)
    cluster = podwall.load([args[0]])
    if "--by" in args and args[args.index("--by") + 1] == "namespace":
        expected = [n.id for n in aggregate(picture(cluster)).nodes]
    elif "--focus-workload" in args:
        expected = [n.id for n in picture(cluster, focus=podwall.Focus(workloads=("production/backend",))).nodes]
    else:
        expected = [n.id for n in picture(cluster).nodes]
    unescape = {"&#45;": "-", "&gt;": ">", "&lt;": "<", "&amp;": "&", "&quot;": '"'}
    for code, char in unescape.items():
        titles = [t.replace(code, char) for t in titles]
    assert sorted(titles) == sorted(expected)
    assert done.stdout.count('class="edge"') == text.count(" -> ")


def test_picture_matches_connlist_and_marks_unprotected() -> None:
    cluster = podwall.load([TUTORIAL])
    pic = picture(cluster)
    lines = connlist(cluster)
    assert [(e.source, e.destination, e.conns) for e in pic.edges] == [(l.source, l.destination, l.conns) for l in lines]
    workloads = sorted(n.id for n in pic.nodes if n.role.value == "workload")
    assert workloads == sorted({n.id for n in pic.nodes} - {"0.0.0.0-255.255.255.255[External]"})
    open_ = {n.id: [d.value for d in n.unprotected] for n in pic.nodes if n.unprotected}
    assert open_ == {
        "kube-system/coredns[Deployment]": ["Ingress", "Egress"],
        "monitoring/prometheus[Deployment]": ["Ingress", "Egress"],
    }


def test_namespace_view_counts_workload_pairs() -> None:
    pic = aggregate(picture(podwall.load([TUTORIAL])))
    edges = {(e.source, e.destination): e.pairs for e in pic.edges}
    assert edges[("monitoring", "production")] == 3  # prometheus scrapes backend, database, frontend
    assert edges[("production", "production")] == 1  # backend -> database
    assert edges[("production", "kube-system")] == 3
    production = next(n for n in pic.nodes if n.id == "production")
    assert (production.members, production.unprotected_members) == (3, 0)


def test_namespace_filter_keeps_lines_touching_it() -> None:
    done = run("render", "-f", TUTORIAL, "-n", "kube-system", "--by", "workload")
    assert done.exit_code == 0
    edges = [line for line in done.stdout.splitlines() if "-->" in line]
    assert len(edges) == 7  # coredns's own lines only: from/to the internet, prometheus, the three production pods
    assert "frontend" in done.stdout and "subgraph ns0[\"kube-system\"]" in done.stdout


def test_large_inputs_are_drawn_by_namespace_with_a_note(tmp_path) -> None:
    from benchmarks import gen

    path = tmp_path / "big.yaml"
    path.write_text(gen.generate(300, namespaces=4, policies_per_ns=6, seed=3, as_="workloads"))
    done = run("render", "-f", str(path))
    assert done.exit_code == 0
    assert done.stderr.startswith("note: more than 60 workloads or 200 connections: drawn by namespace")
    assert "namespace view" in done.stdout.splitlines()[0]
    parsed = mermaid_parse({"big": done.stdout})["big"]
    assert parsed["ok"], parsed.get("error")


def test_the_guide_shows_the_goldens_verbatim() -> None:
    guide = (ROOT / "docs" / "render.md").read_text()
    for golden, fence in (("render-tutorial-mermaid/expected.mmd", "mermaid"), ("render-tutorial-by-namespace-dot/expected.dot", "dot"),
                          ("render-diff-tutorial-loosen-mermaid/expected.mmd", "mermaid")):
        text = (ROOT / "tests" / "golden" / golden).read_text()
        assert f"```{fence}\n{text}```" in guide, golden


DIFF_DATA = ROOT / "tests" / "diff" / "data"


@pytest.mark.parametrize("change", ["tutorial-loosen", "tutorial-tighten", "tutorial-add-workload"])
def test_diff_is_drawn_with_changes_coloured(change: str) -> None:
    """podwall diff -o mermaid|dot: the edges of reach -o connlist on both sides, the changed ones coloured."""
    after = str(DIFF_DATA / change)
    text = run("diff", TUTORIAL, after, "-o", "mermaid")
    assert (text.exit_code, text.stderr) == (0, GENERIC_CNI)
    compare_golden(f"render-diff-{change}-mermaid", "expected.mmd", text.stdout)
    drawn = run("diff", TUTORIAL, after, "-o", "dot")
    assert drawn.exit_code == 0
    compare_golden(f"render-diff-{change}-dot", "expected.dot", drawn.stdout)
    done = subprocess.run([dot_program(), "-Tsvg"], input=drawn.stdout, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    parsed = mermaid_parse({change: text.stdout})[change]
    assert parsed["ok"], parsed.get("error")
    names = {v["id"]: v["text"].split("<br>")[0] for v in parsed["vertices"]}
    styled = {}
    for line in text.stdout.splitlines():
        if line.strip().startswith("linkStyle"):
            indexes, style = line.split()[1], line.split()[2]
            colour = {"#2e7d32": "added", "#c62828": "removed", "#ef8f00": "changed"}[style.split(",")[0].split(":")[1]]
            styled.update({int(i): colour for i in indexes.split(",")})
    listed = run("diff", TUTORIAL, after, "-o", "connlist").stdout.splitlines()
    expected = sorted(
        (re.sub(r"\[[^\]]*\]$", "", f["source"]).split("/")[-1], re.sub(r"\[[^\]]*\]$", "", f["destination"]).split("/")[-1],
         f["diff-type"])
        for f in (dict(part.split(": ", 1) for part in line.split(", ")) for line in listed if line.startswith("diff-type"))
    )
    edges = parsed["edges"]
    assert sorted((names[edges[i]["start"]], names[edges[i]["end"]], kind) for i, kind in styled.items()) == expected
    assert expected  # every case changes something
