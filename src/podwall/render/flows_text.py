"""``flows check`` and ``flows advise`` in words: what would break and why, what was dropped anyway, coverage."""

from __future__ import annotations

from datetime import datetime, timezone

from podwall.flows import Advice, CheckReport, Judged, Observation, ObservedFlow
from podwall.render.verify_text import verification_text as verification_report
from podwall.render.explain_text import explain_text


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _time(stamp: float | None) -> str:
    if stamp is None:
        return "-"
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def seen_text(flow: ObservedFlow) -> str:
    """How often and when a flow was seen, and through which Service or addresses."""
    when = _time(flow.first) if flow.first == flow.last else f"{_time(flow.first)} .. {_time(flow.last)}"
    parts = [f"seen {_plural(flow.count, 'time')}"]
    if flow.dropped:
        parts.append(f"{flow.dropped:,} of {_plural(flow.records, 'record')} dropped")
    if flow.first is not None:
        parts.append(when)
    if flow.via:
        parts.append("via " + ", ".join(flow.via))
    if flow.addresses:
        parts.append("addresses " + ", ".join(flow.addresses))
    return ", ".join(parts)


def _indent(text: str, by: str) -> list[str]:
    return [by + line if line else line for line in text.rstrip("\n").split("\n")]


def flow_table(judged: list[Judged] | tuple[Judged, ...]) -> list[str]:
    """FROM, TO, PORT, SEEN, FIRST, LAST, VERDICT: one row per judged flow."""
    rows = [["FROM", "TO", "PORT", "SEEN", "FIRST", "LAST", "VERDICT"]]
    for j in judged:
        f = j.flow
        rows.append([f.source.name, f.destination.name, f"{f.port}/{f.protocol.value}", f"{f.count:,}",
                     _time(f.first), _time(f.last), "ALLOWED" if j.allowed else "DENIED"])
    return _columns(rows)


def coverage_lines(observation: Observation, judged: int) -> list[str]:
    """How much of the input was read, attributed, folded and judged, and what was not, by reason."""
    o = observation
    lines = [
        "Coverage:",
        f"  {_plural(o.lines, 'line')} read, {_plural(o.records, 'record')} of their format, "
        f"{_plural(o.flows_read, 'flow record')}; {_plural(o.attributed, 'record')} attributed "
        f"({_plural(o.replies, 'reply', 'replies')} turned round), folded into {_plural(len(o.flows), 'flow')}; "
        f"{_plural(judged, 'flow')} judged",
    ]
    for title, items in (("not flows", o.not_flows), ("unreadable", o.unreadable),
                         ("unattributed", o.unattributed), ("not judged", o.not_judged)):
        for item in items:
            lines.append(f"  {title}: {_plural(item.count, 'record')}: {item.reason} (first at {item.first})")
    return lines


def check_text(report: CheckReport) -> str:
    """The report: WOULD BREAK groups with each flow explained, blocked today, dropped but allowed, the table, coverage."""
    lines: list[str] = []
    flows = sum(len(g.flows) for g in report.breaks)
    records = sum(g.count for g in report.breaks)
    if report.breaks:
        lines.append(f"WOULD BREAK: {_plural(flows, 'observed flow')} (seen {_plural(records, 'time')}) "
                     f"between {_plural(len(report.breaks), 'pair')} would be denied by these policies")
        for group in report.breaks:
            lines.append("")
            lines.append(f"{group.source} -> {group.destination}")
            for side in group.sides:
                lines.append(f"  denied on the {side.direction} side of {side.subject}, isolated by {', '.join(side.policies) or '-'}")
            for j in group.flows:
                lines.append(f"  {j.flow.port}/{j.flow.protocol.value}: {seen_text(j.flow)}")
                lines.extend(_indent(explain_text(j.explanation), "    "))
    else:
        lines.append(f"Nothing observed would break ({_plural(len(report.judged), 'flow')} judged, all allowed).")
    if report.blocked:
        lines += ["", "Blocked today too (the network dropped every record; the policies deny them as well):"]
        for j in report.blocked:
            f = j.flow
            lines.append(f"  {f.source.name} -> {f.destination.name} {f.port}/{f.protocol.value}: {seen_text(f)}"
                         f" ({', '.join(sorted(f.reasons))})")
    if report.dropped_but_allowed:
        lines += ["", "Dropped although the policies allow them:"]
        for d in report.dropped_but_allowed:
            f = d.judged.flow
            lines.append(f"  {f.source.name} -> {f.destination.name} {f.port}/{f.protocol.value}: {seen_text(f)}"
                         f" ({', '.join(sorted(f.reasons))})")
            lines.append(f"    likely cause: {d.cause}")
    if report.judged:
        lines += ["", f"Observed flows judged against {_plural(report.policies, 'policy', 'policies')}:"]
        lines += ["  " + line for line in flow_table(report.judged)]
    lines += [""] + coverage_lines(report.observation, len(report.judged))
    return "\n".join(lines) + "\n"


def advise_report(advice: Advice) -> str:
    """The proof and what was left out, as ``#`` comment lines (so the output stays a valid file)."""
    lines = ["Verification (intents):"]
    lines += ["  " + line for line in verification_report(advice.verification).rstrip("\n").split("\n")]
    replay = advice.replay
    denied = [j for j in replay.judged if not j.allowed]
    lines.append(f"Replay: {_plural(len(replay.judged), 'observed flow')} judged against {advice.world} "
                 f"plus the generated policies: {len(replay.judged) - len(denied)} ALLOWED, {len(denied)} DENIED")
    if replay.judged:
        lines += ["  " + line for line in flow_table(replay.judged)]
    for j in denied:
        lines.extend(_indent(explain_text(j.explanation), "  "))
    if advice.left_out:
        lines.append(f"Left out ({_plural(len(advice.left_out), 'observed flow')}):")
        for left in advice.left_out:
            f = left.flow
            lines.append(f"  {f.source.name} -> {f.destination.name} {f.port}/{f.protocol.value}: {left.reason}")
    lines.extend(advice.notes)
    lines += coverage_lines(advice.observation, len(replay.judged))
    lines.append("ok: every kept observed flow is allowed and nothing else is opened" if advice.ok
                 else "FAILED: the advice does not do what was observed (see above)")
    return "\n".join(f"# {line}" if line else "#" for line in lines) + "\n"
