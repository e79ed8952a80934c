"""A verdict and its reasons as data (``kind: Explanation`` or, without a port, ``kind: PortsExplanation``)."""

from __future__ import annotations

import json

from podwall.engine import DirectionVerdict, Explanation, RuleRef
from podwall.engine.connset import ConnSet
from podwall.engine.explaining import PortsExplanation, SideGroup
from podwall.render.contract import document
from podwall.render.explain_text import explain_ports_text, explain_text


def _rule(ref: RuleRef) -> dict[str, object]:
    return {"policy": ref.policy, "rule": ref.index, "field": ref.field}


def side_record(side: DirectionVerdict) -> dict[str, object]:
    """One side of a verdict as the ``-o json`` record (also in ``diff -o json``)."""
    word = side.direction.value.lower()
    return {
        "subject": side.subject,
        "judged": side.applies,
        "allowed": side.allowed,
        "basis": side.basis.value,
        "isolated_by": list(side.isolated_by),
        "allowed_by": [_rule(r) for r in side.allowed_by],
        "tiers": [
            {"policy": t.key, "label": t.policy, "rule": t.rule, "field": f"spec.{word}[{t.rule}]",
             "rule_name": t.rule_name, "action": t.action}
            for t in side.steps
        ],
        "not_admitting": [
            {**_rule(m.rule), "peers_match": m.peers_match, "ports_match": m.ports_match, "admits": m.admits,
             "rule_ports": m.admits_ports, "rule_peers": m.admits_peers}
            for m in side.misses
        ],
    }


def explain_data(result: Explanation) -> dict[str, object]:
    """The explanation as data, without apiVersion and kind: what other documents embed."""
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
    """``{"apiVersion", "kind": "Explanation", "allowed", "verdict", "egress", "ingress", ...}`` plus the text."""
    return json.dumps(document("Explanation", explain_data(result)), indent=2) + "\n"


def ports_json(ports: ConnSet) -> list[dict[str, object]]:
    """Port intervals as NetworkPolicy port specs: ``{"protocol", "port", "endPort"}`` (``endPort`` when a range)."""
    return [
        {"protocol": p.value, "port": s, **({"endPort": e} if e != s else {})}
        for p, s, e in ports.intervals
    ]


def _group(group: SideGroup) -> dict[str, object]:
    return {"ports": ports_json(group.ports), "probe": str(group.probe), **side_record(group.side)}


def explain_ports_json(result: PortsExplanation) -> str:
    """``kind: PortsExplanation``: the ports considered and allowed, each side's decisions grouped by port."""
    body = {
        "source": result.source,
        "destination": result.destination,
        "allowed": result.allowed,
        "ports": ports_json(result.ports),
        "allowed_ports": ports_json(result.allowed_ports),
        "egress": [_group(g) for g in result.egress],
        "ingress": [_group(g) for g in result.ingress],
        "notes": list(result.notes),
        "text": explain_ports_text(result).rstrip("\n"),
    }
    return json.dumps(document("PortsExplanation", body), indent=2) + "\n"
