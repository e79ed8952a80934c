"""Port specs as users type them: ``8080``, ``8080/TCP``, ``53/udp``, ``metrics``, ``8000-8080/TCP``."""

from __future__ import annotations

import re

from podwall.errors import UsageError
from podwall.generate.names import quote
from podwall.model import PortSpec, Protocol, names

_RANGE = re.compile(r"(\d+)-(\d+)")


def port_name_problem(name: str) -> str | None:
    """Why ``name`` is not a container port name (IANA_SVC_NAME), or None."""
    problem = names.port_name_problem(name)
    return f"a port name {problem}" if problem else None


def _number(text: str, spec: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise UsageError(f"invalid port {quote(spec)}: {port} is not in 1-65535")
    return port


def parse_port(text: str) -> PortSpec:
    """``PORT[/PROTOCOL]`` where PORT is a number, a range ``A-B`` or a named port; TCP by default."""
    spec = text.strip()
    port_text, slash, proto_text = spec.partition("/")
    protocol = Protocol.TCP
    if slash:
        try:
            protocol = Protocol(proto_text.upper())
        except ValueError:
            raise UsageError(f"invalid port {quote(spec)}: protocol {quote(proto_text)} must be TCP, UDP or SCTP") from None
    if not port_text:
        raise UsageError(f"invalid port {quote(spec)}: expected PORT[/PROTOCOL], e.g. 8080/TCP, 53/UDP or metrics")
    if port_text.isdigit():
        return PortSpec(protocol, _number(port_text, spec))
    ranged = _RANGE.fullmatch(port_text)
    if ranged:
        start, end = _number(ranged.group(1), spec), _number(ranged.group(2), spec)
        if end < start:
            raise UsageError(f"invalid port {quote(spec)}: range end {end} is below its start {start}")
        return PortSpec(protocol, start, end if end != start else None)
    problem = port_name_problem(port_text)
    if problem is not None:
        raise UsageError(f"invalid port {quote(spec)}: not a number, a range A-B or a port name ({problem})")
    return PortSpec(protocol, port_text)


def parse_ports(texts: list[str] | tuple[str, ...]) -> tuple[PortSpec, ...]:
    """Several specs (each may be comma-separated), duplicates dropped, order kept."""
    result: list[PortSpec] = []
    for text in texts:
        for part in text.split(","):
            port = parse_port(part)
            if port not in result:
                result.append(port)
    return tuple(result)


def ports_text(ports: tuple[PortSpec, ...]) -> str:
    """``8080/TCP, metrics/TCP`` or ``every port``."""
    return ", ".join(map(str, ports)) if ports else "every port"
