"""Whole commands as users run them (issue 17's table): CPU time against the YAML parse floor, peak memory.

Every row runs ``python -m podwall ...`` in a fresh subprocess and reports the
child's CPU time (user + system, from ``wait4``): the median of several rounds,
because this machine is shared and noisy (wall-clock minimums mislead). The
floor is a bare PyYAML C-loader parse of the same cluster
(``list(yaml.load_all(text, Loader=yaml.CSafeLoader))``), measured in the same
rounds, and each row is shown as a ratio to it. Nothing here asserts a time.

Rows (goals from the issue):

- ``reach --by workload -o json`` on a cluster of workloads (``gen --as workloads``),
  goal <= 1.2x the floor;
- the same cluster as ``kubectl get -o json`` prints it (one ``List``), goal <= 0.6x
  the YAML floor;
- ``lint -o json`` on Pods without their workloads (``gen --as pods-only``, what
  ``kubectl get pods -A -o yaml`` dumps), goal <= 3x; the same Pods as one JSON ``List``
  (``kubectl get pods -A -o json``), against the same YAML floor;
- ``lint -o json`` on one policy of 1,000 rules (issue 10, item 7: near-linear);
- ``lint`` and ``reach`` at the largest size: lint / reach, goal <= 2;
- peak RSS of ``reach`` at each size: goal <= 400 MB at 100,000 pods, growing
  linearly (the growth exponent between sizes, 1.0 = linear);
- ``podwall --help`` (goal <= 0.1 s) and ``explain`` on the tutorial, in CPU seconds.

Usage::

    python -m benchmarks.commands [--sizes 10k,30k,100k] [--rounds 3] [--large-rounds 1] [--quick]
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
RESULTS_JSON = HERE / "commands.json"
TUTORIAL = ROOT / "examples" / "tutorial"

DEFAULT_SIZES = (10_000, 30_000, 100_000)
#: From this size on, ``--large-rounds`` rounds (a round at 100,000 pods takes minutes).
LARGE = 100_000
QUICK_SIZES = (3_000, 10_000)
GOALS = {
    "reach_over_floor": 1.2,
    "reach_json_over_floor": 0.6,
    "lint_pods_over_floor": 3.0,
    "lint_over_reach": 2.0,
    "reach_rss_mb_100k": 400.0,
    "help_s": 0.1,
}
#: The issue's figures when it was filed (the "at filing" column): CPU ratios to the floor, MB, seconds.
AT_FILING = {
    "reach_over_floor": "1.6-1.8",
    "reach_json_over_floor": "2.0",
    "lint_pods_over_floor": "16",
    "lint_over_reach": "4.6",
    "reach_rss_mb_100k": "648 (pods^1.34)",
    "help_s": "0.13 of imports",
}
FLOOR = "import sys, yaml; list(yaml.load_all(open(sys.argv[1], encoding='utf-8').read(), Loader=yaml.CSafeLoader))"
JSON_FLOOR = "import json, sys; json.loads(open(sys.argv[1], encoding='utf-8').read())"


# --- datasets ------------------------------------------------------------------


def datasets(size: int, data: Path, log: Callable[[str], None]) -> dict[str, Path]:
    """The cluster of ``size`` pods as workloads (YAML and a JSON List) and as bare Pods, cached."""
    from benchmarks import gen

    data.mkdir(parents=True, exist_ok=True)
    paths = {
        "workloads": data / f"commands-{size}-workloads.yaml",
        "workloads_json": data / f"commands-{size}-workloads.json",
        "pods": data / f"commands-{size}-pods-only.yaml",
        "pods_json": data / f"commands-{size}-pods-only.json",
    }
    for name, (as_, fmt) in {"workloads": ("workloads", "yaml"), "workloads_json": ("workloads", "json"),
                             "pods": ("pods-only", "yaml"), "pods_json": ("pods-only", "json")}.items():  # fmt: skip
        path = paths[name]
        if not path.exists():
            log(f"generating {path.name}")
            tmp = path.with_suffix(".tmp")
            tmp.write_text(gen.generate(size, as_=as_, format=fmt))
            tmp.replace(path)
    return paths


def many_rules(count: int, data: Path) -> Path:
    """One Pod and one NetworkPolicy of ``count`` ingress rules: copies, other ports, other peers (a third each)."""
    import yaml

    path = data / f"commands-rules-{count}.yaml"
    if path.exists():
        return path
    rules = []
    for i in range(count):
        peer = {"podSelector": {"matchLabels": {"app": f"web{i if i % 3 == 2 else 0}"}}}
        port = 8080 if i % 3 == 0 else 1 + i
        rules.append({"from": [peer], "ports": [{"protocol": "TCP", "port": port}]})
    documents = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api", "namespace": "shop", "labels": {"app": "api"}},
         "spec": {"containers": [{"name": "api", "image": "api:1", "ports": [{"containerPort": 8080}]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "big", "namespace": "shop"},
         "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"], "ingress": rules}},
    ]  # fmt: skip
    data.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    return path


# --- measuring -------------------------------------------------------------------


def run_child(argv: Sequence[str]) -> dict[str, float]:
    """Run a command to completion (output discarded): its CPU seconds, wall seconds, peak RSS and exit code."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    wall = time.perf_counter()
    child = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "cpu": usage.ru_utime + usage.ru_stime,
        "wall": time.perf_counter() - wall,
        "rss_mb": usage.ru_maxrss / 1024,
        "exit": child.returncode,
    }


