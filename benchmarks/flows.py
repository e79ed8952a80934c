"""``flows check`` on 1,000,000 Hubble lines: CPU time against a floor, memory against a small run.

The lines repeat the tutorial's observed traffic (``tests/flows/data/hubble.jsonl``)
with fresh source ports, times and pods of a larger set, as a busy cluster's
``hubble observe -o json`` would. Each size runs in a fresh subprocess:

- ``floor``: read the file and ``json.loads`` every line (the least any reader does);
- ``check``: ``podwall.flows.check`` over the same file: read, fold, judge.

Reported: CPU seconds (``time.process_time``), the ratio check / floor, records per
CPU second, and peak RSS of the 1% run against the full run (bounded memory: the
ratio stays near 1 because memory grows with distinct flows, not records).
Nothing here asserts a time.

Usage::

    python -m benchmarks.flows [--lines 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURE = ROOT / "tests" / "flows" / "data" / "hubble.jsonl"
MANIFESTS = (ROOT / "examples" / "tutorial", ROOT / "tests" / "flows" / "data" / "cluster")
RESULTS_MD = HERE / "FLOWS.md"


def write_lines(path: Path, count: int, seed: int = 1) -> None:
    """``count`` Hubble lines: the fixture's flows with varied ports, times and replicas."""
    rng = random.Random(seed)
    templates = [json.loads(line) for line in FIXTURE.read_text().splitlines() if '"flow"' in line]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            record = json.loads(json.dumps(templates[i % len(templates)]))
            flow = record["flow"]
            seconds = 1714989600 + i // 50
            flow["time"] = record["time"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{i % 1000:03d}000000Z"
            l4 = flow.get("l4", {})
            for proto in ("TCP", "UDP"):
                if proto in l4:
                    side = "destination_port" if flow.get("is_reply") else "source_port"
                    l4[proto][side] = rng.randint(32768, 60999)
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def measure(mode: str, path: str) -> dict[str, float]:
    """Run one measurement in this process and return CPU seconds and peak RSS (MiB)."""
    sys.path.insert(0, str(ROOT / "src"))
    import podwall
    from podwall.flows import check, read

    cluster = podwall.load([str(m) for m in MANIFESTS])
    start = time.process_time()
    if mode == "floor":
        with open(path, encoding="utf-8") as handle:
            count = sum(1 for line in handle if json.loads(line))
        flows = 0
    else:
        report = check(cluster, read([path]))
        count, flows = report.observation.lines, len(report.judged)
    cpu = time.process_time() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"cpu": cpu, "rss": rss, "lines": count, "flows": flows}


def _child(mode: str, path: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.flows", "--measure", mode, path],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 lines")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    lines = 100_000 if args.quick else args.lines
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        write_lines(big, lines)
        write_lines(small, max(lines // 100, 1))
        floor = _child("floor", str(big))
        full = _child("check", str(big))
        tiny = _child("check", str(small))
    rows = [
        f"# flows check on {lines:,} Hubble lines",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}. CPU seconds of one process each.",
        "",
        "| measurement | CPU s | lines | flows | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
        f"| floor: read + json.loads | {floor['cpu']:.2f} | {floor['lines']:,} | - | {floor['rss']:.0f} |",
        f"| flows check | {full['cpu']:.2f} | {full['lines']:,} | {full['flows']} | {full['rss']:.0f} |",
        f"| flows check, 1% of the lines | {tiny['cpu']:.2f} | {tiny['lines']:,} | {tiny['flows']} | {tiny['rss']:.0f} |",
        "",
        f"- check / floor CPU: **{full['cpu'] / floor['cpu']:.2f}x** ({full['lines'] / full['cpu']:,.0f} lines per CPU second)",
        f"- peak RSS full / 1%: **{full['rss'] / tiny['rss']:.2f}x** (bounded memory: distinct flows, not records)",
        "",
    ]
    text = "\n".join(rows)
    print(text)
    if not args.quick and lines == 1_000_000:
        RESULTS_MD.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
