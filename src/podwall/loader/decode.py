"""YAML/JSON text -> plain values exactly as kubectl decodes them, remembering the line of every key and item.

Why: a manifest must mean to podwall what it means to the cluster. kubectl reads
``-f`` input with k8s.io/apimachinery's ``YAMLOrJSONDecoder``: text whose first
non-space character is ``{`` is a stream of JSON values (Go ``encoding/json``);
anything else is split into sections at every line that starts with ``---``, and
each section goes through sigs.k8s.io/yaml (go-yaml v2, then ``json.Marshal``),
after which the API machinery reads the JSON back (integers that fit int64 stay
integers, every other number is a float64). ``decode`` reproduces each step
(docs/input.md lists the rules, with their sources):

- scalars resolve as go-yaml v2 resolves them: YAML 1.1 booleans
  (``y``/``yes``/``on``/``true``... and their ``n``/``no``/``off``/``false``
  counterparts), no sexagesimal (``1:20`` stays a string), timestamps stay
  strings, ``080`` is 80 (not octal, so read as a decimal float), ``017``/``0o17``
  /``0x1F``/``0b101`` and ``1_000`` are integers, integral floats become integers;
- keys become JSON field names (``1`` -> ``"1"``, ``true`` -> ``"true"``, float keys
  as Go prints a float32); a null or out-of-range key is an error;
- ``.inf``/``.nan`` values cannot become JSON: an error, as for kubectl;
- a duplicate key keeps the last value and a merge (``<<``) is applied where it
  is written (so it overrides keys written before it); both give a warning;
- aliases are expanded, with go-yaml's limit on excessive aliasing;
- JSON: ``NaN``/``Infinity`` and numbers out of float64 range are errors,
  duplicate keys keep the last value.

The syntax itself is libyaml's (PyYAML's C composer; go-yaml v2 is a port of
libyaml), so both accept the same documents but for rare flow-style corner cases
(docs/input.md). Mappings and lists come back as ``LineDict``/``LineList``, which
carry the 1-based line of each key and item, so that every message can point at
the field at fault.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import importlib
import json
import math
import re
import struct
from collections.abc import Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any

from podwall._runtime import later_module, later_pattern
from podwall.errors import InputError, Location
from podwall.model.quick import frozen, mutable


if TYPE_CHECKING:
    import yaml
else:
    yaml = later_module("yaml", "yaml", globals())

__all__ = ["RESTART", "Decoded", "Document", "Item", "LineDict", "LineList", "Restart", "decode", "decode_parts", "wrap"]


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from YAML: ``line`` where it is introduced, ``lines[key]`` of each key (1-based).

    ``line`` is the line of the parent key for a mapping under a key, else the
    line of the mapping itself (a document, a list item). Either may be ``None``
    / empty when a line is unknown (JSON that libyaml cannot read).
    """

    __slots__ = ("line", "lines")

    line: int | None
    lines: dict[Any, int]


class LineList(list):  # type: ignore[type-arg]
    """A sequence from YAML: ``line`` as for LineDict, ``lines[i]`` of each item (1-based)."""

    __slots__ = ("line", "lines")

    line: int | None
    lines: list[int]


@frozen
class Document:
    """One decoded document: 0-based ``index`` of its section in the file, 1-based start ``line``."""

    index: int
    line: int
    data: Any


@mutable
class Decoded:
    """The documents of one input, the errors that lost some of them, and warnings.

    A document that kubectl would refuse is absent from ``documents`` and has
    one entry in ``errors`` (its ``location.document`` is the section index).
    ``warnings`` are one-line messages (``FILE:LINE: ...``) about input kubectl
    reads silently in a way the author may not expect.
    """

    documents: list[Document] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@mutable  # not frozen: one per item of a List, and a frozen one's __init__ costs a call per field
class Item:
    """One item of the ``items`` list of a JSON stream's top-level object, given by ``decode_parts`` as it is decoded.

    Tentative: the rest of the text may still send it to the exact path (``RESTART``). The part holding
    its document follows its items; that document's ``items`` is then empty (its items came here).
    """

    document: int  # index of the top-level value
    line: int  # of the top-level value
    item_line: int
    value: Any


class Restart:
    """A part of ``decode_parts``: forget the items given so far; the whole text follows, decoded again."""

    __slots__ = ()


RESTART = Restart()


def decode(text: str, path: str) -> Decoded:
    """Decode every document of ``text`` as kubectl would; ``path`` names it in messages."""
    if _is_json_stream(text):
        from podwall.loader.lazyjson import decode_json  # builds on this module

        fast = decode_json(text, path)
        return fast if fast is not None else _decode_json(text, path)
    return _decode_yaml(text, path)


def wrap(value: Any) -> Any:
    """Values already decoded elsewhere (a page from the live API) in the LineDict/LineList shape, lines unknown."""
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


# -- shared: Go's notion of white space and of a JSON number -------------------------------------

