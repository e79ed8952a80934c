"""``podwall snapshot``: everything podwall needs from a live cluster, as plain manifests.

Objects are stripped (``strip``) and optionally redacted (``redact``), streamed page by page into
one temporary file per resource beside the destination, and moved into place only when every list
is complete: a failed or interrupted snapshot leaves nothing behind. Every verb reads the result
offline with ``-f``.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import field
from typing import Any, TextIO

from podwall.errors import UsageError, cannot_write
from podwall.loader import yaml_writer
from podwall.loader.cluster.connection import Connection
from podwall.loader.cluster.kinds import Resource
from podwall.loader.cluster.read import PAGE_SIZE, Progress, ordered, read_all
from podwall.loader.cluster.redact import Keep, Redactor, default_key
from podwall.loader.cluster.strip import strip
from podwall.model.quick import frozen


@frozen
class Snapshot:
    """What a snapshot wrote: the files, the objects per kind, the warnings of the read."""

    files: tuple[str, ...]
    objects: dict[str, int] = field(default_factory=dict)
    redacted: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Objects written."""
        return sum(self.objects.values())


class _FileSink:
    """One resource's objects, as YAML documents (or JSON lines), in a temporary file."""

    def __init__(self, directory: str, redactor: Redactor | None, as_json: bool, label: str) -> None:
        self.label = label
        try:
            handle, self.path = tempfile.mkstemp(prefix=".podwall-snapshot-", dir=directory)
        except OSError as error:
            raise cannot_write(label, error) from None
        self.file = os.fdopen(handle, "w", encoding="utf-8")
        self.redactor = redactor
        self.as_json = as_json
        self.count = 0

    def add(self, resource: Resource, items: list[dict[str, Any]]) -> None:
        for item in items:
            obj = strip(item, resource.kind, resource.api_version)
            if self.redactor is not None:
                obj = self.redactor.object(obj)
            if self.as_json:
                text = json.dumps(obj, separators=(",", ":")) + "\n"
            else:
                text = "---\n" + yaml_writer.dump(obj, fast=True, width=80, allow_unicode=True)
            try:
                self.file.write(text)
            except OSError as error:  # a full disk while the cluster is read
                raise cannot_write(self.label, error) from None
            self.count += 1

    def discard(self) -> None:
        self.file.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def _file_name(resource: Resource) -> str:
    return f"{resource.plural}.yaml" if not resource.group else f"{resource.plural}.{resource.group}.yaml"


def _header(conn: Connection, redacted: bool, total: int) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    where = "redacted: names, label values and IPs replaced" if redacted else conn.where
    return (f"# podwall snapshot of {where}, {stamp}, {total} objects.\n"
            "# Read it offline with any podwall verb: podwall reach -f THIS\n")


def snapshot(conn: Connection, output: str | TextIO, *, redact: bool = False, key: bytes | None = None,
             keep: Keep | None = None, namespace: str | None = None, progress: Progress | None = None,
             page_size: int = PAGE_SIZE) -> Snapshot:
    """Write everything podwall reads from the cluster to ``output``.

    ``output``: a directory (existing, or a path ending in ``/``) gets one YAML file per resource;
    a file name ending in ``.json`` gets one JSON ``List``; any other name, or an open text
    stream (stdout), gets multi-document YAML. ``redact`` replaces names, label values and IPs
    (``redact.Redactor``; ``key`` defaults to ``PODWALL_REDACT_KEY`` or a random key; ``keep`` is what
    network-plugin detection reads, kept so the redacted snapshot is recognised as the cluster is:
    pass ``podwall.cni.recognisable()``; without it every image and argument is hashed).
    ``namespace`` is the fallback when cluster-wide lists are forbidden, as for ``read``.
    """
    stream = output if not isinstance(output, str) else None
    as_dir = isinstance(output, str) and (output.endswith(("/", os.sep)) or os.path.isdir(output))
    as_json = isinstance(output, str) and not as_dir and output.lower().endswith(".json")
    if isinstance(output, str):
        target_dir = output if as_dir else (os.path.dirname(output) or ".")
        if not as_dir and not os.path.exists(target_dir):
            raise UsageError(f"cannot write {output}: no such directory {target_dir}")
        try:
            if as_dir:
                os.makedirs(output, exist_ok=True)
            _writable(target_dir)  # before the cluster is read: an unwritable destination fails at once
        except OSError as error:
            raise cannot_write(output, error) from None
    else:
        target_dir = tempfile.gettempdir()
    redactor = Redactor(key if key is not None else default_key(), keep) if redact else None
    sinks: list[_FileSink] = []

    label = output if isinstance(output, str) else "standard output"

    def make_sink() -> _FileSink:
        sink = _FileSink(target_dir, redactor, as_json, label)
        sinks.append(sink)
        return sink

    try:
        listed, warnings = read_all(conn, make_sink, fallback=namespace, progress=progress, page_size=page_size)
        for sink in sinks:
            try:
                sink.file.close()
            except OSError as error:
                raise cannot_write(label, error) from None
        results = [(item.resource, item.sink) for item in ordered(listed)]
        counts = {r.kind: s.count for r, s in results if s.count}
        total = sum(counts.values())
        header = _header(conn, redact, total)
        if as_dir:
            assert isinstance(output, str)
            files = []
            for resource, sink in results:
                if sink.count:
                    files.append(_publish(header, [sink.path], os.path.join(output, _file_name(resource))))
            return Snapshot(tuple(files), counts, redact, tuple(warnings))
        paths = [s.path for _, s in results if s.count]
        if stream is not None:
            try:
                _copy(header, paths, stream, as_json)
            except BrokenPipeError:
                raise
            except OSError as error:
                raise cannot_write(label, error) from None
            return Snapshot(("-",), counts, redact, tuple(warnings))
        assert isinstance(output, str)
        return Snapshot((_publish(header, paths, output, as_json),), counts, redact, tuple(warnings))
    finally:
        for sink in sinks:
            sink.discard()


def _writable(directory: str) -> None:
    """Create and remove a temporary file in ``directory`` (OSError when it cannot be written)."""
    handle, path = tempfile.mkstemp(prefix=".podwall-snapshot-", dir=directory)
    os.close(handle)
    os.unlink(path)


def _copy(header: str, paths: list[str], out: TextIO, as_json: bool) -> None:
    if as_json:
        out.write('{"apiVersion": "v1", "kind": "List", "items": [\n')
        first = True
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    out.write(("" if first else ",\n") + line.rstrip("\n"))
                    first = False
        out.write("\n]}\n")
        return
    out.write(header)
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), ""):
                out.write(chunk)


def _publish(header: str, paths: list[str], destination: str, as_json: bool = False) -> str:
    """Assemble into a temporary file beside ``destination``, then rename it into place."""
    directory = os.path.dirname(destination) or "."
    try:
        handle, temporary = tempfile.mkstemp(prefix=".podwall-snapshot-", dir=directory)
    except OSError as error:
        raise cannot_write(destination, error) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            _copy(header, paths, out, as_json)
        os.replace(temporary, destination)
    except OSError as error:
        _unlink(temporary)
        raise cannot_write(destination, error) from None
    except BaseException:
        _unlink(temporary)
        raise
    return destination


def _unlink(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)


def counts_text(counts: Mapping[str, int]) -> str:
    """``12 Pod, 3 Deployment, ...`` for the CLI's summary line."""
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
