"""The bitset helpers the class matrix leans on: narrow unions, the label index's candidates, shared probes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podwall.engine import EngineOptions, Probe
from podwall.engine.classes import LabelIndex, narrow, partition, union
from podwall.engine.matrix import Rows, class_matrix
from podwall.model import (
    Cluster,
    ContainerPort,
    Direction,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
)
from tests.property.test_engine_vs_reference import selectors

KEYS = ("app", "tier", "team")
VALUES = ("a", "b", "c")
labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
selector = selectors(KEYS, VALUES)


@settings(max_examples=300, deadline=None)
@given(st.lists(labels, max_size=12), selector)
def test_the_label_index_never_drops_a_match(objects: list[dict[str, str]], chosen: LabelSelector) -> None:
    found = list(LabelIndex(objects).candidates(chosen))
    assert found == sorted(set(found))  # increasing, no repeats
    assert {i for i, o in enumerate(objects) if chosen.matches(o)} <= set(found)
    assert list(LabelIndex(objects).candidates(None)) == list(range(len(objects)))
    if LabelIndex(objects).exact(chosen):  # then the candidates are the matches, no more
        assert {i for i, o in enumerate(objects) if chosen.matches(o)} == set(found)
    assert LabelIndex(objects).exact(None)


@settings(max_examples=300, deadline=None)
@given(st.lists(labels, max_size=12), selector, st.integers(0, 12), st.integers(0, 12))
def test_the_label_index_cut_to_a_span_keeps_every_match_there(
    objects: list[dict[str, str]], chosen: LabelSelector, start: int, stop: int
) -> None:
    """One index over every class serves each namespace's span as an index of the span alone would."""
    index = LabelIndex(objects)
    found = list(index.candidates_in(chosen, start, stop))
    assert found == sorted(set(found))
    assert set(found) <= set(range(start, stop))
    matches = {i for i in range(start, min(stop, len(objects))) if chosen.matches(objects[i])}
    assert matches <= set(found)
    if index.exact(chosen):  # the matcher skips the selector then: the candidates must be the matches
        assert {i for i in found if i < len(objects)} == matches
    alone = LabelIndex(objects[start:stop])
    assert {i for i in found if i < len(objects)} >= {start + i for i in alone.candidates(chosen)} & matches
    assert list(index.candidates_in(None, start, stop)) == list(range(start, stop))


def test_selector_and_port_keys_cover_every_field() -> None:
    """The matrix keys selectors, requirements, peers and port specs by these fields: a field added
    to one of these classes must join its key (else unequal objects would share a cache entry)."""
    from dataclasses import fields

    from podwall.model import Requirement

    assert [f.name for f in fields(LabelSelector)] == ["match_labels", "match_expressions"]
    assert [f.name for f in fields(Requirement)] == ["key", "operator", "values"]
    assert [f.name for f in fields(PodPeer)] == ["namespace", "pod_selector", "namespace_selector"]
    assert [f.name for f in fields(PortSpec)] == ["protocol", "port", "end_port"]
    assert [f.name for f in fields(ContainerPort)] == ["port", "protocol", "name"]  # partition's class key


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 2**40)), max_size=9))
def test_union_of_narrow_parts_is_the_union_narrow(parts: list[tuple[int, int]]) -> None:
    whole = 0
    for low, small in parts:
        whole |= small << low
    assert union(parts) == narrow(whole)


def test_rows_keep_equal_rows_once() -> None:
    rows = Rows()
    rows.push(*rows.narrowed(40, 0b1100))
    rows.push(*rows.narrowed(7, 0b11))
    rows.append(0)
    assert list(rows) == [0b11 << 42, 0b11 << 7, 0]
    assert rows._bits[0] is rows._bits[1]


def test_probes_every_port_list_admits_alike_share_one_matrix() -> None:
    """53/TCP and 53/UDP are alike (the only rule names 8080 and a named port); 8080 and the named port's
    number differ from them and from each other, and each gets its own (correct) rows."""
    web = Pod("ns", "web", {"app": "web"}, (ContainerPort(9000, Protocol.TCP, "metrics"),))
    client = Pod("ns", "client", {"app": "client"}, ())
    policy = NetworkPolicy("ns", "web", LabelSelector.from_labels({"app": "web"}), frozenset({Direction.INGRESS}),
                           ingress=(Rule(Direction.INGRESS, 0, (PodPeer("ns", LabelSelector.from_labels(
                               {"app": "client"})),), (PortSpec(Protocol.TCP, 8080), PortSpec(Protocol.TCP, "metrics"))),))
    cluster = Cluster((Namespace("ns", {}),), (web, client), (), (), (policy,))
    classes = partition(cluster, cluster.pods, EngineOptions())
    probes = (Probe(53, Protocol.TCP), Probe(53, Protocol.UDP), Probe(8080), Probe(9000))
    matrix = class_matrix(cluster, classes, probes)
    assert matrix[probes[0]] is matrix[probes[1]]
    assert len({id(rows) for rows in matrix.values()}) == 3
    w, c = classes.class_of
    for probe in probes:
        reaches_web = bool(matrix[probe][c] >> w & 1)
        assert reaches_web == (probe.port in (8080, 9000)), probe
