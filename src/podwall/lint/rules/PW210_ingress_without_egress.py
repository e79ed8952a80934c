"""PW210 flow.ingress-without-egress."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.flows import blocked_flows, missing_half, ports_text
from podwall.lint.phrases import listing, rule_field
from podwall.lint.registry import Rule, register
from podwall.model import Direction


@register
class IngressWithoutEgress(Rule):
    """An ingress rule admits a client whose own egress policies block the connection.

    What it checks:
    For every ingress rule that names its clients by a non-empty
    podSelector (alone or with a namespaceSelector), and every port it opens on the
    pods its policy selects: each client that is isolated for egress must also
    be allowed, by some egress rule, to reach those pods on that port. Both
    sides are decided as the engine decides them (by the engine itself when
    admin-tier policies are present).

    Why it matters:
    A connection needs both halves: the client's egress and the server's
    ingress. With a default-deny for egress, an ingress allow alone does
    nothing. This is exactly the mistake of the classic default-deny
    tutorial: `allow-frontend-to-backend` admits the frontend on 8080, but
    `default-deny-all` also isolates the frontend for egress, and only DNS is
    allowed out of it.

    Example:
    ```yaml
    # default-deny-all isolates every pod of production for Ingress and Egress
    kind: NetworkPolicy
    metadata: {name: allow-frontend-to-backend, namespace: production}
    spec:
      podSelector: {matchLabels: {app: backend}}
      ingress:
        - from: [{podSelector: {matchLabels: {app: frontend}}}]
          ports: [{protocol: TCP, port: 8080}]
    ```

    Fix:
    Add the egress half on the client:
    `podwall generate allow --from app=frontend --to app=backend --port 8080/TCP -n production --egress-only`
    writes
    ```yaml
    kind: NetworkPolicy
    metadata: {name: allow-frontend-to-backend-egress, namespace: production}
    spec:
      podSelector: {matchLabels: {app: frontend}}
      policyTypes: [Egress]
      egress:
        - to: [{podSelector: {matchLabels: {app: backend}}}]
          ports: [{protocol: TCP, port: 8080}]
    ```

    Known limits:
    The ports judged are those the rule opens that the server pods declare
    (a port number counts for pods that declare no ports at all). Peers that
    take whole namespaces (a namespaceSelector without podSelector, or
    `podSelector: {}`) are skipped: they are not meant for one client.
    """

    code = "PW210"
    name = "flow.ingress-without-egress"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.policies:
            if not policy.isolates(Direction.INGRESS):
                continue
            for rule in policy.ingress:
                for blocked in blocked_flows(ctx, policy, rule):
                    target = ctx.target_of(blocked.subject)
                    if target is None:
                        continue
                    message = (
                        f"{rule_field(rule)} admits {blocked.subject} to {listing(sorted(blocked.others))} on "
                        f"{ports_text(blocked.probes)}, but {blocked.subject} is isolated for egress by "
                        f"{listing(blocked.isolated_by)} and no egress rule allows that: the connection stays blocked"
                    )
                    fix = missing_half(policy, rule, blocked)
                    yield self.finding(ctx, policy, message, fix, rule.location, field=rule_field(rule), peer=blocked.subject)
