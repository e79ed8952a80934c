"""``compare``: what a change opens and closes, with the reasons, isolation changes and the lint delta."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from enum import Enum
from typing import TYPE_CHECKING

from podwall._runtime import collector_paused
from podwall.diff.connections import Change, ConnDiff, PairDiff, compare_lines, namespace_of
from podwall.diff.isolation import IsolationChange, isolation_changes
from podwall.diff.lint_delta import LintDelta, lint_delta
from podwall.diff.reasons import Judge, reasons
from podwall.engine import EngineOptions
from podwall.engine.conventions import view
from podwall.engine.connlist import ConnLine, Focus, address_families, connlist, node_name
from podwall.engine.connset import ConnSet
from podwall.model import Cluster
from podwall.model.quick import frozen

if TYPE_CHECKING:
    from podwall.cni import Choice
    from podwall.lint import LintConfig


class FailOn(str, Enum):
    """``--fail-on``: which differences make the change fail."""

    ADDED = "added"  # a pair that had no connection gains some
    WIDENED = "widened"  # a pair gains a connection (added, or changed with new connections)
    ANY = "any"  # any pair differs


@frozen
class DiffReport:
    """Everything ``podwall diff`` reports, as data.

    ``pairs``: the differing (source, destination) pairs, sorted by source then
    destination, nodes named as in connection lists (``ns/name[Kind]``,
    ``first-last[External]``, ``{ingress-controller}``); ``unchanged``: the
    pairs allowed alike on both sides; ``workloads_added``/``_removed``: nodes
    on one side only; ``isolation``: workloads newly isolated or released;
    ``lint``: the lint delta (None when not asked for).
    """

    pairs: tuple[PairDiff, ...]
    unchanged: tuple[ConnLine, ...] = ()
    workloads_added: tuple[str, ...] = ()
    workloads_removed: tuple[str, ...] = ()
    isolation: tuple[IsolationChange, ...] = ()
    lint: LintDelta | None = None

    @property
    def opened(self) -> tuple[PairDiff, ...]:
        """Pairs that gain some connection."""
        return tuple(p for p in self.pairs if p.widens)

    @property
    def closed(self) -> tuple[PairDiff, ...]:
        """Pairs that lose some connection."""
        return tuple(p for p in self.pairs if not p.lost.is_empty)

    @property
    def boundary_openings(self) -> tuple[PairDiff, ...]:
        """Opened pairs whose traffic comes from outside the cluster or crosses namespaces."""
        return tuple(p for p in self.opened if p.from_outside or p.across_namespaces)

    @property
    def newly_isolated(self) -> tuple[str, ...]:
        """Workloads isolated in some direction they were not isolated in before."""
        return tuple(sorted({c.workload for c in self.isolation if c.isolated}))

    @property
    def released(self) -> tuple[str, ...]:
        """Workloads no longer isolated in some direction they were isolated in before."""
        return tuple(sorted({c.workload for c in self.isolation if not c.isolated}))

    def fails(self, level: FailOn) -> bool:
        """Whether the change reaches ``level``."""
        if level is FailOn.ADDED:
            return any(p.change is Change.ADDED for p in self.pairs)
        if level is FailOn.WIDENED:
            return bool(self.opened)
        return bool(self.pairs)


def workload_nodes(cluster: Cluster) -> frozenset[str]:
    """Every workload node of a cluster, connected or not."""
    return frozenset(node_name(p) for p in cluster.pods)


def compare(
    before: Cluster,
    after: Cluster,
    options: EngineOptions = EngineOptions(),
    *,
    namespaces: Collection[str] | None = None,
    focus: Focus | None = None,
    explain: bool = True,
    lint: LintConfig | None = None,
    cni: Choice | None = None,
) -> DiffReport:
    """Compare two versions of a cluster at the workload level over every port.

    ``namespaces`` keeps pairs with an end in one of them (and their workloads,
    isolation changes and lint findings); ``focus`` keeps pairs as it keeps
    connection-list lines (its ``conn`` filter is not used); ``explain`` adds
    the engine's verdicts on both sides to each gained or lost interval;
    ``lint`` (a configuration) adds the lint delta, both sides linted with the
    CNI profile ``cni`` (default: each side's own, as ``lint`` chooses).
    """
    with collector_paused():  # millions of small acyclic objects: no cycles for the collector to find
        return _compare(before, after, options, namespaces, focus, explain, lint, cni)


def _compare(
    before: Cluster,
    after: Cluster,
    options: EngineOptions,
    namespaces: Collection[str] | None,
    focus: Focus | None,
    explain: bool,
    lint: LintConfig | None,
    cni: Choice | None,
) -> DiffReport:
    seen = view(before, options.conventions), view(after, options.conventions)  # as the plugin enforces them
    nodes = workload_nodes(before), workload_nodes(after)
    families = address_families(before) | address_families(after)  # both lists cover the same addresses
    found = compare_lines(
        connlist(before, options, families=families), connlist(after, options, families=families), nodes[0], nodes[1]
    )
    found = _kept(found, namespaces, focus)
    pairs = found.pairs
    if explain:
        old, new = Judge(seen[0], options), Judge(seen[1], options)
        pairs = tuple(dataclasses.replace(p, reasons=reasons(p, old, new)) for p in pairs)
    shown = None if namespaces is None else {n for n in nodes[0] | nodes[1] if namespace_of(n) in namespaces}
    return DiffReport(
        pairs=pairs,
        unchanged=found.unchanged,
        workloads_added=found.workloads_added,
        workloads_removed=found.workloads_removed,
        isolation=isolation_changes(seen[0], seen[1], shown),
        lint=None if lint is None else lint_delta(before, after, lint, options, namespaces=namespaces, cni=cni),
    )


def _kept(found: ConnDiff, namespaces: Collection[str] | None, focus: Focus | None) -> ConnDiff:
    """Only the pairs (and workloads) the namespaces and the focus keep."""
    if namespaces is None and focus is None:
        return found
    by_name = None if focus is None else dataclasses.replace(focus, conn=None)

    def keeps(source: str, destination: str) -> bool:
        if namespaces is not None and not {namespace_of(source), namespace_of(destination)} & set(namespaces):
            return False
        return by_name is None or by_name.keeps(ConnLine(source, destination, ConnSet()))

    def mine(node: str) -> bool:
        return namespaces is None or namespace_of(node) in namespaces

    return ConnDiff(
        tuple(p for p in found.pairs if keeps(p.source, p.destination)),
        tuple(u for u in found.unchanged if keeps(u.source, u.destination)),
        tuple(w for w in found.workloads_added if mine(w)),
        tuple(w for w in found.workloads_removed if mine(w)),
    )
