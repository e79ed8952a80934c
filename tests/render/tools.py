"""The real components the render tests drive: Mermaid's parser under node, Graphviz's dot, headless Chromium.

A missing component skips its tests with the reason locally; under CI (``CI``
set, as ``.ci/run`` runs) it fails them, because CI installs every one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.cli.harness import ROOT

SUPPORT = ROOT / "tests" / "support" / "mermaid"
OUTPUT = ROOT / "tests" / "output"
#: ../shared beside the clone (CI), or beside the main checkout for a helper's worktree (/work/wt/NAME).
CORPUS = next(
    (base / "shared" / "corpus" / "netpol-analyzer" for base in (ROOT.parent, ROOT.parent.parent)
     if (base / "shared" / "corpus" / "netpol-analyzer").is_dir()),
    ROOT.parent / "shared" / "corpus" / "netpol-analyzer",
)  # fmt: skip
CHROMIUM = "/usr/bin/chromium"
#: What every verb says on stderr about the network plugin when the input names none.
GENERIC_CNI = "podwall: CNI profile generic (no network plugin recognised in the input; --cni NAME picks one)\n"
#: Flags that work headless as root on Debian; Playwright adds --headless and the user data dir.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def missing(reason: str) -> None:
    """Skip with the reason, or fail under CI, which must have every component."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def corpus_input(scenario: str) -> str:
    """A corpus scenario's input folder (skipped visibly when ../shared is absent)."""
    path = CORPUS / scenario / "input"
    if not path.is_dir():
        pytest.skip(f"netpol-analyzer corpus not found at {path} (CI provides ../shared)")
    return str(path)


def mermaid_parse(texts: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Parse Mermaid texts with Mermaid's own parser (node + the pinned ``mermaid`` package)."""
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (apt-get install nodejs npm)")
    if not (SUPPORT / "node_modules" / "mermaid").is_dir():
        missing(f"the Mermaid parser is not installed: npm ci --prefix {SUPPORT}")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, text in texts.items():
            path = Path(tmp) / f"{name}.mmd"
            path.write_text(text)
            files.append(str(path))
        done = subprocess.run([node, str(SUPPORT / "parse.mjs"), *files], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return {Path(r["file"]).stem: r for r in json.loads(done.stdout)}


def dot_program() -> str:
    """Graphviz's ``dot``."""
    found = shutil.which("dot")
    if found is None:
        missing("Graphviz's dot is not installed (apt-get install graphviz)")
    return str(found)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (never a downloaded browser), with a fresh profile."""
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (pip install -e '.[test]')")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, offline=True,
        )  # fmt: skip
        # Playwright's 30 s default is met on a loaded 2-core CI machine (the whole suite runs beside it):
        # a page that never loads still fails, after two minutes.
        context.set_default_timeout(120_000)
        context.set_default_navigation_timeout(120_000)
        try:
            yield context
        finally:
            context.close()


#: Math.random as a fixed sequence (mulberry32, seed 1), installed before the page's own scripts run.
_SEEDED_RANDOM = """(() => { let a = 1; Math.random = () => { a |= 0; a = (a + 0x6D2B79F5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; })();"""


class Page:
    """An opened report with what its console said and which URLs it asked for."""

    def __init__(self, context: Any, path: Path) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        # fcose starts from random positions: seeded here, each test sees the same layout on every run, so that
        # what a click at a drawn element's coordinates hits does not change from run to run.
        self.page.add_init_script(_SEEDED_RANDOM)
        self.page.goto(path.as_uri())
        self.page.evaluate("window.podwall.ready")

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def click_node(self, node: str) -> None:
        point = self.js("id => window.podwall.nodePoint(id)", node)
        self.page.mouse.click(point["x"], point["y"])

    def hover_cell(self, source: str, destination: str) -> None:
        point = self.js("([s, d]) => window.podwall.cellPoint(s, d)", [source, destination])
        assert point is not None, (source, destination)
        self.page.mouse.move(point["x"], point["y"])

    def after_frame(self, expression: str) -> Any:
        """Evaluate once Cytoscape has applied style changes (it refreshes visibility on the next frame)."""
        return self.js(f"new Promise(done => requestAnimationFrame(() => done({expression})))")

    def visible(self, selector: str) -> list[str]:
        return sorted(self.after_frame(f"window.podwall.cy().elements({selector!r}).filter(e => e.visible()).map(e => e.id())"))

    def visible_edges(self) -> list[str]:
        return sorted(self.after_frame("window.podwall.cy().edges().filter(e => e.visible())"
                                       ".map(e => e.source().id() + ' => ' + e.target().id())"))
