"""Reading flow records: files, ``-`` (stdin) and ``.gz``, the format told by content or given.

Records are read one line at a time, so a file of any size streams through in
bounded memory. A line that is not a record of its file's format is counted and
listed (``Skipped``), never dropped silently; a file in which no line can be told
apart as any format is an input error.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TextIO

from podwall.errors import InputError, Location, UsageError, input_name
from podwall.flows import calico, conntrack, gadget, hubble, vpc
from podwall.flows import csv as csv_format
from podwall.flows.record import Flow, NotAFlow, Unreadable
from podwall.model.quick import frozen

#: Every format, in the order detection tries them.
FORMATS = ("hubble", "calico", "gadget", "vpc", "conntrack", "csv")
_JSON = {"hubble": hubble, "calico": calico, "gadget": gadget}
#: How many lines detection looks at before giving up on a file.
_SNIFF_LINES = 20


@frozen
class Skipped:
    """A line that carried no flow: ``unreadable`` (not of its format) or ``not a flow`` (a header, an event)."""

    where: str
    reason: str
    readable: bool  # True: a record of the format that is no flow; False: not a record of the format


def _open(path: str, stdin: TextIO | None) -> IO[str]:
    if path == "-":
        if stdin is None:
            raise UsageError("--flows -: no standard input")
        return stdin
    try:
        with open(path, "rb") as probe:
            magic = probe.read(2)
        if magic == b"\x1f\x8b" or path.endswith(".gz"):
            return gzip.open(path, "rt", encoding="utf-8", errors="replace")
        return open(path, encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(f"cannot read flows: {error.strerror or error}", Location(path)) from None


def _lines(handle: IO[str], path: str) -> Iterator[tuple[int, str]]:
    try:
        for number, line in enumerate(handle, 1):
            text = line.strip()
            if text:
                yield number, text
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError(f"cannot read flows: {error}", Location(path)) from None


def _as_json(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def detect(text: str) -> str | None:
    """The format one line belongs to, or None."""
    record = _as_json(text)
    if record is not None:
        for name, module in _JSON.items():
            if module.sniff(record):
                return name
        return None
    for name, sniff in (("vpc", vpc.sniff), ("conntrack", conntrack.sniff), ("csv", csv_format.sniff)):
        if sniff(text):
            return name
    return None


def _parser(name: str) -> Callable[[str, str], Flow]:
    """A function from (line, where) to a Flow for one format; stateful for VPC headers."""
    if name in _JSON:
        module = _JSON[name]

        def parse_json(text: str, where: str) -> Flow:
            record = _as_json(text)
            if record is None:
                raise Unreadable("not a JSON object")
            return module.parse(record, where)  # type: ignore[no-any-return]

        return parse_json
    if name == "vpc":
        layout = vpc.Layout()

        def parse_vpc(text: str, where: str) -> Flow:
            nonlocal layout
            if vpc.is_header(text):
                layout = vpc.header(text)
                raise NotAFlow("the header line")
            return vpc.parse(text, where, layout)

        return parse_vpc
    if name == "conntrack":
        return conntrack.parse

    def parse_csv(text: str, where: str) -> Flow:
        if csv_format.is_header(text):
            raise NotAFlow("the header line")
        return csv_format.parse(text, where)

    return parse_csv


def read_file(path: str, fmt: str | None = None, stdin: TextIO | None = None) -> Iterator[Flow | Skipped]:
    """Every line of one input as a Flow or a Skipped, in order.

    Without ``fmt``, the format is told from the first lines that belong to one.
    """
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown flows format {fmt!r}: use one of {', '.join(FORMATS)}")
    label = input_name(path)
    handle = _open(path, stdin)
    try:
        lines = _lines(handle, label)
        pending: list[tuple[int, str]] = []
        name = fmt
        if name is None:
            for number, text in lines:
                pending.append((number, text))
                name = detect(text)
                if name is not None or len(pending) >= _SNIFF_LINES:
                    break
            if name is None:
                if not pending:
                    return
                first = pending[0][1]
                shown = first if len(first) <= 60 else first[:57] + "..."
                raise InputError(
                    f"cannot tell the flows format from {shown!r} (formats: {', '.join(FORMATS)}); give --flows-format",
                    Location(label, pending[0][0]),
                )
        parse = _parser(name)

        def one(number: int, text: str) -> Flow | Skipped:
            where = f"{label}:{number}"
            try:
                return parse(text, where)
            except NotAFlow as skip:
                return Skipped(where, skip.message, True)
            except Unreadable as bad:
                return Skipped(where, f"not a {name} record: {bad.message}", False)

        for number, text in pending:
            yield one(number, text)
        for number, text in lines:
            yield one(number, text)
    finally:
        if handle is not stdin:
            handle.close()


def read(paths: Sequence[str], fmt: str | None = None, stdin: TextIO | None = None) -> Iterator[Flow | Skipped]:
    """Every record of every input, in order (each file's format told apart on its own)."""
    for path in paths:
        yield from read_file(path, fmt, stdin)
