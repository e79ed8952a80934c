"""A verdict in plain words: the headline, then one block per side, one line per policy that decides.

Rules are named as in the manifest and in lint and JSON output: ``spec.egress[0]``.
"""

from __future__ import annotations

from podwall.engine import Basis, DirectionVerdict, Explanation, RuleRef
from podwall.engine.connset import PORT_MAX, PORT_MIN, PROTOCOLS, ConnSet
from podwall.engine.explaining import PortsExplanation, SideGroup
from podwall.engine.verdict import TierStep
from podwall.model import Direction
from podwall.render.style import DIM, Style, plain, verdict_role
from podwall.render.table import Column, table

INDENT = "  "


def policy_name(key: str) -> str:
    """Policies only select pods of their own namespace, so the name alone is unambiguous in a side's block."""
    return key.split("/", 1)[1] if "/" in key else key


def rule_words(ref: RuleRef) -> str:
    """``allow-dns spec.egress[0]``: a rule as the manifest, lint and JSON name it."""
    return f"{policy_name(ref.policy)} {ref.field}"


def step_words(step: TierStep, direction: Direction) -> str:
    """``[ns/anp] spec.egress[1] 'name': Deny``: an admin tier's deciding rule."""
    name = f" {step.rule_name!r}" if step.rule_name else ""
    return f"[{step.policy}] spec.{direction.value.lower()}[{step.rule}]{name}: {step.action}"


def _word(allowed: bool, style: Style) -> str:
    return style("ALLOWED" if allowed else "DENIED", verdict_role(allowed))


def side_lines(side: DirectionVerdict, other: str, probe: str, style: Style = plain) -> list[str]:
    """What decided one side, one line per reason (without the side's heading)."""
    word = side.direction.value.lower()
    lines = [step_words(s, side.direction) for s in side.steps]
    if side.basis in (Basis.ADMIN_ALLOW, Basis.ADMIN_DENY):
        return lines + ["decided by the Admin tier before any NetworkPolicy"]
    if side.basis in (Basis.BASELINE_ALLOW, Basis.BASELINE_DENY):
        return lines + [f"no NetworkPolicy isolates it for {word}, so the Baseline tier decides"]
    if side.basis is Basis.NOT_ENFORCED:
        return lines + ["the network plugin does not enforce NetworkPolicy"]
    if side.basis is Basis.NODE_LOCAL:
        return lines + [f"{other} is on its node, and the network plugin never blocks a node's traffic to its own pods"]
    if side.basis is Basis.HOST_NETWORK:
        return lines + ["it uses the host network, which no NetworkPolicy selects"]
    if side.basis is Basis.NOT_ISOLATED:
        if side.steps:
            return lines + [f"no NetworkPolicy isolates it for {word} and no Baseline rule matches"]
        return lines + [f"not isolated for {word}: no policy with {side.direction.value} in its policyTypes selects it"]
    if side.basis is Basis.RULE:
        return lines + [f"allowed by {', '.join(rule_words(r) for r in side.allowed_by)}"]
    # NO_RULE: every isolating policy, and what each of its rules admits instead
    count = len(side.isolated_by)
    lines.append(
        f"isolated for {word} by {count} polic{'y' if count == 1 else 'ies'}, and no {word} rule admits {other}"
        + (f" on {probe}" if probe else " on these ports") + ":"
    )
    rows: list[list[str]] = []
    for key in side.isolated_by:
        misses = [m for m in side.misses if m.rule.policy == key]
        if not misses:
            rows.append([policy_name(key), f"has no {word} rule: it admits nothing"])
        for n, m in enumerate(misses):
            # one port: what the rule admits instead, limited to the half that missed; every port: the whole rule
            text = f"{m.rule.field} admits only {m.admits}" if probe else f"{m.rule.field} admits {m.admits_ports} {m.admits_peers}"
            rows.append([policy_name(key) if n == 0 else "", text])
    lines += [INDENT + line for line in table([Column(), Column()], rows, header=False, style=style)]
    return lines


def _heading(side: DirectionVerdict, subject: str) -> str:
    return f"{'Egress from' if side.direction is Direction.EGRESS else 'Ingress to'} {subject}"


