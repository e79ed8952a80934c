"""Inspektor Gadget: the network trace events ``kubectl gadget advise network-policy monitor --output FILE`` writes.

One JSON object per line (the ``trace network`` gadget's Event): the pod the event happened
in (``namespace``, ``pod``, ``node``, ``podIP``, ``podLabels``, ``podOwner``; newer releases
nest the first under ``k8s`` as ``namespace``/``podName``/``node``), ``pktType``
(``OUTGOING``: the pod connected out; ``HOST``: a connection came in), ``proto``, ``port`` (the
server's port either way), and the remote end: ``remoteKind`` (``pod``, ``svc`` or ``other``),
``remoteAddr``, ``remoteName``, ``remoteNamespace``, ``remoteLabels``. Older releases spell the
remote end ``remotePodNamespace``/``remotePodName``/``remotePodLabels``,
``remoteServiceNamespace``/``remoteServiceName``/``remoteServiceLabelSelector``,
``remoteOther`` and the address ``ip`` or ``addr``; those are read too. ``type`` other than
``normal`` (``debug``, ``err``) is no flow. There is no verdict: the gadget sees connections
being made, not what the network did with them.
"""

from __future__ import annotations

from typing import Any

from podwall.flows.record import Endpoint, Flow, NotAFlow, Unreadable, Verdict, address, labels_of, port_number, protocol_of

NAME = "gadget"


def sniff(record: dict[str, Any]) -> bool:
    """A JSON object with the network gadget's fields."""
    return "pktType" in record or "remoteKind" in record or ("podLabels" in record and "port" in record)


def parse(record: dict[str, Any], where: str) -> Flow:
    """One event as a Flow (OUTGOING: the pod is the client; HOST: the pod is the server)."""
    kind = str(record.get("type") or "normal")
    if kind != "normal" or ("pktType" not in record and "remoteKind" not in record):
        raise NotAFlow(f"an Inspektor Gadget {kind} event")
    k8s = record.get("k8s") if isinstance(record.get("k8s"), dict) else {}
    owner = str(record.get("podOwner") or "")
    workload = None
    if owner:
        head, slash, tail = owner.partition("/")
        workload = (head, tail) if slash else ("", owner)
    pod = Endpoint(
        ip=address(record.get("podIP"), "podIP"),
        namespace=str(record.get("namespace") or k8s.get("namespace") or ""),
        pod=str(record.get("pod") or k8s.get("podName") or k8s.get("pod") or ""),
        labels=labels_of(record.get("podLabels") or k8s.get("podLabels") or {}),
        workload=workload,
    )
    remote = _remote(record)
    direction = str(record.get("pktType") or "")
    if direction not in ("OUTGOING", "HOST"):
        raise Unreadable(f"pktType: {direction!r} is neither OUTGOING nor HOST")
    protocol, name = protocol_of(record.get("proto", ""))
    source, destination = (pod, remote) if direction == "OUTGOING" else (remote, pod)
    stamp = record.get("timestamp")
    return Flow(
        source=source,
        destination=destination,
        port=port_number(record.get("port"), "port"),
        protocol=protocol,
        verdict=Verdict.UNKNOWN,
        reply=False,
        observer="client" if direction == "OUTGOING" else "server",  # a connection between traced pods: both
        time=stamp / 1e9 if isinstance(stamp, (int, float)) and stamp > 0 else None,
        where=where,
        protocol_name=name,
    )


def _remote(record: dict[str, Any]) -> Endpoint:
    kind = str(record.get("remoteKind") or "")
    ip = address(record.get("remoteAddr") or record.get("ip") or record.get("addr") or record.get("remoteOther"), "remoteAddr")
    if kind == "pod":
        return Endpoint(
            ip=ip,
            namespace=str(record.get("remoteNamespace") or record.get("remotePodNamespace") or ""),
            pod=str(record.get("remoteName") or record.get("remotePodName") or ""),
            labels=labels_of(record.get("remoteLabels") or record.get("remotePodLabels") or {}),
        )
    if kind == "svc":
        namespace = str(record.get("remoteNamespace") or record.get("remoteServiceNamespace") or "")
        name = str(record.get("remoteName") or record.get("remoteServiceName") or "")
        selector = labels_of(record.get("remoteLabels") or record.get("remoteServiceLabelSelector") or {})
        return Endpoint(ip=ip, namespace=namespace, labels=selector, service=(namespace, name) if name else None)
    if kind in ("other", ""):
        return Endpoint(ip=ip)
    raise Unreadable(f"remoteKind: {kind!r} is none of pod, svc, other")
