"""JSON at the speed of the ``json`` module, with the lines of keys and items found only when asked for.

Why: ``kubectl get -o json`` Lists are how live clusters and CI dumps arrive,
and the exact path (``decode._decode_json``) composes every document a second
time with libyaml only to learn the line of each key and item — 10x the time of
the JSON parse itself. Here every value is decoded by the same
``json.JSONDecoder`` (so the values, the numbers kubectl refuses and the
duplicate keys are the exact path's), and lines are found in two steps:

- eagerly, with no parsing beyond counting newlines: the line of each top-level
  object, of its keys, and of each item of its ``items`` list (a List's objects:
  every object's location needs its line);
- lazily, per *unit* (one value under a top-level key, or one item of
  ``items``): the first time any mapping or list inside a unit is asked for its
  ``line`` or ``lines``, that unit's text is composed with libyaml and the lines
  are filled in exactly as the exact path fills them. A Pod whose fields are all
  valid is never composed; a NetworkPolicy is (its rules carry their lines).

``decode_json`` returns None whenever it cannot promise the exact path's result,
and the caller then takes the exact path: any decoding error (so messages are
the exact path's), a top-level value that is not an object, line breaks other
than ``\\n`` and ``\\r\\n`` (libyaml counts ``\\r``, NEL, LS and PS as breaks), a
``\\uD800``-style escape (Go's decoder replaces lone surrogates), or a unit with
so many brackets that its nesting could reach the recursion limit.

``json_parts`` reads the same way but gives each item of a top-level object's
``items`` as soon as it is decoded (``decode.Item``), keeping none: the builder
converts it and its values are freed before the next is decoded.
"""

from __future__ import annotations

import json
import re
import sys
import weakref
from collections.abc import Callable, Generator, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from podwall._runtime import later_module, later_pattern
from podwall.loader.decode import (
    _JSON_SPACE,
    RESTART,
    Decoded,
    Document,
    Item,
    LineDict,
    LineList,
    Restart,
    _decode_json,
    _JSONReader,
    entry_lines,
    flow_node,
    item_nodes,
)
from podwall.errors import Location

if TYPE_CHECKING:
    import yaml
else:
    yaml = later_module("yaml", "yaml", globals())  # only a composed unit needs it

__all__ = ["decode_json", "json_parts", "line_later"]

_DICT_LINE = LineDict.line
_DICT_LINES = LineDict.lines
_LIST_LINE = LineList.line
_LIST_LINES = LineList.lines
#: Text the fast path leaves to the exact path (``_exact_only``): an escape that may decode to a surrogate
#: (Go turns a lone one into U+FFFD), characters libyaml refuses (it then knows no line in the document),
#: a key separated from its ``:`` by a line break or by a long run of blanks (libyaml gives up on a key
#: 1,024 characters before its ``:``). Each is searched for only when a cheap test says it may be there.
_SURROGATE_ESCAPE = later_pattern(r"\\u[dD][89abAB]", "_SURROGATE_ESCAPE", globals())
_UNREADABLE = later_pattern("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]", "_UNREADABLE", globals())
#: No string holds a raw line break: this ":" follows a key. Possessive (``*+``): the blanks after each of the
#: text's line breaks are not tried again (0.025 s instead of 0.032 s on a 15 MB List).
_COLON_AFTER_BREAK = later_pattern(r"\n[ \t\r]*+:", "_COLON_AFTER_BREAK", globals())
#: The same where the text holds no tab and no CR (most JSON): a repeated character is matched faster than a
#: set of three (0.015 s instead of 0.025 s on a 15 MB List).
_COLON_AFTER_SPACES = re.compile(r"\n *+:")
_LONG_BLANKS = later_pattern(r"[ \t]{200,}:", "_LONG_BLANKS", globals())
#: A key this long may be one libyaml gives up on: its unit is checked (``_LONG_KEY``).
_KEY_CHECK = 100
_LONG_KEY = later_pattern(r'"(?:[^"\\]|\\.)*"[ \t\r\n]*:', "_LONG_KEY", globals())
_KEY_SPAN = 1000
#: A unit with more brackets than this may nest deep enough to meet the recursion limit: exact path.
_MAX_BRACKETS = 800
#: Every container of a unit holds the unit (``_Reader``), so CPython's reference count of a unit, less the
#: three references of ``_Stream.unit`` (its variable, the reader's, the call's argument), is how many
#: containers its value has: as many as it has brackets, but for those inside strings, and known without
#: counting them in the text (two passes over it: 2% of a load). Elsewhere the brackets are counted.
_REFERENCES = getattr(sys, "getrefcount", None)
_SCANSTRING = json.decoder.scanstring


