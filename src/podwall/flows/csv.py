"""Plain CSV: ``src_ip,dst_ip,dst_port,protocol[,count]``, an optional header line naming those columns.

The simplest export any tool can produce (a spreadsheet, a SQL query over flow logs, a
packet capture summarised with tshark). ``protocol`` is a name (``TCP``) or an IANA number
(``6``); ``count`` (default 1) is how many connections the row stands for. Each row is a
connection from ``src_ip`` to ``dst_ip:dst_port``: nothing is taken for a reply.
"""

from __future__ import annotations

import csv as _csv

from podwall.flows.record import Endpoint, Flow, Unreadable, address, port_number, protocol_of

NAME = "csv"
COLUMNS = ("src_ip", "dst_ip", "dst_port", "protocol")


def sniff(line: str) -> bool:
    """The header, or a row whose first two cells are addresses."""
    cells = [c.strip() for c in line.split(",")]
    if [c.lower() for c in cells[:4]] == list(COLUMNS):
        return True
    if len(cells) not in (4, 5):
        return False
    try:
        address(cells[0], "src_ip")
        address(cells[1], "dst_ip")
    except Unreadable:
        return False
    return True


def is_header(line: str) -> bool:
    """The header line (column names)."""
    return [c.strip().lower() for c in line.split(",")[:4]] == list(COLUMNS)


def parse(line: str, where: str) -> Flow:
    """One row as a Flow."""
    cells = next(_csv.reader([line]))
    if len(cells) not in (4, 5):
        raise Unreadable(f"{len(cells)} columns: expected src_ip,dst_ip,dst_port,protocol[,count]")
    src = address(cells[0], "src_ip")
    dst = address(cells[1], "dst_ip")
    if src is None or dst is None:
        raise Unreadable("src_ip and dst_ip are required")
    protocol, name = protocol_of(cells[3])
    count = 1
    if len(cells) == 5 and cells[4].strip():
        text = cells[4].strip()
        if not text.isdigit() or int(text) == 0:
            raise Unreadable(f"count: {text!r} is not a positive integer")
        count = int(text)
    return Flow(
        source=Endpoint(ip=src),
        destination=Endpoint(ip=dst),
        port=port_number(cells[2], "dst_port"),
        protocol=protocol,
        reply=False,
        count=count,
        where=where,
        protocol_name=name,
    )
