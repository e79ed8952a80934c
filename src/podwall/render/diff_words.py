"""The words ``podwall diff``'s own reports share (text and Markdown): names, the summary, verdicts in short."""

from __future__ import annotations

from collections.abc import Sequence

from podwall.diff import DiffReport, NodeKind, PairDiff, Reason
from podwall.diff.connections import kind_of, parse_range, subject_of
from podwall.engine import Basis, DirectionVerdict, Verdict
from podwall.engine.connset import ConnSet
from podwall.model.quick import frozen
from podwall.render.explain_text import policy_name, rule_words, step_words

OUTSIDE = "(outside the cluster)"
MISSES_SHOWN = 2  # rules that do not admit a denied flow, named with what they admit instead


def display(node: str) -> str:
    """A node as podwall names it: ``ns/Kind/name``, ``(external)/first-last``, ``{ingress-controller}``."""
    kind = kind_of(node)
    if kind is NodeKind.EXTERNAL:
        return f"(external)/{parse_range(node)}"
    if kind is NodeKind.INGRESS_CONTROLLER:
        return node
    return subject_of(node)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(report: DiffReport) -> str:
    """``3 connections opened (1 from outside the cluster), 2 closed, 1 workload newly isolated``."""
    if not report.pairs and not report.isolation and not report.workloads_added and not report.workloads_removed:
        return "No connection changes"
    opened = report.opened
    detail = [
        f"{n} {what}"
        for n, what in (
            (sum(p.from_outside for p in opened), "from outside the cluster"),
            (sum(p.across_namespaces for p in opened), "across namespaces"),
        )
        if n
    ]
    parts = [f"{_plural(len(opened), 'connection')} opened" + (f" ({', '.join(detail)})" if detail else "")]
    parts.append(f"{len(report.closed)} closed")
    isolated = len(report.newly_isolated)
    released = len(report.released)
    if isolated:
        parts.append(f"{_plural(isolated, 'workload')} newly isolated")
    if released:
        parts.append(f"{_plural(released, 'workload')} no longer isolated")
    if report.workloads_added:
        parts.append(f"{_plural(len(report.workloads_added), 'workload')} added")
    if report.workloads_removed:
        parts.append(f"{_plural(len(report.workloads_removed), 'workload')} removed")
    return ", ".join(parts)


def by_namespace(pairs: Sequence[PairDiff]) -> list[tuple[str, list[PairDiff]]]:
    """Pairs grouped under the destination's namespace (the source's for traffic leaving the cluster)."""
    groups: dict[str, list[PairDiff]] = {}
    for pair in pairs:
        groups.setdefault(pair.namespace or OUTSIDE, []).append(pair)
    return sorted(groups.items())


def conns_change(pair: PairDiff) -> str:
    """``added: TCP 8080``, ``removed: UDP 53``, ``changed: TCP 8080 -> TCP 8080,9090``."""
    if pair.before.is_empty:
        return f"added: {pair.after}"
    if pair.after.is_empty:
        return f"removed: {pair.before}"
    return f"changed: {pair.before} -> {pair.after}"


def _new_ends(pair: PairDiff) -> list[str]:
    """The ends that exist on one side only, as podwall names them."""
    return [display(n) for n, new in ((pair.source, pair.new_source), (pair.destination, pair.new_destination)) if new]


def new_ends(pair: PairDiff) -> str:
    """`` (workload X added)`` for ends that exist on one side only."""
    ends = _new_ends(pair)
    if not ends:
        return ""
    verb = "added" if pair.before.is_empty else "removed"
    return f" (workload {' and '.join(ends)} {verb})"


# -- verdicts in short ------------------------------------------------------------------------




def _side(side: DirectionVerdict) -> str | None:
    """One direction in a few words; None when it is not judged (an external end, the ingress controller)."""
    if not side.applies:
        return None
    word = side.direction.value.lower()
    if side.basis in (Basis.ADMIN_ALLOW, Basis.ADMIN_DENY, Basis.BASELINE_ALLOW, Basis.BASELINE_DENY):
        return f"{word}: " + " -> ".join(step_words(s, side.direction) for s in side.steps)
    chain = "".join(f"{step_words(s, side.direction)} -> " for s in side.steps)
    if side.basis is Basis.SELF:
        return f"{word}: the same pod"
    if side.basis is Basis.HOST_NETWORK:
        return f"{word}: host network, never selected"
    if side.basis is Basis.NOT_ISOLATED:
        return f"{word}: {chain}not isolated"
    if side.basis is Basis.RULE:
        return f"{word}: {chain}" + ", ".join(rule_words(r) for r in side.allowed_by)
    names = [policy_name(p) for p in side.isolated_by]
    isolating = " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else "a policy"
    closest = sorted(side.misses, key=lambda m: not (m.peers_match or m.ports_match))  # half a match first
    misses = [f"{rule_words(m.rule)} admits only {m.admits}" for m in closest]
    if len(misses) > MISSES_SHOWN:
        misses[MISSES_SHOWN:] = [f"{len(misses) - MISSES_SHOWN} more"]
    return f"{word}: {chain}isolated by {isolating}, no rule admits it" + (f" [{'; '.join(misses)}]" if misses else "")


def verdict(found: Verdict | None, missing: str = "an end is") -> str:
    """``allowed (egress: not isolated; ingress: web spec.ingress[0])`` or ``denied (ingress: isolated by ..., no rule admits it)``.

    A denial names only the sides that deny; no verdict means ``missing`` (``X is``, ``X and Y are``) not in
    that side's input.
    """
    if found is None:
        return f"{missing} not in the input"
    sides = (found.egress, found.ingress)
    if found.allowed:
        words = [w for w in map(_side, sides) if w]
        return "allowed" + (f" ({'; '.join(words)})" if words else "")
    words = [w for s in sides if not s.allowed for w in [_side(s)] if w]
    return f"denied ({'; '.join(words)})"


def _routed(words: str, via: tuple[str, ...] | None, reason: Reason) -> str:
    """The ingress controller's verdict with the objects that send it there (or that none does)."""
    if via is None:
        return words
    if not via:
        return f"no Ingress or Route sends the ingress controller to {reason.probe}; policies: {words}"
    return f"{words}, via {', '.join(via)}"


@frozen
class ReasonLine:
    """Gained (``+``) or lost (``-``) connections that share the same reasons on both sides."""

    sign: str
    conns: ConnSet
    before: str
    after: str


def reason_words(pair: PairDiff, reason: Reason) -> ReasonLine:
    """One reason of the pair (one gained or lost interval) in words, before and after."""
    ends = _new_ends(pair)
    missing = f"{' and '.join(ends)} {'are' if len(ends) > 1 else 'is'}" if ends else "an end is"
    return ReasonLine(
        "+" if reason.gained else "-",
        reason.conns,
        _routed(verdict(reason.before, missing), reason.before_via, reason),
        _routed(verdict(reason.after, missing), reason.after_via, reason),
    )


def reason_lines(pair: PairDiff) -> list[ReasonLine]:
    """The pair's reasons, intervals with the same words on both sides joined into one line."""
    grouped: dict[tuple[bool, str, str], ConnSet] = {}
    for reason in pair.reasons:
        words = reason_words(pair, reason)
        key = (reason.gained, words.before, words.after)
        grouped[key] = grouped.get(key, ConnSet()).union(reason.conns)
    return [
        ReasonLine("+" if gained else "-", conns, before, after)
        for (gained, before, after), conns in grouped.items()
    ]
