"""``podwall diff``: which connections a change opens and closes, and why; pure data over two connection lists."""

from podwall.diff.connections import (
    Change,
    ConnDiff,
    NodeKind,
    PairDiff,
    Reason,
    compare_lines,
    kind_of,
    namespace_of,
    subject_of,
)
from podwall.diff.isolation import IsolationChange
from podwall.diff.lint_delta import LintDelta
from podwall.diff.report import DiffReport, FailOn, compare

__all__ = [
    "Change",
    "ConnDiff",
    "DiffReport",
    "FailOn",
    "IsolationChange",
    "LintDelta",
    "NodeKind",
    "PairDiff",
    "Reason",
    "compare",
    "compare_lines",
    "kind_of",
    "namespace_of",
    "subject_of",
]