def podwall(*args: str | Path) -> list[str]:
    """``python -m podwall ARGS`` with this interpreter."""
    return [sys.executable, "-m", "podwall", *map(str, args)]


def measure(jobs: dict[str, list[str]], rounds: int, log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """Each job ``rounds`` times, interleaved (round 1 of every job, then round 2...): medians and all runs."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in jobs}
    for r in range(rounds):
        for name, argv in jobs.items():
            runs[name].append(run_child(argv))
        log(f"round {r + 1}/{rounds}: " + ", ".join(f"{n} {runs[n][-1]['cpu']:.2f}s" for n in jobs))
    return {
        name: {
            "cpu": statistics.median(x["cpu"] for x in found),
            "cpus": [round(x["cpu"], 3) for x in found],
            "wall": statistics.median(x["wall"] for x in found),
            "rss_mb": max(x["rss_mb"] for x in found),
            "exit": found[0]["exit"],
        }
        for name, found in runs.items()
    }


def run(sizes: Sequence[int], rounds: int, data: Path, log: Callable[[str], None], rules: int = 1000,
        large_rounds: int | None = None) -> dict[str, Any]:
    """Every row at every size; returns the raw results (saved as commands.json by ``main``).

    Sizes from ``LARGE`` on run ``large_rounds`` rounds (default: ``rounds``).
    """
    large_rounds = rounds if large_rounds is None else large_rounds
    # As installed (pip compiles every module): else each fresh process compiles podwall's sources again,
    # where PYTHONDONTWRITEBYTECODE is set or the checkout is read-only (0.08 s of every command).
    compileall.compile_dir(ROOT / "src" / "podwall", quiet=1)
    results: dict[str, Any] = {"rounds": rounds, "large_rounds": large_rounds, "sizes": {},
                               "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    for size in sizes:
        paths = datasets(size, data, log)
        jobs = {
            "floor": [sys.executable, "-c", FLOOR, str(paths["workloads"])],
            "floor_pods": [sys.executable, "-c", FLOOR, str(paths["pods"])],
            "json_floor": [sys.executable, "-c", JSON_FLOOR, str(paths["workloads_json"])],
            "reach": podwall("reach", "-f", paths["workloads"], "--by", "workload", "-o", "json"),
            "reach_json": podwall("reach", "-f", paths["workloads_json"], "--by", "workload", "-o", "json"),
            "lint": podwall("lint", "-f", paths["workloads"], "-o", "json"),
            "lint_pods": podwall("lint", "-f", paths["pods"], "-o", "json"),
            # 100,000 Pods as JSON are 285 MiB: above the default bound on one input (--max-input-mb)
            "lint_pods_json": podwall("lint", "-f", paths["pods_json"], "-o", "json", "--max-input-mb", "1024"),
        }
        log(f"{size:,} pods")
        results["sizes"][str(size)] = measure(jobs, large_rounds if size >= LARGE else rounds, log)
    path = many_rules(rules, data)
    log(f"{rules:,} rules in one policy; --help; explain on the tutorial")
    results["small"] = measure({
        "rules_floor": [sys.executable, "-c", FLOOR, str(path)],
        "lint_rules": podwall("lint", "-f", path, "-o", "json"),
        "help": podwall("--help"),
        "explain": podwall("explain", "-f", TUTORIAL, "production/Deployment/frontend",
                           "production/Deployment/backend", "8080/TCP"),
    }, max(rounds, 5), log)  # fmt: skip
    results["rules"] = rules
    return results


# --- figures and the report --------------------------------------------------------


def figures(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per size: the ratios the table shows."""
    rows = []
    for size, m in sorted(results["sizes"].items(), key=lambda item: int(item[0])):
        floor, floor_pods = m["floor"]["cpu"], m["floor_pods"]["cpu"]
        rows.append({
            "pods": int(size),
            "floor": floor,
            "reach": m["reach"]["cpu"],
            "reach_over_floor": m["reach"]["cpu"] / floor,
            "reach_json_over_floor": m["reach_json"]["cpu"] / floor,
            "json_floor_over_floor": m["json_floor"]["cpu"] / floor,
            "lint_over_floor": m["lint"]["cpu"] / floor,
            "lint_pods_over_floor": m["lint_pods"]["cpu"] / floor_pods,
            "lint_pods_json_over_floor": m["lint_pods_json"]["cpu"] / floor_pods
            if m.get("lint_pods_json", {}).get("exit") in (0, 1) else None,  # exit 2: refused (input too large)
            "reach_json": m["reach_json"]["cpu"],
            "lint": m["lint"]["cpu"],
            "lint_pods": m["lint_pods"]["cpu"],
            "rounds": len(m["reach"].get("cpus", [0])),
            "lint_over_reach": m["lint"]["cpu"] / m["reach"]["cpu"],
            "reach_rss_mb": m["reach"]["rss_mb"],
            "lint_rss_mb": m["lint"]["rss_mb"],
            "exits": {k: v["exit"] for k, v in m.items()},
        })  # fmt: skip
    return rows


def exponents(rows: list[dict[str, Any]], key: str) -> str:
    """Growth exponent k (value ~ pods^k) between consecutive sizes."""
    steps = []
    for a, b in zip(rows, rows[1:]):
        if a[key] > 0 and b[key] > 0 and b["pods"] > a["pods"]:
            steps.append(f"{math.log(b[key] / a[key]) / math.log(b['pods'] / a['pods']):.2f}")
    return ", ".join(steps) or "–"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}x"