class _Slow(Exception):
    """The fast path cannot promise the exact path's result for this input."""


class _Unit:
    """One JSON value (``text[start:end]``) whose containers get their lines on first request.

    The unit holds its value weakly: every container of the value holds the unit, and a strong
    reference back would make a cycle, which only the cyclic collector frees — and the CLI runs with
    it off (docs/performance.md). So an item is freed as soon as it is converted, not at exit.
    """

    __slots__ = ("text", "start", "end", "first", "ref", "line", "done", "source")

    def __init__(self, text: str) -> None:
        self.text = text
        self.done = False
        self.source: _Source | None = None

    @property
    def value(self) -> Any:
        """The unit's value; a container of it asked for its line after the value was released is a bug."""
        value = self.ref()
        if value is None:
            raise RuntimeError("lazyjson: a line was asked of a container whose unit's value was released")
        return value

    def resolve(self) -> None:
        """Fill ``line``/``lines`` of every container in the value as ``decode._shape`` would."""
        if self.done:
            return
        value = self.value
        self.done = True
        _fill(value, flow_node(self.text[self.start : self.end]), self.first, self.line)

    def later(self, container: Any, path: tuple[Any, ...]) -> Callable[[], int | None] | None:
        """What ``line_later`` says, for a path from the unit's own value (else the unit is resolved: None)."""
        if container is not self.ref():  # inside a List inside an item: rare, resolved now
            self.resolve()
            return None
        steps = []
        value = container
        for depth, step in enumerate(path):
            if value.__class__ is _LazyList:
                count = len(value)
                index = step + count if step.__class__ is int and -count <= step < 0 else step
                steps.append((index, count) if index.__class__ is int and 0 <= index < count else (_MISSING, None))
            else:
                steps.append((step, None) if step in value else (_MISSING, None))
            if depth < len(path) - 1:
                value = value[step]
        if self.source is None:
            self.source = _Source(self.text[self.start : self.end], self.first, self.line)
        found = tuple(steps)
        self.source.asked.append(found)
        return partial(self.source.line_of, found)


_MISSING = object()  # a step that names no key or item: line_of gives the container's line


class _Source:
    """The text of one unit, composed once when a deferred line of it is first asked for (``_Unit.later``)."""

    __slots__ = ("text", "first", "line", "asked", "found")

    def __init__(self, text: str, first: int, line: int | None) -> None:
        self.text = text
        self.first = first
        self.line = line
        self.asked: list[tuple[Any, ...]] = []
        self.found: dict[tuple[Any, ...], int | None] = {}

    def line_of(self, steps: tuple[Any, ...]) -> int | None:
        if steps not in self.found:
            node = flow_node(self.text)
            self.found.update((asked, _walk(node, self.first, self.line, asked)) for asked in self.asked)
            self.asked.clear()
        return self.found[steps]


def _walk(node: yaml.Node | None, offset: int, line: int | None, steps: tuple[Any, ...]) -> int | None:
    """``line_of`` of the last step's container once ``_fill`` has run, without filling anything.

    Each step is (key, None) into a mapping, (index, item count) into a list, or (_MISSING, None).
    """
    for depth, (step, count) in enumerate(steps):
        if step is _MISSING:
            return line
        if count is None:  # a mapping: its key's node found as ``entry_lines`` finds it (the last one given)
            key_node = child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == step:
                        key_node, child = key, value
            found = key_node.start_mark.line + offset if key_node is not None else None
        else:
            children = item_nodes(node, count)
            child = children[step] if children is not None else None
            found = child.start_mark.line + offset if child is not None else None
        if depth == len(steps) - 1:
            return found if found is not None else line
        node, line = child, found
    return line


