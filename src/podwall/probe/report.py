"""What a probe run found: the twins it created and the judged results (pure data, for renderers)."""

from __future__ import annotations

from dataclasses import field

from podwall.model.quick import frozen
from podwall.probe.judge import Judged


@frozen
class Twin:
    """A twin that was created: where, its IP, and why it did not run if it did not."""

    workload: str
    role: str
    namespace: str
    name: str
    ip: str = ""
    problem: str = ""


@frozen
class ProbeReport:
    """A finished run: the twins, the judged results, notes, and the time it took."""

    run: str
    judged: Judged
    twins: tuple[Twin, ...]
    seconds: float
    candidates: int
    notes: tuple[str, ...] = ()
    cleanup: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> bool:
        """A mismatch, or a probe that could not conclude: exit 1."""
        return bool(self.judged.mismatches or self.judged.inconclusive)
