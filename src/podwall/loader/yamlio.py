"""Multi-document YAML (and JSON) parsing that remembers the line of every key and item.

Why: error messages must point at the offending field (``FILE:LINE: ...``), and
PyYAML forgets node positions once it has built Python objects. The loader here
keeps libyaml's parser (``CSafeLoader``) and PyYAML's safe scalar constructors,
but builds mappings and lists itself, as ``LineDict``/``LineList`` that carry
the 1-based line of each key and item. That costs one small dict or list per
container; building directly from the node graph (instead of PyYAML's
generator-based ``construct_document``) more than pays for it, so parsing
10,000 pods is faster than with a plain ``CSafeLoader``.

Two deliberate departures from PyYAML's defaults, both to match what kubectl's
YAML decoder accepts: a duplicate key is an error (PyYAML silently keeps the last
one), and a bare ``=`` is the string ``"="`` (PyYAML has no constructor for it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from podwall.errors import InputError, Location

try:  # libyaml makes parsing ~10x faster; the pure loader is only a fallback.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

_MERGE_TAG = "tag:yaml.org,2002:merge"


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from YAML: ``line`` where it is introduced, ``lines[key]`` of each key (1-based).

    ``line`` is the line of the parent key for a mapping under a key, else the
    line of the mapping itself (a document, a list item).

    Either may be ``None`` / empty when the input came from the JSON fallback.
    """

    __slots__ = ("line", "lines")

    line: int | None
    lines: dict[Any, int]


class LineList(list):  # type: ignore[type-arg]
    """A sequence from YAML: ``line`` as for LineDict, ``lines[i]`` of each item (1-based)."""

    __slots__ = ("line", "lines")

    line: int | None
    lines: list[int]


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_RESOLVE_CACHE_LIMIT = 100_000


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader building LineDict/LineList directly from the node graph.

    ``build`` replaces PyYAML's generic ``construct_document`` (generators and
    bookkeeping per node) with one recursive walk that hands scalars to PyYAML's
    own scalar constructors; it roughly halves construction time. Tagged
    collections (``!!set``, ``!!omap``...) still go through PyYAML.
    ``line_offset`` shifts reported lines when a chunk of a file is parsed alone.
    """

    line_offset = 0
    _resolved: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """Implicit tag of a plain scalar, cached: the same keys and values recur in every pod."""
        if kind is yaml.ScalarNode and implicit[0]:
            cache = _LineLoader._resolved
            tag = cache.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(cache) >= _RESOLVE_CACHE_LIMIT:
                    cache.clear()
                cache[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def build(self, node: yaml.Node) -> Any:
        """The Python value of a document's root node."""
        self._built: dict[int, Any] = {}
        try:
            return self._build(node)
        finally:
            self._built = {}

    def _build(self, node: yaml.Node) -> Any:
        cls = node.__class__
        tag = node.tag
        if cls is yaml.ScalarNode:
            if tag == _STR_TAG:
                return node.value
            constructor = self.yaml_constructors.get(tag)
            if constructor is None:  # unknown tag: let PyYAML raise its usual error
                return self.construct_object(node, deep=True)
            return constructor(self, node)
        built = self._built
        ident = id(node)  # an alias is the very same node: build it once
        if ident in built:
            return built[ident]
        if cls is yaml.MappingNode and tag == _MAP_TAG:
            mapping = LineDict()
            built[ident] = mapping
            self._fill_mapping(mapping, node)
            return mapping
        if cls is yaml.SequenceNode and tag == _SEQ_TAG:
            items = LineList()
            built[ident] = items
            offset = self.line_offset + 1
            items.line = node.start_mark.line + offset
            items.lines = [child.start_mark.line + offset for child in node.value]
            items.extend([self._build(child) for child in node.value])
            return items
        value = self.construct_object(node, deep=True)
        built[ident] = value
        return value

    def _fill_mapping(self, mapping: LineDict, node: yaml.MappingNode) -> None:
        """Keys, values and key lines; duplicate keys are errors, as in kubectl's decoder."""
        offset = self.line_offset + 1
        mapping.line = node.start_mark.line + offset
        lines: dict[Any, int] = {}
        mapping.lines = lines
        check_duplicates = True
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                # Merge keys (<<: *anchor) may legitimately repeat keys; flatten first
                # and check duplicates only among the keys written in this mapping.
                _check_duplicate_keys(self, node)
                self.flatten_mapping(node)
                check_duplicates = False
                break
        for key_node, value_node in node.value:
            key = self._build(key_node)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "found unhashable key (a mapping or list used as a key)", key_node.start_mark
                )
            if check_duplicates and key in lines and _same_key(lines, key):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {json.dumps(str(key))} (first at line {lines[key]})",
                    key_node.start_mark,
                )
            value = self._build(value_node)
            line = key_node.start_mark.line + offset
            if value.__class__ is LineDict or value.__class__ is LineList:
                # A nested mapping or list is located at the key that introduces it:
                # "metadata: missing required field" points at the "metadata:" line.
                value.line = line
            mapping[key] = value
            lines[key] = line


