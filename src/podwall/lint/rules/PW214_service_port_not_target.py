"""PW214 port.service-port."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.engine import Probe
from podwall.engine.match import rule_ports_match
from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import to_yaml
from podwall.lint.phrases import port_field
from podwall.lint.registry import Rule, register
from podwall.model import Direction, LabelSelector, Protocol, Service, ServicePort
from podwall.model import Rule as PolicyRule


@register
class ServicePortNotTargetPort(Rule):
    """A policy port that is a Service's port but not its pods' targetPort.

    What it checks:
    A numeric port in an ingress or egress rule that equals the `port` of a
    Service selecting the rule's destination pods, whose `targetPort` is
    different, while the pods do not listen on the Service port and the rule
    does not open the targetPort either.

    Why it matters:
    NetworkPolicies are enforced after the Service's address translation, on
    the pod's port. A rule for "port 80" when the Service maps 80 to 8080
    admits nothing: the classic Service port vs targetPort confusion.

    Example:
    ```yaml
    kind: Service
    metadata: {name: api, namespace: shop}
    spec:
      selector: {app: api}
      ports: [{port: 80, targetPort: 8080}]
    ---
    kind: NetworkPolicy
    metadata: {name: api-ingress, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: api}}
      ingress:
        - ports: [{protocol: TCP, port: 80}]   # the pods listen on 8080
    ```

    Fix:
    Use the targetPort (or its name):
    ```yaml
    ports:
      - protocol: TCP
        port: 8080
    ```

    Known limits:
    Only Services of the input are known; ranges (`endPort`) are not checked.
    """

    code = "PW214"
    name = "port.service-port"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        ports: dict[tuple[str, int, Protocol], list[tuple[Service, ServicePort]]] = {}
        for service in ctx.services:
            if service.selector:
                for sp in service.ports:
                    if sp.target_port != sp.port:
                        ports.setdefault((service.namespace, sp.port, sp.protocol), []).append((service, sp))
        if not ports:
            return
        for policy in ctx.policies:
            for direction in Direction:
                if not policy.isolates(direction):
                    continue
                for rule in policy.rules(direction):
                    numbered = [(k, s) for k, s in enumerate(rule.ports) if isinstance(s.port, int) and s.end_port is None]
                    if not numbered:
                        continue
                    if direction is Direction.INGRESS:
                        dests = ctx.selected_by(policy) & ctx.real
                    else:
                        dests = ctx.rule_mask(rule) & ctx.real
                    if not dests:
                        continue
                    namespaces = [ns for ns, mask in ctx.by_namespace.items() if mask & dests]
                    for k, spec in numbered:
                        candidates = [
                            entry for ns in namespaces for entry in ports.get((ns, spec.port, spec.protocol), ())  # type: ignore[arg-type]
                        ]
                        found = self._confusion(ctx, rule, candidates, dests)
                        if found is None:
                            continue
                        service, target, resolved, subject = found
                        shown = f"{target} ({resolved})" if isinstance(target, str) else str(resolved)
                        message = (
                            f"{port_field(rule, k)}: port {spec.port}/{spec.protocol.value} is the port of Service "
                            f"{service}, but policies see the pods' targetPort {shown}, and {subject} does not "
                            f"listen on {spec.port}: this entry admits nothing there"
                        )
                        fix = to_yaml({"ports": [{"protocol": spec.protocol.value, "port": target}]})
                        yield self.finding(ctx, policy, message, fix, rule.location)

    @staticmethod
    def _confusion(
        ctx: Context, rule: PolicyRule, candidates: list[tuple[Service, ServicePort]], dests: int
    ) -> tuple[str, int | str, Probe, str] | None:
        """The first Service port among ``candidates`` whose targetPort the rule misses on ``dests``."""
        for service, sp in candidates:
            chosen = LabelSelector.from_labels(service.selector)
            for d in bits(dests & ctx.by_namespace.get(service.namespace, 0)):
                rep = ctx.classes[d].rep
                if not chosen.matches(rep.labels):
                    continue
                if any(cp.port == sp.port and cp.protocol is sp.protocol for cp in rep.ports):
                    continue
                target = ctx.resolve(sp.target_port, sp.protocol, d)
                if target is None or target.port == sp.port or rule_ports_match(rule, target, rep):
                    continue
                return f"{service.namespace}/{service.name}", sp.target_port, target, ctx.classes[d].subjects[0]
        return None
