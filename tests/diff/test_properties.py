"""Laws of the diff on random small clusters: nothing against itself, mirror images, and changes that replay.

The clusters are the engine property test's (namespaces, pods with owners and
addresses, policies with ipBlocks in both families), so the two sides cut the
external address space differently most of the time.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwall.diff import Change, NodeKind, compare
from podwall.diff.connections import kind_of, parse_range, range_node
from podwall.engine.connlist import ConnLine, address_families, connlist
from podwall.engine.connset import ConnSet
from podwall.engine.ranges import AddressRange
from podwall.model import Cluster
from tests.property.test_engine_vs_reference import clusters, policies

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def pairs_of_clusters(draw) -> tuple[Cluster, Cluster]:
    """Two versions: the same pods with other policies (a policy change), or another cluster altogether."""
    before = draw(clusters())
    if draw(st.booleans()):
        namespaces = [ns.name for ns in before.namespaces]
        other = tuple(draw(policies(namespaces, i)) for i in range(draw(st.integers(0, 4))))
        return before, dataclasses.replace(before, policies=other)
    return before, draw(clusters())


# -- a connection list as a function: (source, destination) -> connections, external ranges cut fine ----------


def _cuts(*lists: list[ConnLine]) -> dict[bool, dict[int, set[int]]]:
    cuts: dict[bool, dict[int, set[int]]] = {True: {}, False: {}}
    for lines in lists:
        for line in lines:
            for is_source, node in ((True, line.source), (False, line.destination)):
                if kind_of(node) is NodeKind.EXTERNAL:
                    r = parse_range(node)
                    cuts[is_source].setdefault(r.version, set()).update((r.first, r.last + 1))
    return cuts


def _atoms(node: str, cuts: dict[int, set[int]]) -> list[str]:
    if kind_of(node) is not NodeKind.EXTERNAL:
        return [node]
    r = parse_range(node)
    edges = sorted(p for p in cuts[r.version] if r.first <= p <= r.last + 1)
    return [range_node(AddressRange(r.version, lo, hi - 1)) for lo, hi in zip(edges, edges[1:])]


def function(lines: list[ConnLine], cuts: dict[bool, dict[int, set[int]]]) -> dict[tuple[str, str], ConnSet]:
    found: dict[tuple[str, str], ConnSet] = {}
    for line in lines:
        for src in _atoms(line.source, cuts[True]):
            for dst in _atoms(line.destination, cuts[False]):
                assert (src, dst) not in found, "a connection list names each pair once"
                found[src, dst] = line.conns
    return found


# -- the laws ------------------------------------------------------------------------------------------


@SETTINGS
@given(cluster=clusters())
def test_a_cluster_against_itself_is_empty(cluster: Cluster) -> None:
    report = compare(cluster, cluster, explain=False)
    assert report.pairs == ()
    assert (report.workloads_added, report.workloads_removed, report.isolation) == ((), (), ())
    lines = list(connlist(cluster, families=address_families(cluster)))
    cuts = _cuts(lines)
    assert function(list(report.unchanged), cuts) == function(lines, cuts)


MIRROR = {Change.ADDED: Change.REMOVED, Change.REMOVED: Change.ADDED, Change.CHANGED: Change.CHANGED}


@SETTINGS
@given(sides=pairs_of_clusters())
def test_before_after_mirrors_after_before(sides: tuple[Cluster, Cluster]) -> None:
    before, after = sides
    forward, backward = compare(before, after, explain=False), compare(after, before, explain=False)
    assert [(p.source, p.destination) for p in forward.pairs] == [(p.source, p.destination) for p in backward.pairs]
    for f, b in zip(forward.pairs, backward.pairs):
        assert (b.change, b.before, b.after) == (MIRROR[f.change], f.after, f.before)
        assert (b.new_source, b.new_destination) == (f.new_source, f.new_destination)
        assert (b.gained, b.lost) == (f.lost, f.gained)
    assert (backward.workloads_added, backward.workloads_removed) == (forward.workloads_removed, forward.workloads_added)
    assert backward.isolation == tuple(dataclasses.replace(c, isolated=not c.isolated) for c in forward.isolation)
    assert backward.unchanged == forward.unchanged


@SETTINGS
@given(sides=pairs_of_clusters())
def test_applying_the_changes_to_before_gives_after(sides: tuple[Cluster, Cluster]) -> None:
    before, after = sides
    report = compare(before, after, explain=False)
    families = address_families(before) | address_families(after)
    old, new = list(connlist(before, families=families)), list(connlist(after, families=families))
    diff_lines = [ConnLine(p.source, p.destination, p.after) for p in report.pairs]
    cuts = _cuts(old, new, diff_lines, list(report.unchanged))
    applied = function(old, cuts)
    for pair in report.pairs:
        assert pair.before != pair.after
        assert pair.change is (Change.ADDED if pair.before.is_empty else Change.REMOVED if pair.after.is_empty else Change.CHANGED)
        for src in _atoms(pair.source, cuts[True]):
            for dst in _atoms(pair.destination, cuts[False]):
                assert applied.get((src, dst), ConnSet()) == pair.before
                if pair.after.is_empty:
                    del applied[src, dst]
                else:
                    applied[src, dst] = pair.after
    assert applied == function(new, cuts)
    assert function(list(report.unchanged), cuts).items() <= applied.items()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sides=pairs_of_clusters())
def test_reasons_agree_with_the_connection_lists(sides: tuple[Cluster, Cluster]) -> None:
    """Each gained interval is allowed after (and not before), each lost one the reverse, per the explain verdicts."""
    before, after = sides
    for pair in compare(before, after).pairs:
        assert [r.gained for r in pair.reasons] == [True] * len(pair.gained.intervals) + [False] * len(pair.lost.intervals)
        for reason in pair.reasons:
            now, then = (reason.after, reason.before) if reason.gained else (reason.before, reason.after)
            assert now is not None and now.allowed, (pair, reason)
            assert then is None or not then.allowed, (pair, reason)
