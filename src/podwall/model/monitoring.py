"""Prometheus Operator scrape targets (ServiceMonitor, PodMonitor): which pods Prometheus must reach."""

from __future__ import annotations

from dataclasses import field

from podwall.errors import Location
from podwall.model.labels import LabelSelector
from podwall.model.quick import frozen


@frozen
class MonitorEndpoint:
    """One scrape endpoint.

    ``service_port`` is a Service port name (ServiceMonitor ``port``);
    ``pod_port`` a container port number or name (ServiceMonitor ``targetPort``,
    PodMonitor ``port``, ``portNumber`` or ``targetPort``). Either may be None.
    """

    service_port: str | None = None
    pod_port: int | str | None = None


@frozen
class Monitor:
    """A ``monitoring.coreos.com/v1`` ServiceMonitor or PodMonitor.

    ``selector`` picks Services (ServiceMonitor) or pods (PodMonitor) in the
    namespaces ``match_names`` names, every namespace when ``any_namespace``, or
    else the monitor's own namespace.
    """

    kind: str
    namespace: str
    name: str
    selector: LabelSelector = LabelSelector()
    any_namespace: bool = False
    match_names: tuple[str, ...] = ()
    endpoints: tuple[MonitorEndpoint, ...] = ()
    location: Location | None = None
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def watches(self, namespace: str) -> bool:
        """Whether the monitor looks for targets in ``namespace``."""
        if self.any_namespace:
            return True
        if self.match_names:
            return namespace in self.match_names
        return namespace == self.namespace
