"""Lint findings as the stable JSON contract: ``{"findings": [...]}``."""

from __future__ import annotations

import json

from podwall.lint import LintReport


def lint_json(report: LintReport) -> str:
    """``{"findings": [{"rule", "name", "severity", "object", "message", "fix", "file", "line"}, ...]}``."""
    return json.dumps({"findings": [f.to_dict() for f in report.findings]}, indent=2) + "\n"
