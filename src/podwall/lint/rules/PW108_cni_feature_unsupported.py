"""PW108 cni.feature-unsupported."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.cni import choice_of, plugin, supports
from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import port_list, to_yaml
from podwall.lint.phrases import port_field
from podwall.lint.registry import Rule, register
from podwall.model import PortSpec, Protocol

@register
class FeatureUnsupported(Rule):
    """A policy relies on a feature the cluster's network plugin lacks: SCTP, endPort or named ports.

    What it checks:
    Each `ports` entry of each NetworkPolicy against the network plugin in use:
    `protocol: SCTP` where the plugin does not enforce SCTP rules (Cilium
    unless `sctp.enabled`, kube-router), `endPort` where it does not support
    port ranges (Azure NPM, Cilium before 1.16), a named port where it does
    not resolve names (Weave Net).

    Why it matters:
    The Kubernetes documentation: a plugin without `endPort` support applies
    the rule "only for the single port field". The other two leave rules the
    plugin cannot honour (or crash on). Either way, what is enforced is not
    what is written.

    Example:
    ```yaml
    ports:
      - {protocol: TCP, port: 8000, endPort: 8003}
    ```
    with an `azure-npm` DaemonSet in the input.

    Fix:
    Spell out what the plugin supports, for example one entry per port:
    ```yaml
    ports:
      - {protocol: TCP, port: 8000}
      - {protocol: TCP, port: 8001}
      - {protocol: TCP, port: 8002}
      - {protocol: TCP, port: 8003}
    ```

    Known limits:
    Only statements the profile confirms are reported (`podwall cni`);
    unknown support is not.
    """

    code = "PW108"
    name = "cni.feature-unsupported"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        choice = choice_of(ctx)
        if not choice.conventions.enforces:
            return  # PW106 says it: nothing is enforced at all
        unsupported = {topic for topic in ("sctp", "end_port", "named_ports") if supports(choice, topic) is False}
        if not unsupported:
            return
        who = plugin(choice)
        for policy in ctx.written.policies:
            for rule in policy.ingress + policy.egress:
                for k, spec in enumerate(rule.ports):
                    field = port_field(rule, k)
                    if "sctp" in unsupported and spec.protocol is Protocol.SCTP:
                        message = f"{field}: SCTP: the network plugin {who} does not enforce SCTP rules"
                        yield self.finding(ctx, policy, message, _sctp_fix(choice.profile.name, self.code), rule.location)
                    elif "end_port" in unsupported and isinstance(spec.port, int) and spec.end_port not in (None, spec.port):
                        message = (
                            f"{field}: port range {spec.port}-{spec.end_port}: the network plugin {who} does not support "
                            f"endPort, so only port {spec.port} is allowed"
                        )
                        fix = port_list(spec.protocol.value, spec.port, spec.end_port)
                        yield self.finding(ctx, policy, message, fix, rule.location)
                    elif "named_ports" in unsupported and isinstance(spec.port, str):
                        message = f"{field}: named port {spec.port!r}: the network plugin {who} does not support named ports"
                        yield self.finding(ctx, policy, message, _named_fix(ctx, spec), rule.location)


def _sctp_fix(profile: str, code: str) -> str:
    if profile == "cilium":
        return to_yaml({"sctp": {"enabled": True}}) + "   # Cilium's Helm values (beta)"
    return to_yaml({"metadata": {"annotations": {"podwall.io/ignore": code}}}) + "   # once SCTP is handled otherwise"


def _named_fix(ctx: Context, spec: PortSpec) -> str:
    """The numbers the name stands for on the input's pods (each entry a number)."""
    numbers = sorted(
        {cp.port for pod in ctx.written.pods for cp in pod.ports if cp.name == spec.port and cp.protocol is spec.protocol}
    )
    proto = spec.protocol.value
    if not numbers:
        return f"ports:\n  - {{protocol: {proto}, port: PORT}}   # the number {spec.port!r} stands for"
    return "ports:\n" + "\n".join(f"  - {{protocol: {proto}, port: {n}}}" for n in numbers)
