"""PW218 policy.redundant."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.coverage import rule_covers, selector_covers
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
    Delete the redundant rule (the finding shows the rules to keep) or policy.

    Known limits:
    Coverage is decided on the selectors as written, so it holds whatever
    pods come and go; a rule covered only by the union of several others, or
    only for the pods that exist today, is not reported. A namespaceSelector
    covering a policy's own namespace is judged on that namespace's labels.
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
            covered_isolation: dict[tuple[int, Direction], list[str]] = {}
            for direction in Direction:
                isolating = [p for p in group if p.isolates(direction)]
                for policy in isolating:
                    wider = [q for q in isolating if q is not policy and selector_covers(q.pod_selector, policy.pod_selector)]
                    # A default-deny (no rules) is only redundant next to another default-deny: isolation
                    # that happens to come from allow policies disappears with them.
                    isolators = [
                        q for q in wider
                        if (policy.rules(direction) or not q.rules(direction))
                        and (not selector_covers(policy.pod_selector, q.pod_selector) or order[id(q)] < order[id(policy)])
                    ]
                    if isolators:
                        covered_isolation[(id(policy), direction)] = [q.name for q in isolators]
                    for rule in policy.rules(direction):
                        cover = self._cover(ctx, order, policy, rule, [policy, *wider])
                        if cover is not None:
                            redundant[(id(policy), direction, rule.index)] = cover
            for policy in group:
                directions = [d for d in Direction if policy.isolates(d)]
                whole = all(
                    (id(policy), d) in covered_isolation
                    and all((id(policy), d, r.index) in redundant for r in policy.rules(d))
                    for d in directions
                )
                if whole and directions:
                    others = sorted({n for d in directions for n in covered_isolation[(id(policy), d)]})
                    types = " and ".join(d.value for d in directions)
                    message = (
                        f"{policy.name} adds nothing: {listing(others)} already isolate{'s' if len(others) == 1 else ''} "
                        f"its pods for {types} and allow{'s' if len(others) == 1 else ''} everything it allows"
                    )
                    fix = f"kubectl delete networkpolicy {policy.name} -n {policy.namespace}   # and delete its manifest"
                    yield self.finding(ctx, policy, message, fix)
                    continue
                for direction in directions:
                    for rule in policy.rules(direction):
                        cover = redundant.get((id(policy), direction, rule.index))
                        if cover is None:
                            continue
                        other, by = cover
                        where = rule_field(by) if other is policy else f"{rule_field(by)} of {other.name}"
                        message = f"{rule_field(rule)} admits nothing that {where} does not already admit to the same pods"
                        keep = [rule_dict(r) for r in policy.rules(direction) if r.index != rule.index]
                        fix = to_yaml({"spec": {direction.value.lower(): keep}})
                        yield self.finding(ctx, policy, message, fix, rule.location)

    @staticmethod
    def _cover(
        ctx: Context, order: dict[int, int], policy: NetworkPolicy, rule: PolicyRule, candidates: list[NetworkPolicy]
    ) -> tuple[NetworkPolicy, PolicyRule] | None:
        """A rule of ``candidates`` covering ``rule``; of two that cover each other, only the later is covered."""
        here = (order[id(policy)], rule.index)
        for other in candidates:
            for by in other.rules(rule.direction):
                if other is policy and by.index == rule.index:
                    continue
                if not rule_covers(by, rule, ctx.ns_labels):
                    continue
                mutual = rule_covers(rule, by, ctx.ns_labels) and (
                    other is policy or selector_covers(policy.pod_selector, other.pod_selector)
                )
                if mutual and (order[id(other)], by.index) > here:
                    continue
                return other, by
        return None
