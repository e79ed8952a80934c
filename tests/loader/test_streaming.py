"""Files are decoded and converted one section at a time: the same result, one section's values held at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from podwall.errors import InputErrors
from podwall.loader import build, load_text
from podwall.loader.decode import decode, decode_parts

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
