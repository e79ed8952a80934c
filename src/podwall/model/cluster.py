"""Everything loaded from the user's input, ready for the engine."""

from __future__ import annotations

from dataclasses import field

from podwall.model.admin import AdminPolicy, Tier
from podwall.model.foreign import UnevaluatedPolicy
from podwall.model.monitoring import Monitor
from podwall.model.objects import Exposure, Namespace, Node, Pod, Service, Workload
from podwall.model.policy import NetworkPolicy
from podwall.model.quick import frozen


@frozen
class Cluster:
    """The loaded input.

    ``pods`` holds real pods plus one template stand-in for each workload that has
    no pods in the input; ``skipped`` counts objects of kinds podwall does not use,
    by kind; ``warnings`` are messages the CLI shows on stderr; ``admin_policies``
    are sorted by tier, priority and name (the order they are evaluated in);
    ``exposures`` are Ingress and Route backends; ``monitors`` are
    ServiceMonitors and PodMonitors; ``unevaluated`` are the policies of other
    APIs that nothing evaluates yet (also counted in ``skipped`` and warned about);
    ``nodes`` are the Node objects of the input, sorted by name; ``passed`` counts
    what directory walks left out on purpose, by reason (hidden files and
    folders, YAML documents that are not Kubernetes objects...); ``dropped``
    counts what a lenient load skipped for its errors (each also a warning), by
    what it was: ``object``, ``document`` or ``path``.
    """

    namespaces: tuple[Namespace, ...] = ()
    pods: tuple[Pod, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    policies: tuple[NetworkPolicy, ...] = ()
    admin_policies: tuple[AdminPolicy, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict, hash=False)
    warnings: tuple[str, ...] = ()
    monitors: tuple[Monitor, ...] = ()
    unevaluated: tuple[UnevaluatedPolicy, ...] = ()
    nodes: tuple[Node, ...] = ()
    passed: dict[str, int] = field(default_factory=dict, hash=False)
    dropped: dict[str, int] = field(default_factory=dict, hash=False)

    def namespace(self, name: str) -> Namespace | None:
        """The namespace called ``name``, if known."""
        for ns in self.namespaces:
            if ns.name == name:
                return ns
        return None

    def admin_tier(self, tier: Tier) -> tuple[AdminPolicy, ...]:
        """The admin policies of one tier, in evaluation order."""
        return tuple(p for p in self.admin_policies if p.tier is tier)