def line_later(container: Any, path: tuple[Any, ...]) -> Callable[[], int | None] | None:
    """A function giving ``line_of`` of ``container[path[0]]...[path[-2]]`` and ``path[-1]`` when those lines
    are still to be found (a unit of this module not composed yet); None when ``line_of`` can say it now.

    The function holds only the unit's text and the path: a location built on it keeps no decoded value.
    """
    for depth, step in enumerate(path):
        unit = getattr(container, "_unit", None)
        if unit is not None and not unit.done:
            return unit.later(container, path[depth:])  # type: ignore[no-any-return]
        if depth == len(path) - 1:
            return None
        container = container[step]
    return None


def _fill(value: Any, node: yaml.Node | None, offset: int, line: int | None) -> None:
    """``decode._shape`` in place and without recursion: the containers already are LineDict/LineList."""
    stack = [(value, node, line)]
    while stack:
        value, node, line = stack.pop()
        if isinstance(value, dict):
            _DICT_LINE.__set__(value, line)
            lines: dict[Any, int] = {}
            for name, inner, child, key_line in entry_lines(value, node, offset):
                if key_line is not None:
                    lines[name] = key_line
                if isinstance(inner, (dict, list)):
                    stack.append((inner, child, key_line))
            _DICT_LINES.__set__(value, lines)
        else:
            _LIST_LINE.__set__(value, line)
            children = item_nodes(node, len(value))
            _LIST_LINES.__set__(value, [child.start_mark.line + offset for child in children] if children is not None else [])
            for i, inner in enumerate(value):
                if isinstance(inner, (dict, list)):
                    stack.append((inner, children[i] if children is not None else None,
                                  children[i].start_mark.line + offset if children is not None else None))


def _lazy(slot: Any) -> Any:
    """A property over a LineDict/LineList slot that resolves the container's unit when the slot is unset."""

    def get(self: Any) -> Any:
        try:
            return slot.__get__(self)
        except AttributeError:
            self._unit.resolve()
            return slot.__get__(self)

    return property(get, slot.__set__)


class _LazyDict(LineDict):
    """A LineDict of a unit: ``line`` and ``lines`` resolve the unit when first read."""

    __slots__ = ("_unit", "__weakref__")

    _unit: _Unit
    line = _lazy(_DICT_LINE)
    lines = _lazy(_DICT_LINES)


class _LazyList(LineList):
    """A LineList of a unit, as ``_LazyDict``."""

    __slots__ = ("_unit", "__weakref__")

    _unit: _Unit
    line = _lazy(_LIST_LINE)
    lines = _lazy(_LIST_LINES)


class _Reader(_JSONReader):
    """The exact path's decoder; objects and lists become lazy containers of the current unit."""

    def __init__(self) -> None:
        super().__init__()
        self.unit: _Unit | None = None
        self.long_keys = False
        self.scan_once = self.decoder.scan_once

    def release(self) -> None:
        """Break the cycle reader -> decoder -> its hooks -> reader, and let go of the last unit (and the text)."""
        self.unit = None
        del self.decoder, self.scan_once

    def _object(self, pairs: list[tuple[str, Any]]) -> LineDict:
        result = _LazyDict(pairs)
        result._unit = self.unit  # type: ignore[assignment]
        if len(result) < len(pairs):  # rare: not a call per object
            self.note_duplicates(result, pairs)
            pairs = list(result.items())  # a duplicate key keeps its last value
        for key, value in pairs:
            if value.__class__ is list:
                result[key] = self.wrap(value)
            if len(key) > _KEY_CHECK:
                self.long_keys = True
        return result

    def wrap(self, items: list[Any]) -> _LazyList:
        wrapped = _LazyList(items)
        if list in map(type, items):  # rare: a list in a list (no generator per list for the rest)
            for i, item in enumerate(items):
                if item.__class__ is list:
                    wrapped[i] = self.wrap(item)
        wrapped._unit = self.unit  # type: ignore[assignment]
        return wrapped


