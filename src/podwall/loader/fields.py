"""Typed reads from parsed YAML that record every problem as a one-line ManifestError.

Why a collector instead of raising: the user should see every mistake of a
manifest in one run, each as ``FILE:LINE: Kind ns/name: field.path: message``
with LINE the line of the offending field. A ``Report`` belongs to one object;
its readers return ``None`` for an absent field *and* for a bad one (already
reported), so conversion code can carry on and find the next problem.

``null`` is treated as absent everywhere, as the API server's JSON decoding does.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from typing import Any

from podwall.errors import Location, ManifestError, deferred
from podwall.model import names
from podwall.loader.decode import LineDict, LineList
from podwall.loader.lazyjson import line_later

_MAX_SHOWN = 80


def quote(value: Any) -> str:
    """A user value inside a message: JSON-quoted (so it stays on one line), shortened."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return json.dumps(text, ensure_ascii=False)


def display(text: str) -> str:
    """A name inside an object label: as is when harmless, quoted otherwise."""
    if text and len(text) <= _MAX_SHOWN and text.isprintable() and " " not in text:
        return text
    return quote(text)


def type_name(value: Any) -> str:
    """How a YAML value's type is called in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a YAML {type(value).__name__}"


def not_string(value: Any) -> str:
    """Why a non-string is refused where the API wants a string, with the usual cause."""
    if isinstance(value, bool):
        return (
            "must be a string, not a boolean (kubectl reads unquoted y, n, yes, no, on, off, true and false "
            "as booleans: quote the value)"
        )
    if isinstance(value, (int, float)):
        return f"must be a string, not {type_name(value)} (quote the value)"
    return f"must be a string, not {type_name(value)}"


def line_of(container: Any, key: Any) -> int | None:
    """The line of ``container[key]``'s key (or list item), else of the container."""
    lines = getattr(container, "lines", None)
    if lines:
        try:
            return lines[key]  # type: ignore[no-any-return]
        except (KeyError, IndexError, TypeError):
            pass
    return getattr(container, "line", None)


def located(location: Location, container: Any, *path: Any) -> Location:
    """``location`` at ``line_of(container[path[0]]...[path[-2]], path[-1])``.

    The line of a JSON input not composed yet (``lazyjson``) is found only when
    the location's line is first read, so ``container`` must be the object
    (the root of what was decoded) for that to be cheap.
    """
    find = line_later(container, path)
    if find is not None:
        return deferred(location, find)
    for step in path[:-1]:
        container = container[step]
    return replace(location, line=line_of(container, path[-1]))


def join(path: str, key: str) -> str:
    """``spec`` + ``ingress`` -> ``spec.ingress``."""
    return f"{path}.{key}" if path else key


