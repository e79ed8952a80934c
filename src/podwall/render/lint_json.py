"""Lint findings as the stable JSON contract (``kind: LintReport``): every finding, their groups and counts."""

from __future__ import annotations

import json
from collections.abc import Iterator

from podwall.lint import FindingGroup, LintReport, Severity
from podwall.render.contract import document

#: Findings (or groups) per chunk: few pieces, and a bounded string however large the output.
BATCH = 2000

_ENCODERS: dict[int, json.JSONEncoder] = {}


def _encoder(level: int) -> json.JSONEncoder:
    """The C encoder, writing a flat container's items one per line at ``level`` (cached per level)."""
    found = _ENCODERS.get(level)
    if found is None:
        found = _ENCODERS[level] = json.JSONEncoder(separators=(",\n" + "  " * level, ": "))
    return found


def _flat(value: dict[str, object] | list[object], level: int) -> str:
    """``json.dumps(value, indent=2)`` of a container of plain values only (not looked at: the caller knows), as
    if it sat ``level`` levels deep, byte for byte: one call of the C encoder, whose item separator carries the
    newline and the indent (``json.dumps`` with an indent is Python code throughout)."""
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + "  " * (level + 1) + _encoder(level + 1).encode(value)[1:-1] + "\n" + "  " * level + closing


def _listed(items: Iterator[str], level: int) -> Iterator[str]:
    """A list's items, each already spelled at ``level + 1``, as ``json.dumps(..., indent=2)`` lays them out
    at ``level`` (the list's own), in batches; the opening bracket is the caller's."""
    inner = ",\n" + "  " * (level + 1)
    batch: list[str] = []
    first = True
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield ("\n" + "  " * (level + 1) if first else inner) + inner.join(batch)
            first = False
            batch = []
    if batch:
        yield ("\n" + "  " * (level + 1) if first else inner) + inner.join(batch)
        first = False
    yield "]" if first else "\n" + "  " * level + "]"


def _group(group: FindingGroup, index: dict[int, int]) -> str:
    """One group at level 2 (an item of ``groups``): its plain values, then its two lists."""
    plain = {"rule": group.first.rule, "object": group.first.object, "field": group.first.field or None,
             "count": len(group.findings)}
    return (
        "{\n      " + _encoder(3).encode(plain)[1:-1]
        + ',\n      "peers": ' + _flat(list(group.peers), 3)
        + ',\n      "findings": ' + _flat([index[id(f)] for f in group.findings], 3)
        + "\n    }"
    )


def lint_json_chunks(report: LintReport, *, max_groups: int = 0) -> Iterator[str]:
    """``lint_json`` in pieces (for writing a large report as it is made)."""
    groups = report.groups
    kept = groups[:max_groups] if max_groups else groups
    findings = [f for g in kept for f in g.findings]
    head = document("LintReport", {})
    yield "{\n" + "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in head.items()) + '  "findings": ['
    yield from _listed((_flat(f.to_dict(), 2) for f in findings), 1)  # a finding's values are plain
    index = {id(f): i for i, f in enumerate(findings)}
    yield ',\n  "groups": ['
    yield from _listed((_group(g, index) for g in kept), 1)
    tail = {
        "counts": report.per_rule(),
        "summary": {
            "findings": len(report.findings),
            **{s.value: report.count(s) for s in Severity},
            "groups": len(groups),
            "omitted_groups": len(groups) - len(kept),
            "suppressed": report.suppressed,
            "fail_on": report.fail_on.value,
            "failed": report.failed,
        },
    }
    # counts and summary: small, spelled by json.dumps itself one level deep
    yield "".join(f",\n  {json.dumps(k)}: " + json.dumps(v, indent=2).replace("\n", "\n  ") for k, v in tail.items())
    yield "\n}\n"


def lint_json(report: LintReport, *, max_groups: int = 0) -> str:
    """``{"apiVersion", "kind": "LintReport", "findings", "groups", "counts", "summary"}``.

    ``findings`` are ``{"rule", "name", "severity", "object", "message", "fix", "file",
    "line", "field", "peer"}``; each group lists its findings by index. With
    ``max_groups`` only that many groups (and their findings) are written, and
    ``summary.omitted_groups`` says how many were left out; ``counts`` and the rest of
    ``summary`` always count every finding. Laid out as ``json.dumps(..., indent=2)``
    would.
    """
    return "".join(lint_json_chunks(report, max_groups=max_groups))