#: ``unicode.IsSpace`` in Go (used by kubectl's ``TrimSpace`` and JSON sniffing).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_JSON_SNIFF = 4096  # kubectl looks this far for a leading "{"
_INT64 = 1 << 63


def _is_json_stream(text: str) -> bool:
    """kubectl's ``GuessJSONStream``: the first non-space character of the first 4 KiB is ``{``."""
    return text[:_JSON_SNIFF].lstrip(_GO_SPACE).startswith("{")


def _number(value: float) -> int | float:
    """A finite float as the API machinery reads it back from ``json.Marshal``'s text.

    Go writes the shortest repr, in plain notation below 1e21; an integral one
    has no ``.`` and is read back as an int64 when it fits (``80.0`` -> ``80``).
    """
    if value.is_integer() and -1e21 < value < 1e21:
        if -(1 << 53) <= value <= 1 << 53:
            number = int(value)
        else:  # beyond 2**53 (rare): the decimal text Go wrote, read exactly
            from decimal import Decimal

            number = int(Decimal(repr(value)))
        if -_INT64 <= number < _INT64:
            return number
    return value


# -- YAML ------------------------------------------------------------------------------------------

_SEPARATOR = later_pattern(r"^---", "_SEPARATOR", globals(), re.MULTILINE)
_PLAIN = "podwall:plain"  # tag of a plain scalar (or one tagged "!"): go-yaml resolves it
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_NULL_TAG = "tag:yaml.org,2002:null"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BINARY_TAG = "tag:yaml.org,2002:binary"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_RESOLVABLE = frozenset({_STR_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG, _NULL_TAG, _TIMESTAMP_TAG})

#: PyYAML's node classes, set when the first composer is made (``_composer``).
_SCALAR_NODE: Any = None
_MAPPING_NODE: Any = None
#: Go values whose JSON reads back as themselves (``_Builder._json`` keeps them as they are).
_AS_IS = frozenset({str, bool, int, type(None)})
#: ``:`` right before a flow indicator: where libyaml and go-yaml read a flow collection differently.
_COLON_FLOW = later_pattern(r":[,\[\]{}]", "_COLON_FLOW", globals())
_COMPOSERS: Any = None


def _composer(text: str, *, go_plain: bool = False) -> Any:
    """A composer of ``text`` (``loader.composer``): libyaml's, or with ``go_plain`` the pure-Python one.

    PyYAML and the composers are imported when the first one is made: JSON input that the fast
    path reads (``lazyjson``) needs neither, and PyYAML's import costs 14 ms (docs/performance.md).
    """
    global _COMPOSERS, _SCALAR_NODE, _MAPPING_NODE
    if _COMPOSERS is None:
        from podwall.loader import composer

        _SCALAR_NODE, _MAPPING_NODE = yaml.ScalarNode, yaml.MappingNode
        _COMPOSERS = composer.Composer, composer.PyComposer
    return _COMPOSERS[1 if go_plain else 0](text)


