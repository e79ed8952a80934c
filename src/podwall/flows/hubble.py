"""Cilium Hubble: ``hubble observe -o json`` / ``-o jsonpb`` lines (flow.proto's Flow as protobuf JSON).

Each line is a ``GetFlowsResponse`` (``{"flow": {...}, "node_name": ..., "time": ...}``) or,
from older CLIs, the ``Flow`` itself. Fields read (cilium/cilium ``api/v1/flow/flow.proto``):
``time``, ``verdict``, ``drop_reason_desc``, ``IP.source/destination``, ``l4.TCP|UDP|SCTP``
``.source_port/destination_port`` (``ICMPv4``/``ICMPv6`` have none), ``source`` and
``destination`` endpoints (``namespace``, ``pod_name``, ``labels``, ``workloads[].kind/name``),
``source_service``/``destination_service``, ``traffic_direction``, ``is_reply`` (and the
deprecated ``reply``), ``node_name``. Protobuf's JSON mapping lets a writer use the proto field
names or their lowerCamelCase forms, so both are read (``pod_name`` and ``podName``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podwall.flows.record import (
    Endpoint,
    Flow,
    NotAFlow,
    Unreadable,
    Verdict,
    address,
    five_tuple,
    labels_of,
    port_number,
)
from podwall.model import Protocol

NAME = "hubble"
#: AUDIT is policy audit mode's "would have been dropped by policy": a drop for what the policies say.
_VERDICTS = {"FORWARDED": Verdict.FORWARDED, "DROPPED": Verdict.DROPPED, "REDIRECTED": Verdict.FORWARDED,
             "TRANSLATED": Verdict.FORWARDED, "AUDIT": Verdict.DROPPED, "ERROR": Verdict.DROPPED}  # fmt: skip
#: Cilium's reserved identities (pkg/identity/numericidentity.go): no pod behind them.
_RESERVED_IDS = {1: "host", 2: "world", 6: "remote-node", 7: "kube-apiserver", 8: "ingress", 9: "world", 10: "world"}


def get(obj: dict[str, Any], name: str) -> Any:
    """A field by its proto name or its lowerCamelCase JSON name."""
    if name in obj:
        return obj[name]
    head, *rest = name.split("_")
    return obj.get(head + "".join(part.title() for part in rest))


def sniff(record: dict[str, Any]) -> bool:
    """A JSON object Hubble wrote: a flow (wrapped or not), or one of its other responses."""
    if "flow" in record and isinstance(record["flow"], dict):
        return True
    if any(k in record for k in ("node_status", "nodeStatus", "lost_events", "lostEvents")):
        return True
    return "verdict" in record and ("source" in record or "IP" in record or "l4" in record)


def parse(record: dict[str, Any], where: str) -> Flow:
    """One line's object as a Flow; NotAFlow for node status, lost events and agent events."""
    flow = record.get("flow", record) if isinstance(record.get("flow"), dict) else record
    if flow is record and "verdict" not in record:
        raise NotAFlow("a Hubble response that is not a flow")
    verdict_text = str(flow.get("verdict", "VERDICT_UNKNOWN"))
    verdict = _VERDICTS.get(verdict_text, Verdict.UNKNOWN)
    ip = flow.get("IP") or flow.get("ip") or {}
    l4 = flow.get("l4") or {}
    protocol, name, sport, dport = _layer4(l4)
    source = _endpoint(get(flow, "source") or {}, ip.get("source"), get(flow, "source_service"), "source")
    destination = _endpoint(get(flow, "destination") or {}, ip.get("destination"), get(flow, "destination_service"), "destination")
    reply = get(flow, "is_reply")
    if reply is None and get(flow, "reply") is True:
        reply = True
    if reply is None and protocol is Protocol.TCP:
        flags = (l4.get("TCP") or {}).get("flags") or {}
        if flags.get("SYN") and flags.get("ACK"):
            reply = True  # SYN-ACK answers a connection
        elif flags.get("SYN"):
            reply = False
    if reply:
        source, destination, dport, sport = destination, source, sport, dport
    return Flow(
        source=source,
        destination=destination,
        port=dport,
        protocol=protocol,
        verdict=verdict,
        reply=bool(reply) if reply is not None else None,
        count=0 if reply else 1,
        connection=five_tuple(source.ip, sport, destination.ip, dport, protocol),
        time=_time(flow.get("time") or record.get("time")),
        reason=_reason(flow, verdict_text) if verdict is Verdict.DROPPED else "",
        where=where,
        protocol_name=name,
    )


def _reason(flow: dict[str, Any], verdict: str) -> str:
    if verdict == "AUDIT":
        return "AUDIT"
    given = get(flow, "drop_reason_desc")
    return str(given) if given else verdict


def _layer4(l4: dict[str, Any]) -> tuple[Protocol | None, str, int | None, int | None]:
    for key, protocol in (("TCP", Protocol.TCP), ("UDP", Protocol.UDP), ("SCTP", Protocol.SCTP)):
        ports = l4.get(key)
        if isinstance(ports, dict):
            return (protocol, "", port_number(get(ports, "source_port"), f"l4.{key}.source_port"),
                    port_number(get(ports, "destination_port"), f"l4.{key}.destination_port"))
    for key in ("ICMPv4", "ICMPv6"):
        if key in l4:
            return None, key, None, None
    return None, "no layer 4", None, None


def _endpoint(ep: dict[str, Any], ip: object, service: object, what: str) -> Endpoint:
    if not isinstance(ep, dict):
        raise Unreadable(f"{what}: must be an object")
    workloads = ep.get("workloads") or []
    workload = None
    if isinstance(workloads, list) and workloads and isinstance(workloads[0], dict) and workloads[0].get("name"):
        workload = (str(workloads[0].get("kind") or ""), str(workloads[0]["name"]))
    raw_labels = ep.get("labels") or []
    reserved = ""
    for item in raw_labels if isinstance(raw_labels, list) else ():
        if isinstance(item, str) and item.startswith("reserved:"):
            reserved = item.removeprefix("reserved:").split("=", 1)[0]
            break
    if not reserved and isinstance(ep.get("identity"), int):
        reserved = _RESERVED_IDS.get(ep["identity"], "")
    svc = None
    if isinstance(service, dict) and service.get("name"):
        svc = (str(service.get("namespace") or ""), str(service["name"]))
    return Endpoint(
        ip=address(ip, f"IP.{what}"),
        namespace=str(ep.get("namespace") or ""),
        pod=str(get(ep, "pod_name") or ""),
        labels=labels_of(raw_labels),
        workload=workload,
        service=svc,
        reserved=reserved,
    )


def _time(value: object) -> float | None:
    """RFC 3339 with nanoseconds (``2024-05-01T10:00:00.123456789Z``), as protobuf JSON writes a Timestamp."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise Unreadable(f"time: {value!r} is not an RFC 3339 timestamp") from None
