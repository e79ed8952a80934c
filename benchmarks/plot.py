"""Plot benchmark time against pods (log-log) from results.json; needs only matplotlib.

Usage: python benchmarks/plot.py benchmarks/results.json benchmarks/results.png

It runs under whichever interpreter has matplotlib (the project venv with a
``bench`` extra, or ``benchmarks/.nca-venv``) and imports nothing from podwall.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import figures  # noqa: E402  (stdlib-only module)

SERIES = (
    # key, label, style
    ("parse", "YAML parse floor (CSafeLoader)", dict(color="black", marker="o", linestyle="--", linewidth=2.5, alpha=0.6)),
    ("load", "podwall.load", dict(color="tab:blue", marker="s", linestyle="-")),
    ("workload_matrix", "podwall workload matrix", dict(color="tab:green", marker="^", linestyle="-")),
    ("pod_classes", "podwall pod class matrix", dict(color="tab:olive", marker="v", linestyle="-")),
    ("end_to_end", "podwall load + workload matrix", dict(color="tab:blue", marker="D", linestyle="--")),
    ("nca", "network-config-analyzer", dict(color="tab:red", marker="x", linestyle="-")),
    ("reference_extrapolated", "per-pair reference (EXTRAPOLATED)", dict(color="tab:gray", marker=".", linestyle=":")),
    ("explain_s", "podwall.explain, one call (median)", dict(color="tab:purple", marker="*", linestyle="-")),
)


def main(argv: list[str]) -> int:
    """Read the JSON, draw one line per series, save the PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source, target = Path(argv[0]), Path(argv[1])
    results = json.loads(source.read_text())
    rows = []
    for raw in results["sizes"]:
        row = figures(raw)
        if row.get("load") is not None and row.get("workload_matrix") is not None:
            row["end_to_end"] = row["load"] + row["workload_matrix"]
        if row.get("explain_ms") is not None:
            row["explain_s"] = row["explain_ms"] / 1000
        rows.append(row)
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    for key, label, style in SERIES:
        points = [(r["pods"], r[key]) for r in rows if r.get(key)]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, label=label, **style)
    stopped = [(r["size"], r["nca"]["child_cpu_s"]) for r in results["sizes"] if (r.get("nca") or {}).get("timed_out")]
    if stopped:
        xs, ys = zip(*stopped)
        ax.plot(xs, ys, linestyle="none", marker="^", color="tab:red", markersize=9,
                label="network-config-analyzer stopped here (lower bound)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("pods")
    ax.set_ylabel("CPU seconds")
    machine = results.get("machine", {})
    ax.set_title(f"podwall vs parse floor and peers ({machine.get('cores', '?')} cores, Python {machine.get('python', '?')})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
