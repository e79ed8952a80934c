"""Lint findings as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from podwall import __version__
from podwall.lint import Finding, LintReport, Rule, Severity
from podwall.lint.docs import rule_markdown

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/podwall/podwall"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule: type[Rule], level: Severity) -> dict[str, object]:
    sections = rule.sections()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": sections["What it checks"]},
        "helpUri": rule.docs_url(),
        "help": {"text": f"{rule.summary()}\n\n{sections['Fix']}", "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": _LEVELS[level]},
        "properties": {"tags": ["kubernetes", "networkpolicy", rule.family()], "precision": "high"},
    }


def _uri(path: str) -> dict[str, str]:
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path.replace("\\", "/")), "uriBaseId": "%SRCROOT%"}


def _result(finding: Finding, index: int) -> dict[str, object]:
    location: dict[str, object] = {
        "logicalLocations": [{"fullyQualifiedName": finding.object, "kind": "resource"}],
    }
    if finding.file is not None:
        physical: dict[str, object] = {"artifactLocation": _uri(finding.file)}
        if finding.line is not None and finding.line >= 1:
            physical["region"] = {"startLine": finding.line}
        location = {"physicalLocation": physical, **location}
    digest = hashlib.sha256(f"{finding.rule}\0{finding.object}\0{finding.message}".encode()).hexdigest()[:32]
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {
            "text": f"{finding.object}: {finding.message}",
            "markdown": f"`{finding.object}`: {finding.message}\n\n**Fix:**\n\n```\n{finding.fix}\n```",
        },
        "locations": [location],
        "partialFingerprints": {"podwallFinding/v1": digest},
        "properties": {"object": finding.object, "fix": finding.fix, "name": finding.name},
    }


def lint_sarif(report: LintReport) -> str:
    """One SARIF log with one run: every rule that ran, every finding as a result."""
    rules = sorted(report.rules, key=lambda r: r.code)
    index = {rule.code: i for i, rule in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "podwall",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(r, report.severities.get(r.code, r.severity)) for r in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory podwall lint ran in."}}},
        "results": [_result(f, index[f.rule]) for f in report.findings],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
