"""libyaml's composer (PyYAML's C binding) with go-yaml v2's view of tags and plain scalars.

Imported by ``decode._composer`` when the first YAML text is composed, so that JSON input the fast
path reads never imports PyYAML.
"""

from __future__ import annotations

import operator
from typing import Any

import yaml

from podwall.loader.decode import _MAP_TAG, _PLAIN, _SEQ_TAG, _STR_TAG

try:  # libyaml: the same C parser go-yaml v2 was ported from, and ~10x faster than PyYAML's own
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = yaml.Loader  # type: ignore[misc,assignment]


_SCALAR_NODE = yaml.ScalarNode
_MAPPING_NODE = yaml.MappingNode


class Composer(_Parser):  # type: ignore[misc,valid-type]
    """libyaml's composer with go-yaml's view of tags: plain scalars are resolved later, by ``_resolve``."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is _SCALAR_NODE:
            # implicit[0]: a plain scalar, or one tagged "!" (libyaml marks both "plain implicit").
            return _PLAIN if implicit[0] else _STR_TAG
        return _MAP_TAG if kind is _MAPPING_NODE else _SEQ_TAG

    # No path-based resolution: tags are go-yaml's, decided later. The composer calls these two around
    # every node (480,000 times for 10,000 pods): C functions that do nothing with their arguments
    # (``is_(parent, index)``, ``tuple()``) cost no Python frame, unlike a method with an empty body.
    descend_resolver = operator.is_
    ascend_resolver = tuple


class GoPlainScanner(yaml.scanner.Scanner):
    """PyYAML's scanner with go-yaml v2's end of a plain scalar in a flow collection.

    libyaml 0.2 also ends ``x:`` before ``,[]{}`` (``[x:]`` is a mapping in a
    list); go-yaml v2 ends it only before a blank (``[x:]`` is the string
    ``"x:"``). Only sections with ``:`` before a flow indicator take this slower
    pure-Python path.
    """

    def scan_to_next_token(self) -> None:
        """As PyYAML's, but tabs separate tokens where go-yaml (and libyaml) allow them."""
        if self.index == 0 and self.peek() == "\ufeff":
            self.forward()
        found = False
        while not found:
            while self.peek() == " " or ((self.flow_level or not self.allow_simple_key) and self.peek() == "\t"):
                self.forward()
            if self.peek() == "#":
                while self.peek() not in "\0\r\n\x85\u2028\u2029":
                    self.forward()
            if self.scan_line_break():
                if not self.flow_level:
                    self.allow_simple_key = True
            else:
                found = True

    def scan_plain(self) -> yaml.tokens.ScalarToken:
        chunks: list[str] = []
        start_mark = self.get_mark()
        end_mark = start_mark
        indent = self.indent + 1
        spaces: list[str] = []
        blank = "\0 \t\r\n\x85\u2028\u2029"
        while True:
            length = 0
            if self.peek() == "#":
                break
            while True:
                ch = self.peek(length)
                if ch in blank or (ch == ":" and self.peek(length + 1) in blank) or (self.flow_level and ch in ",?[]{}"):
                    break
                length += 1
            if length == 0:
                break
            self.allow_simple_key = False
            chunks.extend(spaces)
            chunks.append(self.prefix(length))
            self.forward(length)
            end_mark = self.get_mark()
            spaces = self.scan_plain_spaces(indent, start_mark)
            if not spaces or self.peek() == "#" or (not self.flow_level and self.column < indent):
                break
        return yaml.tokens.ScalarToken("".join(chunks), True, start_mark, end_mark)


class PyComposer(yaml.reader.Reader, GoPlainScanner, yaml.parser.Parser, yaml.composer.Composer):  # type: ignore[misc]
    """The pure-Python composer with go-yaml's plain scalars (see ``GoPlainScanner``)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        GoPlainScanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)

    resolve = Composer.resolve
    descend_resolver = Composer.descend_resolver
    ascend_resolver = Composer.ascend_resolver


#: Whether libyaml is there (PyYAML built without it falls back to its pure-Python parser, ~10x slower).
LIBYAML = _Parser is not yaml.Loader
