"""AWS VPC flow logs: space-separated records, the default format or a custom one named by a header line.

The default format (version 2) is ``version account-id interface-id srcaddr dstaddr srcport
dstport protocol packets bytes start end action log-status``; files delivered to S3 start with
that header, and a custom format's header names its fields, so a header is read when present
and the fields are found by name. ``protocol`` is the IANA number, ``start``/``end`` UNIX
seconds, ``action`` ``ACCEPT`` or ``REJECT``, ``log-status`` ``OK``, ``NODATA`` or
``SKIPDATA`` (the last two carry no flow). With a custom format, ``pkt-srcaddr`` and
``pkt-dstaddr`` (the addresses before NAT) are preferred, ``flow-direction`` and ``tcp-flags``
(SYN 2, SYN-ACK 18) tell a reply apart. Each direction of a connection is its own record:
replies are recognised when the record says so, else by ports (see ``podwall.flows.orient``).
"""

from __future__ import annotations

from dataclasses import dataclass

from podwall.flows.record import Endpoint, Flow, NotAFlow, Unreadable, Verdict, address, five_tuple, port_number, protocol_of

NAME = "vpc"
DEFAULT_FIELDS = ("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
                  "packets", "bytes", "start", "end", "action", "log-status")  # fmt: skip
_ACTIONS = {"ACCEPT": Verdict.FORWARDED, "REJECT": Verdict.DROPPED}


@dataclass
class Layout:
    """The field order of one file: the default, or its header's."""

    fields: tuple[str, ...] = DEFAULT_FIELDS

    def index(self, name: str) -> int | None:
        return self.fields.index(name) if name in self.fields else None


def sniff(line: str) -> bool:
    """A header naming VPC fields, or a default-format record (14 fields, version 2..9, an ACCEPT/REJECT/-)."""
    parts = line.split()
    if "srcaddr" in parts and "dstaddr" in parts:
        return True
    return len(parts) == 14 and parts[0].isdigit() and parts[12] in ("ACCEPT", "REJECT", "-")


def is_header(line: str) -> bool:
    """A header line: field names, no values."""
    parts = line.split()
    return "srcaddr" in parts and "dstaddr" in parts


def header(line: str) -> Layout:
    """The layout a header line names."""
    return Layout(tuple(line.split()))


def parse(line: str, where: str, layout: Layout) -> Flow:
    """One record as a Flow (the sending end as the source, as recorded)."""
    parts = line.split()
    if len(parts) != len(layout.fields):
        raise Unreadable(f"{len(parts)} fields where the format has {len(layout.fields)}")
    value = {name: parts[i] for i, name in enumerate(layout.fields)}
    status = value.get("log-status", "OK")
    if status != "OK":
        raise NotAFlow(f"log-status {status}" + (": AWS skipped records in this capture window" if status == "SKIPDATA" else ""))
    src = address(value.get("pkt-srcaddr") if value.get("pkt-srcaddr", "-") != "-" else value.get("srcaddr"), "srcaddr")
    dst = address(value.get("pkt-dstaddr") if value.get("pkt-dstaddr", "-") != "-" else value.get("dstaddr"), "dstaddr")
    if src is None or dst is None:
        raise Unreadable("no source or destination address")
    protocol, name = protocol_of(value.get("protocol", ""))
    action = value.get("action", "-")
    if action not in _ACTIONS and action != "-":
        raise Unreadable(f"action: {action!r} is neither ACCEPT nor REJECT")
    reply = None
    flags = value.get("tcp-flags", "-")
    if flags.isdigit():
        bits = int(flags)
        if bits & 2 and bits & 16:
            reply = True  # SYN-ACK
        elif bits & 2:
            reply = False
    sport = port_number(value.get("srcport"), "srcport")
    dport = port_number(value.get("dstport"), "dstport")
    source, destination = Endpoint(ip=src), Endpoint(ip=dst)
    if reply:
        source, destination, dport, sport = destination, source, sport, dport
    return Flow(
        source=source,
        destination=destination,
        port=dport,
        protocol=protocol,
        verdict=_ACTIONS.get(action, Verdict.UNKNOWN),
        reply=reply,
        count=0 if reply else 1,
        connection=five_tuple(source.ip, sport, destination.ip, dport, protocol),
        time=_seconds(value.get("start"), "start"),
        end_time=_seconds(value.get("end"), "end"),
        reason="REJECT (security group or network ACL)" if action == "REJECT" else "",
        where=where,
        protocol_name=name,
        source_port=sport,
    )


def _seconds(text: str | None, what: str) -> float | None:
    if text is None or text == "-":
        return None
    if not text.isdigit():
        raise Unreadable(f"{what}: {text!r} is not a UNIX timestamp")
    return float(text)
