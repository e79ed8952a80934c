"""`reach`: the connectivity matrix between subjects (pods or workloads)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from enum import Enum

from podwall._runtime import collector_paused
from podwall.engine.classes import bits, distinct_ipblocks, mask_of, partition
from podwall.engine.conventions import node_local_pairs
from podwall.engine.conventions import view as conventions_view
from podwall.engine.matrix import Progress, Rows, class_matrix
from podwall.engine.options import EngineOptions, External, Probe
from podwall.engine.ranges import AddressRange, ranges_text
from podwall.engine.ranges import partition as address_partition
from podwall.errors import UsageError
from podwall.model import Cluster, Pod, Protocol
from podwall.model.quick import frozen


class View(str, Enum):
    """What a subject of the matrix is."""

    POD = "pod"
    WORKLOAD = "workload"


def subject_of(pod: Pod, view: View) -> str:
    """The subject a pod is counted under: ``ns/name`` or ``ns/Kind/name``."""
    return pod.key if view is View.POD else pod.workload_key


#: A destination and the probes (sorted) on which it may be reached.
Destination = tuple[str, tuple[Probe, ...]]


@frozen
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

    __slots__ = ("view", "subjects", "probes", "scope", "probe_note", "_expand", "_destinations", "_allowed")

    def __init__(
        self,
        view: View,
        subjects: tuple[str, ...],
        probes: tuple[Probe, ...],
        expand: Callable[[str], set[tuple[str, Probe]]],
        *,
        scope: frozenset[str] | None = None,
        probe_note: str = "",
        destinations: Callable[[str], list[Destination]] | None = None,
    ) -> None:
        """``destinations``, when given, is ``expand`` grouped as :meth:`destinations` returns it."""
        self.view = view
        self.subjects = subjects
        self.probes = probes
        #: The namespaces asked for (``-n``): flows with at least one end in them are judged,
        #: and ``subjects`` holds their subjects plus every peer exchanging some flow with them.
        self.scope = scope
        #: How the probes were chosen when nobody gave them, if not from declared container ports.
        self.probe_note = probe_note
        self._expand = expand
        self._destinations = destinations
        self._allowed: frozenset[tuple[str, str, Probe]] | None = None

    def in_scope(self, subject: str) -> bool:
        """Whether ``subject`` is one of the namespaces asked for (every subject without ``-n``)."""
        return self.scope is None or subject.split("/", 1)[0] in self.scope

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

    def destinations(self, source: str) -> list[Destination]:
        """What ``source`` may reach, itself excluded: (destination, its probes), both sorted."""
        if self._destinations is not None:
            return self._destinations(source)
        grouped: dict[str, list[Probe]] = {}
        for dst, probe in sorted(self._expand(source)):
            grouped.setdefault(dst, []).append(probe)
        return [(dst, tuple(probes)) for dst, probes in grouped.items()]

    def flows(self) -> Iterator[Flow]:
        """Allowed flows sorted by source, destination, probe, one source at a time."""
        for src in self.subjects:
            for dst, probes in self.destinations(src):
                for probe in probes:
                    yield Flow(src, dst, probe)


def declared_probes(pods: Sequence[Pod]) -> tuple[Probe, ...]:
    """Every (port, protocol) some pod declares, sorted."""
    declared = {(cp.port, cp.protocol) for pod in pods for cp in pod.ports}  # pairs: a Probe per distinct one
    return tuple(sorted(Probe(port, protocol) for port, protocol in declared))


#: Where nothing names a port, one port per protocol stands for all of them.
STAND_IN = {Protocol.TCP: 80, Protocol.UDP: 53, Protocol.SCTP: 80}


def default_probes(cluster: Cluster, pods: Sequence[Pod] | None = None) -> tuple[tuple[Probe, ...], str]:
    """The probes to judge when none are given, and a note when they are not the declared container ports.

    1. Every container port some pod declares.
    2. Else the numeric ports the policies' rules and the Services name (a Service's
       port and its numeric targetPort): no pod says what it serves, so these are the
       ports anyone wrote down.
    3. Else no port is named anywhere, so every port of a protocol is judged alike and
       one stands for all: 80/TCP, plus one per other protocol some rule names.
    """
    declared = declared_probes(cluster.pods if pods is None else pods)
    if declared:
        return declared, ""
    named: set[Probe] = set()
    protocols = {Protocol.TCP}
    for policy in (*cluster.policies, *cluster.admin_policies):
        for rule in (*policy.ingress, *policy.egress):
            for spec in rule.ports:
                protocols.add(spec.protocol)
                if isinstance(spec.port, int):
                    named.add(Probe(spec.port, spec.protocol))
    for service in cluster.services:
        for sp in service.ports:
            named.add(Probe(sp.port, sp.protocol))
            if isinstance(sp.target_port, int):
                named.add(Probe(sp.target_port, sp.protocol))
    if named:
        return tuple(sorted(named)), (
            "no pod declares a container port, so the probes are the ports the policies and Services name"
        )
    stand_ins = tuple(sorted(Probe(STAND_IN[p], p) for p in protocols))
    shown = ", ".join(str(p) for p in stand_ins)
    return stand_ins, (
        f"no pod declares a container port and no policy or Service names a port: every port of a protocol "
        f"is judged alike, so {shown} stand{'s' if len(stand_ins) == 1 else ''} for all of them"
    )


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

    ``namespaces`` (``-n``) scopes the result: flows with at least one end in them,
    between their subjects and every peer (wherever it lives) that exchanges some
    flow with them; the verdicts still use every object loaded. Without ``probes``,
    see :func:`default_probes`. With ``external``, the address space outside the
    cluster joins as subjects ``(external)/RANGES``: cut by every ipBlock boundary,
    ranges with identical results merged into one subject, written as CIDRs where
    that is shorter (``(external)/0.0.0.0/0 except 169.254.169.254``).
    ``progress(done, total)`` is called as the probes are evaluated.
    The input is judged as ``options.conventions`` say the network plugin sees it;
    traffic a node's host-network pods send to pods on that node is added on every
    probe where the plugin never blocks it.
    """
    try:
        view = View(by)
    except ValueError:
        raise UsageError(f"invalid view {by!r}: must be pod or workload") from None
    cluster = conventions_view(cluster, options.conventions)
    pods = cluster.pods
    note = ""
    if probes is None:
        probes, note = default_probes(cluster)
    chosen = tuple(sorted(set(probes)))
    ranges = address_partition(distinct_ipblocks(cluster)) if external else []
    endpoints = pods + tuple(External(r.start) for r in ranges)
    with collector_paused():
        classes = partition(cluster, endpoints, options)
        matrix = class_matrix(cluster, classes, chosen, progress)

    scope = frozenset(namespaces) if namespaces is not None else None
    # A subject's classes, listed (sorted, each once, below): a bitset per subject was as wide
    # as the subject's highest class, half the cluster's width on average.
    subject_classes: dict[str, list[int]] = {}
    class_subjects: dict[int, list[str]] = {}

    def add(subject: str, c: int) -> None:
        found = subject_classes.get(subject)
        if found is None:
            subject_classes[subject] = [c]
        else:
            found.append(c)
        members = class_subjects.setdefault(c, [])
        if subject not in members:
            members.append(subject)

    for i, pod in enumerate(pods):
        add(subject_of(pod, view), classes.class_of[i])
    outside = {EXTERNAL_PREFIX + str(r): r for r in ranges}
    for j, r in enumerate(ranges):
        add(EXTERNAL_PREFIX + str(r), classes.class_of[len(pods) + j])
    for subject, found in subject_classes.items():
        if len(found) > 1:
            subject_classes[subject] = sorted(set(found))
    local: dict[str, set[str]] = {}  # node-local traffic, allowed regardless of policy
    for s, d in node_local_pairs(pods, options.conventions):
        local.setdefault(subject_of(pods[s], view), set()).add(subject_of(pods[d], view))

    def in_scope(subject: str) -> bool:
        return scope is None or (subject not in outside and subject.split("/", 1)[0] in scope)

    # Probes judged alike share rows: each distinct one is a slot, read once per source.
    every_rows = list({id(rows): rows for rows in matrix.values()}.values())
    slot_of = {id(rows): slot for slot, rows in enumerate(every_rows)}
    probe_slots = [(probe, slot_of[id(rows)]) for probe, rows in matrix.items()]  # probes in order
    every_slot = (1 << len(every_rows)) - 1
    slot_row = [rows.row for rows in every_rows]
    probes_of: dict[int, tuple[Probe, ...]] = {}  # a set of slots -> their probes in order (bounded)
    # Per class, the slots where its row is not empty (most rows are empty on most probes): built on
    # the first ``destinations``, one pass over the rows that reach something.
    sending: list[dict[int, int]] = []

    def sending_slots() -> dict[int, int]:
        if not sending:
            found: dict[int, int] = {}
            for slot, rows in enumerate(every_rows):
                bit = 1 << slot
                for c in rows.nonempty():
                    found[c] = found.get(c, 0) | bit
            sending.append(found)
        return sending[0]

    def probes_in(slots: int) -> tuple[Probe, ...]:
        found = probes_of.get(slots)
        if found is None:
            found = tuple(probe for probe, slot in probe_slots if slots >> slot & 1)
            if len(probes_of) < _PROBE_SETS:
                probes_of[slots] = found
        return found

    def destinations(subject: str) -> list[Destination]:
        own = subject_classes.get(subject, ())
        inside = in_scope(subject)
        external = subject in outside
        # A source reaches the same classes on most of its slots (often none): each distinct set
        # of classes is expanded once, with the slots that reach it.
        reached: dict[tuple[int, int], int] = {}
        if len(own) == 1:  # one class (most subjects): its narrow row in each slot, no full-width set
            c = own[0]
            for slot in bits(sending_slots().get(c, 0)):
                found = slot_row[slot](c)
                reached[found] = reached.get(found, 0) | (1 << slot)
        else:
            for slot, rows in enumerate(every_rows):
                found = _reached_classes(rows, own)
                if found[1]:
                    reached[found] = reached.get(found, 0) | (1 << slot)
        slots_of: dict[str, int] = {}
        for (low, small), slots in reached.items():
            for c in bits(small):
                for other in class_subjects.get(low + c, ()):
                    if other == subject or (external and other in outside):
                        continue
                    if inside or in_scope(other):
                        slots_of[other] = slots_of.get(other, 0) | slots
        for other in local.get(subject, ()) if every_slot else ():  # node-local: on every probe
            if other != subject and (inside or in_scope(other)):
                slots_of[other] = every_slot
        return sorted((other, probes_in(slots)) for other, slots in slots_of.items())

    def expand(subject: str) -> set[tuple[str, Probe]]:
        return {(other, probe) for other, probes in destinations(subject) for probe in probes}

    if scope is None:
        subjects = tuple(sorted(subject_classes))
    else:
        subjects = _scoped_subjects(subject_classes, class_subjects, matrix, in_scope, local)
    if not outside:
        return Reachability(view, subjects, chosen, expand, scope=scope, probe_note=note, destinations=destinations)
    return _merge_external(view, chosen, subjects, outside, expand, scope, note)


