"""JSON's fast path (``loader.lazyjson``) gives exactly what the exact path (``decode._decode_json``) gives.

Values, every line of every key and item (once asked for), warnings and
errors, and the loaded models: on every JSON input of the suite, the examples
and ../shared/corpus, on every YAML manifest of the suite written out as
``kubectl get -o json`` would print it (pretty and compact), and on inputs
chosen for the corners of the fast path (duplicate keys, nested Lists, scalars
among items, line breaks, escapes, numbers kubectl refuses, deep nesting).
"""

from __future__ import annotations

import gc
import json
import pickle
from dataclasses import FrozenInstanceError, replace
from pathlib import Path
from collections.abc import Generator
from typing import Any

import pytest

from podwall.errors import InputErrors, Location, deferred
from podwall.loader import decode as decode_module
from podwall.loader import lazyjson, load_text
from podwall.loader.build import Builder
from podwall.loader.decode import LineDict, LineList, decode
from tests.cli.harness import run
from tests.loader.test_decode_kubectl import CORPUS, ROOT, _manifests


def _shape(value: Any) -> Any:
    """Everything of a decoded value, lines included (reading them resolves lazy ones)."""
    if isinstance(value, dict):
        return ("map", value.line, dict(value.lines), [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", value.line, list(value.lines), [_shape(v) for v in value])
    return (type(value).__name__, value)


def _exact(text: str, path: str) -> Any:
    result = decode_module._decode_json(text, path)
    return ([(d.index, d.line, _shape(d.data)) for d in result.documents], [str(e) for e in result.errors], result.warnings)


def _fast(text: str, path: str) -> Any:
    result = lazyjson.decode_json(text, path)
    if result is None:
        return None
    return ([(d.index, d.line, _shape(d.data)) for d in result.documents], [str(e) for e in result.errors], result.warnings)


def _load(text: str, path: str) -> Any:
    """The model (or the errors) in strict and in lenient mode, and what a directory walk makes of the file."""
    loaded = []
    for lenient in (False, True):
        try:
            loaded.append(load_text(text, path, lenient=lenient))
        except InputErrors as errors:
            loaded.append(str(errors))
    walked = Builder(lenient=True)
    walked.add_text(text, path, walked=True)
    loaded.append((walked.cluster(), walked.passed))
    return loaded


def _exact_path(patch: pytest.MonkeyPatch) -> None:
    """Every JSON input through the exact path (``decode._decode_json``), as when the fast path gives up."""

    def never(text: str, path: str, *, streaming: bool) -> Generator[Any, None, None]:
        return None
        yield  # a generator, as lazyjson._fast

    patch.setattr(lazyjson, "_fast", never)


def _assert_same(text: str, path: str, monkeypatch: pytest.MonkeyPatch, *, fast: bool = True) -> None:
    """Same decode and same model (or the same errors) through both paths; ``fast``: the fast path took it."""
    ours = _fast(text, path)
    assert (ours is not None) == fast, path
    if ours is not None:
        assert ours == _exact(text, path), path
    model = _load(text, path)
    with monkeypatch.context() as patch:
        _exact_path(patch)
        assert model == _load(text, path), path


def _json_inputs(*tops: Path) -> list[Path]:
    return [p for p in _manifests(*tops) if decode_module._is_json_stream(p.read_bytes().decode("utf-8-sig"))]


def test_every_json_input_of_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _json_inputs(ROOT / "tests", ROOT / "examples")
    assert len(paths) >= 3
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig")
        _assert_same(text, str(path), monkeypatch, fast=lazyjson.decode_json(text, str(path)) is not None)


@pytest.mark.corpus
def test_every_json_input_of_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus not found at {CORPUS} (CI provides ../shared)")
    paths = _json_inputs(CORPUS)
    assert len(paths) >= 50
    taken = 0
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig")
        taken += lazyjson.decode_json(text, str(path)) is not None
        _assert_same(text, str(path), monkeypatch, fast=lazyjson.decode_json(text, str(path)) is not None)
    assert taken >= 50  # the fast path is the usual one


def test_the_suite_yaml_manifests_as_kubectl_get_o_json_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each YAML manifest of the suite that decodes, as one List (pretty and compact) and as a stream of objects."""
    count = taken = 0
    for path in _manifests(ROOT / "tests", ROOT / "examples"):
        text = path.read_bytes().decode("utf-8-sig")
        if path.suffix == ".json" or decode_module._is_json_stream(text):
            continue
        decoded = decode(text, str(path))
        objects = [d.data for d in decoded.documents if isinstance(d.data, dict)]  # json.dumps takes LineDicts
        if decoded.errors or not objects:
            continue
        count += 1
        listed = {"apiVersion": "v1", "kind": "List", "items": objects, "metadata": {"resourceVersion": ""}}
        texts = [json.dumps(listed, indent=4), json.dumps(listed, ensure_ascii=False),
                 "\n".join(json.dumps(o, indent=2, ensure_ascii=False) for o in objects)]
        for text in texts:
            fast = lazyjson.decode_json(text, "x.json") is not None
            taken += fast
            _assert_same(text, f"{path.name}.json", monkeypatch, fast=fast)
    assert count >= 50 and taken >= 2 * count  # the fast path is the usual one


FAST = {
    "duplicates": '{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a", "name": "b",\n "labels": {"x": "1"}},'
                  '\n "kind": "Pod", "spec": {"containers": [], "containers": {"a": 1}}}',
    "duplicate list then map": '{"a": [1, 2], "a": {"b": [3]}, "items": 1}',
    "nested Lists and scalars among items": '{"kind": "List", "apiVersion": "v1", "items": [\n  1, "x", null, [2, [3]],\n'
                                            '  {"kind": "List", "apiVersion": "v1", "items": [{"kind": "Pod"}]}, {}\n]}',
    "items not a list": '{"kind": "List", "apiVersion": "v1", "items": {"a": [1]}}',
    "empty": '{}\n{ }\n{"items": []}\n{"items": [ ]}',
    "crlf": '{"kind": "Pod",\r\n "apiVersion": "v1",\r\n "metadata": {"name": "a",\r\n  "labels": {"x": "y"}}}\r\n',
    "escapes": '{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a\\u00e9", "annotations": {"\\"q\\"": "\\n\\t\\/"}}}',
    "numbers": '{"a": [1, -0, 1.0, 1e3, 9223372036854775807, 9223372036854775808, 1.5e300, 0.1, 12345678901234567890123]}',
    "several values": '{"a": 1}  {"b": [\n{"c": 2}]}\n\n\n{"d": {"e": [true, false, null]}}',
    "compact": '{"kind":"List","apiVersion":"v1","items":[{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}}]}',
    "a long key libyaml reads": '{"data": {"' + "k" * 300 + '": "v"}, "' + "k" * 900 + '": 1}',
    "tabs": '{\t"items":\t[\t{"a":\t[1,\t2]}\t]\t}',
    "list of lists": '{"items": [[[1], [2, [3, {"a": [4]}]]]], "x": [[{"y": 1}]]}',
    # Rule locations are found late (errors.deferred): a given key twice, rules over several lines, a List.
    "policy with a key given twice": '{"kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",\n'
                                     ' "metadata": {"name": "p"}, "spec": {"podSelector": {},\n'
                                     ' "ingress": [{"from": []}],\n "ingress": [{},\n {"ports": [{"port": 80}]}],\n'
                                     ' "egress": [\n\n{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "to": []}]}}',
    # A List's items are converted as they are decoded (build.Builder._tentative), whatever the List turns out to be.
    "kind after items, as kubectl prints": '{"apiVersion": "v1", "items": [\n {"apiVersion": "v1", "kind": "Pod", '
                                           '"metadata": {"name": "a", "namespace": "n"}, "spec": {"containers": [{"name": "c"}]}}'
                                           '\n], "kind": "List", "metadata": {"resourceVersion": ""}}',
    "a typed List whose items omit kind or apiVersion": '{"apiVersion": "v1", "items": [\n {"metadata": {"name": "a", '
                                                        '"namespace": "n"}, "spec": {"containers": [{"name": "c"}]}},\n'
                                                        ' {"kind": "Service", "metadata": {"name": "s"}},\n'
                                                        ' {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}],'
                                                        '\n "kind": "PodList"}',
    "a List whose own kind is wrong, after its items": '{"apiVersion": "v1", "metadata": {"name": "l"}, "items": [\n'
                                                       ' {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}},'
                                                       ' {"kind": "Pod"}, 3],\n "kind": 5}',
    "a List with no apiVersion": '{"items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}],\n'
                                 ' "kind": "List"}',
    "no type at the top, as a walk finds it": '{"items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}]}',
    "items with errors and duplicate keys": '{"kind": "List", "apiVersion": "v1", "metadata": {"a": 1,\n "a": 2}, "items": [\n'
                                            ' {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a",\n "name": "b"},'
                                            ' "spec": {"containres": []}},\n {"apiVersion": "v1", "kind": "Pod",'
                                            ' "metadata": {"name": "b"}, "spec": {"containers": [{"name": "c", "name": "d"}]}},\n'
                                            ' {"apiVersion": "v1", "kind": "pod"}, {"apiVersion": "v1", "kind": 5}]}',
    "items given twice": '{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Namespace",'
                         ' "metadata": {"name": "a"}}],\n "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}]}',
    "several Lists in one stream": '{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Namespace",'
                                   ' "metadata": {"name": "a"}}]}\n{"kind": "List", "apiVersion": "v1", "items": [\n'
                                   ' {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]}\n'
                                   '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c", "labels": {"x": 1}}}',
    "policies in a List": '{"kind": "List", "apiVersion": "v1", "items": [\r\n'
                          ' {"kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": {"name": "a"},\r\n'
                          '  "spec": {"podSelector": {}, "egress": [{}, {}], "ingress": [\r\n{}]}},\r\n'
                          ' {"kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": {"name": "b"},'
                          ' "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 1}]},\r\n\r\n{}]}}]}',
}


@pytest.mark.parametrize("name", sorted(FAST))
def test_corners_the_fast_path_takes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(FAST[name], "c.json", monkeypatch)


SLOW = {
    "nan": '{"a": NaN}',
    "infinity": '{"a":\n -Infinity}',
    "out of range": '{"a": "NaN", "b": 1e999}',
    "huge integer": '{"a": ' + "1" * 5000 + "}",
    "syntax": '{"kind": "Pod",\n "apiVersion": "v1"\n "metadata": {}}',
    "trailing comma": '{"kind": "Pod",}',
    "syntax in an item": '{"kind": "List", "items": [{"a": 1}, {"a": 2,}]}',
    "syntax after the items": '{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Namespace",'
                              ' "metadata": {"name": "a", "labels": {"x": 1}}}],\n "metadata": {]}',
    "exact-only text after the items": '{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": '
                                       '"Namespace", "metadata": {"name": "a"}}],\n "metadata": {"name": "\\ud800"}}',
    "a deep value after the items": '{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": '
                                    '"Namespace", "metadata": {"name": "a"}}],\n "x": ' + "[" * 900 + "]" * 900 + "}",
    "not an object next": '{"a": 1}\n[1, 2]',
    "lone surrogate": '{"a": "\\ud800"}',
    "lone cr": '{"a":\r1}',
    "line separator": '{"a": "x\u2028y",\n "b": 1}',
    "next line": '{"a": "x\x85y",\n "b": 1}',
    "deep": '{"a": ' + "[" * 900 + "]" * 900 + "}",
    "unterminated": '{"a": [1, 2',
    # libyaml refuses these documents (the exact path then knows no line but the document's): the exact path.
    "long key": '{"kind": "ConfigMap", "apiVersion": "v1", "data": {"' + "k" * 1100 + '": "v"}}',
    "long key in an item": '{"items": [{"' + "k" * 1100 + '": 1}]}',
    "long key at the top": '{"' + "k" * 1100 + '": 1}',
    "escaped long key": '{"items": [{"' + "\\u00e9" * 200 + '": 1}]}',
    "blanks before a colon": '{"a"' + " " * 1100 + ': 1}',
    "a line break before a colon": '{"a"\n: 1}',
    "an indented colon after a line break": '{"a": 1,\n "b"\n    : 2}',
    "a tab before a colon after a line break": '{"a": 1,\n "b"\n \t: 2}',
    "a CRLF before a colon": '{"a": 1,\r\n "b"\r\n  : 2}',
    "raw C1 character": '{"a": "x\x90y",\n "b": 1}',
    "raw BOM inside": '{"a": "x\ufeffy",\n "b": 1}',
}


@pytest.mark.parametrize("name", sorted(SLOW))
def test_corners_left_to_the_exact_path(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(SLOW[name], "c.json", monkeypatch, fast=False)


def test_lines_are_resolved_only_when_asked_for() -> None:
    text = json.dumps({"kind": "List", "apiVersion": "v1", "items": [
        {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": f"p{i}"}, "spec": {"containers": [{"name": "c"}]}}
        for i in range(3)]}, indent=2)  # fmt: skip
    result = lazyjson.decode_json(text, "l.json")
    assert result is not None
    (document,) = result.documents
    items = document.data["items"]
    assert isinstance(items, LineList) and items.lines == [5, 19, 33] and document.data.lines["items"] == 4
    units = [item._unit for item in items]
    assert [item.line for item in items] == [5, 19, 33]  # known without resolving
    assert not any(unit.done for unit in units)
    containers = items[1]["spec"]["containers"]
    assert containers.lines == [27] and not units[0].done and units[1].done and not units[2].done
    assert isinstance(containers[0], LineDict) and containers[0].lines == {"name": 28}


def test_a_duplicate_key_inside_an_item_is_warned_at_its_line() -> None:
    text = '{"kind": "List", "items": [\n {"kind": "Pod",\n  "kind": "Pod"}]}'
    result = lazyjson.decode_json(text, "d.json")
    assert result is not None
    assert result.warnings == ['d.json:3: duplicate key "kind": kubectl keeps the last value']


def _policy(name: str) -> dict[str, Any]:
    """A valid NetworkPolicy using every list and port form the converter reads."""
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "shop", "finalizers": ["example.com/keep"]},
        "spec": {
            "podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"role": "client"}}}],
                 "ports": [{"port": 80}, {"port": 8000, "endPort": 8080}, {"port": "http", "protocol": "UDP"}]},
                {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]},
            ],
            "egress": [{"to": [{"namespaceSelector": {}}], "ports": [{"port": 53, "protocol": "UDP"}]}],
        },
    }


def test_valid_policies_are_never_composed_and_their_rules_find_their_lines_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = {"apiVersion": "v1", "kind": "List", "items": [_policy("a"), _policy("b")]}
    texts = [json.dumps(listed, indent=2), json.dumps(_policy("c"), indent=1), json.dumps(listed)]
    composed: list[str] = []
    real = lazyjson.flow_node
    monkeypatch.setattr(lazyjson, "flow_node", lambda text: composed.append(text) or real(text))
    for text in texts:
        composed.clear()
        cluster = load_text(text, "p.json")
        assert composed == []  # no line was needed: no policy was composed
        rules = [rule for policy in cluster.policies for rule in (*policy.ingress, *policy.egress)]
        with monkeypatch.context() as patch:
            _exact_path(patch)
            exact = [rule for policy in load_text(text, "p.json").policies for rule in (*policy.ingress, *policy.egress)]
        assert [str(rule.location) for rule in rules] == [str(rule.location) for rule in exact]
        assert len(composed) == len(cluster.policies)  # each policy once, for all of its rules
        assert rules == exact and {*rules} == {*exact}


def test_a_deferred_location_finds_its_line_once_and_is_the_plain_location() -> None:
    calls: list[int] = []

    def find() -> int:
        calls.append(1)
        return 7

    base = Location("a.json", 3, None, 0)
    later = deferred(base, find)
    assert (later.path, later.column, later.document) == ("a.json", None, 0) and calls == []
    plain = Location("a.json", 7, None, 0)
    assert later == plain and plain == later and hash(later) == hash(plain) and {later, plain} == {plain}
    assert str(later) == "a.json:7" and repr(later) == repr(plain) and calls == [1]
    assert replace(later, line=9) == Location("a.json", 9, None, 0) and later.line == 7 and calls == [1]
    assert pickle.loads(pickle.dumps(deferred(base, lambda: None))) == Location("a.json", None, None, 0)
    with pytest.raises(FrozenInstanceError):
        later.line = 1  # type: ignore[misc]


def test_the_tutorial_as_a_json_list_explains_and_lints_as_through_the_exact_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule locations found late print what the exact path prints (lint's findings on rules name their lines)."""
    tutorial = ROOT / "examples" / "tutorial"
    objects = [d.data for path in sorted(tutorial.glob("*.yaml")) for d in decode(path.read_text(), str(path)).documents]
    listed = tmp_path / "cluster.json"
    listed.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2))
    commands = [
        ("explain", "-f", str(listed), "-n", "production", "frontend", "backend", "8080"),
        ("lint", "-f", str(listed)),
        ("lint", "-f", str(listed), "-o", "json"),
    ]
    fast = [run(*command) for command in commands]
    with monkeypatch.context() as patch:
        _exact_path(patch)
        exact = [run(*command) for command in commands]
    assert fast == exact
    assert any(f"{listed}:" in r.stdout for r in fast)  # lines were printed


