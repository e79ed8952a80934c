"""PW201 default-deny.ingress-missing."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import command
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register
from podwall.model import Direction

#: Namespaces of the control plane, where a default-deny breaks the cluster more often than it protects it.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


def missing_default_deny(rule: Rule, ctx: Context, direction: Direction) -> Iterator[Finding]:
    """Namespaces with pods that no ``podSelector: {}`` policy isolates in ``direction``."""
    word = direction.value.lower()
    denied = {p.namespace for p in ctx.policies if p.isolates_namespace(direction)}
    for namespace in sorted(ctx.by_namespace):
        if namespace in SYSTEM_NAMESPACES:
            continue
        pods = ctx.select(namespace, None) & ctx.real  # never host-network pods
        if not pods:
            continue
        if namespace in denied:
            continue
        open_to = [c for c in bits(pods) if not (ctx.ingress_of if direction is Direction.INGRESS else ctx.egress_of)[c]]
        exposed = ctx.subjects(sum(1 << c for c in open_to))
        if exposed:
            now = f"{listing(exposed)} {'is' if len(exposed) == 1 else 'are'} not isolated for {word}"
        else:
            now = f"every workload is isolated for {word} today, but a new one will not be"
        message = (
            f"namespace {namespace} has no default-deny {word} policy (podSelector {{}} with {direction.value} in "
            f"policyTypes): {now}"
        )
        if direction is Direction.INGRESS:
            fix = command("deny", "--ingress", "-n", namespace)
        else:
            fix = command("deny", "--egress", "-n", namespace) + "\n" + command("dns", "-n", namespace)
        yield rule.finding(ctx, ctx.namespace(namespace), message, fix)


@register
class NoDefaultDenyIngress(Rule):
    """A namespace with workloads and no default-deny ingress policy.

    What it checks:
    Every namespace that has pods or workloads (other than host-network
    ones) needs a policy with `podSelector: {}` and `Ingress` in its
    `policyTypes`. The control-plane namespaces kube-system, kube-public and
    kube-node-lease are not checked.

    Why it matters:
    A pod that no policy selects accepts traffic from anywhere. Per-workload
    policies protect the workloads that exist today; the next Deployment in
    the namespace is wide open until someone remembers to write its policy.

    Example:
    ```yaml
    # namespace shop: Deployments web and db, and only this policy
    kind: NetworkPolicy
    metadata: {name: db-ingress, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: db}}
      ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
    ```

    Fix:
    `podwall generate deny --ingress -n shop`, which writes:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: default-deny-ingress, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    ```
    then allow what must flow (`podwall generate allow ...`).

    Known limits:
    A policy with `podSelector: {}` counts whatever its rules allow: it
    isolates every pod, which is what matters here. Namespaces that only
    appear through other objects are checked like declared ones.
    """

    code = "PW201"
    name = "default-deny.ingress-missing"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        yield from missing_default_deny(self, ctx, Direction.INGRESS)
