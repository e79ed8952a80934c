"""`reach`: the connectivity matrix between subjects (pods or workloads)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from podwall.engine.classes import bits, distinct_ipblocks, partition
from podwall.engine.matrix import class_matrix
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.ranges import AddressRange
from podwall.engine.ranges import partition as address_partition
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


EXTERNAL_PREFIX = "(external)/"


def reach(
    cluster: Cluster,
    probes: Sequence[Probe] | None = None,
    *,
    by: View | str = View.POD,
    namespaces: Collection[str] | None = None,
    options: EngineOptions = EngineOptions(),
    external: bool = False,
) -> Reachability:
    """Compute who can reach whom on each probe.

    ``namespaces`` limits the subjects shown (both ends); the verdicts still use
    every object loaded. Without ``probes``, every declared container port is probed.
    With ``external``, the address space outside the cluster joins as subjects
    ``(external)/first-last[,first-last...]``: cut by every ipBlock boundary, then
    ranges with identical results merged into one subject.
    """
    try:
        view = View(by)
    except ValueError:
        raise UsageError(f"invalid view {by!r}: must be pod or workload") from None
    pods = cluster.pods
    chosen = probes if probes is not None else declared_probes(pods)
    chosen = tuple(sorted(set(chosen)))
    ranges = address_partition(distinct_ipblocks(cluster)) if external else []
    endpoints = pods + tuple(External(r.start) for r in ranges)
    classes = partition(cluster, endpoints, options)
    matrix = class_matrix(cluster, classes, chosen)

    subject_classes: dict[str, int] = {}
    class_subjects: dict[int, list[str]] = {}

    def add(subject: str, c: int) -> None:
        subject_classes[subject] = subject_classes.get(subject, 0) | (1 << c)
        members = class_subjects.setdefault(c, [])
        if subject not in members:
            members.append(subject)

    for i, pod in enumerate(pods):
        if namespaces is None or pod.namespace in namespaces:
            add(subject_of(pod, view), classes.class_of[i])
    outside = {EXTERNAL_PREFIX + str(r) for r in ranges}
    for j, r in enumerate(ranges):
        add(EXTERNAL_PREFIX + str(r), classes.class_of[len(pods) + j])

    allowed: set[tuple[str, str, Probe]] = set()
    for probe, per_class in matrix.items():
        for subject, own in subject_classes.items():
            reachable = 0
            for c in bits(own):
                reachable |= per_class[c]
            for c in bits(reachable):
                for other in class_subjects.get(c, ()):
                    if other != subject and not (subject in outside and other in outside):
                        allowed.add((subject, other, probe))
    subjects = set(subject_classes)
    if outside:
        subjects, allowed = _merge_external(ranges, subjects, allowed)
    return Reachability(view, tuple(sorted(subjects)), chosen, frozenset(allowed))


def _merge_external(
    ranges: list[AddressRange], subjects: set[str], allowed: set[tuple[str, str, Probe]]
) -> tuple[set[str], set[tuple[str, str, Probe]]]:
    """One external subject per set of ranges that every pod treats alike."""
    signature: dict[str, set[tuple[str, str, Probe]]] = {EXTERNAL_PREFIX + str(r): set() for r in ranges}
    for src, dst, probe in allowed:
        if src in signature:
            signature[src].add(("out", dst, probe))
        if dst in signature:
            signature[dst].add(("in", src, probe))
    groups: dict[frozenset, list[str]] = {}
    for r in ranges:
        name = EXTERNAL_PREFIX + str(r)
        groups.setdefault(frozenset(signature[name]), []).append(str(r))
    rename: dict[str, str] = {}
    for members in groups.values():
        merged = EXTERNAL_PREFIX + ",".join(members)
        for member in members:
            rename[EXTERNAL_PREFIX + member] = merged
    subjects = {rename.get(s, s) for s in subjects}
    allowed = {(rename.get(a, a), rename.get(b, b), p) for a, b, p in allowed}
    return subjects, allowed
