"""Paths: files, directories walked in order, ``-`` for stdin, unreadable and undecodable input."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
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


# -- reading is bounded and takes what it should (issue 10, "Reading files") -------------------------


def test_a_walk_reads_regular_files_only(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", ns("a"))
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dir-link.yaml").symlink_to(tmp_path / "sub")
    (tmp_path / "policies").symlink_to(tmp_path / "sub")  # a link to a folder, whatever its name, is said
    write(tmp_path / "sub" / "b.yaml", ns("b"))
    cluster = load([str(tmp_path)])
    assert [n.name for n in cluster.namespaces] == ["a", "b"]
    assert cluster.warnings == (
        f"warning: {tmp_path / 'dir-link.yaml'} -> {tmp_path / 'sub'}: not read: a directory walk does not follow "
        "symbolic links to directories, as kubectl apply -R does not (name it with -f to read it)",
        f"warning: {tmp_path / 'pipe.yaml'}: not read: a directory walk reads regular files only, this is a FIFO "
        "(name it with -f to read it)",
        f"warning: {tmp_path / 'policies'} -> {tmp_path / 'sub'}: not read: a directory walk does not follow "
        "symbolic links to directories, as kubectl apply -R does not (name it with -f to read it)",
        f"warning: {tmp_path / 'zero.yaml'} -> /dev/zero: not read: a directory walk reads regular files only, "
        "this is a character device (name it with -f to read it)",
    )


def test_a_broken_link_in_a_walk_is_an_error_or_with_lenient_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", ns("a"))
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    with pytest.raises(InputErrors) as info:
        load([str(tmp_path)])
    assert str(info.value) == f"{tmp_path / 'gone.yaml'}: broken symbolic link"
    cluster = load([str(tmp_path)], lenient=True)
    assert cluster.warnings == (f"warning: skipped path: {tmp_path / 'gone.yaml'}: broken symbolic link",)


def test_dev_zero_is_one_line() -> None:
    with pytest.raises(InputErrors) as info:
        load(["/dev/zero"])
    assert str(info.value) == "/dev/zero:1:1: invalid YAML: not text (a NUL character)"


def test_dev_urandom_is_one_line() -> None:
    with pytest.raises(InputErrors) as info:
        load(["/dev/urandom"])
    (line,) = str(info.value).splitlines()
    assert line.startswith("/dev/urandom:") and (": invalid YAML: not valid UTF-8 text (byte 0x" in line or "NUL" in line)


def test_a_sparse_8_gib_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(8 << 30)
    with pytest.raises(InputErrors) as info:
        load([str(path)])
    assert str(info.value) == (
        f"{path}: too large: 8 GiB: podwall reads at most 256 MiB per input (--max-input-mb raises the limit)"
    )


def test_a_stream_is_cut_at_the_limit(tmp_path: Path) -> None:
    with pytest.raises(InputErrors) as info:
        load(["-"], stdin=io.StringIO(ns("a") * 100), max_bytes=1000)
    assert str(info.value) == "<stdin>: too large: podwall reads at most 1000 bytes per input (--max-input-mb raises the limit)"
    with pytest.raises(InputErrors) as info:
        load([str(write(tmp_path / "a.yaml", ns("a") * 100))], max_bytes=1000)
    assert "too large: 5.0 KiB: podwall reads at most 1000 bytes" in str(info.value)


def test_a_fifo_named_explicitly_is_read(tmp_path: Path) -> None:
    """That is what ``-f <(kubectl get ...)`` hands podwall."""
    import threading

    fifo = tmp_path / "manifests"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w") as writer:  # blocks until the loader opens the other end
            writer.write(ns("piped"))

    writer = threading.Thread(target=feed)
    writer.start()
    cluster = load([str(fifo)])
    writer.join()
    assert [n.name for n in cluster.namespaces] == ["piped"]


def test_a_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    try:
        fd = os.open(tmp_path, os.O_RDONLY)
        for _ in range(1100):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with os.fdopen(os.open("deep.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write(ns("deep"))
        os.close(fd)
        assert [n.name for n in load([str(tmp_path)]).namespaces] == ["deep"]
    finally:  # pytest's own clean-up recurses, and would not get this deep
        subprocess.run(["rm", "-rf", str(tmp_path / "d")], check=True)


def test_a_path_too_long_in_a_walk_is_an_error_or_with_lenient_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", ns("a"))
    fd = os.open(tmp_path, os.O_RDONLY)
    parts = []
    for _ in range(20):  # 20 x 250 characters: more than PATH_MAX (4096)
        name = "x" * 250
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
        parts.append(name)
    os.close(fd)
    with pytest.raises(InputErrors) as info:
        load([str(tmp_path)])
    (line,) = str(info.value).splitlines()
    assert line.startswith(str(tmp_path / parts[0])) and line.endswith(": cannot read directory: path too long")
    cluster = load([str(tmp_path)], lenient=True)
    assert [n.name for n in cluster.namespaces] == ["a"]
    assert len(cluster.warnings) == 1 and cluster.warnings[0].endswith(": cannot read directory: path too long")


def _without_dac(*args: str) -> subprocess.CompletedProcess[str]:
    """Run podwall as root without the capabilities that let root read any file, so modes apply."""
    return subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search",
         sys.executable, "-m", "podwall", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux) to drop root's file capabilities")
def test_an_unreadable_directory_met_in_a_walk_is_an_error_not_a_verdict() -> None:
    """An unreadable policies/ folder used to make explain print ALLOWED with exit 0."""
    top = Path(tempfile.mkdtemp(prefix="podwall-walk-"))
    try:
        shutil.copytree(DATA / "shop", top / "shop")
        (top / "shop" / "policies").mkdir()
        (top / "shop" / "policies.json").rename(top / "shop" / "policies" / "policies.json")
        (top / "shop" / "policies").chmod(0)
        args = ["explain", "-f", str(top / "shop"), "shop/Deployment/web", "shop/Deployment/api", "9000/TCP"]
        strict = _without_dac(*args)
        assert (strict.returncode, strict.stdout, strict.stderr) == (
            2, "", f"{top / 'shop' / 'policies'}: cannot read directory: permission denied\n"
        )
        lenient = _without_dac(*args, "--lenient")
        assert lenient.returncode == 0, lenient.stderr
        assert f"warning: skipped path: {top / 'shop' / 'policies'}: cannot read directory: permission denied" in lenient.stderr
    finally:
        (top / "shop" / "policies").chmod(0o755)
        shutil.rmtree(top)


@pytest.mark.parametrize(
    "data",
    [
        "kind: Pod\nname: é\n".encode() * 3 + b"\xff" + b"tail\n",  # not UTF-8 after some lines
        "a: é".encode()[:-1],  # cut inside a character
        b"\xef\xbb\xbf" + b"a: b\n" * 3 + b"\x00",  # a NUL after a byte-order mark
        b"\xff\xfe" + "a: é\n".encode("utf-16-le") * 3 + b"\x00\xd8",  # a lone surrogate at the end
        "a: é\n".encode("utf-32"),
        b"a",
        b"",
    ],
)
@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_text_read_in_any_chunks_is_judged_alike(data: bytes, size: int) -> None:
    """Chunks cut anywhere (a pipe's reads: inside a character, inside a byte-order mark) give the same text or
    the same message, at the same line and column, as the whole input read at once."""
    from podwall.loader.files import _read_capped, decode

    pieces = iter([data[i : i + size] for i in range(0, len(data), size)])
    chunked = _read_capped(lambda: next(pieces, b""), "x", 1 << 20)
    whole = decode(data, "x")
    assert (getattr(chunked, "text", None), str(getattr(chunked, "error", None))) == (
        getattr(whole, "text", None), str(getattr(whole, "error", None)))
    assert getattr(whole, "text", None) is not None or "invalid YAML" in str(whole.error)


_LARGE = "kind: Pod\nname: é\n".encode() * 70_000  # 1.4 MB: read through its memory mapping


@pytest.mark.parametrize(
    "data",
    [
        _LARGE,
        _LARGE + b"\xff" + b"tail\n",  # not UTF-8 at the end
        b"\xed\xa0\x80" + _LARGE,  # an encoded surrogate (not UTF-8 either)
        _LARGE + b"\x00",  # a NUL
        b"\xef\xbb\xbf" + _LARGE,  # a byte-order mark: the chunked reader
        "a: é\n".encode("utf-16") * 300_000,
        _LARGE[:-1] + "\ufeff".encode(),  # U+FEFF at the end stays
    ],
    ids=["utf-8", "not utf-8", "surrogate", "nul", "utf-8 bom", "utf-16", "feff at the end"],
)
def test_a_large_file_read_through_its_mapping_is_read_as_in_chunks(tmp_path: Path, data: bytes) -> None:
    from podwall.loader.files import _MAPPED, _read_capped, read_file

    path = tmp_path / "large.yaml"
    path.write_bytes(data)
    assert len(data) >= _MAPPED
    chunks = iter([data[i : i + 4096] for i in range(0, len(data), 4096)])
    chunked = _read_capped(lambda: next(chunks, b""), str(path), 1 << 30)
    mapped = read_file(str(path), 1 << 30)
    assert type(mapped) is type(chunked)
    assert (getattr(mapped, "text", None), str(getattr(mapped, "error", None))) == (
        getattr(chunked, "text", None), str(getattr(chunked, "error", None)))


def test_a_large_file_over_the_limit_is_refused_before_it_is_mapped(tmp_path: Path) -> None:
    from podwall.loader.files import read_file

    path = tmp_path / "large.yaml"
    path.write_bytes(_LARGE)
    refused = read_file(str(path), 1 << 20)
    assert "too large: 1.3 MiB: podwall reads at most 1 MiB per input" in str(refused.error)  # type: ignore[union-attr]


def test_plain_utf8_is_decoded_from_the_mapping_and_the_rest_left_to_the_chunked_reader(tmp_path: Path) -> None:
    from podwall.loader.files import _mapped

    def mapped(data: bytes) -> str | None:
        path = tmp_path / "m.yaml"
        path.write_bytes(data)
        fd = os.open(path, os.O_RDONLY)
        try:
            return _mapped(fd, 1 << 30)
        finally:
            os.close(fd)

    assert mapped(_LARGE) == _LARGE.decode()
    assert [mapped(data) for data in (b"\xef\xbb\xbf" + _LARGE, _LARGE + b"\x00", b"\xff" + _LARGE, b"")] == [None] * 4
