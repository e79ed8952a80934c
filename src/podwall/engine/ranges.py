"""External address ranges: the partition of the address space that ipBlocks induce.

Every address in one range belongs to exactly the same ipBlocks, so one
representative address stands for the whole range; adjacent pieces with the
same membership are joined, so ranges are the largest such contiguous runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from podwall.model import IPAddress, IPBlockPeer
from podwall.model.quick import frozen

_SPACE = {4: (0, 2**32 - 1), 6: (0, 2**128 - 1)}


@frozen(order=True)
class AddressRange:
    """An inclusive range of addresses of one family."""

    version: int
    first: int
    last: int

    @property
    def start(self) -> IPAddress:
        """The first address, which stands for the range."""
        return ipaddress.ip_address(self.first) if self.version == 4 else ipaddress.IPv6Address(self.first)

    @property
    def end(self) -> IPAddress:
        """The last address."""
        return ipaddress.ip_address(self.last) if self.version == 4 else ipaddress.IPv6Address(self.last)

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


def block_intervals(block: IPBlockPeer) -> list[tuple[int, int]]:
    """The address intervals an ipBlock covers: its cidr minus its excepts."""
    start, end = int(block.cidr.network_address), int(block.cidr.broadcast_address)
    holes = sorted((int(e.network_address), int(e.broadcast_address)) for e in block.excepts)
    pieces, cursor = [], start
    for lo, hi in holes:
        if lo > cursor:
            pieces.append((cursor, lo - 1))
        cursor = max(cursor, hi + 1)
    if cursor <= end:
        pieces.append((cursor, end))
    return pieces


def partition(blocks: Iterable[IPBlockPeer], *, versions: Iterable[int] = (4,)) -> list[AddressRange]:
    """Cut each address family into maximal runs of equal ipBlock membership.

    Families in ``versions`` are always covered (IPv4 by default, the whole space
    when no block is given); a family appears also when some block uses it.
    """
    by_version: dict[int, list[list[tuple[int, int]]]] = {v: [] for v in versions}
    for block in blocks:
        by_version.setdefault(block.cidr.version, []).append(block_intervals(block))
    ranges: list[AddressRange] = []
    for version, covers in sorted(by_version.items()):
        low, high = _SPACE[version]
        cuts = {low, high + 1}
        for pieces in covers:
            for lo, hi in pieces:
                cuts.add(lo)
                cuts.add(hi + 1)
        edges = sorted(cuts)
        previous: tuple[int, ...] | None = None
        for lo, nxt in zip(edges, edges[1:]):
            member = tuple(i for i, pieces in enumerate(covers) if any(a <= lo <= b for a, b in pieces))
            if member == previous and ranges:
                last = ranges[-1]
                ranges[-1] = AddressRange(version, last.first, nxt - 1)
            else:
                ranges.append(AddressRange(version, lo, nxt - 1))
            previous = member
    return ranges


def _address(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def _interval_text(version: int, first: int, last: int) -> str:
    """One interval as CIDRs when that is shorter than ``first-last`` (a single address alone)."""
    start, end = _address(version, first), _address(version, last)
    if first == last:
        return str(start)
    bits = 32 if version == 4 else 128
    cidrs = ",".join(
        str(n.network_address) if n.prefixlen == bits else n.with_prefixlen
        for n in ipaddress.summarize_address_range(start, end)  # type: ignore[arg-type]
    )
    dashed = f"{start}-{end}"
    return cidrs if len(cidrs) <= len(dashed) else dashed


def _joined(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent or overlapping intervals as one."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def ranges_text(ranges: Iterable[AddressRange]) -> str:
    """Ranges as briefly as they can be written, per address family.

    Adjacent ranges are joined; each is written as CIDRs where that is shorter than
    ``first-last``; and the whole as ``CIDR except HOLES`` (the smallest CIDR that
    covers them, minus what they leave out) when that is shorter still:
    ``0.0.0.0/0 except 169.254.169.254`` rather than two ranges around it.
    """
    by_version: dict[int, list[tuple[int, int]]] = {}
    for r in ranges:
        by_version.setdefault(r.version, []).append((r.first, r.last))
    texts: list[str] = []
    for version, intervals in sorted(by_version.items()):
        joined = _joined(intervals)
        listed = ",".join(_interval_text(version, lo, hi) for lo, hi in joined)
        bits = 32 if version == 4 else 128
        lo, hi = joined[0][0], joined[-1][1]
        prefix = bits - (lo ^ hi).bit_length()
        cover = ipaddress.ip_network((_address(version, lo), prefix), strict=False)
        first, last = int(cover.network_address), int(cover.broadcast_address)
        holes: list[tuple[int, int]] = []
        cursor = first
        for a, b in joined:
            if a > cursor:
                holes.append((cursor, a - 1))
            cursor = b + 1
        if cursor <= last:
            holes.append((cursor, last))
        if holes:
            excepted = f"{cover.with_prefixlen} except " + ",".join(_interval_text(version, a, b) for a, b in holes)
            texts.append(excepted if len(excepted) < len(listed) else listed)
        else:
            texts.append(listed)
    return ",".join(texts)