class _Failure(Exception):
    """A document kubectl refuses: message and the node at fault."""

    def __init__(self, message: str, node: yaml.Node | None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


def decode_parts(text: str, path: str) -> Iterator[Decoded | Item | Restart]:
    """``decode``, one part at a time: each section of a YAML stream as it is decoded; for JSON, each ``Item``.

    What the ``Decoded`` parts hold, concatenated, is what ``decode`` returns, but
    for the items of JSON top-level objects, which come first, one ``Item`` each
    (``lazyjson.json_parts``). A caller that converts each part before asking
    for the next holds one section's (one item's) decoded values at a time, not
    the whole file's (the largest share of memory at scale). Items are
    tentative: on ``RESTART`` the caller forgets every item given so far.
    """
    if _is_json_stream(text):
        from podwall.loader.lazyjson import json_parts  # builds on this module

        yield from json_parts(text, path)
        return
    yield from _yaml_parts(text, path)


def _decode_yaml(text: str, path: str) -> Decoded:
    result = Decoded()
    for part in _yaml_parts(text, path):
        result.documents.extend(part.documents)
        result.errors.extend(part.errors)
        result.warnings.extend(part.warnings)
    return result


def _yaml_parts(text: str, path: str) -> Iterator[Decoded]:
    for index, (first_line, chunk, bad_separator) in enumerate(_sections(text)):
        part = Decoded()
        if bad_separator is not None:
            line, rest = bad_separator
            part.errors.append(
                InputError(
                    f"invalid document separator {json.dumps(rest)}: kubectl accepts only spaces or a "
                    "comment after ---",
                    Location(path, line, 1, index),
                )
            )
        if chunk.strip(_GO_SPACE):
            _decode_section(chunk, path, first_line, index, part)
        if part.documents or part.errors or part.warnings:
            yield part


def _sections(text: str) -> Iterator[tuple[int, str, tuple[int, str] | None]]:
    """kubectl's ``YAMLReader``: sections between lines that start with ``---``.

    Yields (0-based first line, text, problem) where problem is (1-based line,
    text after ---) of a separator followed by something other than a comment.
    """
    start = 0
    line = 0
    problem: tuple[int, str] | None = None
    for match in _SEPARATOR.finditer(text):
        position = match.start()
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        rest = text[position + 3 : end].strip(_GO_SPACE)
        yield line, text[start:position], problem
        line += text.count("\n", start, end) + 1
        problem = (line, text[position:end].rstrip("\r")) if rest and not rest.startswith("#") else None
        start = end + 1
    last = text[start:]
    yield line, last if not last or last.endswith("\n") else last + "\n", problem


def _decode_section(chunk: str, path: str, first_line: int, index: int, result: Decoded) -> None:
    """The first document of one section (go-yaml reads no further), appended to ``result``."""
    try:
        try:
            node, rest = _compose(chunk, lenient_anchors=False)
        except yaml.composer.ComposerError as exc:
            if "duplicate anchor" not in str(exc):
                raise
            node, rest = _compose(chunk, lenient_anchors=True)  # go-yaml lets a later anchor replace one
    except yaml.YAMLError as exc:
        result.errors.append(_yaml_error(exc, path, chunk, first_line, index))
        return
    except RecursionError:
        result.errors.append(InputError("invalid YAML: nesting too deep", Location(path, first_line + 1, None, index)))
        return
    if rest is not None:
        result.warnings.append(
            f"{Location(path, rest + first_line + 1)}: ignored: kubectl reads only the first document of each "
            "section between --- lines (this one follows a ... marker)"
        )
    if node is None:
        return
    builder = _Builder(chunk, first_line, "&" in chunk)
    try:
        data = builder.document(node)
    except _Failure as failure:
        mark = failure.node.start_mark if failure.node is not None else node.start_mark
        location = Location(path, mark.line + first_line + 1, mark.column + 1, index)
        result.errors.append(InputError(f"invalid YAML: {failure.message}", location))
        return
    except RecursionError:
        result.errors.append(InputError("invalid YAML: nesting too deep", Location(path, first_line + 1, None, index)))
        return
    for line, message in builder.warnings:
        result.warnings.append(f"{Location(path, line)}: {message}")
    if data is not None:  # kubectl skips a document that decodes to null
        result.documents.append(Document(index, node.start_mark.line + first_line + 1, data))


def _compose(chunk: str, *, lenient_anchors: bool) -> tuple[yaml.Node | None, int | None]:
    """The first document's node graph, and the 0-based line of anything after it (kubectl ignores it)."""
    composer = _composer(chunk, go_plain=_COLON_FLOW.search(chunk) is not None)
    try:
        if lenient_anchors:
            node = _compose_events(composer)
        elif composer.check_node():
            node = composer.get_node()
        else:
            return None, None
        try:
            if node is not None and composer.check_event(yaml.DocumentStartEvent):
                return node, composer.peek_event().start_mark.line
        except yaml.YAMLError:
            # Malformed text after the first document: kubectl never reads it.
            return node, node.end_mark.line + 1
        return node, None
    finally:
        composer.dispose()


def _compose_events(composer: Any) -> yaml.Node | None:
    """Compose the first document from events, letting an anchor be redefined as go-yaml does."""
    composer.get_event()  # stream start
    if composer.check_event(yaml.StreamEndEvent):
        return None
    composer.get_event()  # document start
    node = _event_node(composer, {})
    composer.get_event()  # document end
    return node


def _event_node(composer: Any, anchors: dict[str, yaml.Node]) -> yaml.Node:
    event = composer.get_event()
    if isinstance(event, yaml.AliasEvent):
        if event.anchor not in anchors:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor}", event.start_mark)
        return anchors[event.anchor]
    node: yaml.Node
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = composer.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if event.anchor is not None:
            anchors[event.anchor] = node
        return node
    tag = event.tag
    if isinstance(event, yaml.SequenceStartEvent):
        node = yaml.SequenceNode(tag if tag not in (None, "!") else _SEQ_TAG, [], event.start_mark, None)
        if event.anchor is not None:
            anchors[event.anchor] = node
        while not composer.check_event(yaml.SequenceEndEvent):
            node.value.append(_event_node(composer, anchors))
    else:
        node = yaml.MappingNode(tag if tag not in (None, "!") else _MAP_TAG, [], event.start_mark, None)
        if event.anchor is not None:
            anchors[event.anchor] = node
        while not composer.check_event(yaml.MappingEndEvent):
            key = _event_node(composer, anchors)
            node.value.append((key, _event_node(composer, anchors)))
    node.end_mark = composer.get_event().end_mark
    return node


