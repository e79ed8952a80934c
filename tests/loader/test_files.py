"""Paths: files, directories walked in order, ``-`` for stdin, unreadable and undecodable input."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from podwall.errors import InputErrors
from podwall.loader import load

DATA = Path(__file__).parent / "data"


def ns(name: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_directory_is_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path / "b.yaml", ns("b") + "---\n" + ns("dup"))
    write(tmp_path / "a" / "z.yml", ns("dup"))
    write(tmp_path / "a" / "deeper" / "x.json", '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}')
    write(tmp_path / "c.yaml", ns("dup"))
    write(tmp_path / "README.md", "not: [yaml")
    write(tmp_path / "notes.txt", "ignored")
    with pytest.raises(InputErrors) as info:
        load([str(tmp_path)])
    # kubectl's order: a/ (where "a" sorts), then b.yaml, then c.yaml
    assert str(info.value).splitlines() == [
        f"{tmp_path / 'b.yaml'}:6: Namespace dup: defined twice (first at {tmp_path / 'a' / 'z.yml'}:1)",
        f"{tmp_path / 'c.yaml'}:1: Namespace dup: defined twice (first at {tmp_path / 'a' / 'z.yml'}:1)",
    ]


def test_directory_objects_and_locations(tmp_path: Path) -> None:
    write(tmp_path / "one.yaml", ns("one"))
    write(tmp_path / "sub" / "two.YAML", "# comment\n" + ns("two"))
    cluster = load([str(tmp_path)])
    assert [(n.name, str(n.location)) for n in cluster.namespaces] == [
        ("one", f"{tmp_path / 'one.yaml'}:1"),
        ("two", f"{tmp_path / 'sub' / 'two.YAML'}:2"),
    ]


def test_data_directory() -> None:
    cluster = load([str(DATA / "shop")])
    assert [n.name for n in cluster.namespaces] == ["shop"]
    assert [p.key for p in cluster.pods] == ["shop/Deployment/api", "shop/Deployment/web"]
    assert [p.key for p in cluster.policies] == ["shop/api-from-web", "shop/default-deny"]
    assert cluster.skipped == {"ConfigMap": 1}


def test_explicit_file_is_read_whatever_its_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "manifest.txt", ns("x"))
    assert [n.name for n in load([str(path)]).namespaces] == ["x"]


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", ns("x"))
    assert len(load([str(path), str(tmp_path), str(tmp_path / "." / "a.yaml")]).namespaces) == 1


def test_stdin() -> None:
    cluster = load(["-"], stdin=io.StringIO(ns("from-stdin")))
    (namespace,) = cluster.namespaces
    assert str(namespace.location) == "<stdin>:1"


def test_stdin_errors_are_named_stdin() -> None:
    with pytest.raises(InputErrors) as info:
        load(["-"], stdin=io.StringIO("a: [\n"))
    assert str(info.value) == "<stdin>:2:1: invalid YAML: did not find expected node content"


def test_stdin_binary_stream_is_decoded() -> None:
    cluster = load(["-"], stdin=io.BytesIO(ns("b").encode()))  # type: ignore[arg-type]
    assert [n.name for n in cluster.namespaces] == ["b"]


def test_stdin_and_files_together(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", ns("a"))
    cluster = load([str(path), "-", "-"], stdin=io.StringIO(ns("b")))
    assert [n.name for n in cluster.namespaces] == ["a", "b"]


def test_missing_paths_are_all_reported_even_when_lenient(tmp_path: Path) -> None:
    with pytest.raises(InputErrors) as info:
        load([str(tmp_path / "nope.yaml"), str(tmp_path / "gone")], lenient=True)
    assert str(info.value).splitlines() == [
        f"{tmp_path / 'nope.yaml'}: no such file or directory",
        f"{tmp_path / 'gone'}: no such file or directory",
    ]


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "x")
    with pytest.raises(InputErrors) as info:
        load([str(tmp_path)])
    assert str(info.value) == f"{tmp_path}: no .yaml, .yml or .json files in this directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.yaml", ns("x"))
    path.chmod(0)
    with pytest.raises(InputErrors) as info:
        load([str(path)])
    assert str(info.value) == f"{path}: cannot read: permission denied"


def test_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.yaml", b"apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n")
    with pytest.raises(InputErrors) as info:
        load([str(path)])
    assert str(info.value) == f"{path}:3:21: invalid YAML: not valid UTF-8 text (byte 0xe9)"
    cluster = load([str(path)], lenient=True)
    assert cluster.warnings == (f"warning: skipped document: {path}:3:21: invalid YAML: not valid UTF-8 text (byte 0xe9)",)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "bom.yaml", ns("bom").encode(encoding))
    assert [n.name for n in load([str(path)]).namespaces] == ["bom"]


def test_unpaired_surrogate_in_stdin() -> None:
    with pytest.raises(InputErrors) as info:
        load(["-"], stdin=io.StringIO("a: b\nc: \udc80\n"))
    assert str(info.value) == "<stdin>:2:4: invalid YAML: text holds an unpaired surrogate character"


def test_a_single_string_is_not_a_list_of_paths() -> None:
    from podwall.errors import UsageError

    with pytest.raises(UsageError):
        load("manifests/")  # type: ignore[arg-type]


def test_invalid_default_namespace() -> None:
    from podwall.errors import UsageError

    with pytest.raises(UsageError, match="invalid default namespace 'Prod'"):
        load([], default_namespace="Prod")
