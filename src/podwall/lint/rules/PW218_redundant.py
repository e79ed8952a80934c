"""PW218 policy.redundant."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from podwall.lint.context import Context
from podwall.lint.coverage import AnchorIndex, rule_anchors, rule_covers, rule_keys, selector_anchor, selector_covers, selector_keys
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import rule_dict, to_yaml
from podwall.lint.phrases import listing, rule_field
from podwall.lint.registry import Rule, register
from podwall.model import Direction, NetworkPolicy
from podwall.model import Rule as PolicyRule


@register
class Redundant(Rule):
    """A policy or rule that is entirely covered by others: removing it changes nothing.

    What it checks:
    A rule is redundant when another rule of the same direction admits
    everything it admits, in a policy that applies to all of its pods (the
    same policy, or one of the namespace whose podSelector is wider). A whole
    policy is redundant when all of its rules are, and other policies already
    isolate its pods for each of its policy types (for a default-deny, which
    has no rules: other default-denies). Of two identical ones, the later (by
    namespace and name) is reported.

    Why it matters:
    Dead rules make a policy set harder to read and review, and they hide
    intent: when someone narrows the covering rule later, the leftover one
    silently keeps the old access open.

    Example:
    ```yaml
    ingress:
      - from: [{podSelector: {matchLabels: {app: web}}}]
        ports: [{protocol: TCP, port: 8080}]
      - from: [{podSelector: {matchLabels: {app: web, tier: front}}}]   # covered by the first
        ports: [{protocol: TCP, port: 8080}]
    ```

    Fix:
    Delete the redundant rules (one finding per policy and direction names
    them all and shows the rules to keep) or policy.

    Known limits:
    Coverage is decided on the selectors as written, so it holds whatever
    pods come and go; a rule covered only by the union of several others, or
    only for the pods that exist today, is not reported. A namespaceSelector
    covering a policy's own namespace is judged on that namespace's labels.
    Each rule is compared only with rules that could cover it (looked up by a
    label, cidr or port they must share), and with at most 200 of those: in a
    policy of thousands of near-identical rules some redundancy may go
    unreported, so that lint stays fast on any input.
    """

    code = "PW218"
    name = "policy.redundant"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        order = {id(p): i for i, p in enumerate(ctx.policies)}
        by_namespace: dict[str, list[NetworkPolicy]] = {}
        for policy in ctx.policies:
            by_namespace.setdefault(policy.namespace, []).append(policy)
        for group in by_namespace.values():
            redundant: dict[tuple[int, Direction, int], tuple[NetworkPolicy, PolicyRule]] = {}
            indexes: dict[Direction, _Indexes] = {}
            for direction in Direction:
                index = indexes[direction] = _Indexes(order, [p for p in group if p.isolates(direction)], direction)
                for policy in index.isolating:
                    for rule in policy.rules(direction):
                        cover = index.cover(ctx, policy, rule)
                        if cover is not None:
                            redundant[(id(policy), direction, rule.index)] = cover
            for policy in group:
                directions = [d for d in Direction if policy.isolates(d)]
                whole = bool(directions) and all(
                    all((id(policy), d, r.index) in redundant for r in policy.rules(d)) for d in directions
                )
                isolators = [indexes[d].isolators(policy) for d in directions] if whole else []
                if whole and all(names for names, _ in isolators):
                    others = sorted({n for names, _ in isolators for n in names})
                    named = listing(others) if not any(more for _, more in isolators) else ", ".join(others[:3]) + " and more"
                    one = len(others) == 1
                    types = " and ".join(d.value for d in directions)
                    message = (
                        f"{policy.name} adds nothing: {named} already isolate{'s' if one else ''} "
                        f"its pods for {types} and allow{'s' if one else ''} everything it allows"
                    )
                    fix = f"kubectl delete networkpolicy {policy.name} -n {policy.namespace}   # and delete its manifest"
                    yield self.finding(ctx, policy, message, fix)
                    continue
                for direction in directions:
                    finding = self._rules_finding(ctx, policy, direction, redundant)
                    if finding is not None:
                        yield finding

    def _rules_finding(
        self, ctx: Context, policy: NetworkPolicy, direction: Direction,
        redundant: dict[tuple[int, Direction, int], tuple[NetworkPolicy, PolicyRule]],
    ) -> Finding | None:
        """One finding for the redundant rules of one direction of a policy: each with what covers it,
        and the fix keeping the others (one finding, not one per rule: the fix lists the rules once)."""
        rules = policy.rules(direction)
        covered = [(rule, redundant[(id(policy), direction, rule.index)]) for rule in rules
                   if (id(policy), direction, rule.index) in redundant]
        if not covered:
            return None
        by_cover: dict[tuple[int, int], tuple[str, list[str]]] = {}
        for rule, (other, by) in covered:
            where = rule_field(by) if other is policy else f"{rule_field(by)} of {other.name}"
            by_cover.setdefault((id(other), by.index), (where, []))[1].append(rule_field(rule))
        message = "; ".join(
            f"{listing(fields)} admit{'s' if len(fields) == 1 else ''} nothing that {where} does not already admit "
            "to the same pods"
            for where, fields in by_cover.values()
        )
        gone = {rule.index for rule, _ in covered}
        fix = to_yaml({"spec": {direction.value.lower(): [rule_dict(r) for r in rules if r.index not in gone]}})
        return self.finding(ctx, policy, message, fix, covered[0][0].location)


#: Candidates tried in vain per rule (or policy) before giving up on it: keeps pathological inputs
#: (thousands of near-identical rules) linear; giving up only means a redundancy goes unreported.
MAX_MISSES = 200
#: Covering policies named per redundant policy, at most.
MAX_NAMES = 100


class _Indexes:
    """The isolating policies of one namespace and direction, and their rules, filed by anchor
    (``lint.coverage``), so each rule is compared with the few that could cover it, never with all."""

    def __init__(self, order: dict[int, int], isolating: list[NetworkPolicy], direction: Direction) -> None:
        self.order = order
        self.isolating = isolating
        self.direction = direction
        self.policies: AnchorIndex[NetworkPolicy] = AnchorIndex()
        self.own: dict[int, AnchorIndex[tuple[NetworkPolicy, PolicyRule]]] = {}
        self.shared: AnchorIndex[tuple[NetworkPolicy, PolicyRule]] = AnchorIndex()
        for policy in isolating:
            anchor = selector_anchor(policy.pod_selector)
            self.policies.add([anchor], (order[id(policy)],), policy)
            own = self.own[id(policy)] = AnchorIndex()
            for rule in policy.rules(direction):
                anchors = rule_anchors(rule)
                position = (order[id(policy)], rule.index)
                own.add(anchors, position, (policy, rule))
                self.shared.add(anchors, position, (policy, rule))

    def cover(self, ctx: Context, policy: NetworkPolicy, rule: PolicyRule) -> tuple[NetworkPolicy, PolicyRule] | None:
        """A rule covering ``rule``: of its own policy first, then of a policy whose podSelector is as wide
        (in policy order); of two that cover each other, only the later is covered."""
        here = (self.order[id(policy)], rule.index)
        keys = rule_keys(rule, ctx.ns_labels)
        own = self.own[id(policy)].candidates(keys)
        shared = self.shared.candidates(keys)
        misses = 0
        for other, by in chain(own, (c for c in shared if c[0] is not policy)):
            if misses >= MAX_MISSES:
                return None
            if other is policy and by.index == rule.index:
                continue
            misses += 1
            if other is not policy and not selector_covers(other.pod_selector, policy.pod_selector):
                continue
            if not rule_covers(by, rule, ctx.ns_labels):
                continue
            mutual = rule_covers(rule, by, ctx.ns_labels) and (
                other is policy or selector_covers(policy.pod_selector, other.pod_selector)
            )
            if mutual and (self.order[id(other)], by.index) > here:
                continue
            return other, by
        return None

    def isolators(self, policy: NetworkPolicy) -> tuple[list[str], bool]:
        """Names of the other policies that isolate all of ``policy``'s pods here and would keep doing so
        without it (a default-deny counts only next to another default-deny; of two alike, the earlier
        one), and whether there were more than ``MAX_NAMES``."""
        names: list[str] = []
        misses = 0
        has_rules = bool(policy.rules(self.direction))
        for other in self.policies.candidates(selector_keys(policy.pod_selector)):
            if other is policy:
                continue
            if (
                selector_covers(other.pod_selector, policy.pod_selector)
                and (has_rules or not other.rules(self.direction))
                and (not selector_covers(policy.pod_selector, other.pod_selector) or self.order[id(other)] < self.order[id(policy)])
            ):
                if len(names) == MAX_NAMES:
                    return names, True
                names.append(other.name)
            else:
                misses += 1
                if misses >= MAX_MISSES:
                    break
        return names, False
