"""Time podwall against the YAML parse floor, the per-pair reference evaluator and network-config-analyzer.

One run, one machine, every size in a fresh subprocess (so peak RSS is per
size and no size warms the caches of the next):

- ``parse``: ``list(yaml.load_all(text, Loader=yaml.CSafeLoader))``, the floor;
- ``load``: ``podwall.load``, split into podwall's own YAML parse (with line
  tracking) and the model build (the rest);
- ``workload matrix``: ``podwall.reach(cluster, by="workload")``;
- ``pod classes``: ``partition`` + ``class_matrix`` over the declared probes,
  the pod-level matrix in its compressed form (pairs are not expanded);
- ``explain``: median of ``podwall.explain`` calls on a loaded cluster;
- ``reference``: ``tests/reference.py`` ``reference_allowed`` on a random
  sample of (pod, pod, probe), EXTRAPOLATED to every pair; the sample is also
  checked against the class matrix;
- ``nca``: network-config-analyzer's connectivity query (its own venv,
  ``benchmarks/.nca-venv``), killed after 10 minutes of CPU time per size
  (larger sizes are then skipped).

Times are CPU seconds of the measuring process (``time.process_time``; for
NCA the child's user+sys), because the machine may be shared; wall-clock
seconds are kept in ``results.json`` too. Nothing here asserts a time.

Usage::

    python -m benchmarks.run [--sizes 1000,3000,10000,30000] [--nca-sizes 500,1000,3000] [--quick] [--no-nca]
    python -m benchmarks.run --profile 10000      # cProfile of podwall.load and podwall.reach
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
NCA_VENV = HERE / ".nca-venv"
NCA_PACKAGE = "network-config-analyzer==2.1.0"
PLOT_PACKAGE = "matplotlib>=3.8"
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results.json"
RESULTS_PNG = HERE / "results.png"

DEFAULT_SIZES = (1000, 3000, 10000, 30000)
DEFAULT_NCA_SIZES = (500, 1000, 3000)
QUICK_SIZES = (1000, 3000)
QUICK_NCA_SIZES = (500,)
NCA_TIMEOUT_S = 600.0

#: The issue's targets at 10,000 pods (ratios to the parse floor, absolute latency and memory).
TARGETS = {
    "build_workload_over_parse": 1.0,
    "pod_classes_over_parse": 2.0,
    "explain_ms": 50.0,
    "rss_mb": 1536.0,
    "reference_over_podwall": 100.0,
    "nca_over_podwall": 100.0,
}


# --- measuring ---------------------------------------------------------------------


class Clock:
    """CPU and wall seconds of one block: ``with clock.measure("name"): ...``."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu[name] = time.process_time() - cpu
            self.wall[name] = time.perf_counter() - wall


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_parse(path: str | Path) -> dict[str, Any]:
    """The floor: libyaml's C loader building plain Python objects, as a user would call it."""
    import yaml

    text = Path(path).read_text()
    clock = Clock()
    with clock.measure("parse"):
        documents = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    return {"documents": len(documents), "bytes": len(text.encode()), "cpu": clock.cpu, "wall": clock.wall, "rss_mb": _rss_mb()}


def _podwall_parse(text: str, path: str) -> Callable[[], Any] | None:
    """podwall's own YAML parse step (``loader.decode.decode``), if that internal is still there."""
    try:
        from podwall.loader.decode import decode
    except ImportError:  # pragma: no cover - the loader was reorganised
        return None
    return lambda: decode(text, path)


def _explain_subjects(cluster: Any, rng: random.Random, calls: int) -> list[tuple[str, str, str]]:
    """Random (source, destination, probe) for explain: half pod names, half workload names."""
    from podwall.engine import declared_probes

    pods = [p for p in cluster.pods if not p.template]
    probes = declared_probes(cluster.pods)
    owned = [p for p in pods if p.owner is not None]
    picks = []
    for i in range(calls):
        if i % 2 == 0 or not owned:
            a, b = rng.sample(pods, 2)
            source, destination = a.key, b.key
        else:
            a, b = rng.sample(owned, 2)
            source, destination = str(a.owner), str(b.owner)
        picks.append((source, destination, str(rng.choice(probes))))
    return picks


