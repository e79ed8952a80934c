"""PW103 exposure.cloud-metadata."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import to_yaml
from podwall.lint.phrases import peer_field, peers_key
from podwall.lint.registry import Rule, register
from podwall.model import Direction, IPBlockPeer, Protocol, Rule as PolicyRule

#: The instance metadata service of AWS, GCP, Azure and most clouds (and AWS's IPv6 one).
METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))


def _admits_http(rule: PolicyRule) -> bool:
    """Whether the rule's ports admit 80/TCP, where the metadata service answers."""
    if rule.all_ports:
        return True
    for spec in rule.ports:
        if spec.protocol is not Protocol.TCP or isinstance(spec.port, str):
            continue
        if spec.port is None:
            return True
        end = spec.end_port if spec.end_port is not None else spec.port
        if spec.port <= 80 <= end:
            return True
    return False


@register
class CloudMetadata(Rule):
    """An egress ipBlock wide enough to include the cloud metadata address 169.254.169.254.

    What it checks:
    Egress rules whose `ipBlock` contains 169.254.169.254 (or AWS's IPv6
    fd00:ec2::254) without excepting it, on ports that include 80/TCP. A
    `/32` naming the address itself is taken as deliberate.

    Why it matters:
    On most clouds the instance metadata service hands out the node's
    credentials to anything that can reach it. "Egress to the internet" as
    `0.0.0.0/0` includes it, so a compromised pod can impersonate the node.

    Example:
    ```yaml
    egress:
      - to:
          - ipBlock:
              cidr: 0.0.0.0/0
    ```

    Fix:
    Except the metadata address in that ipBlock:
    ```yaml
    egress:
      - to:
          - ipBlock:
              cidr: 0.0.0.0/0
              except: [169.254.169.254/32]
    ```
    or `podwall generate egress-cidr 0.0.0.0/0 --except 169.254.169.254/32 --port 443 -n NS`.

    Known limits:
    Some plugins let host-level metadata protection (IMDSv2 hop limits,
    GKE metadata concealment) handle this; podwall cannot see those. Named
    ports never match external addresses and are not considered.
    """

    code = "PW103"
    name = "exposure.cloud-metadata"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.written.policies:
            if not policy.isolates(Direction.EGRESS):
                continue
            for rule in policy.egress:
                if not _admits_http(rule):
                    continue
                for j, peer in enumerate(rule.peers):
                    if not isinstance(peer, IPBlockPeer) or peer.cidr.prefixlen == peer.cidr.max_prefixlen:
                        continue
                    exposed = [a for a in METADATA if peer.contains(a)]
                    if not exposed:
                        continue
                    address = exposed[0]
                    host = f"{address}/{address.max_prefixlen}"
                    message = (
                        f"{peer_field(rule, j)}: ipBlock {peer.cidr} includes the cloud metadata address {address} "
                        "on 80/TCP: pods this policy selects can read the node's credentials"
                    )
                    fixed = {"cidr": str(peer.cidr), "except": [*map(str, peer.excepts), host]}
                    fix = to_yaml({peers_key(rule.direction): [{"ipBlock": fixed}]})
                    yield self.finding(ctx, policy, message, fix, rule.location)
