"""PW203 dns.blocked."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.dns import dns_access, dns_fix, dns_ports_text, servers_described
from podwall.lint.finding import Finding, Severity
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register


@register
class DnsBlocked(Rule):
    """A workload isolated for egress with no egress rule that allows DNS.

    What it checks:
    Every workload (or bare pod) that some policy isolates for egress must be
    allowed to send to a DNS server over UDP or TCP. The DNS servers are
    recognised by their Service (one serving port 53: kube-dns, CoreDNS,
    OpenShift's `openshift-dns/dns-default`, whose pods listen on 5353), else
    by the labels CoreDNS and kube-dns carry or a container port 53; when the
    input has none, CoreDNS is assumed as kubeadm deploys it (pods
    `k8s-app: kube-dns` in `kube-system`). `--dns-namespace`, `--dns-selector`
    and `--dns-port` name them instead.

    Why it matters:
    The most common outage after a default-deny: every name lookup times out,
    so every connection to a Service name fails, while connections by IP
    still work and make the problem look like anything but DNS.

    Example:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: default-deny-all, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Ingress, Egress]
    # ... and no policy allowing egress to port 53
    ```

    Fix:
    `podwall generate dns -n shop`, which writes:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: allow-dns, namespace: shop}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress:
        - to:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
              podSelector: {matchLabels: {k8s-app: kube-dns}}
          ports:
            - {protocol: UDP, port: 53}
            - {protocol: TCP, port: 53}
    ```

    Known limits:
    Only the workload's egress is judged here; that the DNS pods' ingress
    accepts the query is PW211's concern. Pods using `dnsPolicy: Default` or
    host-network resolvers are not told apart.
    """

    code = "PW203"
    name = "dns.blocked"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for access in dns_access(ctx):
            if access.written or access.reaches:
                continue
            message = (
                f"{access.subject} is isolated for egress by {listing(access.isolated_by)} and no egress rule allows "
                f"DNS ({dns_ports_text(ctx)}) to {servers_described(ctx)}: every name lookup fails"
            )
            yield self.finding(ctx, access.target, message, dns_fix(ctx, access.namespace))
