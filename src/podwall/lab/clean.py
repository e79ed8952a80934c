"""``podwall lab clean``: remove what crashed runs left behind, by prefix only."""

from __future__ import annotations

import os
import time
from collections.abc import Collection

from podwall.lab import netns
from podwall.lab.plan import PREFIX, RUN_ID
from podwall.model.quick import frozen


@frozen
class CleanReport:
    """What ``clean`` removed, and the runs it left alone because their process still lives."""

    removed: tuple[str, ...]  # network namespaces deleted (their interfaces, tables and processes with them)
    runs: tuple[str, ...]  # run ids cleaned
    live: tuple[tuple[str, int | None], ...]  # (run id, pid) of runs still in progress, left alone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: A run with no recorded builder is being built (or crashed while its namespaces were made)
#: when its namespaces are younger than this; it is left alone until then, unless forced.
STARTING = 60.0


def _age(name: str) -> float:
    try:
        return time.time() - os.stat(f"/run/netns/{name}").st_mtime
    except OSError:
        return float("inf")


def clean(*, force: bool = False, runs: Collection[str] | None = None) -> CleanReport:
    """Delete every ``pwl-<6 hex>-*`` network namespace and the processes inside it.

    A run whose builder (its pid is recorded on the run's bridge) is alive, or
    whose namespaces are being made right now, is in progress and is left alone
    unless ``force``. ``runs`` limits the cleaning to those run ids. Needs root;
    nothing without the prefix is ever touched.
    """
    netns.tools()
    by_run: dict[str, list[str]] = {}
    for name in netns.list_namespaces(PREFIX):
        run_id = name[: len(PREFIX) + 6]
        if RUN_ID.match(run_id) and name.startswith(run_id + "-") and (runs is None or run_id in runs):
            by_run.setdefault(run_id, []).append(name)
    removed: list[str] = []
    cleaned: list[str] = []
    live: list[tuple[str, int | None]] = []
    for run_id, names in sorted(by_run.items()):
        pid = netns.owner_pid(run_id)
        in_progress = _alive(pid) if pid is not None else min(_age(n) for n in names) < STARTING
        if in_progress and not force:
            live.append((run_id, pid))
            continue
        removed.extend(netns.destroy(names))
        cleaned.append(run_id)
    return CleanReport(tuple(removed), tuple(cleaned), tuple(live))
