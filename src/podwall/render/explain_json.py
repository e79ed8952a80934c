"""A verdict and its reasons as data."""

from __future__ import annotations

import json

from podwall.engine import DirectionVerdict, Explanation, RuleRef
from podwall.render.explain_text import explain_text


def _rule(ref: RuleRef) -> dict[str, object]:
    return {"policy": ref.policy, "rule": ref.index, "field": ref.field}


def side_record(side: DirectionVerdict) -> dict[str, object]:
    """One side of a verdict as the ``-o json`` record (also in ``diff -o json``)."""
    return {
        "subject": side.subject,
        "judged": side.applies,
        "allowed": side.allowed,
        "basis": side.basis.value,
        "isolated_by": list(side.isolated_by),
        "allowed_by": [_rule(r) for r in side.allowed_by],
        "tiers": [
            {"policy": t.key, "label": t.policy, "rule": t.rule, "rule_name": t.rule_name, "action": t.action}
            for t in side.steps
        ],
        "not_admitting": [
            {**_rule(m.rule), "peers_match": m.peers_match, "ports_match": m.ports_match, "admits": m.admits, "rule_ports": m.admits_ports, "rule_peers": m.admits_peers}
            for m in side.misses
        ],
    }


def explain_data(result: Explanation) -> dict[str, object]:
    """``{"allowed", "verdict", "egress", "ingress", ...}`` plus the text rendering, as data."""
    return {
        "source": result.source,
        "destination": result.destination,
        "port": result.probe.port,
        "protocol": result.probe.protocol.value,
        "allowed": result.allowed,
        "verdict": "ALLOWED" if result.allowed else "DENIED",
        "egress": side_record(result.verdict.egress),
        "ingress": side_record(result.verdict.ingress),
        "notes": list(result.notes),
        "text": explain_text(result).rstrip("\n"),
    }


def explain_json(result: Explanation) -> str:
    """:func:`explain_data` as JSON."""
    return json.dumps(explain_data(result), indent=2) + "\n"
