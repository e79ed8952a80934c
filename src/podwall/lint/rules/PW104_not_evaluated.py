"""PW104 kind.not-evaluated."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import to_yaml
from podwall.lint.registry import Rule, register


@register
class NotEvaluated(Rule):
    """A policy of another API (Calico, Cilium, Antrea...) that podwall does not evaluate yet.

    What it checks:
    Objects whose kind ends in `NetworkPolicy` but that are neither a
    `networking.k8s.io/v1` NetworkPolicy nor one of the
    `policy.networking.k8s.io` admin tiers (AdminNetworkPolicy,
    BaselineAdminNetworkPolicy, ClusterNetworkPolicy), which podwall
    evaluates.

    Why it matters:
    Such a policy may allow or deny traffic that every podwall verdict and
    every other finding ignores. Better to know that the answer is partial
    than to trust it blindly.

    Example:
    ```yaml
    apiVersion: cilium.io/v2
    kind: CiliumNetworkPolicy
    metadata: {name: deny-all, namespace: shop}
    spec: {endpointSelector: {}}
    ```

    Fix:
    Review its effect by hand. Once you have, keep the object but silence the
    finding with the annotation:
    ```yaml
    metadata:
      annotations:
        podwall.io/ignore: PW104
    ```

    Known limits:
    Reported once per object; what the policy does is not analysed at all.
    """

    code = "PW104"
    name = "kind.not-evaluated"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.cluster.unevaluated:
            message = (
                f"{policy.kind} ({policy.api_version}) is not evaluated: podwall evaluates networking.k8s.io/v1 "
                "NetworkPolicy and the policy.networking.k8s.io admin tiers only, so every verdict and finding "
                "ignores what this policy allows or denies"
            )
            fix = to_yaml({"metadata": {"annotations": {"podwall.io/ignore": self.code}}})
            yield self.finding(ctx, policy, message, fix)
