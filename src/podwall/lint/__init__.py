"""``podwall lint``: the common mistakes that break or expose clusters, each with a fix.

Rules live one per module in ``podwall.lint.rules``: PW1xx read one manifest,
PW2xx ask the engine. Findings are records; the library never prints.
"""

from podwall.lint.config import CONFIG_FILE, LintConfig, parse_config
from podwall.lint.finding import Finding, Severity
from podwall.lint.registry import Rule, all_rules, rule_for
from podwall.lint.runner import FindingGroup, LintReport, lint

__all__ = [
    "CONFIG_FILE",
    "Finding",
    "FindingGroup",
    "LintConfig",
    "LintReport",
    "Rule",
    "Severity",
    "all_rules",
    "lint",
    "parse_config",
    "rule_for",
]
