"""Sets of (protocol, port) as disjoint intervals, printed the way netpol-analyzer prints them."""

from __future__ import annotations

from collections.abc import Iterable

from podwall.engine.options import Probe
from podwall.model import Protocol
from podwall.model.quick import frozen

PORT_MIN, PORT_MAX = 1, 65535
PROTOCOLS = tuple(sorted(Protocol, key=lambda p: p.value))  # SCTP, TCP, UDP: printed in name order

Interval = tuple[Protocol, int, int]


@frozen
class ConnSet:
    """Allowed connections: per protocol, sorted disjoint inclusive port intervals."""

    intervals: tuple[Interval, ...] = ()

    @classmethod
    def of(cls, intervals: Iterable[Interval]) -> ConnSet:
        """Normalise: sort, merge overlapping and adjacent intervals."""
        merged: list[list] = []
        for proto, start, end in sorted(intervals, key=lambda i: (i[0].value, i[1], i[2])):
            if merged and merged[-1][0] is proto and start <= merged[-1][2] + 1:
                merged[-1][2] = max(merged[-1][2], end)
            else:
                merged.append([proto, start, end])
        return cls(tuple((p, s, e) for p, s, e in merged))

    @classmethod
    def everything(cls) -> ConnSet:
        """Every port of every protocol."""
        return cls(tuple((p, PORT_MIN, PORT_MAX) for p in PROTOCOLS))

    @property
    def is_empty(self) -> bool:
        """No connection at all."""
        return not self.intervals

    @property
    def is_all(self) -> bool:
        """Every port of TCP, UDP and SCTP."""
        return self == ConnSet.everything()

    def union(self, other: ConnSet) -> ConnSet:
        """Connections in either set."""
        return ConnSet.of((*self.intervals, *other.intervals))

    def difference(self, other: ConnSet) -> ConnSet:
        """Connections in this set and not in ``other``."""
        kept: list[Interval] = []
        for proto, start, end in self.intervals:
            cursor = start
            for p, s, e in other.intervals:
                if p is not proto or e < cursor or s > end:
                    continue
                if s > cursor:
                    kept.append((proto, cursor, s - 1))
                cursor = max(cursor, e + 1)
            if cursor <= end:
                kept.append((proto, cursor, end))
        return ConnSet(tuple(kept))

    def contains(self, probe: Probe) -> bool:
        """Whether the probe's port and protocol are in the set."""
        return any(p is probe.protocol and s <= probe.port <= e for p, s, e in self.intervals)

    def __str__(self) -> str:
        if self.is_all:
            return "All Connections"
        if self.is_empty:
            return "No Connections"
        parts: list[str] = []
        for proto in PROTOCOLS:
            ports = [f"{s}" if s == e else f"{s}-{e}" for p, s, e in self.intervals if p is proto]
            if ports:
                parts.append(f"{proto.value} {','.join(ports)}")
        return ",".join(parts)