#: The sets of probes ``destinations`` keeps spelled, at most (a few dozen in practice).
_PROBE_SETS = 4096


def _reached_classes(rows: Rows, own: list[int]) -> tuple[int, int]:
    """The classes some class of ``own`` reaches in one probe's rows, as ``(low, bits)``."""
    reachable = 0
    for c in own:
        reachable |= rows[c]
    return 0, reachable


def _scoped_subjects(
    subject_classes: dict[str, list[int]],
    class_subjects: dict[int, list[str]],
    matrix: dict[Probe, Rows],
    in_scope: Callable[[str], bool],
    local: dict[str, set[str]],
) -> tuple[str, ...]:
    """The subjects in scope, then every subject exchanging some flow with one of them (node-local ones too).

    Worked on classes, never on subject pairs: a subject reaches every member of
    each class one of its classes reaches, so the members of a class reached from
    an in-scope class are peers, and so are those of a class that reaches one.
    """
    inside = [s for s in subject_classes if in_scope(s)]
    inside_mask = mask_of(sorted({c for s in inside for c in subject_classes[s]}))
    touched = 0
    for per_class in {id(rows): rows for rows in matrix.values()}.values():  # probes judged alike: once
        for c in bits(inside_mask):
            touched |= per_class[c]
        for c, mask in enumerate(per_class):
            if mask & inside_mask:
                touched |= 1 << c
    chosen = set(inside)
    for c in bits(touched):
        chosen.update(class_subjects.get(c, ()))
    for source, destinations in local.items():
        if in_scope(source):
            chosen.update(destinations)
        elif any(in_scope(d) for d in destinations):
            chosen.add(source)
    return tuple(sorted(chosen))


def _merge_external(
    view: View,
    probes: tuple[Probe, ...],
    subjects: tuple[str, ...],
    outside: dict[str, AddressRange],
    expand: Callable[[str], set[tuple[str, Probe]]],
    scope: frozenset[str] | None,
    note: str,
) -> Reachability:
    """One external subject per set of ranges that every pod treats alike, named as briefly as it can be."""
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
        merged = EXTERNAL_PREFIX + ranges_text([outside[m] for m in members])
        for member in members:
            rename[member] = merged
    first = {merged: name for name, merged in reversed(list(rename.items()))}

    def merged_expand(subject: str) -> set[tuple[str, Probe]]:
        raw = expand(first.get(subject, subject))
        return {(rename.get(other, other), probe) for other, probe in raw}

    renamed = tuple(sorted({rename.get(s, s) for s in subjects}))
    return Reachability(view, renamed, probes, merged_expand, scope=scope, probe_note=note)
