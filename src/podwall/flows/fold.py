"""Folding records into flows: (source, destination, port, protocol) with a count and first/last time.

Replies are turned round to the connection's direction (the tool says so, or, for
address-only records, the ports do: a declared container port or a port below the
ephemeral range is the server's), then retransmits and duplicates fall into the
same flow. Memory is bounded by the number of distinct flows, never by the number
of records: addresses outside the cluster are folded into a key the caller
chooses (the engine's address ranges for ``check``, CIDRs for ``advise``), and the
list of what could not be attributed keeps at most ``MAX_LISTED`` distinct reasons
(the rest counted under one line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from podwall.flows.record import Flow, Verdict
from podwall.flows.resolve import EPHEMERAL, Party, Resolver, Unattributed
from podwall.flows.source import Skipped
from podwall.model import IPAddress, Protocol

MAX_LISTED = 1000
_MAX_REASONS = 8
_MAX_ADDRESSES = 3
#: Connections remembered to fold their later records (more packets, the other end's view, the next
#: capture window) into them: at most this many, each for at most ``SAME_CONNECTION`` seconds after
#: it was last seen (TCP gives up retransmitting a SYN after about 2 minutes; VPC capture windows
#: follow each other).
RECENT_CONNECTIONS = 1 << 16
SAME_CONNECTION = 120.0


@dataclass
class ObservedFlow:
    """One folded flow and what the records said about it.

    ``count`` is how many connections were seen (at least 1: it was observed),
    counted the same way for every format (docs/flows.md, "Counting
    connections"): a connection's replies and later records are not counted again,
    and a connection that both ends reported (Calico's src and dst reporters,
    the gadget's OUTGOING and HOST events) counts once: the larger of the two
    ends' counts. ``records`` is how many records were folded into it;
    ``forwarded`` and ``dropped`` how many of them the tool said it forwarded or
    dropped.
    """

    source: Party
    destination: Party
    port: int
    protocol: Protocol
    count: int = 0
    first: float | None = None
    last: float | None = None
    forwarded: int = 0
    dropped: int = 0
    records: int = 0
    seen_by: dict[str, int] = field(default_factory=dict, repr=False)  # "", "client", "server" -> connections
    reasons: dict[str, int] = field(default_factory=dict)
    via: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)  # external ends seen, when the key is a range or CIDR

    @property
    def key(self) -> tuple[str, str, int, str]:
        """(source, destination, port, protocol) as reported."""
        return (self.source.name, self.destination.name, self.port, self.protocol.value)


@dataclass
class Listed:
    """Records that could not be used, by reason: how many, and where the first was."""

    reason: str
    count: int
    first: str


@dataclass
class Observation:
    """Everything read: the folded flows and what the records were.

    ``records``: lines that carried a record of their format; ``flows_read``: of
    those, records of a flow; ``replies``: flows turned round; ``attributed``:
    flows whose both ends are known; ``not_flows``, ``unreadable``,
    ``unattributed``, ``not_judged`` (no port NetworkPolicy can name: ICMP...) list
    the rest by reason. Every line read is in exactly one of ``flows``' counts or
    these lists.
    """

    flows: list[ObservedFlow]
    lines: int = 0
    records: int = 0
    flows_read: int = 0
    replies: int = 0
    attributed: int = 0
    not_flows: list[Listed] = field(default_factory=list)
    unreadable: list[Listed] = field(default_factory=list)
    unattributed: list[Listed] = field(default_factory=list)
    not_judged: list[Listed] = field(default_factory=list)

    @property
    def dropped_records(self) -> int:
        """Records the tool said were dropped, over every flow."""
        return sum(f.dropped for f in self.flows)


class _Tally:
    """Counts by reason, at most MAX_LISTED reasons (then one line for the rest)."""

    def __init__(self) -> None:
        self.items: dict[str, Listed] = {}
        self.other = Listed("other reasons (more than the list keeps)", 0, "")

    def add(self, reason: str, where: str, count: int = 1) -> None:
        item = self.items.get(reason)
        if item is not None:
            item.count += count
        elif len(self.items) < MAX_LISTED:
            self.items[reason] = Listed(reason, count, where)
        else:
            self.other.count += count
            self.other.first = self.other.first or where

    def listed(self) -> list[Listed]:
        result = sorted(self.items.values(), key=lambda i: (-i.count, i.reason))
        return result + ([self.other] if self.other.count else [])


def _orient(flow: Flow, source: Party, destinations: list[tuple[Party, int | None]], resolver: Resolver) -> bool:
    """Whether an address-only record nobody marked is a reply (the server sending back)."""
    if flow.reply is not None or flow.source_port is None or flow.port is None or len(destinations) != 1:
        return False
    destination, port = destinations[0]
    if resolver.listens(destination, port, flow.protocol):
        return False
    if resolver.listens(source, flow.source_port, flow.protocol):
        return True
    return port is not None and port >= EPHEMERAL > flow.source_port


def observe(
    records: Iterable[Flow | Skipped],
    resolver: Resolver,
    external: Callable[[IPAddress], str] = str,
) -> Observation:
    """Fold records into flows; ``external`` names the key an outside address is folded under."""
    folded: dict[tuple[str, str, int, Protocol], ObservedFlow] = {}
    recent: dict[int, float | None] = {}  # hash of a connection -> when it was last seen
    result = Observation([])
    not_flows, unreadable, unattributed, not_judged = _Tally(), _Tally(), _Tally(), _Tally()

    def outside(party: Party) -> Party:
        if party.kind != "external" or party.address is None:
            return party
        return replace(party, name=external(party.address))

    for item in records:
        result.lines += 1
        if isinstance(item, Skipped):
            if item.readable:
                result.records += 1
                not_flows.add(item.reason, item.where)
            else:
                unreadable.add(item.reason, item.where)
            continue
        flow = item
        result.records += 1
        result.flows_read += 1
        if flow.protocol is None or flow.port is None:
            what = flow.protocol_name or (flow.protocol.value if flow.protocol else "")
            not_judged.add(f"{what} without a port: NetworkPolicy rules name ports of TCP, UDP and SCTP", flow.where)
            continue
        source = resolver.source(flow.source)
        destinations = resolver.destination(flow.destination, flow.port, flow.protocol)
        if isinstance(destinations, Unattributed) or isinstance(source, Unattributed):
            bad = source if isinstance(source, Unattributed) else destinations
            assert isinstance(bad, Unattributed)
            end = "source" if bad is source else "destination"
            unattributed.add(f"{end}: {bad.reason}", flow.where)
            continue
        count = flow.count
        if _orient(flow, source, destinations, resolver):
            party, _ = destinations[0]
            source, destinations = party, [(source, flow.source_port)]
            result.replies += 1
            count = 0  # a reply opens no connection
        elif flow.reply:
            result.replies += 1
            count = 0
        elif flow.connection is not None:
            count = _new_connection(recent, flow) * count
        result.attributed += 1
        via = ""
        if flow.destination.service is not None:
            via = f"{flow.destination.service[0]}/Service/{flow.destination.service[1]}"
        elif flow.via is not None:
            via = str(flow.via)
        for destination, port in destinations:
            if port is None:
                continue
            src, dst = outside(source), outside(destination)
            key = (src.name, dst.name, port, flow.protocol)
            entry = folded.get(key)
            if entry is None:
                entry = folded[key] = ObservedFlow(src, dst, port, flow.protocol)
            _add(entry, flow, count, source, destination, via)
    result.flows = sorted(folded.values(), key=lambda f: (f.source.name, f.destination.name, f.port, f.protocol.value))
    result.not_flows = not_flows.listed()
    result.unreadable = unreadable.listed()
    result.unattributed = unattributed.listed()
    result.not_judged = not_judged.listed()
    return result


def _new_connection(recent: dict[int, float | None], flow: Flow) -> int:
    """1 for the first record of a connection, 0 for its later ones (within ``SAME_CONNECTION`` seconds).

    Connections are remembered by the hash of their 5-tuple (64 bits: a collision among the
    remembered ones is as unlikely as it is harmless, one connection counted once too few).
    """
    key = hash(flow.connection)
    stamp = flow.end_time if flow.end_time is not None else flow.time
    seen = key in recent
    last = recent.pop(key, None)
    recent[key] = stamp if stamp is not None else last
    if len(recent) > RECENT_CONNECTIONS:
        del recent[next(iter(recent))]
    if not seen:
        return 1
    start = flow.time if flow.time is not None else stamp
    return 1 if last is not None and start is not None and start - last > SAME_CONNECTION else 0


def _add(entry: ObservedFlow, flow: Flow, count: int, source: Party, destination: Party, via: str) -> None:
    entry.records += 1
    entry.seen_by[flow.observer] = entry.seen_by.get(flow.observer, 0) + count
    by = entry.seen_by
    entry.count = max(1, by.get("", 0) + max(by.get("client", 0), by.get("server", 0)))
    for stamp in (flow.time, flow.end_time):
        if stamp is not None:
            entry.first = stamp if entry.first is None else min(entry.first, stamp)
            entry.last = stamp if entry.last is None else max(entry.last, stamp)
    if flow.verdict is Verdict.FORWARDED:
        entry.forwarded += 1
    elif flow.verdict is Verdict.DROPPED:
        entry.dropped += 1
        reason = flow.reason or "dropped"
        if reason in entry.reasons or len(entry.reasons) < _MAX_REASONS:
            entry.reasons[reason] = entry.reasons.get(reason, 0) + 1
    if via and via not in entry.via and len(entry.via) < _MAX_ADDRESSES:
        entry.via.append(via)
    for party in (source, destination):
        if party.kind == "external" and party.address is not None and party.name != str(party.address):
            text = str(party.address)
            if text not in entry.addresses and len(entry.addresses) < _MAX_ADDRESSES:
                entry.addresses.append(text)
