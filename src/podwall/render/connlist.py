"""Connection lists in netpol-analyzer's text and JSON formats, for its users' tooling."""

from __future__ import annotations

import json
from collections.abc import Sequence

from podwall.engine.connlist import ConnLine
from podwall.engine.options import Probe


def _header(probe: Probe) -> str:
    return f"Permitted connections on {probe.protocol.value} {probe.port}:"


def connlist_text(lines: Sequence[ConnLine], focus_conn: Probe | None = None) -> str:
    """``src => dst : conns`` per line; with a focus connection, a header and ``src => dst``."""
    if focus_conn is not None:
        body = [_header(focus_conn)] + [f"{line.source} => {line.destination}" for line in lines]
    else:
        body = [f"{line.source} => {line.destination} : {line.conns}" for line in lines]
    return "".join(f"{row}\n" for row in body)


def connlist_json(lines: Sequence[ConnLine], focus_conn: Probe | None = None) -> str:
    """An array of ``{"src", "dst", "conn"}`` (``conn`` left out with a focus connection)."""
    records: list[dict[str, str]] = []
    for line in lines:
        record = {"src": line.source, "dst": line.destination}
        if focus_conn is None:
            record["conn"] = str(line.conns)
        records.append(record)
    return json.dumps(records, indent=2) + "\n"
