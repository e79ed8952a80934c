"""PW202 default-deny.egress-missing."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.registry import Rule, register
from podwall.lint.rules.PW201_no_default_deny_ingress import missing_default_deny
from podwall.model import Direction


@register
class NoDefaultDenyEgress(Rule):
    """A namespace with workloads and no default-deny egress policy.

    What it checks:
    Like PW201, for egress: every namespace with pods or workloads (other
    than host-network ones and the control-plane namespaces) needs a policy
    with `podSelector: {}` and `Egress` in its `policyTypes`.

    Why it matters:
    Without egress isolation a compromised pod can reach every other pod,
    the cloud metadata service and the internet. Egress default-deny is a
    bigger commitment than ingress (DNS and every dependency must then be
    allowed), so this rule is `info` by default; raise it in `.podwall.yaml`
    (`lint: {severity: {PW202: warning}}`) once your namespaces are ready.

    Example:
    ```yaml
    # namespace shop: a default-deny for ingress only
    kind: NetworkPolicy
    metadata: {name: default-deny-ingress, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    ```

    Fix:
    `podwall generate deny --egress -n shop` and `podwall generate dns -n shop`:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: default-deny-egress, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Egress]
    ```

    Known limits:
    As PW201. Adding the default-deny without the allows your pods need
    breaks them: lint again after adding it (PW203 and PW210 will tell).
    """

    code = "PW202"
    name = "default-deny.egress-missing"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        yield from missing_default_deny(self, ctx, Direction.EGRESS)