def measure_podwall(path: str | Path, *, explain_calls: int = 20, seed: int = 1) -> dict[str, Any]:
    """podwall's stages on one file, in this process: parse part, load, workload matrix, pod classes, explain."""
    import podwall
    from podwall.engine import EngineOptions, declared_probes
    from podwall.engine.classes import partition
    from podwall.engine.matrix import class_matrix

    path = str(path)
    clock = Clock()
    text = Path(path).read_text()
    parse = _podwall_parse(text, path)
    if parse is not None:
        was = gc.isenabled()
        gc.disable()  # as podwall.load does around its parse
        try:
            with clock.measure("podwall_parse"):
                parse()
        finally:
            if was:
                gc.enable()
        gc.collect()
    del text

    with clock.measure("load"):
        cluster = podwall.load([path])
    if "podwall_parse" in clock.cpu:
        clock.cpu["build"] = max(0.0, clock.cpu["load"] - clock.cpu["podwall_parse"])
        clock.wall["build"] = max(0.0, clock.wall["load"] - clock.wall["podwall_parse"])

    with clock.measure("workload_matrix"):
        workloads = podwall.reach(cluster, by="workload")

    probes = declared_probes(cluster.pods)
    with clock.measure("pod_classes"):
        classes = partition(cluster, cluster.pods, EngineOptions())
        matrix = class_matrix(cluster, classes, probes)
    allowed_class_pairs = sum(bin(mask).count("1") for per_class in matrix.values() for mask in per_class)

    rng = random.Random(seed)
    latencies = []
    for source, destination, probe in _explain_subjects(cluster, rng, explain_calls):
        start = time.process_time()
        podwall.explain(cluster, source, destination, probe)
        latencies.append(time.process_time() - start)
    return {
        "pods": len(cluster.pods),
        "workloads": len(workloads.subjects),
        "namespaces": len(cluster.namespaces),
        "policies": len(cluster.policies),
        "probes": len(probes),
        "classes": len(classes.representatives),
        "workload_flows": len(workloads.allowed),
        "allowed_class_pairs": allowed_class_pairs,
        "warnings": len(cluster.warnings),
        "explain_ms_median": 1000 * statistics.median(latencies),
        "explain_ms_max": 1000 * max(latencies),
        "explain_calls": len(latencies),
        "cpu": clock.cpu,
        "wall": clock.wall,
        "rss_mb": _rss_mb(),
    }


def _reference_module() -> Any:
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import reference

    return reference


