"""Why a pair gained or lost connections: the engine's verdict on each side, for one port of each piece.

Every interval a pair gains or loses is judged at its first port, before and
after, by ``engine.explain`` (the same verdicts with reasons ``podwall explain``
prints). A side where one end does not exist (a workload added or removed) has
no verdict.
"""

from __future__ import annotations

from podwall.diff.connections import NodeKind, PairDiff, Reason, kind_of, parse_range
from podwall.engine import EngineOptions, External, Probe, Subject, Verdict
from podwall.engine.classes import partition
from podwall.engine.connlist import node_name
from podwall.engine.connset import ConnSet
from podwall.engine.explain import explain_subjects
from podwall.engine.exposure import CONTROLLER, INGRESS_CONTROLLER
from podwall.model import Cluster, Pod


class Judge:
    """Explains pairs on one side, naming connection-list nodes as engine subjects."""

    def __init__(self, cluster: Cluster, options: EngineOptions) -> None:
        self.cluster = cluster
        self.options = options
        self._subjects: dict[str, Subject | None] = {}
        self._pods: dict[str, list[Pod]] | None = None

    def subject(self, node: str) -> Subject | None:
        """The endpoints standing for a node (one per equivalence class), None if the side lacks it."""
        if node not in self._subjects:
            self._subjects[node] = self._resolve(node)
        return self._subjects[node]

    def _resolve(self, node: str) -> Subject | None:
        kind = kind_of(node)
        if kind is NodeKind.INGRESS_CONTROLLER:
            return Subject(INGRESS_CONTROLLER, (CONTROLLER,))
        if kind is NodeKind.EXTERNAL:
            return Subject(node, (External(parse_range(node).start),))
        if self._pods is None:
            self._pods = _representatives(self.cluster, self.options)
        pods = self._pods.get(node)
        return Subject(node, tuple(pods)) if pods else None

    def verdict(self, source: str, destination: str, probe: Probe) -> Verdict | None:
        """The verdict with its reasons, or None when an end is missing."""
        src, dst = self.subject(source), self.subject(destination)
        if src is None or dst is None:
            return None
        return explain_subjects(self.cluster, src, dst, probe, self.options).verdict


def _representatives(cluster: Cluster, options: EngineOptions) -> dict[str, list[Pod]]:
    """Node name -> one pod per equivalence class among the node's pods."""
    classes = partition(cluster, cluster.pods, options)
    seen: set[tuple[str, int]] = set()
    found: dict[str, list[Pod]] = {}
    for i, pod in enumerate(cluster.pods):
        node = node_name(pod)
        key = (node, classes.class_of[i])
        if key not in seen:
            seen.add(key)
            found.setdefault(node, []).append(pod)
    return found


def reasons(pair: PairDiff, before: Judge, after: Judge) -> tuple[Reason, ...]:
    """One reason per interval the pair gained, then per interval it lost."""
    found: list[Reason] = []
    for gained, conns in ((True, pair.gained), (False, pair.lost)):
        for proto, start, end in conns.intervals:
            probe = Probe(start, proto)
            found.append(
                Reason(
                    ConnSet(((proto, start, end),)),
                    gained,
                    probe,
                    before.verdict(pair.source, pair.destination, probe),
                    after.verdict(pair.source, pair.destination, probe),
                )
            )
    return tuple(found)
