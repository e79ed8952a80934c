"""``podwall probe``: the plan, and the results beside the engine's verdicts (text and JSON)."""

from __future__ import annotations

import json
from typing import Any

from podwall.probe.plan import Plan
from podwall.probe.report import ProbeReport
from podwall.probe.twins import twin_name

API_VERSION = "podwall.io/v1"


def _verdict(allowed: bool) -> str:
    return "ALLOWED" if allowed else "DENIED"


def plan_text(plan: Plan, image: str) -> str:
    """What a run will create and probe, for the confirmation prompt and ``--dry-run``."""
    allowed = sum(1 for f in plan.flows if f.expected)
    sampled = f" (sampled from {plan.candidates})" if plan.candidates != len(plan.flows) else ""
    lines = [
        f"podwall probe plan: {len(plan.flows)} probes{sampled}, {allowed} allowed and "
        f"{len(plan.flows) - allowed} denied by the policies",
        f"  twins: {len(plan.sources)} source and {len(plan.destinations)} destination pods in "
        f"namespace{'s' if len(plan.namespaces) != 1 else ''} {', '.join(plan.namespaces) or '-'}, image {image}",
    ]
    for key in sorted(set(plan.sources) | set(plan.destinations)):
        roles = [r for r, keys in (("source", plan.sources), ("destination", plan.destinations)) if key in keys]
        listens = ", ".join(str(p) for p in plan.listens(key))
        lines.append(f"  {key}: {' and '.join(roles)}" + (f", listening on {listens}" if listens else ""))
    lines.extend(f"  note: {note}" for note in plan.notes)
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan, image: str, run: str) -> str:
    """The plan as data: flows with the engine's expectation, and the twins by name."""
    body = {
        "apiVersion": API_VERSION,
        "kind": "ProbePlan",
        "image": image,
        "candidates": plan.candidates,
        "twins": [
            {"workload": key, "namespace": plan.workloads[key].namespace, "role": role,
             "name": twin_name(run, key, role)}
            for role, keys in (("source", plan.sources), ("destination", plan.destinations)) for key in keys
        ],
        "flows": [
            {"from": f.source, "to": f.destination, "port": f.probe.port, "protocol": f.probe.protocol.value,
             "engine": "allowed" if f.expected else "denied"}
            for f in plan.flows
        ],
        "notes": list(plan.notes),
    }
    return json.dumps(body, indent=2) + "\n"


def probe_text(report: ProbeReport, *, seconds: bool = True) -> str:
    """One line per probe, then the mismatches with their likely causes, then notes."""
    judged = report.judged
    results = judged.results
    rows = [("SOURCE", "DESTINATION", "PORT", "ENGINE", "OBSERVED", "")]
    for r in results:
        status = "ok" if r.agrees else ("MISMATCH" if r.conclusive else "inconclusive")
        rows.append((r.source, r.destination, str(r.probe), _verdict(r.expected), r.observed, status))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    agreed = sum(1 for r in results if r.agrees)
    took = f" in {report.seconds:.1f} s" if seconds else ""
    lines.append("")
    lines.append(f"run {report.run}: {len(results)} probes{took}: {agreed} agree with the engine, "
                 f"{len(judged.mismatches)} disagree, {len(judged.inconclusive)} inconclusive")
    if judged.mismatches:
        lines.append("")
        lines.append("Mismatches:")
        for r in judged.mismatches:
            lines.append(f"  {r.source} -> {r.destination} {r.probe}: engine {_verdict(r.expected)}, observed "
                         f"{r.observed}{' (' + r.detail + ')' if r.detail else ''}")
            lines.append(f"    likely cause: {r.cause}")
    if judged.inconclusive:
        lines.append("")
        lines.append("Inconclusive:")
        for r in judged.inconclusive:
            lines.append(f"  {r.source} -> {r.destination} {r.probe}: {r.observed}: {r.detail or 'no detail'}")
    for note in report.notes:
        lines.append(f"note: {note}")
    for problem in report.cleanup:
        lines.append(f"warning: {problem}")
    return "\n".join(lines) + "\n"


def probe_json(report: ProbeReport) -> str:
    """The report as data (``podwall.io/v1`` ``ProbeReport``)."""
    body: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "ProbeReport",
        "run": report.run,
        "seconds": round(report.seconds, 3),
        "candidates": report.candidates,
        "twins": [{"workload": t.workload, "role": t.role, "namespace": t.namespace, "name": t.name, "ip": t.ip,
                   "problem": t.problem or None} for t in report.twins],
        "results": [
            {"from": r.source, "to": r.destination, "port": r.probe.port, "protocol": r.probe.protocol.value,
             "engine": "allowed" if r.expected else "denied", "observed": r.observed, "detail": r.detail or None,
             "agrees": r.agrees, "cause": r.cause or None}
            for r in report.judged.results
        ],
        "summary": {"probes": len(report.judged.results),
                    "agree": sum(1 for r in report.judged.results if r.agrees),
                    "mismatches": len(report.judged.mismatches),
                    "inconclusive": len(report.judged.inconclusive)},
        "notes": list(report.notes),
        "cleanup": list(report.cleanup),
    }
    return json.dumps(body, indent=2) + "\n"
