"""A lab run as JSON: every probe with what was observed and what the engine predicted.

Given intents, also what was intended: ``"intents"`` names their documents, each
result gets ``"intended"`` and ``"as_intended"``, the summary counts the probes
the intents speak about and those not as intended. Without intents none of these
keys appear.
"""

from __future__ import annotations

import json
from typing import Any

from podwall.lab import LabResult, Observation
from podwall.render.contract import document


def _word(allowed: bool | None) -> str | None:
    return None if allowed is None else "allowed" if allowed else "denied"


def _intents(result: LabResult, o: Observation) -> dict[str, Any]:
    wanted = result.intent(o)
    return {"intended": _word(wanted), "as_intended": None if wanted is None else wanted == o.predicted}


def lab_json(result: LabResult) -> str:
    """``{"run", "view", "subjects", "externals", "probes", "results", "summary", ...}``."""
    intents = result.has_intents
    body: dict[str, Any] = {
        "run": result.run_id,
        "view": result.view.value,
        "subjects": [{"name": name, "addresses": addresses.split(", ")} for name, addresses in result.addresses],
        "externals": list(result.externals),
        "probes": [{"port": p.port, "protocol": p.protocol.value} for p in result.probes],
        **({"intents": list(result.intents)} if intents else {}),
        "results": [
            {
                "from": o.source,
                "to": o.destination,
                "port": o.probe.port,
                "protocol": o.probe.protocol.value,
                "observed": o.observed.value,
                "engine": "allowed" if o.predicted else "denied",
                "agrees": o.agrees if o.compared else None,
                **(_intents(result, o) if intents else {}),
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
            **({"judged_by_intents": len(result.judged_by_intents), "not_as_intended": len(result.not_as_intended)}
               if intents else {}),
        },
        "notes": list(result.notes),
        "timings": {phase: round(seconds, 3) for phase, seconds in result.timings},
    }
    return json.dumps(document("LabResult", body), indent=2) + "\n"
