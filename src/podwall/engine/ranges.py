"""External address ranges: the partition of the address space that ipBlocks induce.

Every address in one range belongs to exactly the same ipBlocks, so one
representative address stands for the whole range; adjacent pieces with the
same membership are joined, so ranges are the largest such contiguous runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from podwall.model import IPAddress, IPBlockPeer

_SPACE = {4: (0, 2**32 - 1), 6: (0, 2**128 - 1)}


@dataclass(frozen=True, slots=True, order=True)
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
