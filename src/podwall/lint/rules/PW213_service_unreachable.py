"""PW213 service.unreachable."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.engine import Probe
from podwall.engine.match import rule_ports_match
from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import command
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register
from podwall.model import Direction, LabelSelector, PodPeer


def _sources(ctx: Context, d: int, probe: Probe, exclude: int) -> tuple[int, bool]:
    """Classes the ingress of ``d`` accepts on ``probe`` (minus ``exclude``), and whether one of them may send."""
    admitted = ctx.accepted(d, probe) & ctx.real & ~exclude
    groups: set[tuple[object, ...]] = set()
    for c in bits(admitted):
        group = ctx.egress_group(c)
        if group in groups:
            continue
        groups.add(group)
        if ctx.egress_allows(c, d, probe):
            return admitted, True
    return admitted, False


def reachable(ctx: Context, d: int, probe: Probe, exclude: int) -> bool:
    """Whether some pod outside ``exclude``, or some outside address, may reach class ``d`` on ``probe``.

    Both sides are the engine's, through every tier; sources are tried once per
    group of classes whose egress the same policies decide.
    """
    if ctx.classes[d].rep.host_network:
        return True
    if not ctx.ingress_of[d] or ctx.accepts_external(d, probe):
        return True
    return _sources(ctx, d, probe, exclude)[1]


@register
class ServiceUnreachable(Rule):
    """A Service port whose targetPort no pod and no outside address may reach.

    What it checks:
    For every Service with a selector and every one of its ports: some pod
    (other than the Service's own) or some address outside the cluster must
    be allowed, on both sides of the connection, to reach the targetPort of at
    least one of the pods the Service selects.

    Why it matters:
    Policies never see Service ports: traffic to a Service is judged at its
    pods' targetPort. A Service that nothing may reach is either dead or, far
    more often, broken by a default-deny that no allow was added for.

    Example:
    ```yaml
    kind: Service
    metadata: {name: api, namespace: shop}
    spec:
      selector: {app: api}
      ports: [{port: 80, targetPort: 8080}]
    ---
    kind: NetworkPolicy
    metadata: {name: default-deny-ingress, namespace: shop}
    spec: {podSelector: {}, policyTypes: [Ingress]}
    ```

    Fix:
    Allow the Service's clients to its targetPort:
    `podwall generate allow --from app=CLIENT --to app=api --port 8080/TCP -n shop`
    (when the ingress already admits clients whose egress blocks them, the
    fix is their egress half, `... --egress-only`).

    Known limits:
    Clients outside the input (other clusters, a load balancer's health
    checks) cannot be seen; a port that only an admin-tier Deny closes is
    taken as closed on purpose and not reported; an ipBlock or rule without `from` counts as
    "something outside may reach it". Services without a selector are skipped.
    """

    code = "PW213"
    name = "service.unreachable"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for service in ctx.services:
            if not service.selector:
                continue
            chosen = LabelSelector.from_labels(service.selector)
            backends = [
                c for c in bits(ctx.by_namespace.get(service.namespace, 0) & ctx.real)
                if chosen.matches(ctx.classes[c].rep.labels)
            ]
            if not backends:
                continue
            exclude = sum(1 << c for c in backends)
            for port in service.ports:
                judged = [(d, probe) for d in backends if (probe := ctx.resolve(port.target_port, port.protocol, d))]
                if not judged or any(reachable(ctx, d, probe, exclude) for d, probe in judged):
                    continue
                d, probe = judged[0]
                subjects = ctx.subjects(exclude)
                target = f"targetPort {port.target_port} ({probe})" if isinstance(port.target_port, str) else f"targetPort {probe}"
                admitted, _ = _sources(ctx, d, probe, exclude)
                if admitted:
                    why = (
                        f"its ingress admits only {listing(ctx.subjects(admitted))}, whose egress does not allow it"
                    )
                else:
                    why = (
                        f"{listing(subjects)} {'is' if len(subjects) == 1 else 'are'} isolated for ingress by "
                        f"{listing(ctx.isolated_by(d, Direction.INGRESS))} and no ingress rule admits anyone on {probe}"
                    )
                message = (
                    f"port {port.port}/{port.protocol.value} goes to {target} of {listing(subjects)}: {why}; nothing "
                    "can reach this Service port"
                )
                fix = _fix(ctx, d, probe, admitted, chosen, service.namespace)
                yield self.finding(ctx, service, message, fix)


def _fix(ctx: Context, d: int, probe: Probe, admitted: int, chosen: LabelSelector, namespace: str) -> str:
    """The egress half for the clients the ingress already admits, else an allow for clients to name."""
    rep = ctx.classes[d].rep
    for policy in ctx.ingress_of[d]:
        for rule in policy.ingress:
            if not rule_ports_match(rule, probe, rep):
                continue
            for peer in rule.peers:
                if not isinstance(peer, PodPeer) or peer.pod_selector is None or peer.pod_selector.is_empty:
                    continue
                clients = ctx.peer_mask(peer) & admitted
                if not clients:
                    continue
                client_ns = ctx.classes[next(bits(clients))].rep.namespace
                words = ["allow", "--from", str(peer.pod_selector), "--to", str(chosen)]
                if client_ns != namespace:
                    words += ["--to-namespace", namespace]
                return command(*words, "--port", str(probe), "-n", client_ns, "--egress-only")
    return command("allow", "--from", "app=CLIENT", "--to", str(chosen), "--port", str(probe), "-n", namespace)