def measure_reference(
    path: str | Path, *, budget_s: float = 10.0, max_samples: int = 100_000, allowed_checks: int = 500, seed: int = 1
) -> dict[str, Any]:
    """Per-pair reference on random (pod, pod, probe) samples, extrapolated to every pair.

    Each sampled verdict is compared with podwall's class matrix, so the run
    also checks the fast engine against the oracle at full scale.
    """
    import podwall
    from podwall.engine import EngineOptions, declared_probes
    from podwall.engine.classes import partition
    from podwall.engine.matrix import class_matrix

    reference = _reference_module()
    cluster = podwall.load([str(path)])
    pods = cluster.pods
    probes = declared_probes(pods)
    classes = partition(cluster, pods, EngineOptions())
    matrix = class_matrix(cluster, classes, probes)
    rng = random.Random(seed)
    samples: list[tuple[int, int, Any]] = []
    evaluated = 0
    spent = 0.0
    verdicts = []
    while evaluated < max_samples and (spent < budget_s or evaluated < 20):
        i, j = rng.sample(range(len(pods)), 2)
        probe = rng.choice(probes)
        start = time.process_time()
        verdict = reference.reference_allowed(cluster, pods[i], pods[j], probe)
        spent += time.process_time() - start
        evaluated += 1
        samples.append((i, j, probe))
        verdicts.append(verdict)
    disagreements = [
        (pods[i].key, pods[j].key, str(probe))
        for (i, j, probe), verdict in zip(samples, verdicts)
        if verdict != bool(matrix[probe][classes.class_of[i]] >> classes.class_of[j] & 1)
    ]
    # Random pairs are nearly all denied under default-deny, so also check flows podwall allows
    # (untimed): a random pod pair from random allowed (class, class, probe) cells.
    members: dict[int, list[int]] = {}
    for index, c in enumerate(classes.class_of):
        members.setdefault(c, []).append(index)
    cells = [(probe, s, mask) for probe, per_class in matrix.items() for s, mask in enumerate(per_class) if mask and s in members]
    allowed_checked = 0
    for _ in range(min(allowed_checks, len(cells) * 4)):
        probe, s, mask = rng.choice(cells)
        targets = [d for d in _bits(mask) if d in members]
        if not targets:
            continue
        i = rng.choice(members[s])
        j = rng.choice(members[rng.choice(targets)])
        if i == j:
            continue
        allowed_checked += 1
        if not reference.reference_allowed(cluster, pods[i], pods[j], probe):
            disagreements.append((pods[i].key, pods[j].key, str(probe)))
    per_eval = spent / evaluated
    pairs = len(pods) * (len(pods) - 1) * len(probes)
    return {
        "samples": evaluated,
        "allowed_in_sample": sum(verdicts),
        "per_eval_s": per_eval,
        "pairs_x_probes": pairs,
        "extrapolated_s": per_eval * pairs,
        "allowed_checked": allowed_checked,
        "disagreements": len(disagreements),
        "first_disagreements": disagreements[:5],
    }


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# --- subprocesses ------------------------------------------------------------------


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) a running process has used so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_child(argv: Sequence[str], timeout_s: float | None = None) -> dict[str, Any]:
    """Run a child to completion; its JSON stdout plus its own rusage.

    ``timeout_s`` limits the child's CPU time, so that a busy shared machine does
    not cut it short (a wall-clock cap of three times as much stays as a safety
    net); the child is killed when either is exceeded.
    """
    DATA.mkdir(parents=True, exist_ok=True)
    out_path, err_path = DATA / "child.out", DATA / "child.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        wall = time.perf_counter()
        child = subprocess.Popen(list(argv), stdout=out, stderr=err, cwd=ROOT, start_new_session=True)
        timed_out = False
        polls = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            polls += 1
            if timeout_s is not None and polls % 20 == 0:
                used = _cpu_of(child.pid) or 0.0
                if used > timeout_s or time.perf_counter() - wall > 3 * timeout_s:
                    os.killpg(child.pid, 9)  # the child's own session: only what we started
                    _, status, usage = os.wait4(child.pid, 0)
                    timed_out = True
                    break
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        wall = time.perf_counter() - wall
    record: dict[str, Any] = {
        "child_cpu_s": usage.ru_utime + usage.ru_stime,
        "child_wall_s": wall,
        "child_rss_mb": usage.ru_maxrss / 1024,
        "timed_out": timed_out,
        "exit": child.returncode,
    }
    if not timed_out:
        text = out_path.read_text().strip()
        try:
            record.update(json.loads(text.splitlines()[-1]))
        except (ValueError, IndexError):
            record["error"] = (err_path.read_text()[-2000:] or text[-2000:]).strip()
    return record


def _worker(args: Sequence[str]) -> int:
    """``python -m benchmarks.run --worker KIND FILE [json options]``: one stage in a fresh process."""
    kind, path = args[0], args[1]
    options = json.loads(args[2]) if len(args) > 2 else {}
    if kind == "parse":
        result = measure_parse(path)
    elif kind == "podwall":
        result = measure_podwall(path, **options)
    elif kind == "reference":
        result = measure_reference(path, **options)
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    print(json.dumps(result))
    return 0


def ensure_bench_venv(log: Callable[[str], None]) -> Path:
    """``benchmarks/.nca-venv`` with network-config-analyzer and matplotlib; never the project venv."""
    python = NCA_VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {NCA_VENV.relative_to(ROOT)} ({NCA_PACKAGE}, {PLOT_PACKAGE})")
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(NCA_VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import nca, matplotlib"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", NCA_PACKAGE, PLOT_PACKAGE],
            check=True,
        )
    return python


