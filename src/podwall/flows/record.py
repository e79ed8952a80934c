"""One observed record, whatever tool wrote it: the ``Flow`` every reader produces."""

from __future__ import annotations

import ipaddress
from dataclasses import field
from enum import Enum

from podwall.errors import PodwallError
from podwall.model import IPAddress, Protocol
from podwall.model.quick import frozen


class Verdict(str, Enum):
    """What the tool that recorded the flow says happened to it."""

    FORWARDED = "forwarded"  # Hubble FORWARDED, Calico allow, VPC ACCEPT
    DROPPED = "dropped"  # Hubble DROPPED, Calico deny, VPC REJECT
    UNKNOWN = "unknown"  # the format has no verdict (Inspektor Gadget, conntrack, CSV)


@frozen
class Endpoint:
    """One end of a record as the tool saw it; any field may be unknown (empty).

    ``workload`` is ``(kind, name)`` when the tool names the pod's controller
    (Hubble's ``workloads``, a Calico aggregated name); ``service`` is
    ``(namespace, name)`` when the tool says the address was a Service's;
    ``reserved`` is a non-pod identity the tool names (``world``, ``host``,
    ``remote-node``, ``kube-apiserver``, or a Calico ``pub``/``pvt`` network).
    """

    ip: IPAddress | None = None
    namespace: str = ""
    pod: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    workload: tuple[str, str] | None = None
    service: tuple[str, str] | None = None
    node: str = ""
    reserved: str = ""
    name_prefix: str = ""  # an aggregated pod name: "frontend-7d9c5b8f6-*" -> "frontend-7d9c5b8f6-"

    @property
    def named(self) -> bool:
        """Whether the tool named a pod (namespace and pod name or aggregated name)."""
        return bool(self.namespace and (self.pod or self.name_prefix))


@frozen
class Flow:
    """One observed record: a connection (or a packet of one) from ``source`` to ``destination``.

    ``port`` is the destination port (``None`` for ICMP and the like); ``reply``
    is True when the record is the answer direction of a connection (the tool
    said so), None when the tool does not say; ``time`` is seconds since the
    epoch (``None`` when unknown); ``count`` is how many connections the record
    stands for: 1 for a record that may open one (0 for a reply), more for an
    aggregating format's record (``docs/flows.md``, "Counting connections");
    ``connection`` identifies the connection (its 5-tuple) where the format tells
    it, so that its other records (more packets, the other end's view, a later
    capture window) fold into one connection; ``observer`` is the end that
    recorded it (``client``, ``server``) for aggregated formats that report a
    connection once from each end; ``reason`` is the tool's drop reason;
    ``where`` is ``FILE:LINE``.
    """

    source: Endpoint
    destination: Endpoint
    port: int | None
    protocol: Protocol | None
    verdict: Verdict = Verdict.UNKNOWN
    reply: bool | None = None
    time: float | None = None
    count: int = 1
    reason: str = ""
    where: str = ""
    protocol_name: str = ""  # the protocol as recorded when it is none NetworkPolicy knows (ICMP ...)
    end_time: float | None = field(default=None, compare=False)
    source_port: int | None = None  # kept where the record may be a reply nobody marked (see orient)
    via: IPAddress | None = None  # the address the client dialed when it was translated (a ClusterIP)
    connection: tuple[object, ...] | None = field(default=None, compare=False)
    observer: str = ""  # "client" or "server": the end that reported it (Calico's reporter, the gadget's pktType)


def five_tuple(source: IPAddress | None, source_port: int | None, destination: IPAddress | None,
               port: int | None, protocol: Protocol | None) -> tuple[object, ...] | None:
    """The key of a connection, or None when the record does not tell every part of it."""
    if source is None or destination is None or source_port is None or port is None or protocol is None:
        return None
    return (source, source_port, destination, port, protocol)


class Unreadable(PodwallError):
    """A record that is not of its format (its line is counted and listed, never dropped silently)."""


class NotAFlow(PodwallError):
    """A record of the format that carries no flow (a debug event, a Hubble node status, a header)."""


#: IANA protocol numbers of the protocols NetworkPolicy knows.
PROTOCOL_NUMBERS = {6: Protocol.TCP, 17: Protocol.UDP, 132: Protocol.SCTP}
_NAMES = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}
_OTHER_NUMBERS = {1: "ICMP", 58: "ICMPv6", 2: "IGMP", 47: "GRE", 50: "ESP"}


def protocol_of(value: object) -> tuple[Protocol | None, str]:
    """A protocol as a name (``tcp``, ``TCP``) or an IANA number (``6``); (None, name) for others."""
    text = str(value).strip()
    if text.isdigit():
        number = int(text)
        if number in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[number], ""
        return None, _OTHER_NUMBERS.get(number, f"protocol {number}")
    known = _NAMES.get(text.lower())
    if known is not None:
        return known, ""
    if not text or text == "-":
        raise Unreadable("no protocol")
    return None, text.upper()


def address(text: object, what: str) -> IPAddress | None:
    """An IP address, or None for an empty or ``-`` field; Unreadable otherwise."""
    if text is None:
        return None
    value = str(text).strip()
    if value in ("", "-"):
        return None
    try:
        return ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        raise Unreadable(f"{what}: {value!r} is not an IP address") from None


def port_number(value: object, what: str) -> int | None:
    """A port 0-65535 (0 and ``-`` mean none); Unreadable otherwise."""
    if value is None:
        return None
    text = str(value).strip()
    if text in ("", "-"):
        return None
    if not text.isdigit() or int(text) > 65535:
        raise Unreadable(f"{what}: {text!r} is not a port number")
    return int(text) or None


def labels_of(value: object) -> tuple[tuple[str, str], ...]:
    """Labels given as ``{"k": "v"}``, ``["k=v", ...]`` or Hubble's ``["k8s:k=v", ...]``, sorted.

    Cilium's source prefixes (``k8s:``, ``reserved:``...) are dropped for ``k8s``
    only; its own identity labels (``io.cilium.k8s.*``, ``io.kubernetes.pod.namespace``)
    are not pod labels and are left out.
    """
    pairs: dict[str, str] = {}
    if isinstance(value, dict):
        if isinstance(value.get("labels"), list):  # Calico in Elasticsearch: {"labels": ["k=v"]}
            return labels_of(value["labels"])
        for k, v in value.items():
            if isinstance(k, str) and isinstance(v, str):
                pairs[k] = v
    elif isinstance(value, list):
        for item in value:
            if not isinstance(item, str) or "=" not in item:
                continue
            key, _, val = item.partition("=")
            source, colon, rest = key.partition(":")
            if colon and "/" not in source and "." not in source:
                if source != "k8s":
                    continue  # reserved:world, cidr:..., container:... are no pod labels
                key = rest
            pairs[key] = val
    return tuple(sorted((k, v) for k, v in pairs.items() if not _cilium_identity(k)))


def _cilium_identity(key: str) -> bool:
    return key.startswith(("io.cilium.k8s.", "io.kubernetes.pod.namespace", "io.cilium."))
