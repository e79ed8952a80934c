"""PW205 dns.no-server."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.dns import dns_access, dns_fix, servers_described
from podwall.lint.finding import Finding, Severity
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register


@register
class DnsNoServer(Rule):
    """Port 53 allowed, but only to places where no DNS server runs.

    What it checks:
    A workload isolated for egress whose egress rules admit port 53, yet
    whose peers match none of the DNS servers (the input's, or the assumed
    CoreDNS in `kube-system`; see PW203).

    Why it matters:
    The policy says "DNS is allowed", the lookups still fail. Typical causes:
    a namespaceSelector on a label `kube-system` does not carry
    (`name: kube-system` instead of `kubernetes.io/metadata.name`), or a
    podSelector without namespaceSelector, which looks for the DNS pods in
    the workload's own namespace.

    Example:
    ```yaml
    egress:
      - to:
          - namespaceSelector:
              matchLabels: {name: kube-system}   # no namespace has this label
        ports:
          - {protocol: UDP, port: 53}
          - {protocol: TCP, port: 53}
    ```

    Fix:
    `podwall generate dns -n NS`, or select the namespace by the label the API
    server sets:
    ```yaml
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: kube-system}
    ```

    Known limits:
    Not reported when a rule admitting port 53 names an ipBlock: that may be a
    resolver podwall cannot see (NodeLocal DNSCache, a VPC resolver).
    """

    code = "PW205"
    name = "dns.no-server"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for access in dns_access(ctx):
            if not access.written or access.reaches or access.to_addresses:
                continue
            message = (
                f"{access.subject}'s egress allows port 53 only to {listing(access.peers)}, where no DNS server is: "
                f"lookups to {servers_described(ctx)} are blocked"
            )
            yield self.finding(ctx, access.target, message, dns_fix(ctx, access.namespace))