def measure_nca(python: Path, path: Path, timeout_s: float) -> dict[str, Any]:
    """NCA's connectivity query on ``path`` in its venv, as ``nca --connectivity -r FILE`` runs it."""
    return _run_child([str(python), str(HERE / "nca_driver.py"), str(path), "--format", "txt",
                       "--out", str(DATA / f"nca-{path.stem}.txt")], timeout_s)  # fmt: skip


# --- the run -----------------------------------------------------------------------


def dataset(pods: int, *, policies_per_ns: int, seed: int, detail: str, log: Callable[[str], None]) -> Path:
    """The generated cluster for a size, cached under ``benchmarks/.data`` (same parameters, same bytes)."""
    from benchmarks import gen

    path = DATA / f"cluster-{pods}-p{policies_per_ns}-s{seed}-{detail}.yaml"
    if not path.exists():
        log(f"generating {path.relative_to(ROOT)}")
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(gen.generate(pods, policies_per_ns=policies_per_ns, seed=seed, detail=detail))
        tmp.replace(path)
    return path


def _machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # pragma: no cover - not Linux
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
        diff = subprocess.run(["git", "diff", "HEAD", "--", "src"], capture_output=True, cwd=ROOT).stdout
        dirty = hashlib.sha1(diff).hexdigest()[:10] if diff else ""
    except OSError:  # pragma: no cover - git missing
        commit, dirty = "", ""
    import yaml

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "pyyaml": yaml.__version__,
        "libyaml": getattr(yaml, "__with_libyaml__", False),
        "podwall_commit": commit + (f" + uncommitted src changes (diff sha1 {dirty})" if dirty else ""),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every size; returns (and saves) the results."""

    def log(message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    sizes = sorted(set(args.sizes) | (set(args.nca_sizes) if args.nca else set()))
    results: dict[str, Any] = {"machine": _machine(), "params": {
        "policies_per_ns": args.policies_per_ns, "seed": args.seed, "detail": args.detail,
        "explain_calls": args.explain_calls, "reference_budget_s": args.reference_budget,
        "nca_timeout_s": args.nca_timeout, "nca_package": NCA_PACKAGE}, "sizes": []}  # fmt: skip
    python = ensure_bench_venv(log) if args.nca else None
    nca_gave_up = False
    for pods in sizes:
        path = dataset(pods, policies_per_ns=args.policies_per_ns, seed=args.seed, detail=args.detail, log=log)
        row: dict[str, Any] = {"size": pods, "file": path.name, "loadavg_before": os.getloadavg()[0]}
        me = [sys.executable, "-m", "benchmarks.run", "--worker"]
        log(f"{pods} pods: parse floor")
        row["parse"] = _run_child([*me, "parse", str(path)])
        log(f"{pods} pods: podwall")
        row["podwall"] = _run_child([*me, "podwall", str(path), json.dumps({"explain_calls": args.explain_calls, "seed": args.seed})])
        if pods in args.sizes:
            log(f"{pods} pods: reference sample ({args.reference_budget:g} s)")
            row["reference"] = _run_child([*me, "reference", str(path), json.dumps({"budget_s": args.reference_budget, "seed": args.seed})])
        if python is not None and pods in args.nca_sizes:
            if nca_gave_up:
                row["nca"] = {"skipped": "a smaller size timed out"}
            else:
                log(f"{pods} pods: network-config-analyzer (timeout {args.nca_timeout:g} s)")
                row["nca"] = measure_nca(python, path, args.nca_timeout)
                nca_gave_up = row["nca"].get("timed_out", False)
        row["loadavg_after"] = os.getloadavg()[0]
        results["sizes"].append(row)
        _summary_line(row, log)
        RESULTS_JSON.write_text(json.dumps(results, indent=1))  # keep what we have if a later size dies
    return results


def _summary_line(row: dict[str, Any], log: Callable[[str], None]) -> None:
    f = figures(row)
    parts = [f"{k}={v:.3g}" for k, v in f.items() if isinstance(v, float)]
    log(f"{row['size']} pods: " + " ".join(parts))


# --- figures and the report ----------------------------------------------------


def figures(row: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one size that the table and the plot show (CPU seconds unless named otherwise)."""
    pw = row.get("podwall", {})
    cpu = pw.get("cpu", {})
    parse = row.get("parse", {}).get("cpu", {}).get("parse")
    out: dict[str, Any] = {"pods": pw.get("pods", row["size"])}
    out["parse"] = parse
    for key in ("podwall_parse", "build", "load", "workload_matrix", "pod_classes"):
        out[key] = cpu.get(key)
    out["explain_ms"] = pw.get("explain_ms_median")
    out["rss_mb"] = pw.get("child_rss_mb")
    if parse and cpu.get("workload_matrix") is not None:
        build = cpu.get("build", cpu.get("load"))
        out["build_workload_over_parse"] = (build + cpu["workload_matrix"]) / parse
        out["load_workload_over_parse"] = (cpu["load"] + cpu["workload_matrix"]) / parse
        out["pod_classes_over_parse"] = cpu["pod_classes"] / parse
    ref = row.get("reference", {})
    if ref.get("extrapolated_s") and cpu.get("pod_classes"):
        out["reference_extrapolated"] = ref["extrapolated_s"]
        out["reference_over_podwall"] = ref["extrapolated_s"] / cpu["pod_classes"]
    nca = row.get("nca", {})
    if nca and not nca.get("skipped") and "error" not in nca and cpu.get("load") and cpu.get("workload_matrix"):
        # A killed run gives lower bounds (the CPU it had used when stopped), flagged by nca_killed.
        out["nca_killed"] = bool(nca.get("timed_out"))
        if not out["nca_killed"]:
            out["nca"] = nca["child_cpu_s"]
            out["nca_query"] = nca.get("query_s")
        if parse:
            out["nca_over_parse"] = nca["child_cpu_s"] / parse
        out["nca_over_podwall"] = nca["child_cpu_s"] / (cpu["load"] + cpu["workload_matrix"])
    return out


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _exponent(rows: list[dict[str, Any]], key: str) -> str:
    """Growth exponent k in time ~ pods^k between consecutive sizes (1 = linear)."""
    points = [(r["pods"], r[key]) for r in rows if r.get(key)]
    steps = []
    for (n1, t1), (n2, t2) in zip(points, points[1:]):
        if n2 > n1 and t1 > 0 and t2 > 0:
            steps.append(f"{math.log(t2 / t1) / math.log(n2 / n1):.2f}")
    return ", ".join(steps) or "–"


