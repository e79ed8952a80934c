"""`reach`: the connectivity matrix between subjects (pods or workloads)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from podwall._runtime import collector_paused
from podwall.engine.classes import bits, distinct_ipblocks, partition
from podwall.engine.conventions import node_local_pairs
from podwall.engine.conventions import view as conventions_view
from podwall.engine.matrix import Progress, class_matrix
from podwall.engine.options import EngineOptions, External, Probe
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


class Reachability:
    """The matrix: every flow between distinct subjects not allowed here is denied.

    Flows are expanded from the class matrix one source at a time, so a pod-level
    result for a large cluster can be streamed (``flows()``) without holding every
    pair in memory; ``allowed`` materialises the whole set on first use.
    """

    __slots__ = ("view", "subjects", "probes", "_expand", "_allowed")

    def __init__(
        self,
        view: View,
        subjects: tuple[str, ...],
        probes: tuple[Probe, ...],
        expand: Callable[[str], set[tuple[str, Probe]]],
    ) -> None:
        self.view = view
        self.subjects = subjects
        self.probes = probes
        self._expand = expand
        self._allowed: frozenset[tuple[str, str, Probe]] | None = None

    @property
    def allowed(self) -> frozenset[tuple[str, str, Probe]]:
        """Every allowed (source, destination, probe) between distinct subjects."""
        if self._allowed is None:
            self._allowed = frozenset((f.source, f.destination, f.probe) for f in self.flows())
        return self._allowed

    def reachable_from(self, source: str) -> set[tuple[str, Probe]]:
        """The (destination, probe) pairs ``source`` may reach, itself excluded."""
        return self._expand(source)

    def allows(self, source: str, destination: str, probe: Probe) -> bool:
        """Whether ``source`` may reach ``destination`` on ``probe`` (self always may)."""
        return source == destination or (destination, probe) in self._expand(source)

    def flows(self) -> Iterator[Flow]:
        """Allowed flows sorted by source, destination, probe, one source at a time."""
        for src in self.subjects:
            for dst, probe in sorted(self._expand(src)):
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
    progress: Progress | None = None,
) -> Reachability:
    """Compute who can reach whom on each probe.

    ``namespaces`` limits the subjects shown (both ends); the verdicts still use
    every object loaded. Without ``probes``, every declared container port is probed.
    With ``external``, the address space outside the cluster joins as subjects
    ``(external)/first-last[,first-last...]``: cut by every ipBlock boundary, then
    ranges with identical results merged into one subject. ``progress(done, total)``
    is called as the probes are evaluated (the CLI draws a bar from it). The
    input is judged as ``options.conventions`` say the network plugin sees it;
    traffic a node's host-network pods send to pods on that node is added on
    every probe where the plugin never blocks it.
    """
    try:
        view = View(by)
    except ValueError:
        raise UsageError(f"invalid view {by!r}: must be pod or workload") from None
    cluster = conventions_view(cluster, options.conventions)
    pods = cluster.pods
    chosen = probes if probes is not None else declared_probes(pods)
    chosen = tuple(sorted(set(chosen)))
    ranges = address_partition(distinct_ipblocks(cluster)) if external else []
    endpoints = pods + tuple(External(r.start) for r in ranges)
    with collector_paused():
        classes = partition(cluster, endpoints, options)
        matrix = class_matrix(cluster, classes, chosen, progress)

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
    outside = [EXTERNAL_PREFIX + str(r) for r in ranges]
    for j, r in enumerate(ranges):
        add(EXTERNAL_PREFIX + str(r), classes.class_of[len(pods) + j])
    local: dict[str, set[str]] = {}  # node-local traffic, allowed regardless of policy
    for s, d in node_local_pairs(pods, options.conventions):
        if namespaces is None or (pods[s].namespace in namespaces and pods[d].namespace in namespaces):
            local.setdefault(subject_of(pods[s], view), set()).add(subject_of(pods[d], view))

    def expand(subject: str) -> set[tuple[str, Probe]]:
        found: set[tuple[str, Probe]] = set()
        own = subject_classes.get(subject, 0)
        own_classes = list(bits(own))
        for probe, per_class in matrix.items():
            reachable = per_class[own_classes[0]] if own_classes else 0
            for c in own_classes[1:]:
                reachable |= per_class[c]
            for c in bits(reachable):
                for other in class_subjects.get(c, ()):
                    if other != subject and not (subject in outside and other in outside):
                        found.add((other, probe))
            found.update((other, probe) for other in local.get(subject, ()) if other != subject)
        return found

    subjects = tuple(sorted(subject_classes))
    if not outside:
        return Reachability(view, subjects, chosen, expand)
    return _merge_external(view, chosen, subjects, outside, expand)


def _merge_external(
    view: View,
    probes: tuple[Probe, ...],
    subjects: tuple[str, ...],
    outside: list[str],
    expand: Callable[[str], set[tuple[str, Probe]]],
) -> Reachability:
    """One external subject per set of ranges that every pod treats alike."""
    sends = {name: expand(name) for name in outside}
    receives: dict[str, set[tuple[str, Probe]]] = {name: set() for name in outside}
    for subject in subjects:
        if subject in sends:
            continue
        for other, probe in expand(subject):
            if other in receives:
                receives[other].add((subject, probe))
    groups: dict[tuple[frozenset, frozenset], list[str]] = {}
    for name in outside:
        groups.setdefault((frozenset(sends[name]), frozenset(receives[name])), []).append(name)
    rename: dict[str, str] = {}
    for members in groups.values():
        merged = EXTERNAL_PREFIX + ",".join(m.removeprefix(EXTERNAL_PREFIX) for m in members)
        for member in members:
            rename[member] = merged
    first = {merged: name for name, merged in reversed(list(rename.items()))}

    def merged_expand(subject: str) -> set[tuple[str, Probe]]:
        raw = expand(first.get(subject, subject))
        return {(rename.get(other, other), probe) for other, probe in raw}

    renamed = tuple(sorted({rename.get(s, s) for s in subjects}))
    return Reachability(view, renamed, probes, merged_expand)
