"""Files are decoded and converted one section at a time: the same result, one section's values held at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podwall.errors import InputErrors
from podwall.loader import build, load_text
from podwall.loader.decode import Item, LineList, Restart, decode, decode_parts
from tests.loader.test_lazyjson import FAST, SLOW, _json_inputs, _shape

ROOT = Path(__file__).resolve().parents[2]
POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: shop, labels: {{app: {name}}}}}\n"


def _inputs() -> list[Path]:
    return sorted(p for folder in ("examples", "tests") for p in (ROOT / folder).rglob("*.y*ml") if p.is_file())


def test_the_parts_hold_what_the_whole_file_decodes_to() -> None:
    compared = 0
    for path in _inputs():
        text = path.read_text(encoding="utf-8", errors="replace")
        whole = decode(text, str(path))
        parts = list(decode_parts(text, str(path)))
        assert [(d.index, d.line, d.data) for p in parts for d in p.documents] == [
            (d.index, d.line, d.data) for d in whole.documents
        ], path
        assert [str(e) for p in parts for e in p.errors] == [str(e) for e in whole.errors], path
        assert [w for p in parts for w in p.warnings] == whole.warnings, path
        compared += 1
    assert compared > 100


def test_each_section_is_converted_before_the_next_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    parts = build.decode_parts

    def recording(text: str, path: str):  # type: ignore[no-untyped-def]
        for part in parts(text, path):
            events.append(f"decoded {[d.index for d in part.documents]}")
            yield part

    convert = build.convert
    monkeypatch.setattr(build, "decode_parts", recording)
    monkeypatch.setattr(build, "convert", lambda obj, ns: (events.append(f"converted {obj.data['metadata']['name']}"), convert(obj, ns))[1])
    cluster = load_text("---\n".join(POD.format(name=n) for n in ("a", "b", "c")), "m.yaml")
    assert [p.name for p in cluster.pods] == ["a", "b", "c"]
    assert events == ["decoded [0]", "converted a", "decoded [1]", "converted b", "decoded [2]", "converted c"]


def test_messages_keep_their_order_across_sections() -> None:
    # decoding warnings first (as when the whole file was decoded first), then each object's in order
    text = (POD.format(name="a") + "metadata: {name: a, namespace: shop}\n"  # duplicate key: a decoding warning
            + "---\n" + POD.format(name="b") + "...\n" + POD.format(name="x")  # a section after "...": ignored
            + "--- b: 2\n" + POD.format(name="c")  # a bad separator: an error of section 2
            + "---\n" + "apiVersion: v1\nkind: Pod\nmetadata: {name: d, namespace: shop, lables: {}}\n")
    separator = 'm.yaml:13:1: invalid document separator "--- b: 2": kubectl accepts only spaces or a comment after ---'
    unknown = 'm.yaml:20: Pod shop/d: metadata: unknown field "lables" (did you mean "labels"?)'
    with pytest.raises(InputErrors) as caught:
        load_text(text, "m.yaml", lenient=False)
    assert [str(e) for e in caught.value.errors] == [separator, unknown]
    cluster = load_text(text, "m.yaml", lenient=True)
    assert [p.name for p in cluster.pods] == ["a", "b", "c"]
    assert cluster.warnings == (
        'warning: m.yaml:4: duplicate key "metadata" (first at line 3): kubectl keeps this last value',
        "warning: m.yaml:10: ignored: kubectl reads only the first document of each section between --- lines "
        "(this one follows a ... marker)",
        f"warning: skipped document: {separator}",
        f"warning: skipped object: {unknown}",
    )


def _reassembled(text: str, path: str) -> Any:
    """The documents, errors and warnings of ``decode_parts``, each streamed item put back into its List."""
    items: dict[int, list[Item]] = {}
    documents, errors, warnings = [], [], []
    for part in decode_parts(text, path):
        if isinstance(part, Item):
            items.setdefault(part.document, []).append(part)
        elif isinstance(part, Restart):
            items.clear()
        else:
            for document in part.documents:
                streamed = items.pop(document.index, [])
                if streamed:
                    listed = document.data["items"]
                    assert isinstance(listed, LineList) and listed == [] and listed.lines == []
                    assert all(item.line == document.line for item in streamed)
                    listed.extend(item.value for item in streamed)
                    listed.lines = [item.item_line for item in streamed]
                documents.append((document.index, document.line, _shape(document.data)))
            errors.extend(str(e) for e in part.errors)
            warnings.extend(part.warnings)
    assert items == {}
    return documents, errors, warnings


def test_json_items_come_one_by_one_and_hold_what_the_whole_text_decodes_to() -> None:
    texts = [(p.read_bytes().decode("utf-8-sig"), str(p)) for p in _json_inputs(ROOT / "tests", ROOT / "examples")]
    texts += [(text, "c.json") for text in (*FAST.values(), *SLOW.values()) if "[" * 900 not in text]  # _shape recurses
    streamed = 0
    for text, path in texts:
        whole = decode(text, path)
        expected = ([(d.index, d.line, _shape(d.data)) for d in whole.documents], [str(e) for e in whole.errors],
                    whole.warnings)
        assert _reassembled(text, path) == expected, path
        streamed += any(isinstance(part, Item) for part in decode_parts(text, path))
    assert streamed > 10


def test_each_item_of_a_json_list_is_converted_before_the_next_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    parts = build.decode_parts

    def recording(text: str, path: str):  # type: ignore[no-untyped-def]
        for part in parts(text, path):
            if isinstance(part, Item):
                events.append(f"decoded item {part.value['metadata']['name']}")
            else:
                events.append(f"decoded {[d.index for d in part.documents]}")
            yield part

    convert = build.convert
    monkeypatch.setattr(build, "decode_parts", recording)
    monkeypatch.setattr(build, "convert", lambda obj, ns: (events.append(f"converted {obj.data['metadata']['name']}"), convert(obj, ns))[1])
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "namespace": "shop"}} for n in ("a", "b", "c")]
    text = json.dumps({"apiVersion": "v1", "items": pods, "kind": "List", "metadata": {}}, indent=2)  # kubectl's order
    cluster = load_text(text, "m.json")
    assert [p.name for p in cluster.pods] == ["a", "b", "c"]
    assert events == ["decoded item a", "converted a", "decoded item b", "converted b", "decoded item c", "converted c",
                      "decoded [0]"]


def test_a_json_list_that_fails_late_commits_nothing_of_its_items() -> None:
    # the first item was converted (a duplicate key: a warning, a bad label: an error) before the syntax error was met
    text = ('{"apiVersion": "v1", "kind": "List", "items": [\n {"apiVersion": "v1", "kind": "Namespace",'
            ' "metadata": {"name": "a", "name": "b", "labels": {"x": 1}}}],\n "metadata": {]}')
    syntax = "late.json:3:15: invalid JSON: Expecting property name enclosed in double quotes"
    with pytest.raises(InputErrors) as caught:
        load_text(text, "late.json")
    assert [str(e) for e in caught.value.errors] == [syntax]
    cluster = load_text(text, "late.json", lenient=True)
    assert cluster.namespaces == () and cluster.warnings == (f"warning: skipped document: {syntax}",)
