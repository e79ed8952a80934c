"""A lab run as text: the observed matrix (table) or one line per probe (list), then the comparison.

Given intents, the table adds a three-column section (intended, predicted by the
engine, observed in the kernel), the list three columns on every line, and the
comparison a "not as intended" part; without intents both read as before.
"""

from __future__ import annotations

from podwall.engine import Explanation
from podwall.lab import LabResult, Observation, Outcome
from podwall.render.cells import EVERYTHING, NOTHING, grid, legend, probe_label, title
from podwall.render.reach_table import matrix_lines
from podwall.render.table import Column, columns, table
from podwall.render.explain_text import explain_text

NOT_PROBED = "-"
_WORD = {Outcome.ALLOWED: "ALLOWED", Outcome.DENIED: "DENIED", Outcome.ERROR: "ERROR", Outcome.NOT_TESTABLE: "N/A"}


def _engine(predicted: bool) -> str:
    return "ALLOWED" if predicted else "DENIED"


def _intended(result: LabResult, o: Observation) -> str:
    wanted = result.intent(o)
    return "-" if wanted is None else _engine(wanted)


def _flow(o: Observation) -> str:
    return f"{o.source} -> {o.destination} {o.probe}"


def _cell(result: LabResult, observations: list[Observation]) -> str:
    if not observations:
        return NOT_PROBED
    if all(o.observed is Outcome.NOT_TESTABLE for o in observations):
        return "n/a"
    allowed = sorted(o.probe for o in observations if o.observed is Outcome.ALLOWED)
    if not allowed:
        return NOTHING
    if len(allowed) == len(result.probes):
        return EVERYTHING
    return ",".join(probe_label(p) for p in allowed)


def _internet(result: LabResult) -> list[str]:
    """Subjects x external addresses: what each may send out, and what reaches it from outside."""
    if not result.externals:
        return []
    cells: dict[tuple[str, str], list[Observation]] = {}
    for o in result.observations:
        cells.setdefault((o.source, o.destination), []).append(o)
    if not any(o.source in result.externals or o.destination in result.externals for o in result.observations):
        return []
    addresses = list(result.externals)
    out_cells = {(s, a): _cell(result, cells.get((s, a), [])) for s in result.subjects for a in addresses}
    in_cells = {(s, a): _cell(result, cells.get((a, s), [])) for s in result.subjects for a in addresses}
    rows = [[s, *(f"{out_cells[s, a]} / {in_cells[s, a]}" for a in addresses)] for s in result.subjects]
    lines = ["", "The internet (cell: to the address / from the address; n/a: no address of that IP family)", ""]
    lines += table([Column("")] + [Column(a) for a in addresses], rows)
    return lines


def _comparison(result: LabResult) -> list[str]:
    lines = [""]
    disagreements = result.disagreements
    if disagreements:
        lines.append(f"DISAGREEMENTS: kernel and engine differ on {len(disagreements)} of {result.compared} probes:")
        for o in disagreements:
            lines.append(f"  {_flow(o)}: kernel {_WORD[o.observed]}, engine {_engine(o.predicted)}"
                         + (f" ({o.detail})" if o.detail else ""))
            if o.verdict is not None:
                text = explain_text(Explanation(o.source, o.destination, o.probe, o.verdict))
                lines.extend("    " + line for line in text.rstrip("\n").splitlines())
    else:
        lines.append(f"Kernel and engine agree on all {result.compared} probes compared.")
    if result.errors:
        lines.append(f"ERRORS: {len(result.errors)} probes could not tell allowed from denied (not counted as denied):")
        lines.extend(f"  {_flow(o)}: {o.detail}" for o in result.errors)
    if result.has_intents:
        lines.extend(_not_as_intended(result))
    untestable: dict[str, int] = {}
    for o in result.untestable:
        untestable[o.detail] = untestable.get(o.detail, 0) + 1
    for why, count in sorted(untestable.items()):
        lines.append(f"Not tested: {count} probe{'s' if count != 1 else ''}: {why}.")
    lines.extend(f"Note: {note}." for note in result.notes)
    return lines


def _not_as_intended(result: LabResult) -> list[str]:
    """Where the engine's verdict is not what the intents ask for, each with the engine's reasons."""
    judged = len(result.judged_by_intents)
    differ = result.not_as_intended
    if not judged:
        return ["The intents say nothing about the probes of this lab."]
    if not differ:
        return [f"As intended: the engine's verdict is what the intents ask for on all {judged} probes they speak about."]
    lines = [f"NOT AS INTENDED: the engine's verdict differs from the intents on {len(differ)} of {judged} probes "
             "they speak about:"]
    for o in differ:
        lines.append(f"  {_flow(o)}: intended {_intended(result, o)}, engine {_engine(o.predicted)}, "
                     f"kernel {_WORD[o.observed]}")
        if o.verdict is not None:
            text = explain_text(Explanation(o.source, o.destination, o.probe, o.verdict))
            lines.extend("    " + line for line in text.rstrip("\n").splitlines())
    return lines


