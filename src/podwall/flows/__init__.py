"""Observed traffic in, "what would break" and least-privilege policies out.

Readers (one module per format: ``hubble``, ``calico``, ``gadget``, ``vpc``,
``conntrack``, ``csv``) turn each line into one ``Flow`` record; ``observe``
folds records into flows between workloads (``resolve`` says who an address or
pod name is); ``check`` judges them with the engine; ``advise`` writes and
proves least-privilege intents. Nothing here prints.
"""

from podwall.flows.advise import Advice, LeftOut, NothingToAdvise, advise, advise_files, cidr_key, observed_world
from podwall.flows.check import (
    BreakGroup,
    CheckReport,
    DroppedButAllowed,
    Judged,
    Side,
    assess,
    check,
    check_files,
    external_ranges,
    judge,
    range_key,
)
from podwall.flows.fold import Listed, Observation, ObservedFlow, observe
from podwall.flows.record import Endpoint, Flow, Verdict
from podwall.flows.resolve import Party, Resolver, Unattributed, stable
from podwall.flows.source import FORMATS, Skipped, detect, read, read_file

__all__ = [
    "FORMATS",
    "Advice",
    "BreakGroup",
    "CheckReport",
    "DroppedButAllowed",
    "Endpoint",
    "Flow",
    "Judged",
    "LeftOut",
    "Listed",
    "NothingToAdvise",
    "Observation",
    "ObservedFlow",
    "Party",
    "Resolver",
    "Side",
    "Skipped",
    "Unattributed",
    "Verdict",
    "advise",
    "advise_files",
    "assess",
    "check",
    "check_files",
    "cidr_key",
    "detect",
    "external_ranges",
    "judge",
    "observe",
    "observed_world",
    "range_key",
    "read",
    "read_file",
    "stable",
]
