"""``podwall render`` as a user runs it: formats, files, and one-line errors with exit code 2."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from podwall.render.html.builder import reaches_internet
from tests.cli.harness import ROOT, TUTORIAL, run
from tests.render.tools import GENERIC_CNI, dot_program

ASSETS = ROOT / "src" / "podwall" / "render" / "assets"


def test_svg_and_png_through_graphviz(tmp_path: Path) -> None:
    dot_program()
    svg = tmp_path / "t.svg"
    done = run("render", "-f", TUTORIAL, "-o", "svg", "--by", "workload", "--output-file", str(svg))
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", GENERIC_CNI)
    text = svg.read_text()
    assert text.startswith("<?xml") and "<title>production/backend[Deployment]</title>" in text
    png = tmp_path / "t.png"
    assert run("render", "-f", TUTORIAL, "-o", "png", "--output-file", str(png)).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_needs_a_file_when_stdout_is_text() -> None:
    done = run("render", "-f", TUTORIAL, "-o", "png")
    assert done.exit_code == 2
    assert done.stderr == (
        "podwall: -o png writes binary data: give --output-file FILE or redirect stdout (see 'podwall render --help')\n"
    )


def test_missing_dot_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    done = run("render", "-f", TUTORIAL, "-o", "svg")
    assert done.exit_code == 2
    assert done.stderr == (
        "podwall: -o svg needs Graphviz's 'dot' program, which is not on PATH (Debian/Ubuntu: apt-get install "
        "graphviz; or use -o dot and convert elsewhere)\n"
    )
    assert run("render", "-f", TUTORIAL, "-o", "dot").exit_code == 0  # DOT text needs no program


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "mermaid", "--title", "x"], "podwall: --title applies to -o html only (see 'podwall render --help')"),
        (["-o", "dot", "--config", "c.yaml"], "podwall: --config applies to -o html only (see 'podwall render --help')"),
        (["--by", "pod"], "podwall: Invalid value for '--by': 'pod' is not one of 'workload', 'namespace'. "
                          "(see 'podwall render --help')"),
        (["-o", "html", "--config", "/nonexistent/c.yaml"], "/nonexistent/c.yaml: no such configuration file"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    done = run("render", "-f", TUTORIAL, *args)
    assert (done.exit_code, done.stdout, done.stderr) == (2, "", message + "\n")


def test_unwritable_output_file() -> None:
    done = run("render", "-f", TUTORIAL, "--output-file", "/nonexistent/dir/x.mmd")
    assert done.exit_code == 2
    assert done.stderr == "podwall: cannot write /nonexistent/dir/x.mmd: no such file or directory\n"


def test_html_title_and_lint_config(tmp_path: Path) -> None:
    config = tmp_path / "lint.yaml"
    config.write_text("lint:\n  disable: [PW201, PW202, PW210, PW213]\n")
    done = run("render", "-f", TUTORIAL, "-o", "html", "--title", "Shop <prod>", "--config", str(config))
    assert done.exit_code == 0
    assert "<title>Shop &lt;prod&gt;</title>" in done.stdout
    data = json.loads(done.stdout.split('id="podwall-data">', 1)[1].split("</script>", 1)[0])
    assert data["findings"] == []
    assert data["rules"] > 0


def test_html_suggests_explain_with_the_same_input(tmp_path: Path) -> None:
    """The paths as given (shell-quoted), and the switches that change what is loaded or how it is judged."""
    folder = tmp_path / "my manifests"
    shutil.copytree(TUTORIAL, folder)
    done = run("render", "-f", str(folder), "-o", "html", "--lenient", "--cni", "cilium", "--ipblock-ignores-pods")
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout.split('id="podwall-data">', 1)[1].split("</script>", 1)[0])
    assert data["explain_command"] == f"podwall explain -f '{folder}' --lenient --ipblock-ignores-pods --cni cilium"


def test_html_is_self_contained_and_script_safe() -> None:
    done = run("render", "-f", TUTORIAL, "-o", "html")
    page = done.stdout
    assert "<script src" not in page and "<link" not in page and "http://" not in page.split("<script>", 1)[0]
    # one closing tag per inline script: nothing in the data or the libraries closes a script early
    assert page.count("</script>") == page.count("<script") == 6
    for name in ("cytoscape 3.34.4 (MIT)", "cytoscape-fcose 2.2.0 (MIT)", "cose-base 2.2.0 (MIT)", "layout-base 2.0.1 (MIT)"):
        assert f"<h4>{name}</h4>" in page


def test_vendored_assets_match_their_checksums() -> None:
    """The committed assets are what scripts/vendor_assets.py wrote (a hand edit shows here)."""
    manifest = json.loads((ASSETS / "assets.json").read_text())
    listed = {}
    for line in (ASSETS / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        listed[rel] = digest
    expected = {f"{p['name']}/{Path(f).name}" for p in manifest["packages"] for f in p["files"]}
    assert set(listed) == expected
    for rel, digest in listed.items():
        assert hashlib.sha256((ASSETS / rel).read_bytes()).hexdigest() == digest, rel
    assert all(p["integrity"].startswith("sha512-") and p["license"] for p in manifest["packages"])
    assert all(any(Path(f).name == "LICENSE" for f in p["files"]) for p in manifest["packages"])


@pytest.mark.parametrize(
    ("name", "internet"),
    [
        ("0.0.0.0-255.255.255.255[External]", True),
        ("10.0.0.0-10.255.255.255[External]", False),
        ("172.16.0.0-172.31.255.255[External]", False),
        ("172.16.0.0-172.32.0.0[External]", True),
        ("fd00::-fd00::ffff[External]", False),
    ],
)
def test_which_external_ranges_count_as_the_internet(name: str, internet: bool) -> None:
    assert reaches_internet(name) is internet


def test_library_function(tmp_path: Path) -> None:
    import podwall
    from podwall.render.pictures import Rendering, render

    cluster = podwall.load([TUTORIAL])
    result = render(cluster, "mermaid", by="workload")
    assert isinstance(result, Rendering) and result.notes == () and result.view.value == "workload"
    assert result.content == run("render", "-f", TUTORIAL, "--by", "workload").stdout
    with pytest.raises(podwall.UsageError, match="unknown output 'gif'"):
        render(cluster, "gif")
    with pytest.raises(podwall.UsageError, match="invalid view 'pod'"):
        render(cluster, "mermaid", by="pod")