def _marks(result: LabResult, o: Observation) -> str:
    marks = []
    if o.compared and not o.agrees:
        marks.append("DISAGREES")
    if o.observed is Outcome.ERROR:
        marks.append("not compared")
    wanted = result.intent(o)
    if wanted is not None and wanted != o.predicted:
        marks.append("NOT AS INTENDED")
    return "<< " + ", ".join(marks) if marks else ""


def _three_columns(result: LabResult) -> list[str]:
    """The probes the intents speak about that one of intents, engine and kernel allows, in three columns."""
    judged = result.judged_by_intents
    shown: list[Observation] = []
    rest: list[Observation] = []
    for o in judged:
        allows = result.intent(o) or o.predicted or o.observed in (Outcome.ALLOWED, Outcome.ERROR)
        (shown if allows else rest).append(o)
    sources = ", ".join(result.intents)
    lines = ["", f"Intended, predicted and observed: the probes the intents speak about that one of the three allows "
                 f"(intents: {sources})", ""]
    if shown:
        rows = [["FROM", "TO", "PROBE", "INTENDED", "PREDICTED", "OBSERVED", ""]]
        rows += [[o.source, o.destination, str(o.probe), _intended(result, o), _engine(o.predicted), _WORD[o.observed],
                  _marks(result, o)] for o in shown]
        lines += columns(rows)
    if rest:
        observed = " or N/A" if any(o.observed is Outcome.NOT_TESTABLE for o in rest) else ""
        lines.append(f"{'and ' if shown else ''}{len(rest)} probe{'s' if len(rest) != 1 else ''} the intents speak "
                     f"about: not intended, predicted DENIED, observed DENIED{observed}.")
    lines.append("INTENDED: what the intents ask for; PREDICTED: podwall's engine; OBSERVED: the kernel, with real packets.")
    return lines


def _footer(result: LabResult) -> str:
    timings = ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in result.timings)
    externals = f", {len(result.externals)} external address{'es' if len(result.externals) != 1 else ''}"
    text = f"Lab {result.run_id}: {len(result.subjects)} subjects{externals if result.externals else ''}"
    return text + (f"; {timings}." if timings else ".")


def _matrix(result: LabResult) -> list[str]:
    """The observed matrix, laid out as ``podwall reach`` lays out the predicted one."""
    observed = result.observed_matrix()
    layout = grid(observed)  # type: ignore[arg-type]  # ObservedMatrix reads like a Reachability
    probed = {(o.source, o.destination) for o in result.observations}
    for pair in layout.cells:
        if pair not in probed and pair[0] != pair[1]:
            layout.cells[pair] = NOT_PROBED
    lines = [title(observed, "Observed with real packets"), "", *matrix_lines(layout)]
    lines.append("")
    lines.extend(legend(observed))  # type: ignore[arg-type]
    if any(cell == NOT_PROBED for cell in layout.cells.values()):
        lines.append(f"{NOT_PROBED} = not probed (--from/--to).")
    return lines


def lab_table(result: LabResult) -> str:
    """The matrix the kernel let through (as ``reach`` prints it), the internet, then the comparison."""
    intents = _three_columns(result) if result.has_intents else []
    lines = _matrix(result) + _internet(result) + intents + _comparison(result) + [_footer(result)]
    return "\n".join(lines) + "\n"


def _intents_list(result: LabResult) -> list[str]:
    """With intents: one line per probe in three columns, intended, predicted and observed."""
    rows = [["INTENDED", "PREDICTED", "OBSERVED", "PROBE", ""]]
    for o in result.observations:
        mark = _marks(result, o)
        detail = f"({o.detail})" if o.detail else ""
        rows.append([_intended(result, o), _engine(o.predicted), _WORD[o.observed], _flow(o),
                     "  ".join(part for part in (mark, detail) if part)])
    return columns(rows)


def lab_list(result: LabResult) -> str:
    """One line per probe: what the kernel did, what the engine predicted, what the prober saw.

    With intents: what was intended, what the engine predicted, what the kernel did, then the probe.
    """
    if result.has_intents:
        lines = _intents_list(result) + _comparison(result) + [_footer(result)]
        return "\n".join(lines) + "\n"
    rows = []
    for o in result.observations:
        if o.observed is Outcome.NOT_TESTABLE:
            mark = "not tested"
        elif o.observed is Outcome.ERROR:
            mark = f"engine {_engine(o.predicted)}, not compared"
        else:
            mark = f"engine {_engine(o.predicted)}" + ("" if o.agrees else "  << DISAGREES")
        detail = f"  ({o.detail})" if o.detail else ""
        rows.append([_WORD[o.observed], _flow(o), mark + detail])
    lines = table([Column(), Column(), Column()], rows, header=False)
    lines += _comparison(result) + [_footer(result)]
    return "\n".join(lines) + "\n"