def _not_judged(side: DirectionVerdict, subject: str, style: Style) -> str | None:
    if side.basis is Basis.EXTERNAL:
        return f"{_heading(side, subject)}: {style('not judged', DIM)} (outside the cluster: only the pod side is)"
    if side.basis is Basis.UNKNOWN_POD:
        return f"{_heading(side, subject)}: {style('not judged', DIM)} (not a pod of the input: only the other side is)"
    return None


def explain_text(result: Explanation, *, style: Style = plain) -> str:
    """``ALLOWED``/``DENIED`` headline, then one block per side."""
    verdict = result.verdict
    judged = str(verdict.probe)  # a Service port is judged at the pods' targetPort
    lines = [f"{_word(verdict.allowed, style)}: {result.source} -> {result.destination} on {result.probe}"]
    if verdict.egress.basis is Basis.SELF:
        lines.append(INDENT + "a pod may always reach itself (loopback)")
    else:
        for side, subject, other in (
            (verdict.egress, result.source, result.destination),
            (verdict.ingress, result.destination, result.source),
        ):
            skipped = _not_judged(side, subject, style)
            if skipped:
                lines.append(skipped)
                continue
            lines.append(f"{_heading(side, subject)}: {_word(side.allowed, style)}")
            lines += [INDENT + line for line in side_lines(side, other, judged, style)]
    lines.extend(f"Note: {note}." for note in result.notes)
    return "\n".join(lines) + "\n"


def ports_text(ports: ConnSet) -> str:
    """``5432/TCP``, ``53/TCP, 53/UDP``, ``1-79/TCP``, ``every TCP port``, ``every port``."""
    if ports.is_empty:
        return "no port"
    if ports.is_all:
        return "every port"
    parts: list[str] = []
    for proto in PROTOCOLS:
        spans = [(s, e) for p, s, e in ports.intervals if p is proto]
        if spans == [(PORT_MIN, PORT_MAX)]:
            parts.append(f"every {proto.value} port")
        else:
            parts.extend(f"{s}/{proto.value}" if s == e else f"{s}-{e}/{proto.value}" for s, e in spans)
    return ", ".join(parts)


def _group_ports(group: SideGroup, covered: ConnSet, considered: ConnSet) -> str:
    if covered.intervals and ConnSet.of((*covered.intervals, *group.ports.intervals)) == considered:
        return "every other port"
    return ports_text(group.ports)


def explain_ports_text(result: PortsExplanation, *, style: Style = plain) -> str:
    """Which ports the pair may use, then each side's decisions grouped by port."""
    considered = result.ports
    if result.allowed_ports == considered:
        head = f"{_word(True, style)}: {result.source} -> {result.destination} on {ports_text(considered)}"
    elif result.allowed_ports.is_empty:
        head = f"{_word(False, style)}: {result.source} -> {result.destination} on {ports_text(considered)}"
    else:
        head = (
            f"{_word(True, style)}: {result.source} -> {result.destination} on {ports_text(result.allowed_ports)} only"
            f" (every other port {_word(False, style)})"
        )
    lines = [head]
    if result.self_flow:
        lines.append(INDENT + "a pod may always reach itself (loopback)")
    else:
        for groups, subject, other in (
            (result.egress, result.source, result.destination),
            (result.ingress, result.destination, result.source),
        ):
            skipped = _not_judged(groups[0].side, subject, style)
            if skipped:
                lines.append(skipped)
                continue
            if len(groups) == 1:
                side = groups[0].side
                lines.append(f"{_heading(side, subject)}: {_word(side.allowed, style)} on {ports_text(groups[0].ports)}")
                lines += [INDENT + line for line in side_lines(side, other, "", style)]
                continue
            lines.append(f"{_heading(groups[0].side, subject)}:")
            covered = ConnSet()
            for group in groups:
                lines.append(f"{INDENT}on {_group_ports(group, covered, considered)}: {_word(group.side.allowed, style)}")
                lines += [INDENT * 2 + line for line in side_lines(group.side, other, "", style)]
                covered = ConnSet.of((*covered.intervals, *group.ports.intervals))
    lines.extend(f"Note: {note}." for note in result.notes)
    return "\n".join(lines) + "\n"

