"""Pure NetworkPolicy semantics: selectors, peers, ports, verdicts with reasons."""

from podwall.engine.evaluate import evaluate
from podwall.engine.explain import Explanation, Subject, explain, resolve
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.reach import Flow, Reachability, View, declared_probes, reach, subject_of
from podwall.engine.verdict import Basis, DirectionVerdict, RuleMiss, RuleRef, Verdict

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
