"""`reach`: the connectivity matrix between subjects (pods or workloads)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from podwall.engine.classes import bits, partition
from podwall.engine.matrix import class_matrix
from podwall.engine.options import EngineOptions, Probe
from podwall.errors import UsageError
from podwall.model import Cluster, Pod


class View(str, Enum):
    """What a subject of the matrix is."""

    POD = "pod"
    WORKLOAD = "workload"


def subject_of(pod: Pod, view: View) -> str:
    """The subject a pod is counted under: ``ns/name`` or ``ns/Kind/name``."""
    return pod.key if view is View.POD else pod.workload_key


@dataclass(frozen=True, slots=True)
class Flow:
    """One allowed (source, destination, probe)."""

    source: str
    destination: str
    probe: Probe


@dataclass(frozen=True, slots=True)
class Reachability:
    """The matrix: every flow between distinct subjects not listed in ``allowed`` is denied."""

    view: View
    subjects: tuple[str, ...]
    probes: tuple[Probe, ...]
    allowed: frozenset[tuple[str, str, Probe]]

    def allows(self, source: str, destination: str, probe: Probe) -> bool:
        """Whether ``source`` may reach ``destination`` on ``probe`` (self always may)."""
        return source == destination or (source, destination, probe) in self.allowed

    def flows(self) -> Iterator[Flow]:
        """Allowed flows sorted by source, destination, probe."""
        for src, dst, probe in sorted(self.allowed, key=lambda f: (f[0], f[1], f[2])):
            yield Flow(src, dst, probe)


def declared_probes(pods: Sequence[Pod]) -> tuple[Probe, ...]:
    """Every (port, protocol) some pod declares, sorted."""
    return tuple(sorted({Probe(cp.port, cp.protocol) for pod in pods for cp in pod.ports}))


def reach(
    cluster: Cluster,
    probes: Sequence[Probe] | None = None,
    *,
    by: View | str = View.POD,
    namespaces: Collection[str] | None = None,
    options: EngineOptions = EngineOptions(),
) -> Reachability:
    """Compute who can reach whom on each probe.

    ``namespaces`` limits the subjects shown (both ends); the verdicts still use
    every object loaded. Without ``probes``, every declared container port is probed.
    """
    try:
        view = View(by)
    except ValueError:
        raise UsageError(f"invalid view {by!r}: must be pod or workload") from None
    pods = cluster.pods
    chosen = probes if probes is not None else declared_probes(pods)
    chosen = tuple(sorted(set(chosen)))
    classes = partition(cluster, pods, options)
    matrix = class_matrix(cluster, classes, chosen)

    shown = [i for i, pod in enumerate(pods) if namespaces is None or pod.namespace in namespaces]
    subject_classes: dict[str, int] = {}
    class_subjects: dict[int, list[str]] = {}
    for i in shown:
        subject = subject_of(pods[i], view)
        c = classes.class_of[i]
        subject_classes[subject] = subject_classes.get(subject, 0) | (1 << c)
        members = class_subjects.setdefault(c, [])
        if subject not in members:
            members.append(subject)

    allowed: set[tuple[str, str, Probe]] = set()
    for probe, per_class in matrix.items():
        for subject, own in subject_classes.items():
            reachable = 0
            for c in bits(own):
                reachable |= per_class[c]
            for c in bits(reachable):
                for other in class_subjects.get(c, ()):
                    if other != subject:
                        allowed.add((subject, other, probe))
    return Reachability(view, tuple(sorted(subject_classes)), chosen, frozenset(allowed))
