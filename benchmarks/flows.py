"""``flows check`` on 1,000,000 Hubble lines of a generated cluster: CPU against a floor, memory against distinct flows.

The cluster is ``benchmarks.gen``'s (2,000 pods, 546 workloads by default). The lines are
``hubble observe -o json`` records between its pods: ``distinct`` (source workload,
destination workload, port) triples, each line one connection of one of them (a SYN from a
random pod of the source workload, with a fresh source port, to a random pod of the
destination), every fourth followed by its SYN-ACK reply, the time advancing. The same number
of lines is run with more and more distinct flows, so what grows with distinct flows (the
folded flows, their verdicts) shows apart from what grows with records (nothing should). Each
measurement runs in a fresh subprocess:

- ``floor``: read the file and ``json.loads`` every line (the least any reader does);
- ``check``: ``podwall.flows.check`` over the same file: read, fold, judge every distinct flow.

Reported: CPU seconds (``time.process_time``), the ratio check / floor, lines per CPU second,
peak RSS per number of distinct flows and its growth per distinct flow, and the peak RSS of a
run on 1% of the lines with the fewest distinct flows (bounded in records: the ratio stays near 1).
Nothing here asserts a time.

Usage::

    python -m benchmarks.flows [--lines 1000000] [--distinct 10,1000,10000] [--pods 2000] [--quick]
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
RESULTS_MD = HERE / "FLOWS.md"
DISTINCT = (10, 1_000, 10_000)


def write_cluster(path: Path, pods: int, seed: int = 1) -> None:
    """The generated cluster the lines are observed in (``benchmarks.gen``, pods and their IPs)."""
    from benchmarks import gen

    path.write_text(gen.generate(pods=pods, seed=seed, as_="pods"), encoding="utf-8")


def _endpoint(pod: object) -> dict[str, object]:
    owner = pod.owner  # type: ignore[attr-defined]
    return {
        "namespace": pod.namespace,  # type: ignore[attr-defined]
        "pod_name": pod.name,  # type: ignore[attr-defined]
        "labels": [f"k8s:{k}={v}" for k, v in sorted(pod.labels.items())]  # type: ignore[attr-defined]
        + [f"k8s:io.kubernetes.pod.namespace={pod.namespace}"],  # type: ignore[attr-defined]
        "workloads": [{"kind": owner.kind, "name": owner.name}] if owner is not None else [],
    }


def write_lines(path: Path, count: int, cluster_path: Path, distinct: int, seed: int = 1) -> int:
    """``count`` Hubble lines over ``distinct`` (source workload, destination workload, port) flows.

    Returns how many distinct flows were written (fewer when the cluster has fewer).
    """
    import podwall

    cluster = podwall.load([str(cluster_path)])
    rng = random.Random(seed)
    by_workload: dict[str, list[object]] = {}
    for pod in cluster.pods:
        if pod.ips and not pod.host_network:
            by_workload.setdefault(pod.workload_key, []).append(pod)
    workloads = sorted(by_workload)
    servers = [w for w in workloads if by_workload[w][0].ports]  # type: ignore[attr-defined]
    triples: set[tuple[str, str, int]] = set()
    limit = len(workloads) * sum(len(by_workload[w][0].ports) for w in servers)  # type: ignore[attr-defined]
    while len(triples) < min(distinct, limit):
        source, destination = rng.choice(workloads), rng.choice(servers)
        port = rng.choice(by_workload[destination][0].ports).port  # type: ignore[attr-defined]
        triples.add((source, destination, port))
    chosen = sorted(triples)
    endpoints = {id(p): _endpoint(p) for pods in by_workload.values() for p in pods}
    start = 1714989600
    with open(path, "w", encoding="utf-8") as out:
        written = 0
        i = 0
        while written < count:
            source_key, destination_key, port = chosen[i % len(chosen)] if i < len(chosen) else rng.choice(chosen)
            src, dst = rng.choice(by_workload[source_key]), rng.choice(by_workload[destination_key])
            sport = rng.randint(32768, 60999)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + i // 50)) + f".{i % 1000:03d}000000Z"
            for reply in (False, True) if i % 4 == 0 else (False,):
                if written >= count:
                    break
                a, b = (dst, src) if reply else (src, dst)
                flow = {
                    "time": stamp, "verdict": "FORWARDED",
                    "IP": {"source": str(a.ips[0]), "destination": str(b.ips[0]), "ipVersion": "IPv4"},  # type: ignore[attr-defined]
                    "l4": {"TCP": {"source_port": port if reply else sport, "destination_port": sport if reply else port,
                                   "flags": {"SYN": True, "ACK": True} if reply else {"SYN": True}}},
                    "source": endpoints[id(a)], "destination": endpoints[id(b)],
                    "Type": "L3_L4", "node_name": "node-1", "is_reply": reply,
                    "traffic_direction": "INGRESS" if reply else "EGRESS",
                }
                out.write(json.dumps({"flow": flow, "node_name": "node-1", "time": stamp}, separators=(",", ":")) + "\n")
                written += 1
            i += 1
    return len(chosen)


def measure(mode: str, path: str, cluster_path: str) -> dict[str, float]:
    """Run one measurement in this process and return CPU seconds and peak RSS (MiB)."""
    sys.path.insert(0, str(ROOT / "src"))
    import podwall
    from podwall.flows import check, read

    cluster = podwall.load([cluster_path])
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


def _child(mode: str, path: Path, cluster_path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.flows", "--measure", mode, str(path), str(cluster_path)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--distinct", default=",".join(str(d) for d in DISTINCT),
                        help="comma-separated numbers of distinct flows, one run each")
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="100,000 lines")
    parser.add_argument("--measure", nargs=3, metavar=("MODE", "FILE", "CLUSTER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    lines = 100_000 if args.quick else args.lines
    wanted = [int(d) for d in args.distinct.split(",")]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        cluster_path = Path(tmp) / "cluster.yaml"
        write_cluster(cluster_path, args.pods)
        for distinct in wanted:
            path = Path(tmp) / f"lines-{distinct}.jsonl"
            made = write_lines(path, lines, cluster_path, distinct)
            floor = _child("floor", path, cluster_path)
            full = _child("check", path, cluster_path)
            runs.append((made, floor, full))
            path.unlink()
        small = Path(tmp) / "small.jsonl"
        write_lines(small, max(lines // 100, 1), cluster_path, wanted[0])
        tiny = _child("check", small, cluster_path)
    rows = [
        f"# flows check on {lines:,} Hubble lines of a generated cluster ({args.pods:,} pods)",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}. CPU seconds of one process each "
        "(`make bench` runs `python -m benchmarks.flows`).",
        "",
        "| distinct flows | floor: read + json.loads, CPU s | flows check, CPU s | check / floor | lines per CPU s | "
        "flows judged | peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for made, floor, full in runs:
        rows.append(f"| {made:,} | {floor['cpu']:.2f} | {full['cpu']:.2f} | {full['cpu'] / floor['cpu']:.2f}x | "
                    f"{full['lines'] / full['cpu']:,.0f} | {full['flows']:,} | {full['rss']:.0f} |")
    first, last = runs[0], runs[-1]
    growth = (last[2]["rss"] - first[2]["rss"]) * 1024 / max(1, last[2]["flows"] - first[2]["flows"])
    rows += [
        "",
        f"- memory grows with distinct flows: {first[2]['rss']:.0f} MiB at {first[2]['flows']:,}, "
        f"{last[2]['rss']:.0f} MiB at {last[2]['flows']:,} (**{growth:.1f} KiB per distinct flow**, the folded flow "
        "and its explanation)",
        f"- not with records: {max(lines // 100, 1):,} lines with {first[0]:,} distinct flows peak at "
        f"{tiny['rss']:.0f} MiB, {lines:,} lines at {first[2]['rss']:.0f} MiB "
        f"(**{first[2]['rss'] / tiny['rss']:.2f}x** for 100x the records)",
        "",
    ]
    text = "\n".join(rows)
    print(text)
    if not args.quick and lines == 1_000_000:
        RESULTS_MD.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