class _Stream:
    """One JSON text being read: positions to lines, the top-level objects by hand, the rest by the C scanner."""

    def __init__(self, text: str, path: str, streaming: bool) -> None:
        self.text = text
        self.path = path
        self.streaming = streaming  # the items of a top-level object's ``items`` are yielded, not kept
        self.reader = _Reader()
        self.warnings: list[str] = []
        self.index = 0  # of the top-level value being read
        self._at = 0  # lines are counted forward only: positions asked for never decrease
        self._line = 0

    def note_duplicates(self, line: int) -> None:
        """Warn of the duplicate keys found so far (``line``: the document's, for a key whose line is unknown).

        Called as soon as they are found: a streamed item's values are gone once it is converted.
        """
        for holder, key in self.reader.duplicates:
            where = holder.lines.get(key)
            self.warnings.append(
                f"{Location(self.path, where or line)}: duplicate key {json.dumps(key)}: kubectl keeps the last value"
            )
        self.reader.duplicates.clear()

    def line_at(self, position: int) -> int:
        """1-based line of ``position``."""
        self._line += self.text.count("\n", self._at, position)
        self._at = position
        return self._line + 1

    def space(self, position: int) -> int:
        return _JSON_SPACE.match(self.text, position).end()  # type: ignore[union-attr]

    def top(self, position: int) -> Generator[Item, None, tuple[LineDict, int]]:
        """A top-level object from its ``{``: eager lines for its keys, ``items`` read item by item."""
        text = self.text
        result_line = self.line_at(position)
        seen_items = False
        pairs: list[tuple[str, Any]] = []
        lines: list[int] = []
        i = self.space(position + 1)
        if text[i : i + 1] == "}":
            i += 1
        else:
            while True:
                if text[i : i + 1] != '"':
                    raise _Slow
                key_line = self.line_at(i)
                start = i
                key, i = _SCANSTRING(text, i + 1, True)
                i = self.space(i)
                if text[i : i + 1] != ":" or i - start > _KEY_SPAN:
                    raise _Slow
                i = self.space(i + 1)
                if key == "items" and self.streaming:
                    if seen_items:  # the items streamed from the first are not the List's: not worth a case
                        raise _Slow
                    seen_items = True
                if key == "items" and text[i : i + 1] == "[":
                    value, i = yield from self.items(i, key_line, result_line)
                else:
                    value, i = self.unit(i, key_line)
                pairs.append((key, value))
                lines.append(key_line)
                i = self.space(i)
                mark = text[i : i + 1]
                i += 1
                if mark == "}":
                    break
                if mark != ",":
                    raise _Slow
                i = self.space(i)
        result = LineDict(pairs)
        result.line = result_line
        result.lines = {key: line for (key, _), line in zip(pairs, lines)}
        self.reader.note_duplicates(result, pairs)
        self.note_duplicates(result_line)
        return result, i

    def items(self, position: int, line: int, top_line: int) -> Generator[Item, None, tuple[LineList, int]]:
        """A List's ``items``: each item its own unit, its line known. Streaming, each is yielded instead of kept."""
        text = self.text
        result = LineList()
        result.line = line
        result.lines = lines = []
        space = _JSON_SPACE.match  # (the loop runs once per object of a List: no method call for these)
        i = space(text, position + 1).end()  # type: ignore[union-attr]
        if text[i : i + 1] == "]":
            return result, i + 1
        duplicates = self.reader.duplicates
        streaming = self.streaming
        while True:
            item_line = self.line_at(i)
            value, i = self.unit(i, item_line, item_line)
            if duplicates:
                self.note_duplicates(top_line)
            if streaming:
                yield Item(self.index, top_line, item_line, value)
                del value  # converted: its values go now, not when the next item replaces them
            else:
                result.append(value)
                lines.append(item_line)
            mark = text[i : i + 1]
            if mark != "," and mark != "]":
                i = space(text, i).end()  # type: ignore[union-attr]
                mark = text[i : i + 1]
            i += 1
            if mark == "]":
                return result, i
            if mark != ",":
                raise _Slow
            i = space(text, i).end()  # type: ignore[union-attr]

    def unit(self, position: int, line: int, first: int | None = None) -> tuple[Any, int]:
        """One value through the C scanner; a container becomes a unit whose inner lines wait.

        ``first``: the line of ``position`` when the caller knows it (an item's).
        """
        text = self.text
        unit = _Unit(text)
        self.reader.unit = unit
        try:
            value, end = self.reader.scan_once(text, position)
        except StopIteration:
            raise _Slow from None
        if value.__class__ is list:
            value = self.reader.wrap(value)
        elif value.__class__ is not _LazyDict:
            return value, end
        if _REFERENCES is not None:
            containers = _REFERENCES(unit) - 3
        else:  # pragma: no cover - not CPython
            containers = text.count("{", position, end) + text.count("[", position, end)
        if containers > _MAX_BRACKETS:
            raise _Slow
        if self.reader.long_keys:
            self.reader.long_keys = False
            if any(m.end() - m.start() > _KEY_SPAN for m in _LONG_KEY.finditer(text, position, end)):
                raise _Slow
        if first is None:
            first = self.line_at(position)
        unit.start, unit.end, unit.first, unit.ref, unit.line = position, end, first, weakref.ref(value), line
        value.line = line  # known: the key's line, or the item's
        return value, end


