"""A verification of generated policies in words: the table of intended flows, then ok or FAILED."""

from __future__ import annotations

from podwall.generate.verify import Status, Verification
from podwall.render.style import ALLOWED, DENIED, ERROR, Style, plain
from podwall.render.table import Cell, columns

_ROLE = {Status.ALLOWED: ALLOWED, Status.DENIED: DENIED, Status.UNCHECKED: ERROR}


def verification_text(verification: Verification, *, style: Style = plain) -> str:
    """The verification table and its summary, as lines for stderr."""
    v = verification
    plural = "y" if v.policies == 1 else "ies"
    lines = [f"verification: the engine over {v.world} plus the {v.policies} generated polic{plural}"]
    if v.checks:
        rows = [[c.flow.source.label, c.flow.destination.label, c.port, c.egress, c.ingress,
                 Cell(c.status.value, _ROLE[c.status])] for c in v.checks]
        lines += columns(rows, header=["FROM", "TO", "PORT", "EGRESS", "INGRESS", "VERDICT"], style=style)
    else:
        lines.append("no flow to allow: these policies only deny")
    unchecked: dict[tuple[str, str, str], list[str]] = {}
    for c in v.checks:
        if c.status is Status.UNCHECKED:
            unchecked.setdefault((c.flow.source.label, c.flow.destination.label, c.detail), []).append(c.port)
    for (source, destination, detail), ports in unchecked.items():
        lines.append(f"unchecked: {source} -> {destination} on {', '.join(ports)}: {detail}")
    allowed = sum(1 for c in v.checks if c.status is Status.ALLOWED)
    skipped = sum(1 for c in v.checks if c.status is Status.UNCHECKED)
    if v.ok:
        what = f"{allowed} intended flow{'s' if allowed != 1 else ''} allowed" if v.checks else ""
        what += f", {skipped} unchecked" if skipped else ""
        what += "; " if what else ""
        lines.append(f"ok: {what}the generated policies open no other flow")
        return "\n".join(lines) + "\n"
    problems = []
    if v.denied:
        problems.append(f"{len(v.denied)} intended flow{'s' if len(v.denied) != 1 else ''} denied")
    if v.opened:
        problems.append(f"{len(v.opened)} flow{'s' if len(v.opened) != 1 else ''} opened that no intent asks for")
    lines.append(style(f"FAILED: {' and '.join(problems)}", ERROR))
    for c in v.denied:
        lines.append(f"denied: {c.flow.source.label} -> {c.flow.destination.label} on {c.port}: {c.detail}")
    for o in v.opened:
        lines.append(f"opened: {o.source} -> {o.destination} on {o.probe} by {', '.join(o.policies)}")
    return "\n".join(lines) + "\n"

