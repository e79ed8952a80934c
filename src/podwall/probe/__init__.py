"""Probe a live cluster: twins of the workloads, real connections, judged against the engine.

``make_plan`` (pure) picks the flows and the twins; ``run_probe`` creates the twins through the
API, collects what they saw, lays it beside the engine's verdicts on the twins and always cleans
up; ``clean`` removes the leftovers of interrupted runs. ``probe`` does all of it in one call.
"""

from __future__ import annotations

from collections.abc import Sequence

from podwall.engine import EngineOptions, Probe
from podwall.loader.cluster import Connection
from podwall.model import Cluster
from podwall.probe.judge import Alternative, Judged, Plugin, Result, default_alternatives, enforcing, judge
from podwall.probe.plan import Mirrored, Plan, PlannedFlow, make_plan
from podwall.probe.report import ProbeReport, Twin
from podwall.probe.runner import Cleaned, ProbeOptions, clean, new_run_id, run_probe
from podwall.probe.twins import IMAGE

__all__ = [
    "IMAGE",
    "Alternative",
    "Cleaned",
    "Judged",
    "Mirrored",
    "Plan",
    "Plugin",
    "PlannedFlow",
    "ProbeOptions",
    "ProbeReport",
    "Result",
    "Twin",
    "clean",
    "default_alternatives",
    "enforcing",
    "judge",
    "make_plan",
    "new_run_id",
    "probe",
    "run_probe",
]


def probe(conn: Connection, cluster: Cluster, *, namespace: str | None = None, sources: Sequence[str] = (),
          destinations: Sequence[str] = (), probes: Sequence[Probe] | None = None, sample: int | None = None,
          options: ProbeOptions = ProbeOptions(), engine_options: EngineOptions = EngineOptions(),
          plugin: str = "generic") -> ProbeReport:
    """Plan and run a probe of ``cluster`` (read from ``conn``) in one call; see ``make_plan`` and ``run_probe``."""
    plan = make_plan(cluster, namespace=namespace, sources=sources, destinations=destinations, probes=probes,
                     sample=sample, options=engine_options)
    return run_probe(conn, cluster, plan, options=options, engine_options=engine_options, plugin=plugin)
