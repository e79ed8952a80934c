"""Prove policies with real packets: network namespaces, nftables and probes.

``run`` builds a lab for a cluster, enforces its policies with nftables,
probes every (source, destination, port) and compares with the engine;
``Lab`` keeps one topology for many policy sets; ``compile_subject`` is the
pure compiler; ``clean`` removes what a crashed run left behind.
"""

from podwall.lab.clean import CleanReport, clean
from podwall.lab.errors import LabError
from podwall.lab.nft import compile_lab, compile_subject
from podwall.lab.plan import LabPlan, LabSubject, plan_lab
from podwall.lab.result import LabResult, Observation, Outcome
from podwall.lab.session import Lab, run

__all__ = [
    "CleanReport",
    "Lab",
    "LabError",
    "LabPlan",
    "LabResult",
    "LabSubject",
    "Observation",
    "Outcome",
    "clean",
    "compile_lab",
    "compile_subject",
    "plan_lab",
    "run",
]
