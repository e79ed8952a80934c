"""PW204 dns.one-protocol."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.engine import Probe
from podwall.lint.context import Context
from podwall.lint.dns import dns_access, dns_fix
from podwall.lint.finding import Finding, Severity
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register
from podwall.model import Protocol


@register
class DnsOneProtocol(Rule):
    """DNS allowed on UDP 53 but not on TCP 53, or the reverse.

    What it checks:
    For every workload isolated for egress that may reach a DNS server (see
    PW203) on one of 53/UDP and 53/TCP: it must be allowed the other too.

    Why it matters:
    DNS uses UDP, and falls back to TCP when an answer does not fit in a UDP
    packet (many records, long names, DNSSEC). With TCP blocked, those
    lookups fail intermittently, which is much harder to diagnose than a
    total outage. With only TCP allowed, nearly every lookup fails.

    Example:
    ```yaml
    egress:
      - to: [{namespaceSelector: {}}]
        ports:
          - {protocol: UDP, port: 53}   # no TCP 53
    ```

    Fix:
    Allow both protocols (`podwall generate dns -n NS` does):
    ```yaml
    ports:
      - {protocol: UDP, port: 53}
      - {protocol: TCP, port: 53}
    ```

    Known limits:
    Judged against the DNS servers of the input (or the assumed CoreDNS),
    from the workload's egress only.
    """

    code = "PW204"
    name = "dns.one-protocol"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for access in dns_access(ctx):
            if len({p.protocol for p in access.reaches}) != 1:
                continue
            ok = min(access.reaches)
            missing = Probe(ok.port, Protocol.TCP if ok.protocol is Protocol.UDP else Protocol.UDP)
            if ok.protocol is Protocol.UDP:
                effect = "lookups whose answers do not fit in a UDP packet retry over TCP and fail"
            else:
                effect = "lookups go over UDP first and fail"
            message = (
                f"{access.subject} may reach DNS on {ok} but not on {missing} (isolated for egress by "
                f"{listing(access.isolated_by)}): {effect}"
            )
            yield self.finding(ctx, access.target, message, dns_fix(ctx, access.namespace))
