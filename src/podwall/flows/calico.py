"""Calico flow logs: one JSON object per line (``/var/log/calico/flowlogs/flows.log``, or the documents sent to Elasticsearch).

Fields read (Calico "Flow log data types"): ``start_time``/``end_time`` (UNIX seconds),
``source_ip``/``dest_ip`` (null when aggregated), ``source_name``/``dest_name`` and
``source_name_aggr``/``dest_name_aggr`` (``frontend-7d9c5b8f6-*``; ``pub``/``pvt`` for
networks), ``source_namespace``/``dest_namespace`` (``-`` when not namespaced),
``source_type``/``dest_type`` (``wep`` a pod, ``hep`` a host, ``ns`` a NetworkSet, ``net`` a
network), ``source_labels``/``dest_labels`` (``["k=v"]``, or ``{"labels": [...]}``),
``dest_service_namespace``/``dest_service_name``, ``dest_port``, ``proto``, ``action``
(``allow``/``deny``), ``reporter`` (``src``/``dst``), ``num_flows_started`` (the connections
that started in the entry's interval; ``num_flows``, the connections it saw, when absent). Every
entry is already in the direction of the connection (the reporter says which end reported it), so
no entry is a reply; a connection between two Calico endpoints is reported by both ends (counted
once when folded).
"""

from __future__ import annotations

from typing import Any

from podwall.flows.record import Endpoint, Flow, Unreadable, Verdict, address, labels_of, port_number, protocol_of

NAME = "calico"
_ACTIONS = {"allow": Verdict.FORWARDED, "deny": Verdict.DROPPED}


def sniff(record: dict[str, Any]) -> bool:
    """A JSON object with Calico's field names."""
    return ("source_name_aggr" in record or "dest_name_aggr" in record or "source_type" in record) and "dest_port" in record


def parse(record: dict[str, Any], where: str) -> Flow:
    """One flow log entry as a Flow."""
    protocol, name = protocol_of(record.get("proto", ""))
    action = str(record.get("action", "")).lower()
    if action and action not in _ACTIONS:
        raise Unreadable(f"action: {record.get('action')!r} is neither allow nor deny")
    count = _count(record)
    return Flow(
        source=_endpoint(record, "source"),
        destination=_endpoint(record, "dest"),
        port=port_number(record.get("dest_port"), "dest_port"),
        protocol=protocol,
        verdict=_ACTIONS.get(action, Verdict.UNKNOWN),
        reply=False,
        time=_seconds(record.get("start_time"), "start_time"),
        end_time=_seconds(record.get("end_time"), "end_time"),
        count=count,
        observer={"src": "client", "dst": "server"}.get(str(record.get("reporter", "")), ""),
        reason="denied by a Calico policy" if action == "deny" else "",
        where=where,
        protocol_name=name,
    )


def _count(record: dict[str, Any]) -> int:
    """Connections started in the interval (0: every one was already counted in an earlier interval)."""
    for key in ("num_flows_started", "num_flows"):
        value = record.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return 1


def _endpoint(record: dict[str, Any], side: str) -> Endpoint:
    namespace = str(record.get(f"{side}_namespace") or "")
    namespace = "" if namespace == "-" else namespace
    name = str(record.get(f"{side}_name") or "")
    aggregated = str(record.get(f"{side}_name_aggr") or "")
    kind = str(record.get(f"{side}_type") or "")
    reserved = ""
    pod = prefix = ""
    if kind == "wep":
        if name and name != "-" and not name.endswith("*"):
            pod = name
        elif aggregated.endswith("*"):
            prefix = aggregated[:-1]
        elif aggregated and aggregated != "-":
            pod = aggregated
    elif kind == "hep":
        reserved = "host"
    elif aggregated in ("pub", "pvt"):
        reserved = "world" if aggregated == "pub" else "private"
    elif kind in ("ns", "net"):
        reserved = "world"
    service = None
    if side == "dest":
        svc_ns, svc_name = record.get("dest_service_namespace"), record.get("dest_service_name")
        if svc_name and svc_name != "-":
            service = (str(svc_ns or namespace), str(svc_name))
    return Endpoint(
        ip=address(record.get(f"{side}_ip"), f"{side}_ip"),
        namespace=namespace if kind == "wep" else "",
        pod=pod,
        labels=labels_of(record.get(f"{side}_labels")),
        service=service,
        node=str(record.get("host") or "") if kind == "hep" else "",
        reserved=reserved,
        name_prefix=prefix,
    )


def _seconds(value: object, what: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Unreadable(f"{what}: {value!r} is not a UNIX timestamp") from None
