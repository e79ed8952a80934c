"""A lab run as text: the observed matrix (table) or one line per probe (list), then the comparison."""

from __future__ import annotations

from podwall.engine import Explanation
from podwall.lab import LabResult, Observation, Outcome
from podwall.render.cells import EVERYTHING, NOTHING, grid, legend, probe_label
from podwall.render.explain_text import explain_text

NOT_PROBED = "-"
_WORD = {Outcome.ALLOWED: "ALLOWED", Outcome.DENIED: "DENIED", Outcome.ERROR: "ERROR", Outcome.NOT_TESTABLE: "N/A"}


def _engine(predicted: bool) -> str:
    return "ALLOWED" if predicted else "DENIED"


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
    width = max(len(s) for s in result.subjects)
    columns = list(result.externals)
    out_cells = {(s, a): _cell(result, cells.get((s, a), [])) for s in result.subjects for a in columns}
    in_cells = {(s, a): _cell(result, cells.get((a, s), [])) for s in result.subjects for a in columns}
    col_width = {a: max(len(a), *(len(f"{out_cells[s, a]} / {in_cells[s, a]}") for s in result.subjects)) for a in columns}
    lines = ["", "The internet (cell: to the address / from the address; n/a: no address of that IP family)", ""]
    lines.append(f"{'':<{width}}  " + "  ".join(f"{a:>{col_width[a]}}" for a in columns))
    for s in result.subjects:
        row = "  ".join(f"{out_cells[s, a] + ' / ' + in_cells[s, a]:>{col_width[a]}}" for a in columns)
        lines.append(f"{s:<{width}}  {row}")
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
    untestable: dict[str, int] = {}
    for o in result.untestable:
        untestable[o.detail] = untestable.get(o.detail, 0) + 1
    for why, count in sorted(untestable.items()):
        lines.append(f"Not tested: {count} probe{'s' if count != 1 else ''}: {why}.")
    lines.extend(f"Note: {note}." for note in result.notes)
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
    numbered = [(n, subject) for _, rows in layout.groups for n, subject, _ in rows]
    name_width = max(len(short) for _, rows in layout.groups for _, _, short in rows)
    name_width = max(name_width, max(len(ns) for ns, _ in layout.groups), len("source"))
    num_width = len(str(len(numbered)))
    widths = {
        subject: max(len(str(n)), *(len(layout.cells[src, subject]) for _, src in numbered))
        for n, subject in numbered
    }
    head = f"{'#':>{num_width}}  {'source':<{name_width}}  " + " ".join(f"{n:>{widths[s]}}" for n, s in numbered)
    lines = [f"Observed with real packets, by {result.view.value} (row -> column)", "", head.rstrip()]
    for ns, rows in layout.groups:
        lines.append(f"{'':>{num_width}}  {ns}")
        for n, subject, short in rows:
            cells = " ".join(f"{layout.cells[subject, dst]:>{widths[dst]}}" for _, dst in numbered)
            lines.append(f"{n:>{num_width}}  {'  ' + short:<{name_width}}  {cells}".rstrip())
    lines.append("")
    lines.extend(legend(observed))  # type: ignore[arg-type]
    if any(cell == NOT_PROBED for cell in layout.cells.values()):
        lines.append(f"{NOT_PROBED} = not probed (--from/--to).")
    return lines


def lab_table(result: LabResult) -> str:
    """The matrix the kernel let through (as ``reach`` prints it), the internet, then the comparison."""
    lines = _matrix(result) + _internet(result) + _comparison(result) + [_footer(result)]
    return "\n".join(lines) + "\n"


def lab_list(result: LabResult) -> str:
    """One line per probe: what the kernel did, what the engine predicted, what the prober saw."""
    rows = [(o, _WORD[o.observed], _flow(o)) for o in result.observations]
    width = max((len(flow) for _, _, flow in rows), default=0)
    lines = []
    for o, word, flow in rows:
        if o.observed is Outcome.NOT_TESTABLE:
            mark = "not tested"
        elif o.observed is Outcome.ERROR:
            mark = f"engine {_engine(o.predicted)}, not compared"
        else:
            mark = f"engine {_engine(o.predicted)}" + ("" if o.agrees else "  << DISAGREES")
        detail = f"  ({o.detail})" if o.detail else ""
        lines.append(f"{word:<7}  {flow:<{width}}  {mark}{detail}")
    lines += _comparison(result) + [_footer(result)]
    return "\n".join(lines) + "\n"
