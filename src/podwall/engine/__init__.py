"""Pure NetworkPolicy semantics: selectors, peers, ports, verdicts with reasons.

``explain``, ``Explanation``, ``Subject`` and ``resolve`` (module ``podwall.engine.explaining``) are
imported when first asked for: ``reach`` and ``lint`` never need them, and their module and
``connlist`` cost every command 6-7 ms of imports (docs/performance.md). The module is not called
``explain``: importing it would then replace the function of that name on this package.
"""

from typing import TYPE_CHECKING, Any

from podwall.engine.evaluate import evaluate
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.reach import Flow, Reachability, View, declared_probes, reach, subject_of
from podwall.engine.verdict import Basis, DirectionVerdict, RuleMiss, RuleRef, Verdict

if TYPE_CHECKING:
    from podwall.engine.explaining import Explanation, Subject, explain, resolve

_EXPLAINING = frozenset({"Explanation", "Subject", "explain", "resolve"})

__all__ = [
    "Basis",
    "DirectionVerdict",
    "EngineOptions",
    "Explanation",
    "External",
    "Flow",
    "Probe",
    "Reachability",
    "RuleMiss",
    "RuleRef",
    "Subject",
    "Verdict",
    "View",
    "declared_probes",
    "evaluate",
    "explain",
    "reach",
    "resolve",
    "subject_of",
]


def __getattr__(name: str) -> Any:
    if name in _EXPLAINING:
        from podwall.engine import explaining

        value = getattr(explaining, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _EXPLAINING)
