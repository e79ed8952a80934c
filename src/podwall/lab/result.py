"""What a lab run observed, next to what the engine predicted (and, given intents, what was intended)."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum

from podwall.engine import Flow, Probe, Verdict, View
from podwall.model.quick import frozen


class Outcome(str, Enum):
    """What one probe saw."""

    ALLOWED = "allowed"  # the request got its answer
    DENIED = "denied"  # no answer within the timeout, or the source's own firewall refused to send
    ERROR = "error"  # unreachable for another reason (refused, unreachable, wrong answer): never counted as denied
    NOT_TESTABLE = "not-testable"  # e.g. SCTP: this kernel cannot carry it, so nothing is claimed


@frozen
class Observation:
    """One probe: ``source`` -> ``destination`` on ``probe``, observed and predicted.

    ``source``/``destination`` are subject keys, or an address for the internet.
    ``verdict`` keeps the engine's reasons when kernel and engine disagree, or
    when the engine's verdict is not what the intents ask for.
    """

    source: str
    destination: str
    probe: Probe
    observed: Outcome
    predicted: bool
    detail: str = ""
    verdict: Verdict | None = None

    @property
    def compared(self) -> bool:
        """Whether this probe is a comparison (ALLOWED or DENIED), not an error or untestable."""
        return self.observed in (Outcome.ALLOWED, Outcome.DENIED)

    @property
    def agrees(self) -> bool:
        """Kernel and engine say the same (only meaningful when ``compared``)."""
        return self.compared and (self.observed is Outcome.ALLOWED) == self.predicted


#: One probe of a lab, as plain data: (source, destination, probe), as in an ``Observation``.
ProbeKey = tuple[str, str, Probe]


@frozen
class LabResult:
    """Every observation of one run (or one policy set of a reused lab).

    ``intended`` is None unless the run was given intents (the lab itself never
    reads them: whoever maps intents onto its probes fills these fields in):
    then it holds the probes some intent allows, and ``judged`` every probe the
    intents say something about (the intended ones, and those a default deny of
    the intents covers). About any other probe the intents say nothing.
    """

    run_id: str
    view: View
    subjects: tuple[str, ...]
    externals: tuple[str, ...]
    probes: tuple[Probe, ...]
    observations: tuple[Observation, ...]
    addresses: tuple[tuple[str, str], ...] = ()  # subject -> its lab addresses, comma-separated
    notes: tuple[str, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()  # phase -> seconds: build, apply, probe, teardown
    intents: tuple[str, ...] = ()  # where the intents came from (FILE:LINE), when there are any
    intended: frozenset[ProbeKey] | None = None  # probes some intent allows; None: no intents
    judged: frozenset[ProbeKey] = frozenset()  # probes the intents say something about (intended included)

    @property
    def compared(self) -> int:
        """How many probes were compared with the engine."""
        return sum(1 for o in self.observations if o.compared)

    @property
    def disagreements(self) -> tuple[Observation, ...]:
        """Probes where the kernel and the engine differ."""
        return tuple(o for o in self.observations if o.compared and not o.agrees)

    @property
    def errors(self) -> tuple[Observation, ...]:
        """Probes that could not tell allowed from denied."""
        return tuple(o for o in self.observations if o.observed is Outcome.ERROR)

    @property
    def untestable(self) -> tuple[Observation, ...]:
        """Probes the lab cannot make here (SCTP, an address family the source lacks)."""
        return tuple(o for o in self.observations if o.observed is Outcome.NOT_TESTABLE)

    @property
    def ok(self) -> bool:
        """Kernel and engine agree on every probe and no probe failed."""
        return not self.disagreements and not self.errors

    @property
    def has_intents(self) -> bool:
        """Whether intents were given (the three-column comparison applies)."""
        return self.intended is not None

    def intent(self, o: Observation) -> bool | None:
        """True: intended; False: the intents deny it; None: no intents, or they say nothing about it."""
        if self.intended is None:
            return None
        key = (o.source, o.destination, o.probe)
        if key in self.intended:
            return True
        return False if key in self.judged else None

    @property
    def judged_by_intents(self) -> tuple[Observation, ...]:
        """Probes the intents say something about."""
        return tuple(o for o in self.observations if self.intent(o) is not None)

    @property
    def not_as_intended(self) -> tuple[Observation, ...]:
        """Probes where the engine's verdict is not what the intents ask for (whatever the kernel saw)."""
        return tuple(o for o in self.observations if (wanted := self.intent(o)) is not None and wanted != o.predicted)

    def observed_matrix(self) -> ObservedMatrix:
        """The subject-to-subject flows the kernel let through, shaped like ``reach``'s result."""
        subjects = set(self.subjects)
        allowed = frozenset(
            (o.source, o.destination, o.probe)
            for o in self.observations
            if o.observed is Outcome.ALLOWED and o.source != o.destination
            and o.source in subjects and o.destination in subjects
        )
        return ObservedMatrix(self.view, self.subjects, self.probes, allowed)


@frozen
class ObservedMatrix:
    """What the kernel let through, readable wherever a ``Reachability`` is read (renderers)."""

    view: View
    subjects: tuple[str, ...]
    probes: tuple[Probe, ...]
    allowed: frozenset[tuple[str, str, Probe]]

    def allows(self, source: str, destination: str, probe: Probe) -> bool:
        """Whether the kernel let ``source`` reach ``destination`` on ``probe`` (self always)."""
        return source == destination or (source, destination, probe) in self.allowed

    def reachable_from(self, source: str) -> set[tuple[str, Probe]]:
        """The (destination, probe) pairs ``source`` reached, itself excluded."""
        return {(d, p) for s, d, p in self.allowed if s == source}

    def flows(self) -> Iterator[Flow]:
        """Allowed flows sorted by source, destination, probe."""
        for source, destination, probe in sorted(self.allowed):
            yield Flow(source, destination, probe)
