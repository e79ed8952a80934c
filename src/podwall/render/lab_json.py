"""A lab run as JSON: every probe with what was observed and what the engine predicted."""

from __future__ import annotations

import json

from podwall.lab import LabResult


def lab_json(result: LabResult) -> str:
    """``{"run", "view", "subjects", "externals", "probes", "results", "summary", ...}``."""
    document = {
        "run": result.run_id,
        "view": result.view.value,
        "subjects": [{"name": name, "addresses": addresses.split(", ")} for name, addresses in result.addresses],
        "externals": list(result.externals),
        "probes": [{"port": p.port, "protocol": p.protocol.value} for p in result.probes],
        "results": [
            {
                "from": o.source,
                "to": o.destination,
                "port": o.probe.port,
                "protocol": o.probe.protocol.value,
                "observed": o.observed.value,
                "engine": "allowed" if o.predicted else "denied",
                "agrees": o.agrees if o.compared else None,
                "detail": o.detail,
            }
            for o in result.observations
        ],
        "summary": {
            "compared": result.compared,
            "disagreements": len(result.disagreements),
            "errors": len(result.errors),
            "not_testable": len(result.untestable),
            "ok": result.ok,
        },
        "notes": list(result.notes),
        "timings": {phase: round(seconds, 3) for phase, seconds in result.timings},
    }
    return json.dumps(document, indent=2) + "\n"