def _yaml_error(exc: yaml.YAMLError, path: str, text: str, line_offset: int, index: int) -> InputError:
    """One line ``FILE:LINE:COL: invalid YAML: problem`` from any PyYAML error."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed document"
        line = mark.line + line_offset + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
    elif isinstance(exc, yaml.reader.ReaderError):
        # Raised for characters YAML forbids; it knows only an offset (in UTF-8
        # bytes for libyaml, in characters for the pure parser).
        from podwall.loader.composer import LIBYAML

        if LIBYAML:
            before = text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore")
        else:  # pragma: no cover - without libyaml
            before = text[: exc.position]
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


# go-yaml v2 resolve.go: the first character hints at what a plain scalar may be.
_HINT = dict.fromkeys("+-", "S") | dict.fromkeys("0123456789", "D") | dict.fromkeys("yYnNtTfFoO~", "M") | {".": "."}
_RESOLVED: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_RESOLVED_TAGS = {bool: _BOOL_TAG, type(None): _NULL_TAG, float: _FLOAT_TAG}
#: Go ``strconv.ParseInt(s, 0, 64)`` syntax (sign, then a 0x/0o/0b prefix, a leading-0 octal or decimal).
_GO_INT = later_pattern(
    r"([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))", "_GO_INT", globals()
)
_GO_UINT = later_pattern(r"0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*)", "_GO_UINT", globals())
#: go-yaml's ``yamlStyleFloat``.
_YAML_FLOAT = later_pattern(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", "_YAML_FLOAT", globals())
#: What Go's ``ParseFloat`` accepts after a leading ".": digits, "_" only between digits.
_DOT_FLOAT = later_pattern(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?", "_DOT_FLOAT", globals())
_BASES = (16, 8, 2, 8, 10)
_MAX_DIGITS = {16: 16, 8: 22, 2: 64, 10: 20}


class _Uint(int):
    """An integer go-yaml could only read as a uint64 (2**63 and above)."""


def _go_int(text: str, *, signed: bool = True) -> int | None:
    """``strconv.ParseInt(text, 0, 64)`` (or ``ParseUint`` when not ``signed``); None when it fails."""
    match = (_GO_INT if signed else _GO_UINT).fullmatch(text)
    if match is None:
        return None
    groups = match.groups()
    sign = groups[0] if signed else ""
    digits_groups = groups[1:] if signed else groups
    for base, digits in zip(_BASES, digits_groups):
        if digits is not None:
            break
    else:  # pragma: no cover - the pattern has one alternative per base
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS[base]:
        return None
    value = int(digits, base)
    if sign == "-":
        value = -value
    if signed:
        return value if -_INT64 <= value < _INT64 else None
    return value if value < 1 << 64 else None


def _resolve(text: str) -> Any:
    """go-yaml v2 ``resolve("", text)``: the value of an untagged plain scalar.

    Returns str, bool, None, int (int64), ``_Uint`` or float (possibly inf/nan).
    Timestamps are not distinguished: go-yaml hands them to JSON as their text.
    """
    hint = _HINT.get(text[:1]) if text else "M"
    if hint is None:
        return text
    if text in _RESOLVED:
        return _RESOLVED[text]
    if hint == "M":
        return text
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text):
            value = float(text)
            if not math.isinf(value):
                return value
        return text
    plain = text.replace("_", "")
    number = _go_int(plain)
    if number is not None:
        return number
    unsigned = _go_int(plain, signed=False)
    if unsigned is not None:
        return _Uint(unsigned)
    if _YAML_FLOAT.fullmatch(plain):
        value = float(plain)
        if not math.isinf(value):  # Go's ParseFloat fails with ErrRange: the text stays a string
            return value
    if plain.startswith("0b") or plain.startswith("-0b"):
        binary = plain[2:] if plain[0] == "0" else "-" + plain[3:]
        if re.fullmatch(r"[+-]?[01]+", binary) and len(binary.lstrip("+-").lstrip("0")) <= 64:
            value = int(binary, 2)
            if -_INT64 <= value < _INT64:
                return value
            if plain[0] == "0" and 0 <= value < 1 << 64:
                return _Uint(value)
    return text


_RESOLVE_CACHE: dict[str, Any] = {}
_RESOLVE_CACHE_LIMIT = 100_000


def _resolve_cached(text: str) -> Any:
    """``_resolve`` memoised: the same keys and values recur in every pod."""
    try:
        return _RESOLVE_CACHE[text]
    except KeyError:
        pass
    value = _resolve(text)
    if len(_RESOLVE_CACHE) >= _RESOLVE_CACHE_LIMIT:
        _RESOLVE_CACHE.clear()
    _RESOLVE_CACHE[text] = value
    return value


def _tag_of(value: Any) -> str:
    """The tag go-yaml's resolve reports for a resolved value."""
    if isinstance(value, bool):
        return _BOOL_TAG
    if value is None:
        return _NULL_TAG
    if isinstance(value, int):
        return _INT_TAG
    if isinstance(value, float):
        return _FLOAT_TAG
    return _STR_TAG


_TIMESTAMP = later_pattern(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]|[ ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?",
    "_TIMESTAMP",
    globals(),
)


