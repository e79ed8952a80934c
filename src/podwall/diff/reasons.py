"""Why a pair gained or lost connections: the engine's verdict on each side, for one port of each piece.

Every interval a pair gains or loses is judged at its first port, before and
after, by ``engine.explaining`` (the same verdicts with reasons ``podwall explain``
prints). A side where one end does not exist (a workload added or removed) has
no verdict.
"""

from __future__ import annotations

import dataclasses

from podwall.diff.connections import NodeKind, PairDiff, Reason, kind_of, namespace_of, parse_range
from podwall.engine import EngineOptions, External, Probe, Subject, Verdict
from podwall.engine.connlist import node_name
from podwall.engine.connset import ConnSet
from podwall.engine.explaining import explain_subjects
from podwall.engine.exposure import CONTROLLER, INGRESS_CONTROLLER, backends
from podwall.model import Cluster, NetworkPolicy, Pod


class Judge:
    """Explains pairs on one side, naming connection-list nodes as engine subjects."""

    def __init__(self, cluster: Cluster, options: EngineOptions) -> None:
        self.cluster = cluster
        self.options = options
        self._subjects: dict[str, Subject | None] = {}
        self._pods: dict[str, list[Pod]] | None = None
        self._exposed: dict[tuple[str, Probe], set[str]] | None = None
        self._scopes: dict[tuple[str, ...], Cluster] = {}
        self._by_namespace: dict[str, list[NetworkPolicy]] | None = None

    def subject(self, node: str) -> Subject | None:
        """The endpoints standing for a node, None if the side lacks it."""
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
            self._pods = _pods_by_node(self.cluster)
        pods = self._pods.get(node)
        return Subject(node, tuple(pods)) if pods else None

    def via(self, destination: str, probe: Probe) -> tuple[str, ...]:
        """The Ingress and Route objects that send the ingress controller to ``destination`` on ``probe``."""
        if self._exposed is None:
            self._exposed = {}
            for backend in backends(self.cluster):
                e = backend.exposure
                label = f"{e.kind} {e.namespace}/{e.name} (Service {e.service})"
                for p in backend.probes:
                    self._exposed.setdefault((node_name(backend.pod), p), set()).add(label)
        return tuple(sorted(self._exposed.get((destination, probe), ())))

    def verdict(self, source: str, destination: str, probe: Probe) -> Verdict | None:
        """The verdict with its reasons, or None when an end is missing."""
        src, dst = self.subject(source), self.subject(destination)
        if src is None or dst is None:
            return None
        scope = self._scoped(namespace_of(source), namespace_of(destination))
        return explain_subjects(scope, src, dst, probe, self.options).verdict

    def _scoped(self, *namespaces: str | None) -> Cluster:
        """The cluster with only the NetworkPolicies of the pair's namespaces: the same verdicts, asked faster.

        A NetworkPolicy selects pods of its own namespace only, so the others
        cannot take part in a verdict between these two ends; explaining
        against thousands of them would scan them all for every flow.
        """
        key = tuple(sorted(ns for ns in set(namespaces) if ns is not None))
        if key not in self._scopes:
            if self._by_namespace is None:
                self._by_namespace = {}
                for policy in self.cluster.policies:
                    self._by_namespace.setdefault(policy.namespace, []).append(policy)
            kept = tuple(p for ns in key for p in self._by_namespace.get(ns, ()))
            self._scopes[key] = dataclasses.replace(self.cluster, policies=kept)
        return self._scopes[key]


def _pods_by_node(cluster: Cluster) -> dict[str, list[Pod]]:
    """Node name -> its pods (``explain`` keeps one per equivalence class of the pair's scope)."""
    found: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        found.setdefault(node_name(pod), []).append(pod)
    return found


def reasons(pair: PairDiff, before: Judge, after: Judge) -> tuple[Reason, ...]:
    """One reason per interval the pair gained, then per interval it lost."""
    found: list[Reason] = []
    for gained, conns in ((True, pair.gained), (False, pair.lost)):
        for proto, start, end in conns.intervals:
            probe = Probe(start, proto)
            controller = kind_of(pair.source) is NodeKind.INGRESS_CONTROLLER
            found.append(
                Reason(
                    ConnSet(((proto, start, end),)),
                    gained,
                    probe,
                    before.verdict(pair.source, pair.destination, probe),
                    after.verdict(pair.source, pair.destination, probe),
                    before.via(pair.destination, probe) if controller else None,
                    after.via(pair.destination, probe) if controller else None,
                )
            )
    return tuple(found)
