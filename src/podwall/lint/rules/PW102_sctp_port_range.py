"""PW102 port.sctp-range."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import port_list
from podwall.lint.phrases import port_field
from podwall.lint.registry import Rule, register
from podwall.model import Protocol

@register
class SctpPortRange(Rule):
    """A port range (endPort) on SCTP, which network plugins support least.

    What it checks:
    A `ports` entry with `protocol: SCTP` and an `endPort` above its `port`.

    Why it matters:
    `endPort` and SCTP are both optional features of a network plugin. A
    plugin without SCTP support ignores the entry; one without `endPort`
    support applies it to the first port alone. Either way the range you
    wrote is not what is enforced, and nothing tells you.

    Example:
    ```yaml
    ports:
      - protocol: SCTP
        port: 5000
        endPort: 5003
    ```

    Fix:
    List the ports one by one (or check that your plugin supports SCTP port
    ranges, then disable PW102):
    ```yaml
    ports:
      - {protocol: SCTP, port: 5000}
      - {protocol: SCTP, port: 5001}
      - {protocol: SCTP, port: 5002}
      - {protocol: SCTP, port: 5003}
    ```

    Known limits:
    podwall does not know which plugin runs your cluster; TCP and UDP ranges
    are not reported, although very old plugins ignore `endPort` on them too.
    For the whole range 1-65535 the fix is an entry without a port.
    """

    code = "PW102"
    name = "port.sctp-range"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.written.policies:
            for rule in policy.ingress + policy.egress:
                for k, spec in enumerate(rule.ports):
                    if spec.protocol is not Protocol.SCTP or spec.end_port is None or not isinstance(spec.port, int):
                        continue
                    if spec.end_port == spec.port:
                        continue
                    message = (
                        f"{port_field(rule, k)}: SCTP port range {spec.port}-{spec.end_port}: network plugins without "
                        f"SCTP or endPort support enforce only port {spec.port} or nothing at all"
                    )
                    if spec.port == 1 and spec.end_port == 65535:
                        fix = "ports:\n  - {protocol: SCTP}   # every SCTP port: no range needed"
                        yield self.finding(ctx, policy, message, fix, rule.location)
                        continue
                    yield self.finding(ctx, policy, message, port_list("SCTP", spec.port, spec.end_port), rule.location)
