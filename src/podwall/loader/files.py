"""Turn ``-f`` arguments (files, directories, ``-``) into named texts.

Directories are walked like ``kubectl apply -R -f DIR``: recursively, in sorted
order, taking files ending in ``.yaml``, ``.yml`` or ``.json``; a file named
explicitly is read whatever its extension (so ``-f <(kubectl get ...)`` works).
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from podwall.errors import InputError, Location

EXTENSIONS = (".yaml", ".yml", ".json")
STDIN_NAME = "<stdin>"


@dataclass(frozen=True, slots=True)
class Source:
    """The text of one input and the name to show in messages."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An input that could not be read.

    ``malformed`` is True when the bytes were read but are not text (lenient
    mode may skip those); a missing or unreadable path is always an error.
    """

    error: InputError
    malformed: bool = False


def read_all(paths: Sequence[str], stdin: TextIO | None) -> Iterator[Source | Unreadable]:
    """Yield every input in order; the same file reached twice is read once."""
    seen: set[str] = set()
    for path in paths:
        if path == "-":
            if "-" not in seen:
                seen.add("-")
                yield _read_stdin(stdin)
            continue
        if os.path.isdir(path):
            files = list(_walk(path))
            if not files:
                yield Unreadable(
                    InputError("no .yaml, .yml or .json files in this directory", Location(path))
                )
            for file in files:
                key = os.path.realpath(file)
                if key not in seen:
                    seen.add(key)
                    yield read_file(file)
            continue
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            yield read_file(path)


def _walk(top: str) -> Iterator[str]:
    """Manifest files under ``top`` in lexical order, a directory's files where its name sorts.

    This is the order of Go's ``filepath.Walk`` that ``kubectl apply -R`` uses, so
    "first defined at" means the same thing to both. Symlinked directories are not
    followed (no cycles); symlinked files are read.
    """
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            yield from _walk(entry.path)
        elif entry.name.lower().endswith(EXTENSIONS):
            yield entry.path


def read_file(path: str) -> Source | Unreadable:
    """Read and decode one file (or pipe, or device)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return Unreadable(InputError("no such file or directory", Location(path)))
    except PermissionError:
        return Unreadable(InputError("cannot read: permission denied", Location(path)))
    except IsADirectoryError:  # pragma: no cover - directories are walked before this
        return Unreadable(InputError("is a directory", Location(path)))
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return Unreadable(InputError(f"cannot read: {reason}", Location(path)))
    return decode(data, path)


def _read_stdin(stdin: TextIO | None) -> Source | Unreadable:
    """Read all of standard input (the injected stream in tests, else ``sys.stdin``)."""
    stream = stdin if stdin is not None else sys.stdin
    if stream is None:
        return Unreadable(InputError("cannot read: no standard input", Location(STDIN_NAME)))
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        return Unreadable(
            InputError(f"invalid YAML: not valid {exc.encoding} text", Location(STDIN_NAME)),
            malformed=True,
        )
    except (OSError, ValueError) as exc:
        return Unreadable(InputError(f"cannot read: {exc}", Location(STDIN_NAME)))
    if isinstance(text, bytes):  # a binary stream was passed in
        return decode(text, STDIN_NAME)
    return from_text(text, STDIN_NAME)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, name: str) -> Source | Unreadable:
    """Decode as YAML allows (UTF-8, or UTF-16/32 with a byte-order mark)."""
    encoding = "utf-8"
    for bom, codec in _BOMS:
        if data.startswith(bom):
            encoding = codec
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        return Unreadable(
            InputError(
                f"invalid YAML: not valid {encoding.upper().replace('-SIG', '')} text (byte 0x{bad})",
                Location(name, line, column),
            ),
            malformed=True,
        )
    # A strict decode never yields lone surrogates, so no from_text() check here.
    return Source(name, text.lstrip("\ufeff"))


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
