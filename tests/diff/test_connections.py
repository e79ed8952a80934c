"""The connection diff as pure data: change types, workload info, external ranges on the common refinement."""

from __future__ import annotations

import pytest

from podwall.diff import Change, compare_lines
from podwall.engine.connlist import ConnLine
from podwall.engine.connset import ConnSet
from podwall.model import Protocol

TCP, UDP = Protocol.TCP, Protocol.UDP
A, B, C = "ns/a[Deployment]", "ns/b[Deployment]", "other/c[StatefulSet]"
WORLD = "0.0.0.0-255.255.255.255[External]"


def conns(*intervals: tuple[Protocol, int, int]) -> ConnSet:
    return ConnSet.of(intervals)


def line(src: str, dst: str, *intervals: tuple[Protocol, int, int]) -> ConnLine:
    return ConnLine(src, dst, conns(*intervals) if intervals else ConnSet.everything())


def test_identical_lists_have_no_difference() -> None:
    lines = [line(A, B, (TCP, 80, 80)), line(WORLD, A)]
    found = compare_lines(lines, lines, {A, B}, {A, B})
    assert found.is_empty
    assert [u.source for u in found.unchanged] == [WORLD, A]


def test_added_removed_changed() -> None:
    before = [line(A, B, (TCP, 80, 80)), line(B, A, (UDP, 53, 53))]
    after = [line(A, B, (TCP, 80, 81)), line(A, C, (TCP, 5432, 5432))]
    found = compare_lines(before, after, {A, B, C}, {A, B, C})
    assert [(p.source, p.destination, p.change) for p in found.pairs] == [
        (A, B, Change.CHANGED),
        (A, C, Change.ADDED),
        (B, A, Change.REMOVED),
    ]
    changed, added, removed = found.pairs
    assert (str(changed.gained), str(changed.lost)) == ("TCP 81", "No Connections")
    assert (str(added.before), str(added.after)) == ("No Connections", "TCP 5432")
    assert (str(removed.lost), str(removed.after)) == ("UDP 53", "No Connections")
    assert not any(p.new_source or p.new_destination for p in found.pairs)


def test_workloads_on_one_side_only_are_marked() -> None:
    before = [line(A, B)]
    after = [line(A, C), line(C, A)]
    found = compare_lines(before, after, {A, B}, {A, C})
    marks = {(p.source, p.destination): (p.change, p.new_source, p.new_destination) for p in found.pairs}
    assert marks == {
        (A, B): (Change.REMOVED, False, True),
        (A, C): (Change.ADDED, False, True),
        (C, A): (Change.ADDED, True, False),
    }
    assert (found.workloads_added, found.workloads_removed) == ((C,), (B,))


def test_external_ranges_compare_on_the_common_refinement() -> None:
    """Before: the whole world on TCP 80; after, 10/8 also gets 443: only that range changed."""
    before = [line(WORLD, A, (TCP, 80, 80))]
    after = [
        line("0.0.0.0-9.255.255.255[External]", A, (TCP, 80, 80)),
        line("10.0.0.0-10.255.255.255[External]", A, (TCP, 80, 80), (TCP, 443, 443)),
        line("11.0.0.0-255.255.255.255[External]", A, (TCP, 80, 80)),
    ]
    found = compare_lines(before, after, {A}, {A})
    assert [(p.source, str(p.before), str(p.after)) for p in found.pairs] == [
        ("10.0.0.0-10.255.255.255[External]", "TCP 80", "TCP 80,443")
    ]
    assert [u.source for u in found.unchanged] == ["0.0.0.0-9.255.255.255[External]", "11.0.0.0-255.255.255.255[External]"]


def test_touching_pieces_that_compare_alike_are_joined() -> None:
    """A finer cut on one side does not split a line whose connections are the same on every piece."""
    before = [
        line(A, "0.0.0.0-9.255.255.255[External]", (UDP, 53, 53)),
        line(A, "10.0.0.0-255.255.255.255[External]", (UDP, 53, 53)),
    ]
    found = compare_lines(before, [], {A}, {A})
    assert [(p.destination, p.change) for p in found.pairs] == [(WORLD, Change.REMOVED)]


def test_ip_families_are_never_joined() -> None:
    v6 = "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External]"
    found = compare_lines([line(WORLD, A), line(v6, A)], [], {A}, {A})
    assert [p.source for p in found.pairs] == [WORLD, v6]


def test_ingress_controller_and_external_ends_are_never_new_workloads() -> None:
    found = compare_lines([], [line("{ingress-controller}", C, (TCP, 8080, 8080)), line(WORLD, C)], {A}, {A, C})
    assert [(p.new_source, p.new_destination) for p in found.pairs] == [(False, True), (False, True)]
    assert [p.from_outside for p in found.pairs] == [True, True]


@pytest.mark.parametrize(
    ("left", "right", "difference", "union"),
    [
        ("TCP 1-100", "TCP 50", "TCP 1-49,51-100", "TCP 1-100"),
        ("TCP 1-100", "UDP 1-100", "TCP 1-100", "TCP 1-100,UDP 1-100"),
        ("TCP 10-20,30-40", "TCP 15-35", "TCP 10-14,36-40", "TCP 10-40"),
        ("TCP 80", "TCP 1-65535", "No Connections", "TCP 1-65535"),
        ("All Connections", "TCP 1-65535", "SCTP 1-65535,UDP 1-65535", "All Connections"),
    ],
)
def test_connection_set_difference_and_union(left: str, right: str, difference: str, union: str) -> None:
    from tests.conformance.normalise import parse_conn

    def parsed(text: str) -> ConnSet:
        return ConnSet.of((Protocol(p), lo, hi) for p, ranges in parse_conn(text) for lo, hi in ranges)

    assert str(parsed(left).difference(parsed(right))) == difference
    assert str(parsed(left).union(parsed(right))) == union
