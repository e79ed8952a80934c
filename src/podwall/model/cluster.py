"""Everything loaded from the user's input, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from podwall.model.objects import Namespace, Pod, Service, Workload
from podwall.model.policy import NetworkPolicy


@dataclass(frozen=True, slots=True)
class Cluster:
    """The loaded input.

    ``pods`` holds real pods plus one template stand-in for each workload that has
    no pods in the input; ``skipped`` counts objects of kinds podwall does not use,
    by kind; ``warnings`` are messages the CLI shows on stderr.
    """

    namespaces: tuple[Namespace, ...] = ()
    pods: tuple[Pod, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    policies: tuple[NetworkPolicy, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict, hash=False)
    warnings: tuple[str, ...] = ()

    def namespace(self, name: str) -> Namespace | None:
        """The namespace called ``name``, if known."""
        for ns in self.namespaces:
            if ns.name == name:
                return ns
        return None
