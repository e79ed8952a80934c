"""HTML report: generation time at 500 and 3,000 workloads, and the page in headless Chromium.

For each size (``benchmarks/gen.py --as workloads``, one application namespace
per ~100 pods), in a fresh process: CPU seconds of the YAML parse floor
(``yaml.load_all`` with libyaml) and of ``render(cluster, "html")`` split into
the connection list, lint, the rest (picture, explanations, HTML), with the file
size. Then the report opened in Debian's headless Chromium (Playwright, never a
downloaded browser), three times: first contentful paint and the report's
``podwall-ready`` mark (graph laid out, matrix drawn), as medians, the longest
main-thread task while loading (Long Tasks API), and the time to open the
largest namespace (click to layout done). The floor for the browser is the first
paint of a one-line page in the same browser. Nothing here asserts a time.
Writes benchmarks/RENDER.md.

    python -m benchmarks.render [--sizes 500,3000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RENDER.md"
PODS_PER_WORKLOAD = 3.6  # what gen.py draws on average
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

CHILD = """
import json, sys, time, yaml
import podwall
from podwall.engine.connlist import connlist
from podwall.engine.exposure_analysis import exposure_analysis
from podwall.lint import lint
from podwall.render.pictures import render
path, out = sys.argv[1], sys.argv[2]
text = open(path).read()
t = time.process_time(); list(yaml.load_all(text, Loader=yaml.CSafeLoader)); parse = time.process_time() - t
cluster = podwall.load([path])
t = time.process_time(); every = connlist(cluster); lines = time.process_time() - t
t = time.process_time(); exposure_analysis(cluster, every); exposure = time.process_time() - t
t = time.process_time(); report = lint(cluster); linting = time.process_time() - t
t = time.process_time(); page = render(cluster, "html", lint_report=report).content; total = time.process_time() - t
open(out, "w").write(page)
workloads = len({p.workload_key for p in cluster.pods})
print(json.dumps({"workloads": workloads, "namespaces": len({p.namespace for p in cluster.pods}),
                  "parse": parse, "connlist": lines, "exposure": exposure, "lint": linting, "render": total, "bytes": len(page.encode())}))
