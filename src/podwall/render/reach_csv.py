"""Allowed flows as CSV, one row each (spreadsheets, grep, diff)."""

from __future__ import annotations

import csv
import io

from podwall.engine import Reachability


def reach_csv(result: Reachability) -> str:
    """Header ``from,to,port,protocol``; rows sorted; every flow not listed is denied."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["from", "to", "port", "protocol"])
    for f in result.flows():
        writer.writerow([f.source, f.destination, f.probe.port, f.probe.protocol.value])
    return out.getvalue()