def _lazy_objects() -> list[object]:
    kinds = (lazyjson._LazyDict, lazyjson._LazyList, lazyjson._Unit, lazyjson._Reader)
    return [o for o in gc.get_objects() if type(o) in kinds]


def test_decoded_values_are_freed_by_reference_counting_once_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI runs with the cyclic collector off: a unit and its values must not form a cycle."""
    listed = {"apiVersion": "v1", "kind": "List", "items": [_policy("a"), _policy("b"), {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}]}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q", "namespace": "shop", "labels": {"x": 1}}},
        {"metadata": {"name": "r"}}]}  # an invalid Pod, and an item that waits for its List's kind (none)
    text = json.dumps(listed, indent=2)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        assert _lazy_objects() == []
        cluster = load_text(text, "l.json", lenient=True)
        assert [p.name for p in cluster.policies] == ["a", "b"] and [p.name for p in cluster.pods] == ["p"]
        assert [w.split(":")[:2] for w in cluster.warnings] == [["warning", " skipped object"]] * 3
        assert _lazy_objects() == []  # nothing of the model keeps a decoded container, nor the decoder its unit
        rules = [rule for policy in cluster.policies for rule in policy.ingress]
        lines = [rule.location.line for rule in rules]  # deferred lines: found from the unit's text
        assert _lazy_objects() == []
    finally:
        if enabled:
            gc.enable()
    _exact_path(monkeypatch)
    exact = load_text(text, "l.json", lenient=True)
    assert lines == [rule.location.line for policy in exact.policies for rule in policy.ingress]
    assert cluster.warnings == exact.warnings


def test_a_container_asked_for_its_line_after_its_unit_was_released_is_an_internal_error() -> None:
    result = lazyjson.decode_json('{"items": [{"spec": {"a": [1]}}]}', "r.json")
    assert result is not None
    spec = result.documents[0].data["items"][0]["spec"]
    del result
    with pytest.raises(RuntimeError, match="unit's value was released"):
        spec.lines  # noqa: B018


@pytest.mark.parametrize("value", [{"a": 1}, {"a": [1, {"b": []}], "c": {"d": [[{}], []]}}, [{"a": [[1]]}, {}]])
def test_a_unit_counts_its_containers_by_its_references(value: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # _Stream.unit bounds the nesting by the number of containers, read off the unit's reference count (each
    # container holds its unit): a reference more or less anywhere would make that count wrong.
    counted: list[int] = []

    def containers(given: Any) -> int:
        return 1 + sum(containers(v) for v in (given.values() if isinstance(given, dict) else given)
                       if isinstance(v, (dict, list)))

    real = lazyjson._REFERENCES
    assert real is not None
    monkeypatch.setattr(lazyjson, "_REFERENCES", lambda unit: counted.append(real(unit) - 1) or real(unit) - 1)
    assert lazyjson.decode_json(json.dumps({"kind": "List", "items": [value]}), "u.json") is not None
    assert counted == [containers(value) + 3]
