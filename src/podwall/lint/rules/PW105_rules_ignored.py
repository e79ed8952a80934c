"""PW105 policy.rules-ignored."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import to_yaml
from podwall.lint.phrases import plural
from podwall.lint.registry import Rule, register
from podwall.model import Direction


@register
class RulesIgnored(Rule):
    """Rules of a direction that `policyTypes` leaves out: the API keeps them, nothing enforces them.

    What it checks:
    A policy with `egress` rules whose `policyTypes` lists only `Ingress`, or
    with `ingress` rules whose `policyTypes` lists only `Egress`.

    Why it matters:
    `policyTypes` decides which directions a policy governs. Rules of a
    direction it does not list are accepted by the API server and then
    ignored by every network plugin: the policy looks like it restricts (or
    allows) traffic that it never touches.

    Example:
    ```yaml
    spec:
      podSelector: {matchLabels: {app: web}}
      policyTypes: [Ingress]
      egress:                 # ignored
        - to: [{podSelector: {matchLabels: {app: db}}}]
    ```

    Fix:
    List both directions (this also isolates the pods for egress), or delete
    the ignored rules:
    ```yaml
    spec:
      policyTypes: [Ingress, Egress]
    ```

    Known limits:
    None known: the check reads the policy alone.
    """

    code = "PW105"
    name = "policy.rules-ignored"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.written.policies:
            for direction in Direction:
                rules = policy.rules(direction)
                if not rules or policy.isolates(direction):
                    continue
                listed = ", ".join(d.value for d in Direction if d in policy.policy_types)
                key = direction.value.lower()
                message = (
                    f"spec.{key} has {plural(len(rules), 'rule')} but spec.policyTypes is [{listed}]: "
                    f"network plugins ignore {'it' if len(rules) == 1 else 'them'}"
                )
                types = [d.value for d in Direction if d in policy.policy_types or d is direction]
                yield self.finding(ctx, policy, message, to_yaml({"spec": {"policyTypes": types}}), rules[0].location)
