"""``flows check -o json`` and ``flows advise -o json``: contracts with ``apiVersion: podwall.io/v1`` and a JSON Schema each.

Schemas ship as ``podwall/render/schema/FlowsCheck.schema.json`` and
``FlowsAdvice.schema.json``; the tests validate real outputs against them.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from podwall.flows import Advice, CheckReport, Judged, Listed, Observation, ObservedFlow
from podwall.generate import to_json
from podwall.generate.verify import Verification
from podwall.render.explain_json import explain_data
from podwall.render.flows_text import advise_report, check_text

API_VERSION = "podwall.io/v1"


def schema_text(kind: str) -> str:
    """The JSON Schema of ``FlowsCheck`` or ``FlowsAdvice``, as shipped."""
    return (resources.files("podwall.render") / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")


def _time(stamp: float | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, timezone.utc).isoformat().replace("+00:00", "Z")


def _party(party: Any) -> dict[str, Any]:
    return {"name": party.name, "kind": party.kind, "namespace": party.namespace or None,
            "address": str(party.address) if party.address is not None else None}


def flow_json(flow: ObservedFlow) -> dict[str, Any]:
    """One folded flow: its ends, port, counts and times."""
    return {
        "source": _party(flow.source),
        "destination": _party(flow.destination),
        "port": flow.port,
        "protocol": flow.protocol.value,
        "seen": flow.count,
        "forwarded": flow.forwarded,
        "dropped": flow.dropped,
        "drop_reasons": dict(sorted(flow.reasons.items())),
        "first": _time(flow.first),
        "last": _time(flow.last),
        "via": list(flow.via),
        "addresses": list(flow.addresses),
    }


def _judged(j: Judged, with_explanation: bool) -> dict[str, Any]:
    document = {**flow_json(j.flow), "verdict": "ALLOWED" if j.allowed else "DENIED"}
    if with_explanation:
        document["explanation"] = explain_data(j.explanation)
    return document


def _listed(items: list[Listed]) -> list[dict[str, Any]]:
    return [{"reason": i.reason, "records": i.count, "first": i.first} for i in items]


def coverage_json(o: Observation, judged: int) -> dict[str, Any]:
    """The counts of coverage_lines, and each list by reason."""
    return {
        "lines": o.lines, "records": o.records, "flow_records": o.flows_read, "attributed": o.attributed,
        "replies": o.replies, "flows": len(o.flows), "judged": judged,
        "not_flows": _listed(o.not_flows), "unreadable": _listed(o.unreadable),
        "unattributed": _listed(o.unattributed), "not_judged": _listed(o.not_judged),
    }  # fmt: skip


def check_json(report: CheckReport) -> str:
    """``{"apiVersion", "kind": "FlowsCheck", "ok", "would_break": [...], ...}``."""
    document = {
        "apiVersion": API_VERSION,
        "kind": "FlowsCheck",
        "ok": report.ok,
        "policies": report.policies,
        "would_break": [
            {
                "source": g.source,
                "destination": g.destination,
                "seen": g.count,
                "sides": [{"direction": s.direction, "subject": s.subject, "policies": list(s.policies)} for s in g.sides],
                "policies": list(g.policies),
                "flows": [_judged(j, True) for j in g.flows],
            }
            for g in report.breaks
        ],
        "blocked_today": [_judged(j, True) for j in report.blocked],
        "dropped_but_allowed": [{**_judged(d.judged, True), "likely_cause": d.cause} for d in report.dropped_but_allowed],
        "flows": [_judged(j, False) for j in report.judged],
        "coverage": coverage_json(report.observation, len(report.judged)),
        "text": check_text(report).rstrip("\n"),
    }
    return json.dumps(document, indent=2) + "\n"


def _verification(v: Verification) -> dict[str, Any]:
    return {
        "ok": v.ok,
        "world": v.world,
        "checks": [{"from": c.flow.source.label, "to": c.flow.destination.label, "port": c.port, "egress": c.egress,
                    "ingress": c.ingress, "verdict": c.status.value, "detail": c.detail} for c in v.checks],
        "opened": [{"from": o.source, "to": o.destination, "port": o.probe.port, "protocol": o.probe.protocol.value,
                    "policies": list(o.policies)} for o in v.opened],
    }


def advise_json(advice: Advice) -> str:
    """``{"apiVersion", "kind": "FlowsAdvice", "ok", "intents", "policies", "verification", "replay", ...}``."""
    document = {
        "apiVersion": API_VERSION,
        "kind": "FlowsAdvice",
        "ok": advice.ok,
        "intents": advice.text,
        "policies": json.loads(to_json(advice.generation.policies)) if advice.generation.policies else None,
        "verification": _verification(advice.verification),
        "replay": [_judged(j, not j.allowed) for j in advice.replay.judged],
        "left_out": [{**flow_json(left.flow), "reason": left.reason} for left in advice.left_out],
        "notes": list(advice.notes) + list(advice.generation.notes),
        "coverage": coverage_json(advice.observation, len(advice.replay.judged)),
        "text": advise_report(advice).rstrip("\n"),
    }
    return json.dumps(document, indent=2) + "\n"
