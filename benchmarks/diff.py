"""``podwall diff`` on two large clusters against its floor: two ``reach -o connlist`` runs.

The issue's target: a diff of two 10,000-pod clusters costs no more than two
``reach`` runs plus the output. The sides are ``benchmarks/gen.py``'s cluster
and the same cluster after a pull request that edits one policy in
``--every`` (a port moved in its first ingress or egress rule, so each edit
opens one port and closes another). Each measurement runs in a fresh
process, ``--repeat`` times, and reports the median CPU seconds
(``time.process_time``; the machine may be shared):

- ``reach``: load one side, its connection list, the connlist text (once per side);
- ``diff connlist``: load both sides, compare, netpol-analyzer's diff text;
- ``diff text``: the same with the reasons on both sides of every change (the default report);
- ``diff text + lint``: and the lint delta (two lint runs; reported beside, not in the target).

The ratios divide by the two reach runs measured in the same invocation; nothing
here asserts a time. Writes benchmarks/DIFF.md.

    python -m benchmarks.diff [--pods 10000] [--every 25] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import gen

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
REPORT = HERE / "DIFF.md"

CHILD = """
import json, sys, time
import podwall
from podwall.diff import compare
from podwall.engine.connlist import connlist
from podwall.render.connlist import connlist_text
from podwall.render.diff_connlist_txt import diff_connlist_txt
from podwall.render.diff_text import diff_text
what, paths = sys.argv[1], sys.argv[2:]
start = time.process_time()
if what == "reach":
    out = connlist_text(connlist(podwall.load(paths)))
    found = {"lines": out.count("\\n")}
else:
    before, after = podwall.load([paths[0]]), podwall.load([paths[1]])
    if what == "diff-connlist":
        report = compare(before, after, explain=False)
        out = diff_connlist_txt(report)
    elif what == "diff-text":
        report = compare(before, after)
        out = diff_text(report)
    else:
        from podwall.lint import LintConfig
        report = compare(before, after, lint=LintConfig())
        out = diff_text(report)
    found = {"pairs": len(report.pairs), "opened": len(report.opened), "closed": len(report.closed),
             "reasons": sum(len(p.reasons) for p in report.pairs)}
found["cpu"] = time.process_time() - start
print(json.dumps(found))
"""


def _moved(rules: list[dict[str, Any]]) -> bool:
    """Move the first numeric port of the first rule that has one: one port closes, its neighbour opens."""
    for rule in rules:
        for spec in rule.get("ports", []):
            if isinstance(spec.get("port"), int) and "endPort" not in spec:
                spec["port"] = spec["port"] + 1
                return True
    return False


def pull_request(policies: list[dict[str, Any]], every: int) -> tuple[list[dict[str, Any]], int]:
    """The policies after editing one in ``every``; returns them and how many were edited."""
    edited, count = [], 0
    for i, policy in enumerate(policies):
        policy = copy.deepcopy(policy)
        if i % every == every - 1:
            spec = policy["spec"]
            count += _moved(spec.get("ingress", [])) or _moved(spec.get("egress", []))
        edited.append(policy)
    return edited, count


def sides(pods: int, every: int) -> tuple[Path, Path, int]:
    """Write (or reuse) before.yaml and after.yaml for one size."""
    directory = DATA / f"diff-{pods}-every-{every}"
    before, after, meta = directory / "before.yaml", directory / "after.yaml", directory / "edited.json"
    if not meta.exists():
        directory.mkdir(parents=True, exist_ok=True)
        groups = gen.manifests(pods)
        documents = [d for group in groups.values() for d in group]
        before.write_text(gen._dump(documents))
        policies, edited = pull_request(groups["policies"], every)
        after.write_text(gen._dump([d for name, group in groups.items() if name != "policies" for d in group] + policies))
        meta.write_text(json.dumps({"edited": edited, "policies": len(policies)}))
    return before, after, json.loads(meta.read_text())["edited"]


def measure(what: str, *paths: Path, repeat: int = 1) -> dict[str, Any]:
    """The median CPU time of ``repeat`` runs, each in a fresh interpreter."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", CHILD, what, *map(str, paths)], check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout))
    found = runs[0]
    found["cpu"] = statistics.median(r["cpu"] for r in runs)
    found["runs"] = [r["cpu"] for r in runs]
    return found


def run(pods: int, every: int, repeat: int = 3, log: Any = print) -> dict[str, Any]:
    """Every measurement for one size, interleaved so that a busy moment of the machine hits all alike."""
    before, after, edited = sides(pods, every)
    log(f"{pods} pods, {edited} policies edited: measuring ({repeat} runs each, medians)")
    row: dict[str, Any] = {"pods": pods, "edited": edited, "repeat": repeat}
    for what, paths in [("reach_before", [before]), ("reach_after", [after]), ("diff-connlist", [before, after]),
                        ("diff-text", [before, after]), ("diff-lint", [before, after])]:
        row[what] = measure("reach" if what.startswith("reach") else what, *paths, repeat=repeat)
        log(f"  {what}: {row[what]['cpu']:.2f} s CPU (runs {', '.join(f'{c:.2f}' for c in row[what]['runs'])})")
    floor = row["reach_before"]["cpu"] + row["reach_after"]["cpu"]
    row["floor"] = floor
    row["ratios"] = {what: row[what]["cpu"] / floor for what in ("diff-connlist", "diff-text", "diff-lint")}
    return row


def render(rows: list[dict[str, Any]]) -> str:
    """The Markdown page."""
    lines = [
        "# `podwall diff` against two `reach` runs",
        "",
        "Generated by `python -m benchmarks.diff` (`make bench`); do not edit by hand. CPU seconds, the median of",
        "several runs each in a fresh process on this machine; the ratio divides by the two `reach -o connlist` runs (load, connection",
        "list, text) of the same invocation. Target: `diff connlist` and `diff text` at most 1.0x (two reach runs",
        "plus the output). The lint delta lints both sides on top and is shown for what it costs.",
        "",
        "| pods | policies edited | changed pairs (opened / closed) | reasons | 2 x reach | diff connlist | diff text | diff text + lint |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        text = row["diff-text"]
        cells = [
            str(row["pods"]),
            str(row["edited"]),
            f"{text['pairs']} ({text['opened']} / {text['closed']})",
            str(text["reasons"]),
            f"{row['floor']:.2f} s",
            *(f"{row[w]['cpu']:.2f} s ({row['ratios'][w]:.2f}x)" for w in ("diff-connlist", "diff-text", "diff-lint")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, nargs="+", default=[10000], help="cluster sizes (default 10000)")
    parser.add_argument("--every", type=int, default=25, help="edit one policy in this many (default 25)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, the median is kept (default 3)")
    parser.add_argument("--quick", action="store_true", help="1,000 pods, one run each")
    args = parser.parse_args(argv)
    sizes, repeat = ([1000], 1) if args.quick else (args.pods, args.repeat)
    rows = [run(pods, args.every, repeat) for pods in sizes]
    REPORT.write_text(render(rows))
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