def is_int(value: Any) -> bool:
    """An integer that is not a boolean (YAML ``true`` is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


class Report:
    """Collects the problems of one object."""

    __slots__ = ("location", "_obj", "errors", "warnings")

    def __init__(self, location: Location, obj: str | Callable[[], str]) -> None:
        """``obj``: how messages name the object (``Kind ns/name``), or what makes that name when a message
        first needs it (most objects have nothing to say: 1% of a load went into naming them)."""
        self.location = location
        self._obj = obj
        self.errors: list[ManifestError] = []
        self.warnings: list[str] = []

    @property
    def obj(self) -> str:
        obj = self._obj
        if not isinstance(obj, str):
            obj = self._obj = obj()
        return obj

    def error(self, field: str, line: int | None, message: str) -> None:
        """Record a problem at ``field`` (dotted path), found on ``line``."""
        location = self.location if line is None else replace(self.location, line=line)
        self.errors.append(ManifestError(message, location, obj=self.obj, field=field))

    def warn(self, field: str, line: int | None, message: str) -> None:
        """Record something valid that does not mean what it may seem to (``warning: FILE:LINE: ...``)."""
        location = self.location if line is None else replace(self.location, line=line)
        self.warnings.append(f"warning: {ManifestError(message, location, obj=self.obj, field=field)}")

    # -- structure -----------------------------------------------------------

    def unknown_fields(
        self,
        mapping: Mapping[Any, Any],
        allowed: Collection[str],
        path: str,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        """Report keys the API would reject, suggesting the closest known one."""
        for key in mapping:
            if key in allowed:
                continue
            line = line_of(mapping, key)
            if not isinstance(key, str):
                self.error(path, line, f"field names must be strings, not {_typed(key)}")
                continue
            hint = (hints or {}).get(key) or _suggest(key, allowed)
            self.error(path, line, f"unknown field {quote(key)}" + (f" ({hint})" if hint else ""))

    def mapping(self, parent: Mapping[Any, Any], key: str, path: str) -> LineDict | None:
        """``parent[key]`` when it is a mapping; reports any other non-null type."""
        value = parent.get(key)
        if value is None or isinstance(value, LineDict):
            return value
        self.error(join(path, key), line_of(parent, key), f"must be a mapping, not {type_name(value)}")
        return None

    def sequence(self, parent: Mapping[Any, Any], key: str, path: str) -> LineList | None:
        """``parent[key]`` when it is a list; reports any other non-null type."""
        value = parent.get(key)
        if value is None or isinstance(value, LineList):
            return value
        self.error(join(path, key), line_of(parent, key), f"must be a list, not {type_name(value)}")
        return None

    def mappings(self, items: LineList | None, path: str) -> Iterator[tuple[int, LineDict, str]]:
        """The mapping items of a list (none for ``None``) with their paths; other items are reported.

        A ``null`` item decodes to an empty object on the API server, so it is
        yielded as ``{}``.
        """
        for i, item in enumerate(items or ()):
            item_path = f"{path}[{i}]"
            if item is None:
                empty = LineDict()
                empty.line = line_of(items, i)
                empty.lines = {}
                yield i, empty, item_path
            elif isinstance(item, LineDict):
                yield i, item, item_path
            else:
                self.error(item_path, line_of(items, i), f"must be a mapping, not {type_name(item)}")

    def require(self, parent: LineDict, key: str, path: str) -> bool:
        """Report ``key`` missing (or null) from ``parent``; True when present."""
        if parent.get(key) is not None:
            return True
        self.error(path, line_of(parent, key), f"missing required field {quote(key)}")
        return False

    # -- scalars -------------------------------------------------------------

    def string(self, parent: Mapping[Any, Any], key: str, path: str) -> str | None:
        """``parent[key]`` when it is a string."""
        value = parent.get(key)
        if value is None or isinstance(value, str):
            return value
        self.error(join(path, key), line_of(parent, key), not_string(value))
        return None

    def strings(self, parent: Mapping[Any, Any], key: str, path: str) -> list[tuple[int, str]] | None:
        """``parent[key]`` as a list of strings: (index, text); ``null`` items read as ``""`` like the API's.

        An item's line (for a message about it) is ``line_of(parent[key], index)``.
        """
        given = self.sequence(parent, key, path)
        if given is None:
            return None
        found = []
        for i, item in enumerate(given):
            if item is None:
                item = ""  # JSON null decodes to the zero value of a string
            elif not isinstance(item, str):
                self.error(f"{join(path, key)}[{i}]", line_of(given, i), not_string(item))
                continue
            found.append((i, item))
        return found

    def integer(self, parent: Mapping[Any, Any], key: str, path: str) -> int | None:
        """``parent[key]`` when it is an integer (not a boolean)."""
        value = parent.get(key)
        if value is None or is_int(value):
            return value
        self.error(join(path, key), line_of(parent, key), f"must be an integer, not {type_name(value)}")
        return None

    def boolean(self, parent: Mapping[Any, Any], key: str, path: str) -> bool | None:
        """``parent[key]`` when it is a boolean."""
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.error(join(path, key), line_of(parent, key), f"must be a boolean, not {type_name(value)}")
        return None

    def port_number(self, value: int, field: str, parent: Any, key: Any) -> bool:
        """Report a port (``parent[key]``) outside 1..65535; True when valid."""
        if 1 <= value <= 65535:
            return True
        self.error(field, line_of(parent, key), f"{value} is not a valid port number")
        return False

    def port_name(self, value: str, field: str, parent: Any, key: Any) -> bool:
        """Report a named port (``parent[key]``) that is not an IANA_SVC_NAME; True when valid."""
        problem = names.port_name_problem(value)
        if problem is None:
            return True
        self.error(field, line_of(parent, key), f"invalid port name {quote(value)}: {problem}")
        return False

    # -- label maps ------------------------------------------------------------

    def string_map(
        self, parent: Mapping[Any, Any], key: str, path: str, *, labels: bool = True
    ) -> dict[str, str] | None:
        """A map of strings (labels, selectors, annotations); bad entries are reported.

        With ``labels`` the keys and values must follow label syntax; otherwise
        (annotations) only the keys must be qualified names.
        """
        mapping = self.mapping(parent, key, path)
        if mapping is None:
            return None
        valid_keys = _VALID_LABEL_KEYS if labels else _VALID_ANNOTATION_KEYS
        if valid_keys.issuperset(mapping) and (
            _VALID_LABEL_VALUES.issuperset(mapping.values()) if labels else _STR.issuperset(map(type, mapping.values()))
        ):
            return dict(mapping)  # every key and value judged valid before (labels repeat across objects)
        field = join(path, key)
        what = "label" if labels else "annotation"
        result: dict[str, str] = {}
        ok = True
        for k, v in mapping.items():
            if not isinstance(k, str):
                self.error(field, line_of(mapping, k), f"keys must be strings, not {_typed(k)}")
                ok = False
                continue
            # ValidateAnnotations checks the lower-cased key: "Example.com/Key" is a valid annotation.
            problem = names.label_key_problem(k if labels else k.lower())
            if problem is not None:
                self.error(field, line_of(mapping, k), f"invalid {what} key {quote(k)}: {problem}")
                ok = False
            elif k.__class__ is str:
                remember(valid_keys, k)
            if v is None:
                v = ""  # JSON null decodes to the zero value of a string
            elif not isinstance(v, str):
                self.error(field, line_of(mapping, k), f"value of {quote(k)} {not_string(v)}")
                ok = False
                continue
            if labels:
                problem = names.label_value_problem(v)
                if problem is not None:
                    self.error(field, line_of(mapping, k), f"invalid label value {quote(v)} for {quote(k)}: {problem}")
                    ok = False
                elif v.__class__ is str:
                    remember(_VALID_LABEL_VALUES, v)
            result[k] = v
        return result if ok else None


#: Label keys, label values and annotation keys ``string_map`` found valid: the thousands of objects
#: sharing them are not judged again. Exact ``str`` only (a subclass may compare equal and differ);
#: each set is emptied when it reaches ``_REMEMBERED`` entries, so that it stays small.
_VALID_LABEL_KEYS: set[str] = set()
_VALID_LABEL_VALUES: set[str] = set()
_VALID_ANNOTATION_KEYS: set[str] = set()
_REMEMBERED = 50_000
_STR = frozenset({str})


def remember(valid: set[Any], judged: Any) -> None:
    """Add what was judged valid to ``valid``, a bounded set of such judgements (emptied when full)."""
    if len(valid) >= _REMEMBERED:
        valid.clear()
    valid.add(judged)


def _typed(value: Any) -> str:
    """``an integer "1"`` (just ``null`` for null), for values used where a string belongs."""
    return type_name(value) if value is None else f"{type_name(value)} {quote(value)}"


def _suggest(key: str, allowed: Collection[str]) -> str | None:
    """``did you mean "ingress"?`` from a case-insensitive close match."""
    by_lower = {a.lower(): a for a in allowed}
    match = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    if not match:
        return None
    return f"did you mean {quote(by_lower[match[0]])}?"