def _same_key(lines: dict[Any, int], key: Any) -> bool:
    """Whether ``key`` repeats a key of the same type (Python has ``1 == True``, YAML does not)."""
    if key.__class__ is str:
        return True
    return any(k.__class__ is key.__class__ for k in lines if k == key)


def _construct_map(loader: Any, node: yaml.MappingNode) -> Iterator[LineDict]:
    """PyYAML-driven path (inside tagged collections): same result as ``_build``."""
    data = LineDict()
    data.line = None
    data.lines = {}
    yield data
    loader._fill_mapping(data, node)


def _construct_seq(loader: Any, node: yaml.SequenceNode) -> Iterator[LineList]:
    """PyYAML-driven path (inside tagged collections): same result as ``_build``."""
    data = LineList()
    offset = loader.line_offset + 1
    data.line = node.start_mark.line + offset
    data.lines = [child.start_mark.line + offset for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=False) for child in node.value)


def _check_duplicate_keys(loader: Any, node: yaml.MappingNode) -> None:
    """Reject repeated scalar keys written directly in one mapping (merge-key path)."""
    seen: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
            ident = (key_node.tag, key_node.value)
            if ident in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {json.dumps(key_node.value)} "
                    f"(first at line {seen[ident] + loader.line_offset + 1})",
                    key_node.start_mark,
                )
            seen[ident] = key_node.start_mark.line


def _construct_value(loader: Any, node: yaml.ScalarNode) -> str:
    """A bare ``=`` is a plain string for Kubernetes; PyYAML would refuse it."""
    return str(node.value)