def _is_timestamp(text: str) -> bool:
    """go-yaml's ``parseTimestamp`` (the four layouts it tries with Go's ``time.Parse``)."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second, zone = match.groups()
    is_t = hour is not None and text[match.end(3)] in "Tt"
    if hour is not None and (zone is None) == is_t:
        return False  # "T" layouts need a zone, the space layout has none
    days = [31, 29 if int(year) % 4 == 0 and (int(year) % 100 != 0 or int(year) % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= int(month) <= 12 or not 1 <= int(day) <= days[int(month) - 1]:
        return False
    if hour is not None and (int(hour) > 23 or int(minute) > 59 or int(second) > 59):
        return False
    return True


def _short(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


def _resolve_tagged(tag: str, node: yaml.ScalarNode) -> Any:
    """go-yaml v2 ``resolve(tag, text)`` for an explicit tag (and ``!!binary``)."""
    text = node.value
    if tag == _BINARY_TAG:
        try:
            data = base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
        except (binascii.Error, ValueError):
            raise _Failure("!!binary value contains invalid base64 data", node) from None
        return data.decode("utf-8", "podwall-go-replace")
    if tag not in _RESOLVABLE:
        return text  # other tags (local ones, !!map on a scalar...) leave the text as it is
    if tag == _STR_TAG:
        return text
    if tag == _TIMESTAMP_TAG and text[:1].isdigit() and _is_timestamp(text):
        return text
    value = _resolve(text) if _HINT.get(text[:1], "M" if not text else None) is not None else text
    resolved = _tag_of(value)
    if resolved == tag:
        return value
    if tag == _FLOAT_TAG and resolved == _INT_TAG:
        return float(value)
    raise _Failure(f"cannot decode {_short(resolved)} `{text}` as a {_short(tag)}", node)


def _go_replace(error: UnicodeError) -> tuple[str, int]:
    """Go's ``json.Marshal``: each byte that is not valid UTF-8 becomes U+FFFD."""
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd", error.start + 1


codecs.register_error("podwall-go-replace", _go_replace)