def render(results: dict[str, Any]) -> str:
    """RESULTS.md: the machine, the table, the ratios against the targets, and how to read them."""
    m, p = results["machine"], results["params"]
    rows = [figures(r) for r in results["sizes"]]
    raw = results["sizes"]
    lines = [
        "# podwall benchmark results",
        "",
        "Generated by `make bench` (`python -m benchmarks.run`); do not edit by hand. Raw data: `results.json`; plot: `results.png`.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, PyYAML {m['pyyaml']}"
        f" (libyaml: {m['libyaml']}); podwall {m['podwall_commit']}; {m['date']}.",
        f"Input: `benchmarks/gen.py --detail {p['detail']} --policies-per-ns {p['policies_per_ns']} --seed {p['seed']}`"
        " (pods mode: Namespaces, Deployments and StatefulSets, every Pod, NetworkPolicies; one application"
        " namespace per 100 pods).",
        "",
        "All times are **CPU seconds** of the process doing the work (`time.process_time`; NCA: the child's"
        " user+sys), so that other load on a shared machine disturbs them less; wall-clock seconds are in"
        " `results.json`. Each size ran in fresh subprocesses: one for the parse floor, one for podwall"
        " (peak RSS is that process's), one for the reference sample, one for NCA.",
        "",
        "## Sizes and times",
        "",
        "| pods | MB | namespaces | policies | workloads | probes | pod classes | parse floor (s) | podwall parse (s) | model build (s) | workload matrix (s) | pod class matrix (s) | explain median (ms) | peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r, row in zip(rows, raw):
        pw = row.get("podwall", {})
        mb = row.get("parse", {}).get("bytes", 0) / 1e6
        lines.append(
            "| " + " | ".join([
                _fmt(r["pods"]), f"{mb:.1f}", _fmt(pw.get("namespaces")), _fmt(pw.get("policies")),
                _fmt(pw.get("workloads")), _fmt(pw.get("probes")), _fmt(pw.get("classes")),
                _fmt(r["parse"]), _fmt(r["podwall_parse"]), _fmt(r["build"]), _fmt(r["workload_matrix"]),
                _fmt(r["pod_classes"]), _fmt(r["explain_ms"], 1), _fmt(r["rss_mb"], 0),
            ]) + " |"
        )  # fmt: skip
    lines += [
        "",
        "- *parse floor*: `list(yaml.load_all(text, Loader=yaml.CSafeLoader))`, default garbage collector settings.",
        "- *podwall parse*: podwall's own YAML step (`loader.decode.decode`: kubectl's decoding, keeps every key's line); *model build*"
        " = `podwall.load` minus that (validation, conversion, owners, the Cluster).",
        "- *workload matrix*: `podwall.reach(cluster, by=\"workload\")` over every declared probe, result expanded"
        " to flows. *pod class matrix*: `partition` + `class_matrix` over the declared probes: the pod-level"
        " matrix in its compressed form (pairs not expanded).",
        f"- *explain*: median of {p['explain_calls']} `podwall.explain` calls (half pod names, half workload names).",
        "",
        "## Ratios",
        "",
        "| pods | (build + workload matrix) / parse | pod class matrix / parse | (load + workload matrix) / parse | reference, EXTRAPOLATED (s) | reference / podwall | NCA (s) | NCA / parse | NCA / podwall |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r, row in zip(rows, raw):
        nca = row.get("nca")
        nca_text = _fmt(r.get("nca"), 1)
        if nca and nca.get("timed_out"):
            nca_text = f"> {nca['child_cpu_s']:.0f} (killed)"
        elif nca and nca.get("skipped"):
            nca_text = "skipped"
        elif nca and "error" in nca:
            nca_text = "failed"
        elif nca is None:
            nca_text = "not run"
        bound = "> " if r.get("nca_killed") else ""
        nca_parse = bound + _fmt(r.get("nca_over_parse"), 1) if r.get("nca_over_parse") else "–"
        nca_podwall = bound + _fmt(r.get("nca_over_podwall"), 1) if r.get("nca_over_podwall") else "–"
        lines.append(
            "| " + " | ".join([
                _fmt(r["pods"]), _fmt(r.get("build_workload_over_parse")), _fmt(r.get("pod_classes_over_parse")),
                _fmt(r.get("load_workload_over_parse")), _fmt(r.get("reference_extrapolated"), 0),
                _fmt(r.get("reference_over_podwall"), 0), nca_text, nca_parse, nca_podwall,
            ]) + " |"
        )  # fmt: skip
    lines += [
        "",
        "- *reference / podwall*: the per-pair reference evaluator (`tests/reference.py` `reference_allowed`)"
        " was timed on a random sample of (pod, pod, probe) and its mean time per evaluation multiplied by"
        " pods × (pods − 1) × probes. **That total is an extrapolation, not a measurement.** It is divided by"
        " the pod class matrix time, which answers the same question for every pair.",
        "- *NCA*: network-config-analyzer's connectivity query (`nca --connectivity -r FILE`, default `txt`"
        " output with its minimised rules; load + query, its own venv), on the same YAML file. NCA reads the"
        " Deployments and StatefulSets as well as the Pods (each workload adds up to two template endpoints)"
        " and keeps at most two endpoints per equivalent group. *NCA / podwall* divides by podwall's load +"
        " workload matrix, the comparable end-to-end work. NCA is stopped after"
        f" {p['nca_timeout_s']:.0f} CPU seconds at a size (larger sizes are then skipped); a stopped run's"
        " ratios are lower bounds (`>`).",
        "",
        "Reference samples (each also checked against podwall's class matrix):",
        "",
    ]
    for row in raw:
        ref = row.get("reference")
        if ref and "samples" in ref:
            lines.append(
                f"- {row['size']:,} pods: {ref['samples']:,} samples ({ref['allowed_in_sample']:,} allowed),"
                f" {1000 * ref['per_eval_s']:.3f} ms each, {ref['pairs_x_probes']:,} pair×probe in all;"
                f" plus {ref.get('allowed_checked', 0):,} pairs podwall allows;"
                f" disagreements with podwall: {ref['disagreements']}"
            )
        elif ref:
            lines.append(f"- {row['size']:,} pods: reference failed: {ref.get('error', '')[:200]}")
    nca_runs = [(row["size"], row["nca"]) for row in raw if row.get("nca") and "child_cpu_s" in row["nca"]]
    if nca_runs:
        lines += ["", "NCA runs (endpoints as NCA counts them after its grouping; load and query are wall seconds):", ""]
        for size, nca in nca_runs:
            if nca.get("timed_out"):
                lines.append(f"- {size:,} pods: stopped after {nca['child_cpu_s']:.0f} CPU s ({nca['child_wall_s']:.0f} s wall)")
            elif "error" in nca:
                lines.append(f"- {size:,} pods: failed: {nca['error'][:200]}")
            else:
                lines.append(
                    f"- {size:,} pods: {nca.get('endpoints')} endpoints; load {nca.get('load_s', 0):.1f} s, query"
                    f" {nca.get('query_s', 0):.1f} s; {nca['child_cpu_s']:.1f} CPU s; peak RSS {nca['child_rss_mb']:.0f} MB"
                )
    lines += ["", "## Against the issue's targets (at 10,000 pods)", ""]
    target_row = next((r for r in rows if r["pods"] == 10000), None) or (rows[-1] if rows else None)
    if target_row is not None:
        checks = [
            ("(model build + workload matrix) / parse", "build_workload_over_parse", "≤", TARGETS["build_workload_over_parse"]),
            ("pod class matrix / parse", "pod_classes_over_parse", "≤", TARGETS["pod_classes_over_parse"]),
            ("explain median (ms)", "explain_ms", "≤", TARGETS["explain_ms"]),
            ("peak RSS (MB)", "rss_mb", "≤", TARGETS["rss_mb"]),
            ("reference (extrapolated) / podwall", "reference_over_podwall", "≥", TARGETS["reference_over_podwall"]),
        ]
        lines += [f"At {target_row['pods']:,} pods:", "", "| figure | target | measured | met |", "|---|---:|---:|:---:|"]
        for label, key, op, target in checks:
            value = target_row.get(key)
            met = "–" if value is None else ("yes" if (value <= target if op == "≤" else value >= target) else "**no**")
            lines.append(f"| {label} | {op} {target:g} | {_fmt(value, 0 if key == 'rss_mb' else 2)} | {met} |")
        nca3k = next((r for r in rows if r["pods"] == 3000 and r.get("nca_over_podwall")), None)
        if nca3k is not None:
            value, bound = nca3k["nca_over_podwall"], "> " if nca3k.get("nca_killed") else ""
            ok = "yes" if value >= TARGETS["nca_over_podwall"] else ("not shown (NCA killed)" if bound else "**no**")
            lines.append(f"| NCA / podwall at 3,000 pods | ≥ 100 | {bound}{value:.1f} | {ok} |")
    lines += [
        "",
        "## Growth",
        "",
        "Exponent k of time ∝ pods^k between consecutive sizes (1.0 = linear, 2.0 = quadratic):",
        "",
    ]
    for label, key in (("parse floor", "parse"), ("model build", "build"), ("workload matrix", "workload_matrix"),
                       ("pod class matrix", "pod_classes"), ("NCA", "nca")):  # fmt: skip
        lines.append(f"- {label}: {_exponent(rows, key)}")
    lines.append("")
    commands_json = HERE / "commands.json"  # written by benchmarks/commands.py (make bench runs it after this)
    if commands_json.exists():
        from benchmarks.commands import section

        lines += section(json.loads(commands_json.read_text()))
    return "\n".join(lines)


def plot_with(python: str | Path, results_json: Path, png: Path) -> bool:
    """Draw ``png`` with ``benchmarks/plot.py`` under the interpreter that has matplotlib."""
    done = subprocess.run([str(python), str(HERE / "plot.py"), str(results_json), str(png)], cwd=ROOT)
    return done.returncode == 0


def plot(results_json: Path, png: Path, log: Callable[[str], None]) -> None:
    """Plot with this interpreter if it has matplotlib (a ``bench`` extra), else with the bench venv."""
    try:
        import matplotlib  # noqa: F401

        python: str | Path = sys.executable
    except ImportError:
        python = ensure_bench_venv(log)
    if not plot_with(python, results_json, png):
        log("plotting failed")


# --- profiling -----------------------------------------------------------------


def profile(pods: int, args: argparse.Namespace, top: int = 30) -> str:
    """cProfile of ``podwall.load``, ``podwall.reach(by="workload")`` and explain calls at one size, as text."""
    import cProfile
    import io
    import pstats

    import podwall

    def log(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    path = dataset(pods, policies_per_ns=args.policies_per_ns, seed=args.seed, detail=args.detail, log=log)
    report = io.StringIO()
    for label, call in (("podwall.load", lambda: podwall.load([str(path)])),):
        profiler = cProfile.Profile()
        cluster = profiler.runcall(call)
        for order in ("tottime", "cumulative"):
            report.write(f"== {label} at {pods} pods, by {order}\n")
            pstats.Stats(profiler, stream=report).sort_stats(order).print_stats(top)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: podwall.reach(cluster, by="workload"))
    for order in ("tottime", "cumulative"):
        report.write(f"== podwall.reach(by='workload') at {pods} pods, by {order}\n")
        pstats.Stats(profiler, stream=report).sort_stats(order).print_stats(top)
    picks = _explain_subjects(cluster, random.Random(args.seed), args.explain_calls)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [podwall.explain(cluster, *pick) for pick in picks])
    for order in ("tottime", "cumulative"):
        report.write(f"== {len(picks)} podwall.explain calls at {pods} pods, by {order}\n")
        pstats.Stats(profiler, stream=report).sort_stats(order).print_stats(top)
    return report.getvalue()


# --- command line ------------------------------------------------------------------


def _sizes(text: str) -> tuple[int, ...]:
    values = []
    for part in text.split(","):
        part = part.strip().lower()
        if part:
            values.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    return tuple(values)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.run``: measure, write RESULTS.md, results.json and results.png."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        return _worker(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES, help="pod counts, e.g. 1k,3k,10k,30k")
    parser.add_argument("--nca-sizes", type=_sizes, default=DEFAULT_NCA_SIZES, help="pod counts for network-config-analyzer")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}, NCA at {QUICK_NCA_SIZES}, 3 s reference budget")
    parser.add_argument("--no-nca", dest="nca", action="store_false", help="skip network-config-analyzer")
    parser.add_argument("--policies-per-ns", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--detail", choices=("lean", "full"), default="lean", help="generator detail (see benchmarks/gen.py)")
    parser.add_argument("--explain-calls", type=int, default=20)
    parser.add_argument("--reference-budget", type=float, default=10.0, help="CPU seconds of reference sampling per size")
    parser.add_argument("--nca-timeout", type=float, default=NCA_TIMEOUT_S, help="CPU seconds NCA may use per size (default 600)")
    parser.add_argument("--no-plot", dest="plot", action="store_false")
    parser.add_argument("--profile", type=_sizes, metavar="PODS", help="print cProfile top functions of load, reach and explain at PODS, then stop")
    parser.add_argument("--render-only", action="store_true", help="rewrite RESULTS.md and the plot from results.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.nca_sizes, args.reference_budget = QUICK_SIZES, QUICK_NCA_SIZES, 3.0
    if args.profile:
        for pods in args.profile:
            print(profile(pods, args))
        return 0

    def log(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    results = json.loads(RESULTS_JSON.read_text()) if args.render_only else run(args)
    RESULTS_MD.write_text(render(results))
    log(f"wrote {RESULTS_MD.relative_to(ROOT)}")
    if args.plot:
        plot(RESULTS_JSON, RESULTS_PNG, log)
        if RESULTS_PNG.exists():
            log(f"wrote {RESULTS_PNG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