def section(results: dict[str, Any]) -> list[str]:
    """The "Whole commands" section of RESULTS.md."""
    rows = figures(results)
    small = results.get("small", {})
    rounds, large = results["rounds"], results.get("large_rounds", results["rounds"])
    counted = f"{rounds} round{'s' if rounds != 1 else ''}" + (
        f" ({large} at {LARGE:,} pods and more)" if large != rounds and any(r["pods"] >= LARGE for r in rows) else "")
    lines = [
        "## Whole commands (issue 17)",
        "",
        f"Generated by `python -m benchmarks.commands` ({results['date']}); raw data: `commands.json`. Each figure is"
        f" the median CPU time (user + system) of {counted} of `python -m podwall ...` in a fresh process (podwall's"
        " modules compiled to bytecode first, as `pip install` does), divided by"
        " the parse floor of the same cluster measured in the same rounds"
        " (`yaml.load_all(..., Loader=yaml.CSafeLoader)` of the YAML file; JSON inputs are divided by the floor of"
        " the same cluster in YAML). Clusters: `benchmarks/gen.py --as workloads`"
        " (YAML, and the same as one `kind: List` in JSON, as `kubectl get -o json` prints it) and `--as pods-only`"
        " (Pods with their IPs and without their workloads, as `kubectl get pods -A -o yaml` and `-o json` dump them).",
        "",
        "| pods | floor (s) | reach -o json | same as JSON List | json.loads alone | lint -o json | lint, Pods only |"
        " lint, Pods as JSON | lint / reach | reach (s) | lint (s) | reach peak RSS (MB) | lint peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['pods']:,} | {r['floor']:.2f} | {r['reach_over_floor']:.2f}x | {r['reach_json_over_floor']:.2f}x |"
            f" {r['json_floor_over_floor']:.2f}x | {r['lint_over_floor']:.2f}x | {r['lint_pods_over_floor']:.2f}x |"
            f" {_ratio(r.get('lint_pods_json_over_floor'))} | {r['lint_over_reach']:.2f} | {r['reach']:.2f} |"
            f" {r.get('lint', 0):.2f} | {r['reach_rss_mb']:.0f} | {r['lint_rss_mb']:.0f} |"
        )
    series = [("floor", "parse floor CPU"), ("reach", "reach CPU"), ("reach_json", "reach on JSON CPU"),
              ("lint", "lint CPU"), ("lint_pods", "lint on Pods CPU"), ("reach_rss_mb", "reach peak RSS"),
              ("lint_rss_mb", "lint peak RSS")]  # fmt: skip
    lines += [
        "",
        "Growth exponents k (figure ∝ pods^k) between consecutive sizes (1.0 = linear): "
        + "; ".join(f"{label} {exponents(rows, key)}" for key, label in series if all(key in r for r in rows)) + ".",
        "",
    ]
    if small:
        rules = results.get("rules", 1000)
        lines += [
            f"- `lint -o json` on one policy of {rules:,} ingress rules (a third copies, a third other ports, a third"
            f" other peers): {small['lint_rules']['cpu']:.2f} s CPU, {small['lint_rules']['cpu'] / small['rules_floor']['cpu']:.1f}x"
            " its parse floor (issue 10, item 7).",
            f"- `podwall --help`: {small['help']['cpu']:.3f} s CPU; `explain` on the tutorial: {small['explain']['cpu']:.3f} s CPU"
            " (medians of 5 or more runs).",
            "",
        ]
    if rows:
        rss_100k = next((r["reach_rss_mb"] for r in rows if r["pods"] == 100_000), None)
        sizes = f"{rows[0]['pods']:,}" + (f"-{rows[-1]['pods']:,}" if len(rows) > 1 else "")

        def worst(key: str) -> float | None:
            """A goal holds at every size: the highest figure of any."""
            found = [r[key] for r in rows if r.get(key) is not None]
            return max(found) if found else None

        checks = [
            ("reach_over_floor", f"reach / floor, worst of {sizes} pods", worst("reach_over_floor")),
            ("reach_json_over_floor", "reach on the JSON List / YAML floor, worst size", worst("reach_json_over_floor")),
            ("lint_pods_over_floor", "lint on Pods only / floor, worst size", worst("lint_pods_over_floor")),
            ("lint_over_reach", "lint / reach, worst size", worst("lint_over_reach")),
            ("reach_rss_mb_100k", "reach peak RSS at 100,000 pods (MB)", rss_100k),
            ("help_s", "`podwall --help` (CPU s)", small.get("help", {}).get("cpu")),
        ]
        lines += ["| against the issue's goals | at filing | today | goal | met |", "|---|---:|---:|---:|:---:|"]
        for key, label, value in checks:
            goal = GOALS[key]
            shown = "–" if value is None else f"{value:.2f}" if value < 100 else f"{value:.0f}"
            met = "–" if value is None else ("yes" if value <= goal else "**no**")
            lines.append(f"| {label} | {AT_FILING[key]} | {shown} | ≤ {goal:g} | {met} |")
        lines.append("")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, save ``commands.json`` and rewrite RESULTS.md with the section (when results.json exists)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.commands", description=__doc__.split("\n\n")[0])
    from benchmarks.run import _sizes

    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES, help="pod counts, e.g. 10k,30k,100k")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per command (medians are reported)")
    parser.add_argument("--large-rounds", type=int, default=None,
                        help=f"rounds at {LARGE:,} pods and more (default: --rounds)")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}, one round")
    parser.add_argument("--render-only", action="store_true", help="rewrite RESULTS.md from commands.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.rounds = QUICK_SIZES, 1

    def log(message: str) -> None:
        print(f"[commands {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    if not args.render_only:
        results = run(args.sizes, args.rounds, DATA, log, large_rounds=args.large_rounds)
        RESULTS_JSON.write_text(json.dumps(results, indent=1))
    from benchmarks import run as bench

    if bench.RESULTS_JSON.exists():
        bench.RESULTS_MD.write_text(bench.render(json.loads(bench.RESULTS_JSON.read_text())))
        log(f"wrote {bench.RESULTS_MD.relative_to(ROOT)}")
    else:
        print("\n".join(section(json.loads(RESULTS_JSON.read_text()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
