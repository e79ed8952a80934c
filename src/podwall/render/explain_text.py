"""A verdict in plain words: the headline, then each side's reasons."""

from __future__ import annotations

from podwall.engine import Basis, DirectionVerdict, Explanation, RuleMiss, RuleRef
from podwall.engine.verdict import TierStep


def _policy(ref: RuleRef | str) -> str:
    """Policies only select pods of their own namespace, so the name alone is unambiguous here."""
    key = ref.policy if isinstance(ref, RuleRef) else ref
    return key.split("/", 1)[1]


def _rule(ref: RuleRef) -> str:
    return f"{_policy(ref)} rule {ref.index + 1}"


def _miss(miss: RuleMiss) -> str:
    return f"{_rule(miss.rule)} admits only {miss.admits}"


def _step(step: TierStep) -> str:
    rule = f"rule {step.rule + 1}" + (f" {step.rule_name!r}" if step.rule_name else "")
    return f"[{step.policy}] {step.action} ({rule})"


def _side(side: DirectionVerdict, subject: str, other: str, probe: str) -> str:
    """One side in words; admin-tier steps come first as a chain: ``[ANP x priority 10] Pass -> ...``."""
    text = _decision(side, subject, other, probe)
    if not side.steps:
        return text
    chain = " -> ".join(_step(s) for s in side.steps)
    if side.basis in (Basis.ADMIN_ALLOW, Basis.ADMIN_DENY, Basis.BASELINE_ALLOW, Basis.BASELINE_DENY):
        return f"{chain} -> {'Allowed' if side.allowed else 'Denied'}"
    return f"{chain} -> {text}"


def _decision(side: DirectionVerdict, subject: str, other: str, probe: str) -> str:
    word = side.direction.value.lower()
    if side.basis is Basis.SELF:
        return "a pod may always reach itself (loopback)"
    if side.basis is Basis.EXTERNAL:
        return f"{subject} is outside the cluster; only the pod side is judged"
    if side.basis is Basis.UNKNOWN_POD:
        return f"{subject} is not a pod in the input; only the other side is judged"
    if side.basis is Basis.NOT_ENFORCED:
        return "the network plugin does not enforce NetworkPolicy; allowed"
    if side.basis is Basis.NODE_LOCAL:
        return f"{other} is on {subject}'s node, and the network plugin never blocks a node's traffic to its own pods; allowed"
    if side.basis is Basis.HOST_NETWORK:
        return f"{subject} uses the host network, which no NetworkPolicy selects; allowed"
    if side.basis is Basis.NOT_ISOLATED and side.steps:
        return f"no NetworkPolicy or baseline rule decides for {subject}; allowed"
    if side.basis is Basis.NOT_ISOLATED:
        return f"{subject} is not isolated for {word} (no policy with {side.direction.value} selects it); allowed"
    policies = ", ".join(_policy(p) for p in side.isolated_by)
    if side.basis is Basis.RULE:
        rules = ", ".join(_rule(r) for r in side.allowed_by)
        return f"allowed by {rules}"
    text = f"{subject} is isolated for {word} by {policies} and no {word} rule admits {other} on {probe}"
    if side.misses:
        text += " (" + "; ".join(_miss(m) for m in side.misses) + ")"
    return text


def explain_text(result: Explanation) -> str:
    """``ALLOWED``/``DENIED`` headline and one line per side."""
    verdict = result.verdict
    probe = str(result.probe)
    judged = str(result.verdict.probe)  # a Service port is judged at the pods' targetPort
    head = "ALLOWED" if verdict.allowed else "DENIED"
    lines = [f"{head}: {result.source} -> {result.destination} on {probe}"]
    if verdict.egress.basis is Basis.SELF:
        lines.append("  a pod may always reach itself (loopback)")
    else:
        egress = _side(verdict.egress, result.source, result.destination, judged)
        ingress = _side(verdict.ingress, result.destination, result.source, judged)
        lines.append(f"  Egress side: {egress}.")
        lines.append(f"  Ingress side: {ingress}.")
    lines.extend(f"  Note: {note}." for note in result.notes)
    return "\n".join(lines) + "\n"