def _float32_key(value: float) -> str:
    """``strconv.FormatFloat(value, 'g', -1, 32)`` as sigs.k8s.io/yaml names a float key."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):
        text = f"{single:.{precision - 1}e}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == single:
            break
    mantissa, exponent_text = text.split("e")
    digits = mantissa.replace(".", "").lstrip("-").rstrip("0") or "0"
    exponent = int(exponent_text)
    sign = "-" if single < 0 else ""
    if exponent < -4 or exponent >= 6:  # Go's %g with the shortest precision switches to %e here
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    point = exponent + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


_BANG = later_pattern(r"(?:&\S+[ \t\r\n]+)?!(?=[ \t\r\n]|$)", "_BANG", globals())

# go-yaml v2 decode.go: limits on alias expansion ("document contains excessive aliasing").
_ALIAS_LOW = 400_000
_ALIAS_HIGH = 4_000_000


def _allowed_alias_ratio(decodes: int) -> float:
    if decodes <= _ALIAS_LOW:
        return 0.99
    if decodes >= _ALIAS_HIGH:
        return 0.10
    return 0.99 - 0.89 * ((decodes - _ALIAS_LOW) / (_ALIAS_HIGH - _ALIAS_LOW))


class _Builder:
    """Walks one document's node graph as go-yaml's decoder does, building JSON-ready values.

    With ``aliases`` (the section has an anchor) a node met again is an alias:
    it is expanded anew, counted as go-yaml counts, and must not contain itself.
    """

    __slots__ = ("source", "offset", "aliases", "bangs", "seen", "active", "decodes", "aliased", "depth", "warnings",
                 "_said")

    def __init__(self, source: str, offset: int, aliases: bool) -> None:
        self.source = source
        self.bangs = "!" in source  # a scalar tagged "!" can be only where one is
        self.offset = offset + 1  # 0-based marks -> 1-based lines in the file
        self.aliases = aliases
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.decodes = 0
        self.aliased = 0
        self.depth = 0
        self.warnings: list[tuple[int, str]] = []
        self._said: set[tuple[int, str]] = set()

    def warn(self, line: int, message: str) -> None:
        if (line, message) not in self._said:
            self._said.add((line, message))
            self.warnings.append((line, message))

    def document(self, node: yaml.Node) -> Any:
        if self.aliases:
            self._count(node)  # the document node itself
        return self.value(node)

    # -- alias bookkeeping (only when the section defines an anchor) ---------------------------

    def _count(self, node: yaml.Node) -> None:
        self.decodes += 1
        if self.depth:
            self.aliased += 1
        if self.aliased > 100 and self.decodes > 1000 and self.aliased / self.decodes > _allowed_alias_ratio(self.decodes):
            raise _Failure("document contains excessive aliasing (kubectl refuses it)", node)

    def _enter(self, node: yaml.Node) -> bool:
        """Count a visit; True when it is an alias (then ``_leave`` must follow)."""
        self._count(node)
        ident = id(node)
        if ident in self.seen:
            if ident in self.active:
                raise _Failure("an alias refers to a node that contains it", node)
            self._count(node)  # go-yaml counts the alias node, then its target
            self.depth += 1
            return True
        self.seen.add(ident)
        return False

    # -- values -------------------------------------------------------------------------------------

    def value(self, node: yaml.Node) -> Any:
        if not self.aliases:
            return self._value(node)
        alias = self._enter(node)
        ident = id(node)
        self.active.add(ident)
        try:
            return self._value(node)
        finally:
            self.active.discard(ident)
            if alias:
                self.depth -= 1

    def _value(self, node: yaml.Node) -> Any:
        cls = node.__class__
        if cls is _SCALAR_NODE:
            value = self.scalar(node)
            return value if value.__class__ in _AS_IS else self._json(value, node)  # most: no call to _json
        if cls is _MAPPING_NODE:
            return self.mapping(node)
        items = LineList()
        offset = self.offset
        items.line = node.start_mark.line + offset
        children = node.value
        items.lines = [child.start_mark.line + offset for child in children]
        value_of = self.value if self.aliases else self._value
        items.extend([value_of(child) for child in children])
        return items

    def scalar(self, node: yaml.ScalarNode) -> Any:
        """The Go value go-yaml gives a scalar when decoding into ``interface{}``."""
        tag = node.tag
        if tag is _PLAIN or tag == _PLAIN:
            if node.style or (self.bangs
                              and self.source[node.start_mark.index : node.start_mark.index + 1] in ("!", "&")
                              and _BANG.match(self.source, node.start_mark.index)):
                return node.value  # tagged "!": go-yaml keeps the text
            text = node.value
            found = _RESOLVE_CACHE.get(text, _ABSENT)  # _resolve_cached without a call for the usual hit
            return found if found is not _ABSENT else _resolve_cached(text)
        if tag == _STR_TAG:
            return node.value
        return _resolve_tagged(tag, node)

    @staticmethod
    def _json(value: Any, node: yaml.Node) -> Any:
        """The value as the API machinery reads back ``json.Marshal``'s text."""
        cls = value.__class__
        if cls in _AS_IS:
            return value
        if cls is _Uint:
            return float(value)
        if math.isnan(value) or math.isinf(value):
            shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            raise _Failure(
                f"{node.value} is not a number JSON can carry: kubectl refuses it "
                f"(json: unsupported value: {shown}); quote it for a string",
                node,
            )
        return _number(value)

    def mapping(self, node: yaml.MappingNode) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + self.offset
        result.lines = {}
        self._pairs(result, node, {}, {})
        return result

    def _pairs(
        self, result: LineDict, node: yaml.MappingNode, explicit: dict[str, int] | None, origins: dict[str, Any]
    ) -> list[str]:
        """Set the pairs of ``node`` into ``result`` in order (merges where they stand); the keys set."""
        offset = self.offset
        lines = result.lines
        written: list[str] = []
        aliases = self.aliases
        value_of = self.value if aliases else self._value  # value() only adds the alias bookkeeping
        scalar = self.scalar
        # Without aliases or "!" tags, a plain scalar already resolved is taken from the cache here, as
        # ``scalar`` would take it (a str, bool, int or null is its JSON value as it is); anything else
        # goes the whole way.
        simple = not aliases and not self.bangs
        for key_node, value_node in node.value:
            plain_key = key_node.__class__ is _SCALAR_NODE
            if plain_key and key_node.value == "<<" and (key_node.tag == _PLAIN or key_node.tag == _MERGE_TAG):
                merged = self._merge(result, value_node, origins)
                if explicit:
                    line = key_node.start_mark.line + offset
                    for key in merged:
                        if key in explicit:
                            self.warn(
                                line,
                                f"the merge (<<) overrides key {json.dumps(key)} of line {explicit[key]}: kubectl "
                                "applies a merge where it stands; write <<: first to let the keys win",
                            )
                written.extend(merged)
                continue
            key = None
            if plain_key and not origins:
                if simple and key_node.tag is _PLAIN and not key_node.style:
                    key = _RESOLVE_CACHE.get(key_node.value)
                elif not aliases:
                    key = scalar(key_node)
            if key.__class__ is not str:  # what _key does for a string key when nothing is to be checked
                key = self._key(key_node, result, origins)
            if (simple and value_node.__class__ is _SCALAR_NODE and value_node.tag is _PLAIN
                    and not value_node.style):
                value = _RESOLVE_CACHE.get(value_node.value, _ABSENT)
                if value.__class__ not in _AS_IS:
                    value = value_of(value_node)  # not resolved before, or a number _json turns into a float
            else:
                value = value_of(value_node)
            line = key_node.start_mark.line + offset
            if explicit is not None:
                first = explicit.get(key)
                if first is not None:
                    self.warn(line, f"duplicate key {json.dumps(key)} (first at line {first}): kubectl keeps this last value")
                explicit[key] = line
            if value.__class__ is LineDict or value.__class__ is LineList:
                # A nested mapping or list is located at the key that introduces it:
                # "metadata: missing required field" points at the "metadata:" line.
                value.line = line
            result[key] = value
            lines[key] = line
            written.append(key)
        return written

    def _merge(self, result: LineDict, node: yaml.Node, origins: dict[str, Any]) -> list[str]:
        """go-yaml's ``merge``: a mapping, an alias of one, or a list of them (the first wins)."""
        alias = id(node) in self.seen if self.aliases else False
        cls = node.__class__
        if cls is yaml.MappingNode:
            return self._merge_one(result, node, origins)
        if cls is yaml.SequenceNode and not alias:
            written: list[str] = []
            for item in reversed(node.value):
                if item.__class__ is not yaml.MappingNode:
                    raise _Failure("map merge requires map or sequence of maps as the value", item)
                written.extend(self._merge_one(result, item, origins))
            return written
        raise _Failure("map merge requires map or sequence of maps as the value", node)

    def _merge_one(self, result: LineDict, node: yaml.MappingNode, origins: dict[str, Any]) -> list[str]:
        if not self.aliases:
            return self._pairs(result, node, None, origins)
        alias = self._enter(node)
        ident = id(node)
        self.active.add(ident)
        try:
            return self._pairs(result, node, None, origins)
        finally:
            self.active.discard(ident)
            if alias:
                self.depth -= 1

    def _key(self, node: yaml.Node, result: LineDict, origins: dict[str, Any]) -> str:
        """The JSON field name of a key, as sigs.k8s.io/yaml converts go-yaml's key."""
        if self.aliases:
            alias = self._enter(node)
            if alias:
                self.depth -= 1
        if node.__class__ is not yaml.ScalarNode:
            raise _Failure("a mapping or list cannot be a key (kubectl: invalid map key)", node)
        value = self.scalar(node)
        cls = value.__class__
        if cls is str:
            key, origin = value, None
        elif cls is bool:
            key, origin = ("true" if value else "false"), ("bool", value)
        elif cls is int:
            key, origin = str(value), ("int", value)
        elif cls is float:
            key, origin = _float32_key(value), ("float", value if not math.isnan(value) else object())
        elif value is None:
            raise _Failure("a null key cannot become a JSON field name (kubectl: unsupported map key)", node)
        else:  # _Uint
            raise _Failure(
                f"the key {node.value} cannot become a JSON field name (kubectl: unsupported map key of type uint64)",
                node,
            )
        if origin is not None or origins:
            # Different YAML keys that print alike (1 and "1") collide in kubectl's
            # JSON, which then keeps one of them at random.
            before = origins.get(key, key if key in result else _ABSENT)
            if before is not _ABSENT and before != (origin if origin is not None else key):
                raise _Failure(
                    f"two keys become the same JSON field {json.dumps(key)}; kubectl keeps one of them at random",
                    node,
                )
            origins[key] = origin if origin is not None else key
        return key


