"""Engine inputs that are not objects: probes, external endpoints and switches."""

from __future__ import annotations

from dataclasses import replace

from podwall.errors import UsageError
from podwall.model import GENERIC, Conventions, IPAddress, Protocol
from podwall.model.quick import frozen


@frozen(order=True)
class Probe:
    """A destination port and protocol to judge; ordered by (port, protocol)."""

    port: int
    protocol: Protocol = Protocol.TCP

    @classmethod
    def parse(cls, text: str) -> Probe:
        """Parse ``8080``, ``8080/TCP`` or ``53/udp``; raise UsageError otherwise."""
        number, _, proto = text.strip().partition("/")
        try:
            port = int(number)
        except ValueError:
            raise UsageError(f"invalid probe {text!r}: expected PORT or PORT/PROTOCOL, e.g. 8080/TCP") from None
        if not 1 <= port <= 65535:
            raise UsageError(f"invalid probe {text!r}: port must be 1-65535")
        try:
            protocol = Protocol(proto.upper()) if proto else Protocol.TCP
        except ValueError:
            raise UsageError(f"invalid probe {text!r}: protocol must be TCP, UDP or SCTP") from None
        return cls(port, protocol)

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol.value}"


@frozen
class External:
    """An address outside every pod; only the pod side of its flows is judged."""

    address: IPAddress

    @property
    def key(self) -> str:
        """The address as text."""
        return str(self.address)


@frozen
class EngineOptions:
    """Switches for the points where SEMANTICS.md records a convention.

    ``conventions`` settles every point a network plugin decides (a CNI
    profile's, or the default); ``ipblock_matches_pods``, when given, overrides
    that one convention (``--ipblock-ignores-pods``) and otherwise reads it back.
    """

    ipblock_matches_pods: bool | None = None
    conventions: Conventions = GENERIC

    def __post_init__(self) -> None:
        if self.ipblock_matches_pods is None:
            object.__setattr__(self, "ipblock_matches_pods", self.conventions.ipblock_matches_pods)
        elif self.ipblock_matches_pods != self.conventions.ipblock_matches_pods:
            conventions = replace(self.conventions, ipblock_matches_pods=self.ipblock_matches_pods)
            object.__setattr__(self, "conventions", conventions)