"""

#: Run in the page: the paint and ready marks, the longest task, then open the largest namespace.
PROBE = """async () => {
  await window.podwall.ready;
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const ready = performance.getEntriesByName('podwall-ready')[0];
  const tasks = window.__longtasks || [];
  const cy = window.podwall.cy();
  const biggest = cy.nodes('[role = "namespace"]').max(n => parseInt(n.data('label').split('\\n')[1])).ele;
  let open = null;
  if (biggest) {
    const start = performance.now();
    await new Promise(done => { cy.one('layoutstop', () => done()); biggest.emit('tap'); });
    open = performance.now() - start;
  }
  return {paint: paint ? paint.startTime : null, ready: ready ? ready.startTime : null,
          longest_task: tasks.length ? Math.max(...tasks) : 0, open_namespace: open,
          aggregated: window.podwall.state.aggregated};
}"""

OBSERVE = """window.__longtasks = [];
new PerformanceObserver(list => list.getEntries().forEach(e => window.__longtasks.push(e.duration)))
  .observe({type: 'longtask', buffered: true});"""


def generate(workloads: int, folder: Path) -> dict[str, Any]:
    """Generate the input and the report in a fresh process; return its measurements."""
    pods = round(workloads * PODS_PER_WORKLOAD)
    path = folder / f"w{workloads}.yaml"
    subprocess.run([sys.executable, "-m", "benchmarks.gen", "--pods", str(pods), "--as", "workloads", "-o", str(path)],
                   check=True, cwd=HERE.parent, stderr=subprocess.DEVNULL)  # fmt: skip
    out = folder / f"w{workloads}.html"
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(out)], check=True, capture_output=True, text=True)
    return {**json.loads(done.stdout), "html": str(out)}


def browse(pages: dict[int, str], runs: int) -> tuple[dict[int, dict[str, Any]], float]:
    """Open each report ``runs`` times in a fresh profile; medians per size, and the blank-page paint floor."""
    from playwright.sync_api import sync_playwright

    found: dict[int, list[dict[str, Any]]] = {size: [] for size in pages}
    floors: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        blank = Path(tmp) / "blank.html"
        blank.write_text("<!doctype html><title>floor</title><p>floor</p>")
        for run in range(runs):
            context = playwright.chromium.launch_persistent_context(
                str(Path(tmp) / f"profile-{run}"), executable_path=CHROMIUM, headless=True, args=ARGS,
                viewport={"width": 1400, "height": 1000})  # fmt: skip
            try:
                page = context.new_page()
                page.goto(blank.as_uri())
                floors.append(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
                page.close()
                for size, html in pages.items():
                    page = context.new_page()
                    page.add_init_script(OBSERVE)
                    start = time.perf_counter()
                    page.goto(Path(html).as_uri(), timeout=600_000)
                    result = page.evaluate(PROBE)
                    result["wall"] = time.perf_counter() - start
                    found[size].append(result)
                    page.close()
            finally:
                context.close()
    medians = {
        size: {key: statistics.median(r[key] for r in rows) if isinstance(rows[0][key], (int, float)) and
               not isinstance(rows[0][key], bool) else rows[0][key] for key in rows[0]}
        for size, rows in found.items()
    }  # fmt: skip
    return medians, statistics.median(floors)


def report(rows: list[dict[str, Any]], floor: float, runs: int) -> str:
    """The Markdown page."""
    lines = [
        "# HTML report: generation and first paint",
        "",
        "Generated by `python -m benchmarks.render` (`make bench`); do not edit by hand.",
        "Input: `benchmarks/gen.py --as workloads` (workloads stand for their pods; one application namespace per",
        "~100 pods). Generation: CPU seconds in a fresh process. Browser: Debian's headless Chromium through",
        f"Playwright, medians of {runs} runs, milliseconds from navigation; the floor is the first paint of a",
        f"one-line page in the same browser ({floor:.0f} ms this run).",
        "",
        "| workloads | namespaces | YAML parse floor (s) | connection list (s) | lint (s) | render html (s) | render / parse | "
        "HTML (MB) | first paint (ms) | paint / floor | ready (ms) | longest task (ms) | open largest namespace (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        b = r["browser"]
        opened = f"{b['open_namespace']:.0f}" if b["open_namespace"] is not None else "– (not aggregated)"
        lines.append(
            f"| {r['workloads']:,} | {r['namespaces']} | {r['parse']:.2f} | {r['connlist']:.2f} | {r['lint']:.2f} | "
            f"{r['render']:.2f} | {r['render'] / r['parse']:.1f} | {r['bytes'] / 1e6:.1f} | {b['paint']:.0f} | "
            f"{b['paint'] / floor:.1f} | {b['ready']:.0f} | {b['longest_task']:.0f} | {opened} |"
        )
    lines += [
        "",
        "- *render html*: `render(cluster, \"html\")` with the lint report given, so it is the connection list again,",
        "  the picture, the unprotected workloads, the explanations (skipped above the cell limit), the exposure",
        "  analysis and the page. *ready*: the graph laid out and the matrix drawn.",
        "- Above 250 workloads (or 1,500 connections) the graph opens by namespace, above 400 workloads the matrix",
        "  too; a click opens a namespace. *longest task*: the longest main-thread task while loading (the page",
        "  cannot answer input during it).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure every size, then write RENDER.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,3000", help="workload counts (default 500,3000)")
    parser.add_argument("--runs", type=int, default=3, help="browser runs per size (default 3)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for size in sizes:
            print(f"render: generating {size:,} workloads", file=sys.stderr)
            rows.append(generate(size, Path(tmp)))
        print("render: opening the reports in Chromium", file=sys.stderr)
        medians, floor = browse({r["workloads"]: r["html"] for r in rows}, args.runs)
        for r in rows:
            r["browser"] = medians[r["workloads"]]
    RESULTS.write_text(report(rows, floor, args.runs))
    print(RESULTS.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
