"""Which workloads get twins, which flows are probed, and what the engine expects of each (pure).

Subjects are workloads (``ns/Kind/name``; a pod of no workload is ``ns/Pod/name``). Each is
mirrored by its twin model (``twin_model``): the labels and container ports of one of its pods,
in its namespace. The engine judges twin to twin, so even a workload's flow to itself is a real
flow between two pods. ``--sample N`` keeps N flows per source, half from the flows the engine
allows and half from those it denies where both exist (a seeded, repeatable choice).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import field, replace

from podwall.engine import EngineOptions, Probe, evaluate, resolve
from podwall.engine.evaluate import namespace_labels
from podwall.errors import UsageError
from podwall.model import Cluster, ContainerPort, Pod
from podwall.model.quick import frozen
from podwall.probe.judge import enforcing

#: Namespaces left out unless a workload there is named with --from/--to.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "calico-system", "tigera-operator",
                               "cilium", "kube-flannel", "antrea-system", "local-path-storage"})


@frozen
class Mirrored:
    """A workload under test: what its twins copy."""

    key: str
    namespace: str
    labels: dict[str, str] = field(hash=False)
    ports: tuple[ContainerPort, ...] = ()


@frozen(order=True)
class PlannedFlow:
    """One probe: from the source's twin to the destination's twin on ``probe``; ``expected`` is the engine's."""

    source: str
    destination: str
    probe: Probe
    expected: bool = field(compare=False)


@frozen
class Plan:
    """What a probe run will do."""

    workloads: dict[str, Mirrored]
    flows: tuple[PlannedFlow, ...]
    candidates: int
    notes: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Workloads that get a source twin."""
        return tuple(sorted({f.source for f in self.flows}))

    @property
    def destinations(self) -> tuple[str, ...]:
        """Workloads that get a destination twin."""
        return tuple(sorted({f.destination for f in self.flows}))

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Namespaces twins are created in."""
        keys = set(self.sources) | set(self.destinations)
        return tuple(sorted({self.workloads[k].namespace for k in keys}))

    def listens(self, destination: str) -> tuple[Probe, ...]:
        """The ports a destination twin listens on."""
        return tuple(sorted({f.probe for f in self.flows if f.destination == destination}))


def twin_model(workload: Mirrored, name: str, ips: Sequence[object] = ()) -> Pod:
    """The twin as the engine sees it: the workload's namespace, labels and ports, its own name and IPs."""
    return Pod(namespace=workload.namespace, name=name, labels=dict(workload.labels), ports=workload.ports,
               ips=tuple(ips))  # type: ignore[arg-type]


def _mirrored(cluster: Cluster) -> dict[str, tuple[Mirrored, Pod]]:
    """Every subject with the pod it is mirrored from (a real pod when there is one, else the template)."""
    found: dict[str, tuple[Mirrored, Pod]] = {}
    for pod in cluster.pods:
        key = pod.workload_key
        if key in found and not found[key][1].template:
            continue
        found[key] = (Mirrored(key, pod.namespace, dict(pod.labels), pod.ports), pod)
    return found


def _named(cluster: Cluster, texts: Sequence[str], namespace: str | None) -> list[str]:
    """Workload keys for --from/--to values (``NAME`` in -n's namespace, ``NS/NAME``, ``NS/KIND/NAME``)."""
    keys = []
    for text in texts:
        full = text if "/" in text else f"{namespace or 'default'}/{text}"
        subject = resolve(cluster, full)
        if subject.service is not None:
            raise UsageError(f"{text!r} is a Service: name the workload behind it")
        pods = [p for p in subject.endpoints if isinstance(p, Pod)]
        if not pods:
            raise UsageError(f"{text!r} is not a workload or pod of the cluster")
        keys.append(pods[0].workload_key)
    return keys


def make_plan(cluster: Cluster, *, namespace: str | None = None, sources: Sequence[str] = (),
              destinations: Sequence[str] = (), probes: Sequence[Probe] | None = None, sample: int | None = None,
              options: EngineOptions = EngineOptions(), seed: int = 0) -> Plan:
    """The flows to probe and the twins they need.

    Without --from/--to every workload (of ``namespace``, else of every namespace but the system
    ones) is both a source and a destination. Expectations are what a plugin that enforces the
    policies would do, with ``options``' other conventions (``judge.enforcing``). Destinations are probed on ``probes``, else on the
    container ports they declare. Host-network workloads cannot be mirrored by a pod and are left out.
    """
    if sample is not None and sample < 1:
        raise UsageError("--sample must be at least 1")
    options = enforcing(options)
    mirrored = _mirrored(cluster)
    notes: list[str] = []
    chosen_sources = _named(cluster, sources, namespace)
    chosen_destinations = _named(cluster, destinations, namespace)

    def default_set() -> list[str]:
        keys = sorted(k for k, (m, _) in mirrored.items()
                      if (m.namespace == namespace if namespace else m.namespace not in SYSTEM_NAMESPACES))
        if not namespace:
            left = sorted({m.namespace for m, _ in mirrored.values() if m.namespace in SYSTEM_NAMESPACES})
            if left:
                notes.append(f"not probed: workloads of {', '.join(left)} (name them with --from/--to to include them)")
        return keys

    every = default_set() if not chosen_sources or not chosen_destinations else []
    src_keys = chosen_sources or every
    dst_keys = chosen_destinations or every
    usable: dict[str, Mirrored] = {}
    for key in sorted(set(src_keys) | set(dst_keys)):
        m, pod = mirrored[key]
        if pod.host_network:
            notes.append(f"not probed: {key} uses the host network (a pod cannot mirror it)")
            continue
        usable[key] = m
    candidates: list[PlannedFlow] = []
    labels = namespace_labels(cluster)
    models = {k: twin_model(m, "twin-" + k) for k, m in usable.items()}
    for dst in dst_keys:
        if dst not in usable:
            continue
        ports = tuple(probes) if probes else tuple(sorted({Probe(p.port, p.protocol) for p in usable[dst].ports}))
        if not ports:
            notes.append(f"not probed as a destination: {dst} declares no container port (use --probe)")
            continue
        for src in src_keys:
            if src not in usable:
                continue
            source_pod = models[src]
            target_pod = replace(models[dst], name="twin-dst-" + dst)
            for probe in ports:
                verdict = evaluate(cluster, source_pod, target_pod, probe, options, labels=labels)
                candidates.append(PlannedFlow(src, dst, probe, verdict.allowed))
    flows = sorted(_sample(candidates, sample, seed)) if sample else sorted(candidates)
    return Plan(usable, tuple(flows), len(candidates), tuple(dict.fromkeys(notes)))


def _sample(flows: Collection[PlannedFlow], per_source: int, seed: int) -> list[PlannedFlow]:
    """``per_source`` flows per source, stratified across allowed and denied, repeatably."""
    by_source: dict[str, list[PlannedFlow]] = {}
    for flow in sorted(flows):
        by_source.setdefault(flow.source, []).append(flow)
    chosen: list[PlannedFlow] = []
    for source, items in by_source.items():
        rng = random.Random(f"{seed}:{source}")
        allowed = [f for f in items if f.expected]
        denied = [f for f in items if not f.expected]
        rng.shuffle(allowed)
        rng.shuffle(denied)
        half = (per_source + 1) // 2
        take_allowed = min(len(allowed), max(half, per_source - len(denied)))
        take_denied = min(len(denied), per_source - take_allowed)
        chosen.extend(allowed[:take_allowed] + denied[:take_denied])
    return chosen
