"""What intents ask for beside what the engine predicts: ``reach --intents`` (no packets, no root)."""

from __future__ import annotations


from podwall.engine import Probe
from podwall.model.quick import frozen
from podwall.render.style import ALLOWED, DENIED, ERROR, HEADING, Style, plain
from podwall.render.table import Cell, columns


@frozen
class IntentRow:
    """One probe the intents speak about: what they ask for and what the engine says."""

    source: str
    destination: str
    probe: Probe
    intended: bool
    predicted: bool

    @property
    def as_intended(self) -> bool:
        """Whether the engine's verdict is what the intents ask for."""
        return self.intended == self.predicted


@frozen
class IntentReport:
    """Every probe the intents speak about (``rows``), where they came from, and flows left unprobed."""

    sources: tuple[str, ...]
    rows: tuple[IntentRow, ...]
    unprobed: tuple[str, ...] = ()

    @property
    def not_as_intended(self) -> tuple[IntentRow, ...]:
        """The probes whose verdict differs from the intents."""
        return tuple(r for r in self.rows if not r.as_intended)


def _word(allowed: bool) -> Cell:
    return Cell("ALLOWED" if allowed else "DENIED", ALLOWED if allowed else DENIED)


def intents_text(report: IntentReport, *, style: Style = plain) -> str:
    """The probes one of intents and engine allows, in two columns; the rest counted; the verdict last."""
    shown = [r for r in report.rows if r.intended or r.predicted]
    rest = len(report.rows) - len(shown)
    lines = ["", style(f"Intended and predicted: the probes the intents speak about that one of the two allows "
                       f"(intents: {', '.join(report.sources)})", HEADING), ""]
    if shown:
        rows = [[r.source, r.destination, str(r.probe), _word(r.intended), _word(r.predicted),
                 Cell("" if r.as_intended else "<< NOT AS INTENDED", ERROR)] for r in shown]
        lines += columns(rows, header=["FROM", "TO", "PROBE", "INTENDED", "PREDICTED", ""], style=style)
    if rest:
        lines.append(f"{'and ' if shown else ''}{rest} probe{'s' if rest != 1 else ''} the intents speak about: "
                     "not intended, predicted DENIED.")
    judged, differ = len(report.rows), len(report.not_as_intended)
    if not judged:
        lines.append("The intents say nothing about the probes of this matrix.")
    elif differ:
        lines.append(style(f"NOT AS INTENDED: the engine's verdict differs from the intents on {differ} of {judged} "
                           "probes they speak about (podwall explain FROM TO PORT says why).", ERROR))
    else:
        lines.append(f"As intended: the engine's verdict is what the intents ask for on all {judged} probes they "
                     "speak about.")
    if report.unprobed:
        lines.append(f"Note: intended flows on ports this matrix does not probe (see --probe): {', '.join(report.unprobed)}.")
    return "\n".join(lines) + "\n"


def intents_json(report: IntentReport) -> dict[str, object]:
    """The ``intents`` part of ``reach -o json``."""
    def row(r: IntentRow) -> dict[str, object]:
        return {"from": r.source, "to": r.destination, "port": r.probe.port, "protocol": r.probe.protocol.value,
                "intended": r.intended, "predicted": r.predicted}

    return {
        "sources": list(report.sources),
        "judged": len(report.rows),
        "not_as_intended": [row(r) for r in report.not_as_intended],
        "unprobed": list(report.unprobed),
    }

