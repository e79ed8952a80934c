"""``podwall diff -o json``: the diff as a versioned contract (``render/schema/diff.schema.json``)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from podwall.diff import DiffReport, PairDiff, Reason
from podwall.diff.connections import kind_of, namespace_of, subject_of
from podwall.engine import Verdict
from podwall.engine.connset import ConnSet
from podwall.render.diff_words import summary
from podwall.render.explain_json import side_record

API_VERSION = "podwall.io/v1"
KIND = "Diff"


def diff_schema_text() -> str:
    """The JSON Schema of ``diff -o json`` (draft 2020-12), as shipped in the package."""
    return resources.files("podwall.render").joinpath("schema/diff.schema.json").read_text(encoding="utf-8")


def _conns(conns: ConnSet) -> dict[str, Any]:
    return {
        "text": str(conns),
        "ranges": [{"protocol": p.value, "from": start, "to": end} for p, start, end in conns.intervals],
    }


def _node(name: str, new: bool) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind_of(name).value,
        "namespace": namespace_of(name),
        "subject": subject_of(name),
        "new": new,
    }


def _verdict(verdict: Verdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {"allowed": verdict.allowed, "egress": side_record(verdict.egress), "ingress": side_record(verdict.ingress)}


def _reason(reason: Reason) -> dict[str, Any]:
    return {
        "change": "gained" if reason.gained else "lost",
        "connections": _conns(reason.conns),
        "port": reason.probe.port,
        "protocol": reason.probe.protocol.value,
        "before": _verdict(reason.before),
        "after": _verdict(reason.after),
        "beforeVia": None if reason.before_via is None else list(reason.before_via),
        "afterVia": None if reason.after_via is None else list(reason.after_via),
    }


def _pair(pair: PairDiff) -> dict[str, Any]:
    return {
        "change": pair.change.value,
        "source": _node(pair.source, pair.new_source),
        "destination": _node(pair.destination, pair.new_destination),
        "before": _conns(pair.before),
        "after": _conns(pair.after),
        "gained": _conns(pair.gained),
        "lost": _conns(pair.lost),
        "fromOutside": pair.from_outside,
        "acrossNamespaces": pair.across_namespaces,
        "reasons": [_reason(r) for r in pair.reasons],
    }


def diff_document(report: DiffReport) -> dict[str, Any]:
    """The JSON document as Python values."""
    opened = report.opened
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "summary": {
            "text": summary(report),
            "opened": len(opened),
            "openedFromOutside": sum(p.from_outside for p in opened),
            "openedAcrossNamespaces": sum(p.across_namespaces for p in opened),
            "closed": len(report.closed),
            "newlyIsolated": len(report.newly_isolated),
            "noLongerIsolated": len(report.released),
        },
        "pairs": [_pair(p) for p in report.pairs],
        "workloads": {"added": list(report.workloads_added), "removed": list(report.workloads_removed)},
        "isolation": [
            {"workload": c.workload, "direction": c.direction.value, "isolated": c.isolated} for c in report.isolation
        ],
        "lint": None
        if report.lint is None
        else {
            "introduced": [f.to_dict() for f in report.lint.introduced],
            "fixed": [f.to_dict() for f in report.lint.fixed],
        },
    }


def diff_json(report: DiffReport) -> str:
    """The document, indented, with a final newline."""
    return json.dumps(diff_document(report), indent=2) + "\n"