_LineLoader.add_constructor(_MAP_TAG, _construct_map)
_LineLoader.add_constructor(_SEQ_TAG, _construct_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:value", _construct_value)


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed YAML document: 0-based ``index`` in its file, 1-based start ``line``."""

    index: int
    line: int
    data: Any


@dataclass(slots=True)
class Parsed:
    """The documents of one input, and the errors that stopped parsing parts of it.

    When ``errors`` is non-empty, ``documents`` holds only what could be read
    around the damage.
    """

    documents: list[Document]
    errors: list[InputError]


def parse(text: str, path: str, *, recover: bool = False) -> Parsed:
    """Parse every document of ``text``; ``path`` only names it in messages.

    Without ``recover`` parsing stops at the first malformed document (the
    documents before it are kept). With ``recover`` the text is re-read one
    ``---``-separated chunk at a time so that only the broken documents are lost.

    JSON: a ``.json`` file must be valid JSON (as for kubectl), checked by the
    ``json`` module; other input starting with ``{`` or ``[`` (stdin) may also be
    YAML flow style, and gets ``json``'s message only when YAML fails too. Either
    way the YAML loader reads it, to keep line numbers.
    """
    if path.lower().endswith(".json"):
        error = _json_error(text, path)
        if error is not None:
            return Parsed([], [error])
    documents, error = _parse_stream(text, path, 0, 0)
    if error is None:
        return Parsed(documents, [])
    if text.lstrip(" \t\r\n\ufeff")[:1] in ("{", "["):
        return _json_fallback(text, path, error)
    if not recover:
        return Parsed(documents, [error])
    return _parse_chunks(text, path)


def _parse_stream(
    text: str, path: str, line_offset: int, first_index: int
) -> tuple[list[Document], InputError | None]:
    """Read documents until the end or the first error (returned, not raised)."""
    loader = _LineLoader(text)
    loader.line_offset = line_offset
    documents: list[Document] = []
    index = first_index
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node guarantees a node
                break
            line = node.start_mark.line + line_offset + 1
            data = loader.build(node)
            documents.append(Document(index, line, data))
            index += 1
    except yaml.YAMLError as exc:
        return documents, _yaml_error(exc, path, text, line_offset, index)
    except RecursionError:
        return documents, InputError(
            "invalid YAML: nesting too deep", Location(path, None, document=index)
        )
    finally:
        loader.dispose()
    return documents, None


def _yaml_error(
    exc: yaml.YAMLError, path: str, text: str, line_offset: int, index: int
) -> InputError:
    """One line ``FILE:LINE:COL: invalid YAML: problem`` from any PyYAML error."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed document"
        line = mark.line + line_offset + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
    elif isinstance(exc, yaml.reader.ReaderError):
        # Raised for characters YAML forbids; it knows only an offset (in UTF-8
        # bytes for libyaml, in characters for the pure loader).
        if _BaseLoader is yaml.SafeLoader:
            before = text[: exc.position]
        else:
            before = text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore")
        line = before.count("\n") + line_offset + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        character = exc.character
        if isinstance(character, str):
            character = ord(character[:1] or "\0")
        problem = f"unacceptable character #x{character:04x}: {exc.reason}"
    else:  # pragma: no cover - PyYAML raises only the two kinds above
        line = column = None
        problem = str(exc)
    problem = " ".join(str(problem).split())
    return InputError(f"invalid YAML: {problem}", Location(path, line, column, index))


_SEPARATOR = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)


def _parse_chunks(text: str, path: str) -> Parsed:
    """Parse each ``---``-separated chunk alone, keeping the good ones (lenient mode).

    A ``---`` inside a block scalar would be mis-split here, but this path is
    only taken for input that is already malformed.
    """
    starts = [m.start() for m in _SEPARATOR.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts.append(len(text))
    documents: list[Document] = []
    errors: list[InputError] = []
    index = 0
    for begin, end in zip(starts, starts[1:]):
        chunk = text[begin:end]
        docs, error = _parse_stream(chunk, path, text.count("\n", 0, begin), index)
        documents.extend(docs)
        index += len(docs)
        if error is not None:
            errors.append(error)
            index += 1
    return Parsed(documents, errors)


def _json_error(text: str, path: str) -> InputError | None:
    """The ``json`` module's verdict on ``text``, with its line and column."""
    try:
        json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        return InputError(f"invalid JSON: {exc.msg}", Location(path, exc.lineno, exc.colno, 0))
    except RecursionError:
        return InputError("invalid JSON: nesting too deep", Location(path, None, document=0))
    return None


def _json_fallback(text: str, path: str, yaml_error: InputError) -> Parsed:
    """JSON-looking text the YAML loader refused: ``json``'s error, or its result without lines."""
    if "duplicate key" in yaml_error.message:
        # json.loads would silently keep the last value; the YAML finding is the real one.
        return Parsed([], [_as_json_error(yaml_error)])
    error = _json_error(text, path)
    if error is not None:
        return Parsed([], [error])
    try:
        wrapped = wrap(json.loads(text.lstrip("\ufeff")))
    except RecursionError:
        return Parsed([], [InputError("invalid JSON: nesting too deep", Location(path, None, document=0))])
    return Parsed([Document(0, 1, wrapped)], [])


def _as_json_error(error: InputError) -> InputError:
    """Re-label a YAML finding on JSON input."""
    return InputError(error.message.replace("invalid YAML", "invalid JSON", 1), error.location)


def wrap(value: Any) -> Any:
    """Give plain JSON containers the LineDict/LineList shape (with unknown lines)."""
    if isinstance(value, dict):
        wrapped = LineDict((k, wrap(v)) for k, v in value.items())
        wrapped.line = None
        wrapped.lines = {}
        return wrapped
    if isinstance(value, list):
        items = LineList(wrap(v) for v in value)
        items.line = None
        items.lines = []
        return items
    return value
