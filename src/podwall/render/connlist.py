"""Connection lists (and their exposure analysis) in netpol-analyzer's text and JSON formats, for its users' tooling."""

from __future__ import annotations

import json
from collections.abc import Sequence

from podwall.engine.connlist import ConnLine
from podwall.engine.exposure_analysis import ExposureLine, ExposureReport
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


def _exposure_header(probe: Probe | None) -> str:
    if probe is None:
        return "Exposure Analysis Result:"
    return f"Exposure Analysis Result On {probe.protocol.value} {probe.port}:"


def exposure_text(lines: Sequence[ConnLine], report: ExposureReport, focus_conn: Probe | None = None) -> str:
    """The connection list, a blank line, then netpol-analyzer's exposure sections.

    ``workload \\t=> \\tpeer : conns`` (``<=`` for ingress), the workload names
    padded to one width across both sections; with a focus connection the
    lines carry no connection part and the unprotected workloads are not listed.
    """
    text = connlist_text(lines, focus_conn)
    if text:
        text += "\n"
    width = max((len(x.workload) for x in (*report.egress, *report.ingress)), default=0)

    def row(x: ExposureLine, arrow: str) -> str:
        head = f"{x.workload:<{width}} \t{arrow} \t{x.peer}"
        return head if focus_conn is not None else f"{head} : {x.conn_text}"

    sections: list[list[str]] = []
    if report.egress:
        sections.append(["Egress Exposure:"] + [row(x, "=>") for x in report.egress])
    if report.ingress:
        sections.append(["Ingress Exposure:"] + [row(x, "<=") for x in report.ingress])
    if report.unprotected and focus_conn is None:
        sections.append(
            ["Workloads not protected by network policies:"]
            + [f"{workload} is not protected on {direction.value}" for workload, direction in report.unprotected]
        )
    text += _exposure_header(focus_conn) + "\n"
    if sections:
        text += "\n\n".join("\n".join(section) for section in sections) + "\n"
    return text


def exposure_json(lines: Sequence[ConnLine], report: ExposureReport, focus_conn: Probe | None = None) -> str:
    """``{"connlist_results": [...], "exposure_results": {"egress_exposure": [...], "ingress_exposure": [...]}}``.

    With a focus connection the keys are ``connlist_conn_focus_results`` and
    ``exposure_conn_focus_results`` and records carry no ``conn``. An empty
    exposure list is ``null`` (``[]`` with a focus connection), as upstream prints it.
    """

    def record(src: str, dst: str, conn: str) -> dict[str, str]:
        found = {"src": src, "dst": dst}
        if focus_conn is None:
            found["conn"] = conn
        return found

    connections = [record(line.source, line.destination, str(line.conns)) for line in lines]
    egress = [record(x.workload, x.peer, x.conn_text) for x in report.egress]
    ingress = [record(x.peer, x.workload, x.conn_text) for x in report.ingress]
    empty = None if focus_conn is None else []
    exposures = {"egress_exposure": egress or empty, "ingress_exposure": ingress or empty}
    if focus_conn is None:
        document = {"connlist_results": connections, "exposure_results": exposures}
    else:
        document = {"connlist_conn_focus_results": connections, "exposure_conn_focus_results": exposures}
    return json.dumps(document, indent=2) + "\n"
