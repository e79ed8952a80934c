"""PW211 flow.egress-without-ingress."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.flows import blocked_flows, missing_half, ports_text
from podwall.lint.phrases import listing, rule_field
from podwall.lint.registry import Rule, register
from podwall.model import Direction


@register
class EgressWithoutIngress(Rule):
    """An egress rule lets pods send to a destination whose own ingress policies refuse them.

    What it checks:
    The mirror of PW210: for every egress rule that names its destinations
    by a non-empty podSelector (alone or with a namespaceSelector), each destination
    that is isolated for ingress must also admit the policy's pods on the
    ports the rule opens, decided as the engine decides it.

    Why it matters:
    The client's egress allow is useless when the server's ingress is
    default-denied and no ingress rule names the client: the connection is
    dropped at the server, and the egress policy makes it look allowed.

    Example:
    ```yaml
    # database is isolated for ingress by default-deny, with no rule for backend
    kind: NetworkPolicy
    metadata: {name: backend-egress-to-db, namespace: production}
    spec:
      podSelector: {matchLabels: {app: backend}}
      policyTypes: [Egress]
      egress:
        - to: [{podSelector: {matchLabels: {app: database}}}]
          ports: [{protocol: TCP, port: 5432}]
    ```

    Fix:
    Add the ingress half on the server:
    `podwall generate allow --from app=backend --to app=database --port 5432/TCP -n production --ingress-only`
    writes
    ```yaml
    kind: NetworkPolicy
    metadata: {name: allow-backend-to-database-ingress, namespace: production}
    spec:
      podSelector: {matchLabels: {app: database}}
      policyTypes: [Ingress]
      ingress:
        - from: [{podSelector: {matchLabels: {app: backend}}}]
          ports: [{protocol: TCP, port: 5432}]
    ```

    Known limits:
    As PW210. DNS rules written as "port 53 to every namespace" are skipped
    (they name no pods); a tight DNS rule to the kube-dns pods is checked.
    """

    code = "PW211"
    name = "flow.egress-without-ingress"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.policies:
            if not policy.isolates(Direction.EGRESS):
                continue
            for rule in policy.egress:
                for blocked in blocked_flows(ctx, policy, rule):
                    clients = sorted(blocked.others)
                    message = (
                        f"{rule_field(rule)} lets {listing(clients)} send to {blocked.subject} on "
                        f"{ports_text(blocked.probes)}, but {blocked.subject} is isolated for ingress by "
                        f"{listing(blocked.isolated_by)} and no ingress rule admits "
                        f"{'it' if len(clients) == 1 else 'them'}: the connection stays blocked"
                    )
                    fix = missing_half(policy, rule, blocked)
                    yield self.finding(ctx, policy, message, fix, rule.location, field=rule_field(rule), peer=blocked.subject)
