"""Lint findings as the stable JSON contract (``kind: LintReport``): every finding, their groups and counts."""

from __future__ import annotations

import json

from podwall.lint import LintReport, Severity
from podwall.render.contract import document


def lint_json(report: LintReport, *, max_groups: int = 0) -> str:
    """``{"apiVersion", "kind": "LintReport", "findings", "groups", "counts", "summary"}``.

    ``findings`` are ``{"rule", "name", "severity", "object", "message", "fix", "file",
    "line", "field", "peer"}``; each group lists its findings by index. With
    ``max_groups`` only that many groups (and their findings) are written, and
    ``summary.omitted_groups`` says how many were left out; ``counts`` and the rest of
    ``summary`` always count every finding.
    """
    groups = report.groups
    kept = groups[:max_groups] if max_groups else groups
    findings = [f for g in kept for f in g.findings]
    index = {id(f): i for i, f in enumerate(findings)}
    body = {
        "findings": [f.to_dict() for f in findings],
        "groups": [
            {
                "rule": g.first.rule,
                "object": g.first.object,
                "field": g.first.field or None,
                "count": len(g.findings),
                "peers": list(g.peers),
                "findings": [index[id(f)] for f in g.findings],
            }
            for g in kept
        ],
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
    return json.dumps(document("LintReport", body), indent=2) + "\n"
