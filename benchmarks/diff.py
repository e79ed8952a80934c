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

#: The analysis alone, sides loaded once: the two connection lists and their text against the diff,
#: alternated in one process (a shared machine's noise then hits both alike).
SAME_PROCESS = """
import json, statistics, sys, time
import podwall
from podwall.diff import compare
from podwall.engine.connlist import connlist
from podwall.render.connlist import connlist_text
from podwall.render.diff_text import diff_text
before, after = podwall.load([sys.argv[1]]), podwall.load([sys.argv[2]])
floor, diff = [], []
for _ in range(int(sys.argv[3])):
    start = time.process_time()
    connlist_text(connlist(before)); connlist_text(connlist(after))
    floor.append(time.process_time() - start)
    start = time.process_time()
    diff_text(compare(before, after))
    diff.append(time.process_time() - start)
print(json.dumps({"floor": statistics.median(floor), "diff": statistics.median(diff), "floors": floor, "diffs": diff}))
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


def measure(what: str, *paths: Path) -> dict[str, Any]:
    """One run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", CHILD, what, *map(str, paths)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def run(pods: int, every: int, repeat: int = 3, log: Any = print) -> dict[str, Any]:
    """Every measurement for one size: ``repeat`` rounds of all of them, interleaved so that a busy
    moment of a shared machine hits every figure alike; the medians are kept."""
    before, after, edited = sides(pods, every)
    log(f"{pods} pods, {edited} policies edited: measuring ({repeat} rounds, medians)")
    plan = [("reach_before", "reach", [before]), ("reach_after", "reach", [after]),
            ("diff-connlist", "diff-connlist", [before, after]), ("diff-text", "diff-text", [before, after]),
            ("diff-lint", "diff-lint", [before, after])]
    runs: dict[str, list[dict[str, Any]]] = {key: [] for key, _, _ in plan}
    for _ in range(repeat):
        for key, what, paths in plan:
            runs[key].append(measure(what, *paths))
    row: dict[str, Any] = {"pods": pods, "edited": edited, "repeat": repeat}
    for key, found in runs.items():
        row[key] = {**found[0], "cpu": statistics.median(r["cpu"] for r in found), "runs": [r["cpu"] for r in found]}
        log(f"  {key}: {row[key]['cpu']:.2f} s CPU (runs {', '.join(f'{c:.2f}' for c in row[key]['runs'])})")
    done = subprocess.run([sys.executable, "-c", SAME_PROCESS, str(before), str(after), str(max(repeat, 3))],
                          check=True, capture_output=True, text=True)
    row["same_process"] = json.loads(done.stdout)
    log(f"  same process: two connection lists {row['same_process']['floor']:.2f} s, diff text "
        f"{row['same_process']['diff']:.2f} s")
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
    for row in rows:
        same = row.get("same_process")
        if same:
            lines += [
                "",
                f"The analysis alone at {row['pods']} pods, both sides loaded once, alternated in one process "
                f"(medians): the two connection lists and their text {same['floor']:.2f} s, `diff text` "
                f"(both connection lists, the comparison, the reasons, the report) {same['diff']:.2f} s: "
                f"**{same['diff'] / same['floor']:.2f}x**.",
            ]
        if "runs" in row.get("reach_before", {}):
            every = "; ".join(
                f"{key}: {', '.join(f'{c:.2f}' for c in row[key]['runs'])}"
                for key in ("reach_before", "reach_after", "diff-connlist", "diff-text", "diff-lint")
            )
            lines += ["", f"Every run at {row['pods']} pods (s CPU): {every}."]
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