_ABSENT = object()


# -- JSON ------------------------------------------------------------------------------------------

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_TOKEN = later_pattern(
    r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?', "_JSON_TOKEN", globals()
)


class _BadNumber(ValueError):
    """A JSON number kubectl cannot decode (NaN, Infinity, out of float64 range)."""

    def __init__(self, literal: str, message: str) -> None:
        super().__init__(message)
        self.literal = literal
        self.message = message


def _json_int(text: str) -> int | float:
    if len(text) < 19:  # no 18 characters exceed int64 (the usual case: one call less)
        return int(text)
    if len(text) - text.startswith("-") <= 19:
        value = int(text)
        if -_INT64 <= value < _INT64:
            return value
    value = float(text)  # no digit limit, unlike int()
    if math.isinf(value):
        raise _BadNumber(text, f"number {_clip(text)} is out of range (kubectl: cannot unmarshal number into float64)")
    return value


def _json_float(text: str) -> int | float:
    value = float(text)
    if math.isinf(value):
        raise _BadNumber(text, f"number {_clip(text)} is out of range (kubectl: cannot unmarshal number into float64)")
    return _number(value)


def _json_constant(text: str) -> Any:
    raise _BadNumber(text, f"{text} is not valid JSON (kubectl rejects it)")


def _clip(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


class _JSONReader:
    """A stream of JSON values as Go's ``json.Decoder`` reads it; lines come from libyaml where it can."""

    def __init__(self) -> None:
        self.duplicates: list[tuple[LineDict, str]] = []
        self.decoder = json.JSONDecoder(
            object_pairs_hook=self._object,
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )

    def _object(self, pairs: list[tuple[str, Any]]) -> LineDict:
        result = LineDict(pairs)
        result.line = None
        result.lines = {}
        self.note_duplicates(result, pairs)
        return result

    def note_duplicates(self, result: LineDict, pairs: list[tuple[str, Any]]) -> None:
        """Remember each key of ``pairs`` given twice (``result`` keeps the last value), for a warning."""
        if len(result) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.duplicates.append((result, key))
                seen.add(key)


def _decode_json(text: str, path: str) -> Decoded:
    result = Decoded()
    reader = _JSONReader()
    position = _JSON_SPACE.match(text).end()  # type: ignore[union-attr]
    line = text.count("\n", 0, position)
    index = 0
    while position < len(text):
        try:
            value, end = reader.decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            hint = "" if path.lower().endswith(".json") else " (input that starts with { is read as JSON, as kubectl does)"
            result.errors.append(InputError(f"invalid JSON: {exc.msg}{hint}", Location(path, exc.lineno, exc.colno, index)))
            break
        except _BadNumber as exc:
            where = _find_literal(text, position, exc.literal)
            before = text[:where]
            column = where - (before.rfind("\n") + 1) + 1
            result.errors.append(InputError(f"invalid JSON: {exc.message}", Location(path, before.count("\n") + 1, column, index)))
            break
        except RecursionError:
            result.errors.append(InputError("invalid JSON: nesting too deep", Location(path, line + 1, None, index)))
            break
        try:
            if "\\u" in text[position:end]:
                value = _no_surrogates(value)
            value = _attach_lines(value, text[position:end], line)
        except RecursionError:
            result.errors.append(InputError("invalid JSON: nesting too deep", Location(path, line + 1, None, index)))
            break
        for holder, key in reader.duplicates:
            where = holder.lines.get(key)
            result.warnings.append(
                f"{Location(path, where or line + 1)}: duplicate key {json.dumps(key)}: kubectl keeps the last value"
            )
        reader.duplicates.clear()
        if value is not None:  # kubectl skips null
            result.documents.append(Document(index, line + 1, value))
        index += 1
        following = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
        line += text.count("\n", position, following)
        position = following
    return result


def _find_literal(text: str, start: int, literal: str) -> int:
    """Where ``literal`` first occurs as a JSON token (not inside a string) from ``start``."""
    for match in _JSON_TOKEN.finditer(text, start):
        if match.group() == literal:
            return match.start()
    return start  # pragma: no cover - the decoder just read it


def _no_surrogates(value: Any) -> Any:
    """Go's JSON decoder turns an unpaired ``\\ud800`` escape into U+FFFD; Python keeps the surrogate."""
    if isinstance(value, str):
        return re.sub("[\ud800-\udfff]", "\ufffd", value)
    if isinstance(value, LineDict):
        fixed = LineDict((_no_surrogates(k), _no_surrogates(v)) for k, v in value.items())
        fixed.line, fixed.lines = value.line, value.lines
        return fixed
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    return value


def _attach_lines(value: Any, text: str, line_offset: int) -> Any:
    """``value`` with LineList for lists and the lines libyaml finds for the same text (JSON is YAML flow style).

    The values stay the JSON decoder's; libyaml only says where each key and
    item is. When libyaml cannot read the text (rare escapes), lines stay unknown
    but the document's own line.
    """
    node = flow_node(text) if isinstance(value, (dict, list)) else None
    return _shape(value, node, line_offset + 1, line_offset + 1 if node is None else node.start_mark.line + line_offset + 1)


def flow_node(text: str) -> yaml.Node | None:
    """libyaml's node graph of one JSON value (JSON is YAML flow style), for the lines; None if it cannot read it."""
    composer = _composer(text)
    try:
        return composer.get_single_node()  # type: ignore[no-any-return]
    except yaml.YAMLError:
        return None
    finally:
        composer.dispose()


def entry_lines(value: dict[Any, Any], node: yaml.Node | None, offset: int) -> Iterator[tuple[Any, Any, Any, int | None]]:
    """(key, value, the value's node, the key's line) of each entry of a JSON mapping, its key found by its text."""
    pairs: dict[Any, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        pairs = {key.value: (key, child) for key, child in node.value if isinstance(key, yaml.ScalarNode)}
    for name, inner in value.items():
        key_node, child = pairs.get(name, (None, None))
        yield name, inner, child, key_node.start_mark.line + offset if key_node is not None else None


def item_nodes(node: yaml.Node | None, count: int) -> list[yaml.Node] | None:
    """The nodes of a JSON list's ``count`` items, None when libyaml saw something else."""
    return node.value if isinstance(node, yaml.SequenceNode) and len(node.value) == count else None  # type: ignore[no-any-return]


def _shape(value: Any, node: yaml.Node | None, offset: int, line: int | None) -> Any:
    if isinstance(value, LineDict):
        value.line = line
        for name, inner, child, key_line in entry_lines(value, node, offset):
            if key_line is not None:
                value.lines[name] = key_line
            if isinstance(inner, (dict, list)):
                value[name] = _shape(inner, child, offset, key_line)
        return value
    if isinstance(value, list):
        items = LineList(value)
        items.line = line
        children = item_nodes(node, len(items))
        items.lines = [child.start_mark.line + offset for child in children] if children is not None else []
        for i, inner in enumerate(items):
            if isinstance(inner, (dict, list)):
                items[i] = _shape(inner, children[i] if children is not None else None, offset, items.lines[i] if children is not None else None)
        return items
    return value
