"""PW212 workload.fully-isolated."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import command
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register
from podwall.model import Direction


@register
class FullyIsolated(Rule):
    """A workload isolated for ingress and egress with no rule allowing anything either way.

    What it checks:
    Workloads (or bare pods) that policies isolate in both directions while
    none of those policies has a single ingress or egress rule: nothing may
    reach them and they may reach nothing, not even DNS.

    Why it matters:
    That is rarely what anyone wants for a running workload: it cannot
    resolve names, answer probes from other pods or talk to its database.
    Usually the default-deny went in and the allows for this workload were
    forgotten, or their selectors do not match it.

    Example:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: default-deny-all, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Ingress, Egress]
    # ... and no other policy selects the worker pods
    ```

    Fix:
    Allow what the workload needs, starting with DNS:
    `podwall generate dns -n shop` and
    `podwall generate allow --from app=CLIENT --to app=worker --port 8080/TCP -n shop`.

    Known limits:
    Only NetworkPolicy rules count; admin-tier allows (AdminNetworkPolicy)
    are not looked at. A workload that truly needs no network (a batch job
    computing alone) is a legitimate exception: annotate it with
    `podwall.io/ignore: PW212`.
    """

    code = "PW212"
    name = "workload.fully-isolated"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        isolated: dict[str, bool] = {}
        reasons: dict[str, tuple[list[str], list[str]]] = {}
        for c in bits(ctx.real):
            cls = ctx.classes[c]
            ingress, egress = ctx.ingress_of[c], ctx.egress_of[c]
            closed = bool(ingress and egress) and not any(p.ingress for p in ingress) and not any(p.egress for p in egress)
            for subject in cls.subjects:
                isolated[subject] = isolated.get(subject, True) and closed
                reasons.setdefault(subject, (ctx.isolated_by(c, Direction.INGRESS), ctx.isolated_by(c, Direction.EGRESS)))
        for subject in sorted(s for s, closed in isolated.items() if closed):
            target = ctx.target_of(subject)
            if target is None:
                continue
            ingress, egress = reasons[subject]
            namespace = subject.split("/", 1)[0]
            message = (
                f"{subject} is isolated for ingress by {listing(ingress)} and for egress by {listing(egress)}, and no "
                "rule allows anything in or out: it cannot even resolve names"
            )
            labels = getattr(target, "labels", {})
            to = f"app={labels['app']}" if "app" in labels else ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "app=NAME"
            ports = getattr(target, "ports", ())
            port = f"{ports[0].port}/{ports[0].protocol.value}" if ports else "PORT"
            fix = command("dns", "-n", namespace) + "\n" + command("allow", "--from", "app=CLIENT", "--to", to, "--port", port, "-n", namespace)
            yield self.finding(ctx, target, message, fix)