def _exact_only(text: str) -> bool:
    """Whether ``text`` holds something only the exact path reads as it should (see ``_SURROGATE_ESCAPE``).

    Also line breaks libyaml counts but ``\\n`` does not: a lone CR, NEL, LS and PS.
    """
    if "\\" in text and _SURROGATE_ESCAPE.search(text):  # one character is found with memchr, two are not
        return True
    cr, tab = "\r" in text, "\t" in text
    if cr and text.count("\r") != text.count("\r\n"):
        return True
    if ("\x7f" in text) if text.isascii() else _UNREADABLE.search(text) is not None:
        return True
    if (_COLON_AFTER_BREAK if cr or tab else _COLON_AFTER_SPACES).search(text):
        return True
    return bool((tab or " " * 200 in text) and _LONG_BLANKS.search(text))


def decode_json(text: str, path: str) -> Decoded | None:
    """The exact path's ``Decoded`` for a JSON stream, or None when only the exact path can give it."""
    parts = _fast(text, path, streaming=False)
    try:
        next(parts)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise AssertionError("lazyjson: an item was streamed while decoding whole")


def json_parts(text: str, path: str) -> Iterator[Item | Restart | Decoded]:
    """``decode.decode_parts`` of a JSON stream: each item of a top-level object's ``items`` as it is decoded.

    Then one ``Decoded`` holding every document, each such object's ``items`` left empty (its items came
    before, each an ``Item``). When the fast path gives up, possibly after some items: ``RESTART`` (forget them)
    and the exact path's ``Decoded`` of the whole text.
    """
    result = yield from _fast(text, path, streaming=True)
    if result is None:
        yield RESTART
        result = _decode_json(text, path)
    yield result


def _fast(text: str, path: str, *, streaming: bool) -> Generator[Item, None, Decoded | None]:
    if _exact_only(text):
        return None
    stream = _Stream(text, path, streaming)
    result = Decoded(warnings=stream.warnings)
    reader = stream.reader
    position = stream.space(0)
    try:
        while position < len(text):
            if text[position] != "{":
                return None
            line = stream.line_at(position)
            value, end = yield from stream.top(position)
            result.documents.append(Document(stream.index, line, value))
            stream.index += 1
            position = stream.space(end)
    except (_Slow, ValueError, RecursionError, IndexError):
        return None
    finally:
        reader.release()
    return result
