"""PW107 cni.admin-not-implemented."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.cni import choice_of, plugin
from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.registry import Rule, register
from podwall.model.conventions import ADMIN_API_OF_KIND


@register
class AdminNotImplemented(Rule):
    """An admin-tier policy the cluster's network plugin does not implement: it has no effect.

    What it checks:
    Every AdminNetworkPolicy and BaselineAdminNetworkPolicy
    (`policy.networking.k8s.io/v1alpha1`) and ClusterNetworkPolicy
    (`v1alpha2`) when the network plugin in use does not implement that API
    (Cilium implements neither; Antrea and OVN-Kubernetes implement v1alpha1;
    Calico v1alpha1 from v3.29 and v1alpha2 from v3.32).

    Why it matters:
    The API server accepts the object once its CRD is installed, but nothing
    enforces it: the cluster-wide guard rails it describes do not exist.

    Example:
    ```yaml
    apiVersion: policy.networking.k8s.io/v1alpha1
    kind: AdminNetworkPolicy
    metadata: {name: deny-to-sensitive}
    spec:
      priority: 10
      subject: {namespaces: {}}
      egress:
        - {name: deny, action: Deny, to: [{namespaces: {matchLabels: {tier: sensitive}}}]}
    ```
    with a `cilium` DaemonSet in the input.

    Fix:
    Express the rules as NetworkPolicies (or the plugin's own policy kind),
    then remove the object:
    ```sh
    kubectl delete adminnetworkpolicy deny-to-sensitive
    ```

    Known limits:
    Whether a plugin implements an API is taken from its profile (`podwall cni
    --cni NAME`); unknown is not reported.
    """

    code = "PW107"
    name = "cni.admin-not-implemented"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        choice = choice_of(ctx)
        conventions = choice.conventions
        if not conventions.enforces:
            return  # PW106 says it: nothing is enforced at all
        for policy in ctx.written.admin_policies:
            if conventions.implements(policy.kind):  # or unknown: judged as generic, which implements both
                continue
            api = ADMIN_API_OF_KIND.get(policy.kind, "")
            message = (
                f"this {policy.kind} has no effect: the network plugin {plugin(choice)} does not implement "
                f"policy.networking.k8s.io/{api}"
            )
            fix = f"kubectl delete {policy.kind.lower()} {policy.name}   # after expressing its rules as NetworkPolicies"
            yield self.finding(ctx, policy, message, fix)
