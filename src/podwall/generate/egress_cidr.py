"""``generate egress-cidr``: egress to networks outside the cluster (ipBlock, with excepts)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from podwall.errors import UsageError
from podwall.generate.names import quote, slug
from podwall.generate.policies import (
    PRIVATE_RANGES,
    Generated,
    Generation,
    IntendedFlow,
    NetParty,
    isolation_notes,
    party,
    policy,
)
from podwall.generate.ports import ports_text
from podwall.generate.selectors import pods_text
from podwall.model import Cluster, Direction, IPBlockPeer, IPNetwork, LabelSelector, PortSpec


def parse_cidr(text: str, option: str = "CIDR") -> IPNetwork:
    """``addr/prefix``, host bits masked off (as the API server reads it)."""
    address, slash, prefix = text.strip().partition("/")
    if not slash or not prefix.isdigit():
        raise UsageError(f"invalid {option} {quote(text)}: expected ADDRESS/PREFIX, e.g. 10.0.0.0/8")
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as error:
        raise UsageError(f"invalid {option} {quote(text)}: {error}") from None


def blocks(cidrs: Sequence[IPNetwork], excepts: Sequence[IPNetwork]) -> tuple[IPBlockPeer, ...]:
    """One ipBlock per CIDR, each except given to the CIDR that strictly contains it."""
    if not cidrs:
        raise UsageError("give at least one CIDR, or --public-internet")
    owned: dict[IPNetwork, list[IPNetwork]] = {c: [] for c in dict.fromkeys(cidrs)}
    for ex in dict.fromkeys(excepts):
        home = next(
            (c for c in owned if c.version == ex.version and ex != c and ex.subnet_of(c)),  # type: ignore[arg-type]
            None,
        )
        if home is None:
            raise UsageError(f"--except {ex} is not strictly inside any CIDR given ({', '.join(map(str, owned))})")
        owned[home].append(ex)
    return tuple(IPBlockPeer(c, tuple(ex)) for c, ex in owned.items())


def _name(peers: tuple[IPBlockPeer, ...], preset: bool) -> str:
    first = peers[0]
    private = set(PRIVATE_RANGES[:3])  # RFC 1918
    if preset or (len(peers) == 1 and first.cidr.prefixlen == 0 and private <= set(first.excepts)):
        return "allow-egress-to-internet"
    if first.cidr.prefixlen == 0:
        text = "any-address" if not first.excepts else "any-address-but-some"
    else:
        text = slug(str(first.cidr).replace("/", "-").replace(":", "-"))
    if len(peers) > 1:
        text += f"-and-{len(peers) - 1}-more"
    return f"allow-egress-to-{text}"


def egress_cidr(
    cidrs: Sequence[IPNetwork] = (),
    ports: Sequence[PortSpec] = (),
    *,
    excepts: Sequence[IPNetwork] = (),
    public_internet: bool = False,
    namespace: str = "default",
    pods: LabelSelector = LabelSelector(),
    name: str | None = None,
    context: Cluster | None = None,
) -> Generation:
    """Let ``pods`` of ``namespace`` send to ``cidrs`` minus ``excepts`` on ``ports``.

    ``public_internet`` is the preset 0.0.0.0/0 except the RFC 1918 ranges and
    link-local 169.254.0.0/16 (cloud metadata endpoints); it excludes ``cidrs``.
    """
    if public_internet:
        if cidrs or excepts:
            raise UsageError("--public-internet is 0.0.0.0/0 with its own excepts: give it without CIDRs or --except")
        cidrs, excepts = [ipaddress.ip_network("0.0.0.0/0")], list(PRIVATE_RANGES)
    peers = blocks(cidrs, excepts)
    pol = policy(namespace, name or _name(peers, public_internet), pods, [Direction.EGRESS], egress=[(peers, tuple(ports))])
    target = "the public internet (" + str(peers[0]) + ")" if public_internet else " and ".join(map(str, peers))
    who = pods_text(pods)
    comment = f"Allow {who} in {namespace} to send to {target} on {ports_text(tuple(ports))}."
    generated = (Generated(pol, comment),)
    client = party(pods, namespace)
    intended = tuple(
        IntendedFlow(client, NetParty(str(b.cidr), b), tuple(ports), f"{client.label} -> {b.cidr}") for b in peers
    )
    notes = isolation_notes(context, generated) if context is not None else []
    return Generation(generated, intended, tuple(notes))
