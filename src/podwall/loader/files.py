"""Turn ``-f`` arguments (files, directories, ``-``) into named texts, reading nothing unbounded.

Directories are walked like ``kubectl apply -R -f DIR``: recursively, in sorted
order, taking files ending in ``.yaml``, ``.yml`` or ``.json``, symlinked
directories not followed. Unlike kubectl, a walk takes regular files only (after
following a link: ``x.yaml -> /dev/zero`` or a FIFO named ``x.yaml`` is skipped
with a warning) and skips hidden files and folders (``.github/``,
``.pre-commit-config.yaml``); it does not enter Helm charts and kustomize
folders (``loader.render``). A file named explicitly is read whatever it is, so
``-f <(kubectl get ...)`` (a FIFO) works.

Every read is bounded (``max_bytes``, 256 MiB by default): a larger regular file
is refused before it is read, a stream is refused when it passes the limit, and
text that cannot be YAML (a NUL byte, bytes that are not UTF-8) ends the read at
once, so ``-f /dev/zero`` or ``-f /dev/urandom`` is one line and exit 2. A
directory that cannot be listed, or a path too long, met during a walk is an
error (a warning with ``lenient``), never skipped silently. The walk is
iterative: no depth is too deep.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from podwall.errors import STDIN_NAME, InputError, Location
from podwall.model.quick import frozen

EXTENSIONS = (".yaml", ".yml", ".json")
#: Default bound on one input, in bytes (``--max-input-mb``).
MAX_BYTES = 256 * 1024 * 1024
_CHUNK = 1 << 20


@frozen
class Source:
    """The text of one input and the name to show in messages; ``walked`` when a directory walk found it."""

    name: str
    text: str
    walked: bool = False


@frozen
class Unreadable:
    """An input that could not be read.

    ``malformed`` is True when the bytes were read but are not text (lenient
    mode may skip those); ``walked`` when a directory walk met it (lenient mode
    turns it into a warning). A missing or unreadable path named on the command
    line is always an error.
    """

    error: InputError
    malformed: bool = False
    walked: bool = False


@frozen
class Passed:
    """Something a directory walk did not read on purpose: ``reason`` is a short plural noun (for -v counts).

    ``warning`` is set when the author should hear about it (a link to a device,
    a FIFO named like a manifest); hidden files are only counted.
    """

    path: str
    reason: str
    warning: str | None = None


HELM = "helm"
KUSTOMIZE = "kustomize"
#: The file that makes a folder a Helm chart, or a kustomization (kustomize's own three names).
MARKERS = {HELM: ("Chart.yaml",), KUSTOMIZE: ("kustomization.yaml", "kustomization.yml", "Kustomization")}


@frozen
class Folder:
    """A Helm chart or a kustomize folder (``kind``): rendered, or explained, by ``loader.render``."""

    path: str
    kind: str
    walked: bool = False


def folder_kind(directory: str, is_file: Callable[[str], bool] = os.path.isfile) -> str | None:
    """``helm`` or ``kustomize`` when ``directory`` holds a chart or a kustomization, else None.

    ``is_file`` says whether a path is a file (on disk by default; ``loader.gitrev`` asks a revision's tree).
    """
    for kind, names in MARKERS.items():
        if any(is_file(os.path.join(directory, name)) for name in names):
            return kind
    return None


Item = Source | Unreadable | Passed | Folder


def read_all(paths: Sequence[str], stdin: TextIO | None, *, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """Yield every input in order; the same file reached twice is read once."""
    seen: set[str] = set()
    for path in paths:
        if path == "-":
            if "-" not in seen:
                seen.add("-")
                yield _read_stdin(stdin, max_bytes)
            continue
        if os.path.isdir(path):
            kind = folder_kind(path)
            if kind is not None:
                yield Folder(path, kind)
                continue
            found = False
            for item in walk(path):
                if isinstance(item, Folder):
                    found = True
                if isinstance(item, str):
                    found = True
                    key = os.path.realpath(item)
                    if key not in seen:
                        seen.add(key)
                        yield read_file(item, max_bytes, walked=True)
                else:
                    yield item
            if not found:
                yield Unreadable(InputError("no .yaml, .yml or .json files in this directory", Location(path)))
            continue
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            yield read_file(path, max_bytes)


def walk(top: str) -> Iterator[str | Unreadable | Passed | Folder]:
    """Manifest files under ``top`` in lexical order, a directory's files where its name sorts.

    This is the order of Go's ``filepath.Walk`` that ``kubectl apply -R`` uses,
    so "first defined at" means the same thing to both. Yields paths to read,
    what could not be listed (``Unreadable``) or was left out (``Passed``), and
    Helm charts and kustomize folders (``Folder``), which it does not enter.
    """
    stack: list[Iterator[os.DirEntry[str]]] = []
    listed = _list(top)
    if isinstance(listed, Unreadable):
        yield listed
        return
    stack.append(listed)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            yield Passed(entry.path, "hidden files and folders")
            continue
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            yield _unreadable(entry.path, exc, walked=True)
            continue
        if is_dir:
            kind = folder_kind(entry.path)
            if kind is not None:  # a chart's templates are not manifests: never read them raw
                yield Folder(entry.path, kind, walked=True)
                continue
            listed = _list(entry.path)
            if isinstance(listed, Unreadable):
                yield listed
            else:
                stack.append(listed)
            continue
        if not entry.name.lower().endswith(EXTENSIONS) and not (is_link and _links_to_directory(entry.path)):
            continue
        try:
            info = os.stat(entry.path)  # follows the link, if any
        except OSError as exc:
            if is_link and exc.errno == errno.ENOENT:
                yield Unreadable(InputError("broken symbolic link", Location(entry.path)), walked=True)
            else:
                yield _unreadable(entry.path, exc, walked=True)
            continue
        if stat.S_ISREG(info.st_mode):
            yield entry.path
        elif stat.S_ISDIR(info.st_mode):
            yield Passed(
                entry.path,
                "symbolic links to directories (not followed)",
                f"{entry.path} -> {os.readlink(entry.path)}: not read: a directory walk does not follow symbolic links "
                "to directories, as kubectl apply -R does not (name it with -f to read it)",
            )
        else:
            what = _file_type(info.st_mode)
            target = f" -> {os.readlink(entry.path)}" if is_link else ""
            yield Passed(
                entry.path,
                "special files",
                f"{entry.path}{target}: not read: a directory walk reads regular files only, this is {what} "
                "(name it with -f to read it)",
            )


def _links_to_directory(path: str) -> bool:
    """Whether the symbolic link ``path`` resolves to a directory (whatever its name: the walk says it passed it)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _list(directory: str) -> Iterator[os.DirEntry[str]] | Unreadable:
    """A directory's entries sorted by name, or why they cannot be listed."""
    try:
        with os.scandir(directory) as entries:
            return iter(sorted(entries, key=lambda e: e.name))
    except OSError as exc:
        return _unreadable(directory, exc, walked=True, directory=True)


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _unreadable(path: str, exc: OSError, *, walked: bool = False, directory: bool = False) -> Unreadable:
    """One line for an OS error on ``path``."""
    what = "directory" if directory else ""
    if exc.errno == errno.ENOENT:
        message = "no such file or directory"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        message = f"cannot read{' ' + what if what else ''}: permission denied"
    elif exc.errno == errno.ENAMETOOLONG:
        message = f"cannot read{' ' + what if what else ''}: path too long"
    elif exc.errno == errno.ELOOP:
        message = "cannot read: too many levels of symbolic links"
    elif exc.errno == errno.EISDIR:
        message = "is a directory"
    else:
        message = f"cannot read{' ' + what if what else ''}: {(exc.strerror or str(exc)).lower()}"
    return Unreadable(InputError(message, Location(path)), walked=walked)


def read_file(path: str, max_bytes: int = MAX_BYTES, *, walked: bool = False) -> Source | Unreadable | Passed:
    """Read and decode one file (or pipe, or device), at most ``max_bytes`` of it.

    A file found by a walk is opened without blocking and must still be a
    regular file once open (it may have been swapped for a FIFO meanwhile).
    """
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (os.O_NONBLOCK if walked else 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return _unreadable(path, exc, walked=walked)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return Unreadable(InputError("is a directory", Location(path)), walked=walked)
        if walked and not stat.S_ISREG(info.st_mode):
            return Passed(path, "special files", f"{path}: not read: a directory walk reads regular files only")
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            return _too_large(path, max_bytes, info.st_size)
        if stat.S_ISREG(info.st_mode) and info.st_size >= _MAPPED:
            text = _mapped(fd, max_bytes)
            if text is not None:
                return Source(path, text, walked=walked)
        return _read_capped(lambda: os.read(fd, _CHUNK), path, max_bytes, walked=walked)
    except OSError as exc:
        return _unreadable(path, exc, walked=walked)
    finally:
        os.close(fd)


#: Regular files from this size on are decoded straight from their pages (``_mapped``).
_MAPPED = 1 << 20


def _mapped(fd: int, max_bytes: int) -> str | None:
    """A regular file's text decoded from its memory mapping, when it is plain UTF-8 text within the limit.

    Why: reading a large file into bytes and then decoding them touches twice the memory;
    decoding the page cache's own pages does not (15 MB: 21 -> 7 ms of CPU). None for anything
    else (no mapping possible, a byte-order mark, bytes that are not UTF-8, a NUL, more than
    ``max_bytes``): the chunked reader then reads the file from its start and says what it is.
    A file truncated by another process while it is decoded ends podwall with SIGBUS (a mapping's
    known limit; docs/performance.md).
    """
    import mmap  # large files only

    try:
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
            if len(mapped) > max_bytes or any(mapped[: len(bom)] == bom for bom, _ in _BOMS):
                return None
            text = str(mapped, "utf-8")
    except (OSError, ValueError):  # a file system that maps nothing, bytes that are not UTF-8
        return None
    return None if "\x00" in text else text


def _too_large(name: str, max_bytes: int, size: int | None = None) -> Unreadable:
    told = f"{_size(size)}: " if size is not None else ""
    return Unreadable(
        InputError(
            f"too large: {told}podwall reads at most {_size(max_bytes)} per input (--max-input-mb raises the limit)",
            Location(name),
        )
    )


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            value = count / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{count} bytes"


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _read_capped(read: Any, name: str, max_bytes: int, *, walked: bool = False) -> Source | Unreadable:
    """Read chunks until the end, decoding as they come; stop at the limit or at the first byte that is not text.

    Each chunk is decoded as it is (no copy of what was read before); the bytes are joined only to say
    where the text stops being text.
    """
    chunks: list[bytes] = []
    size = 0
    pieces: list[str] = []
    decoder: Any = None
    encoding = "utf-8"
    head = b""  # the first bytes, until a byte-order mark can be told
    while True:
        chunk = read()
        size += len(chunk)
        if size > max_bytes:
            return _too_large(name, max_bytes)
        chunks.append(chunk)
        final = not chunk
        if decoder is None:
            head += chunk
            if len(head) < 4 and not final:
                continue  # a byte-order mark may still be coming
            encoding = next((codec for bom, codec in _BOMS if head.startswith(bom)), "utf-8")
            decoder = codecs.getincrementaldecoder(encoding)("strict")
            chunk = head
        fed = size - len(chunk)  # bytes handed to the decoder before this chunk
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            return _not_text(b"".join(chunks), fed - pending + exc.start, name, encoding)
        if "\x00" in text:
            return _nul(pieces, text, name)
        pieces.append(text)
        if final:
            break
    # A strict decode never yields lone surrogates, so no from_text() check here.
    return Source(name, "".join(pieces).lstrip("\ufeff"), walked=walked)


def _not_text(data: bytes, offset: int, name: str, encoding: str) -> Unreadable:
    """Where the bytes stop being text: line and column (in bytes), and the byte."""
    offset = max(0, min(offset, len(data) - 1))
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = len(before) - (before.rfind(b"\n") + 1) + 1
    bad = data[offset : offset + 1].hex()
    shown = encoding.upper().replace("-SIG", "")
    return Unreadable(
        InputError(f"invalid YAML: not valid {shown} text (byte 0x{bad})", Location(name, line, column)),
        malformed=True,
    )


def _nul(pieces: list[str], text: str, name: str) -> Unreadable:
    """A NUL character: no YAML holds one (/dev/zero, a binary file)."""
    before = "".join(pieces) + text[: text.find("\x00")]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Unreadable(InputError("invalid YAML: not text (a NUL character)", Location(name, line, column)), malformed=True)


def decode(data: bytes, name: str) -> Source | Unreadable:
    """Decode as YAML allows (UTF-8, or UTF-16/32 with a byte-order mark)."""
    chunks = iter([bytes(data)])
    return _read_capped(lambda: next(chunks, b""), name, max(len(data), 1))


def _read_stdin(stdin: TextIO | None, max_bytes: int) -> Source | Unreadable:
    """Read standard input (the injected stream in tests, else ``sys.stdin``), at most ``max_bytes``."""
    stream = stdin if stdin is not None else sys.stdin
    if stream is None:
        return Unreadable(InputError("cannot read: no standard input", Location(STDIN_NAME)))
    binary = getattr(stream, "buffer", None)
    try:
        if binary is not None:
            return _read_capped(lambda: binary.read1(_CHUNK) if hasattr(binary, "read1") else binary.read(_CHUNK),
                                STDIN_NAME, max_bytes)
        first = stream.read(_CHUNK)
        if isinstance(first, bytes):  # a binary stream was passed in
            rest = iter([first])
            return _read_capped(lambda: next(rest, b"") or stream.read(_CHUNK), STDIN_NAME, max_bytes)
        pieces = [first]
        size = len(first)
        while first:
            first = stream.read(_CHUNK)
            size += len(first)
            if size > max_bytes:
                return _too_large(STDIN_NAME, max_bytes)
            pieces.append(first)
        return from_text("".join(pieces), STDIN_NAME)
    except UnicodeDecodeError as exc:
        return Unreadable(
            InputError(f"invalid YAML: not valid {exc.encoding} text", Location(STDIN_NAME)), malformed=True
        )
    except (OSError, ValueError) as exc:
        return Unreadable(InputError(f"cannot read: {exc}", Location(STDIN_NAME)))


def from_text(text: str, name: str) -> Source | Unreadable:
    """Reject text holding lone surrogates, which no YAML parser can read."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        before = text[: exc.start]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        return Unreadable(
            InputError("invalid YAML: text holds an unpaired surrogate character", Location(name, line, column)),
            malformed=True,
        )
    return Source(name, text)
