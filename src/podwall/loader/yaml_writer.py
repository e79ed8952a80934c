"""YAML that kubectl reads back as written: every string it would read as something else is quoted.

Why: PyYAML writes plain (unquoted) every string that *its* YAML 1.1 resolver
reads back as a string, but kubectl reads YAML with go-yaml v2 (docs/input.md),
for which ``y``, ``n``, ``080``, ``0o12``, ``1_000`` or ``+12`` are booleans and
numbers: a label value ``"y"`` written plain would become ``true`` when the
manifest is applied. Whether a plain string reads back is asked of the loader's
decoder (``podwall.loader.decode``, kubectl's rules), never of a second list.

Every podwall writer of YAML goes through here: generated policies, lint's fix
snippets, snapshots, and the hand-written lines of intents files (``scalar``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from podwall.loader.decode import decode

__all__ = ["Dumper", "FastDumper", "aligned", "comment", "dump", "reads_back", "scalar"]

_STR = "tag:yaml.org,2002:str"


@lru_cache(maxsize=1 << 16)
def reads_back(text: str) -> bool:
    """Whether ``text`` written as a plain scalar is decoded by kubectl (``decode``) as this same string."""
    decoded = decode(text, "<scalar>")
    if decoded.errors or decoded.warnings or len(decoded.documents) != 1:
        return False
    value = decoded.documents[0].data
    return type(value) is str and value == text


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """A string; single-quoted (double where single cannot be) when plain would not read back."""
    return dumper.represent_scalar(_STR, data, style=None if reads_back(data) else dumper.default_style or "'")


class Dumper(yaml.SafeDumper):
    """Block style, list items indented under their key (as in the Kubernetes docs), strings kubectl-safe."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:  # noqa: D102
        super().increase_indent(flow, False)


try:  # libyaml's emitter: ~10x faster, for bulk output (snapshots); lists not indented under their key
    _CSafeDumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _CSafeDumper = yaml.SafeDumper


class FastDumper(_CSafeDumper):  # type: ignore[misc,valid-type]
    """``Dumper``'s strings with libyaml's emitter."""


Dumper.add_representer(str, _represent_str)
FastDumper.add_representer(str, _represent_str)


def dump(data: Any, *, width: int = 4096, fast: bool = False, allow_unicode: bool = False) -> str:
    """``data`` as block-style YAML, keys in the order given, strings quoted where kubectl needs it."""
    return yaml.dump(data, Dumper=FastDumper if fast else Dumper, sort_keys=False, default_flow_style=False,
                     width=width, allow_unicode=allow_unicode)


def scalar(text: str, *, flow: bool = True) -> str:
    """``text`` as a YAML scalar to paste into hand-written YAML; ``flow``: also inside ``[...]`` and ``{...}``.

    Plain when the emitter of ``dump`` writes it plain (it reads back as the
    same string for kubectl, and for PyYAML, which reads intents files);
    double-quoted otherwise, on one line.
    """
    item = _item(text, flow, None)
    return item if item[:1] not in ("'", '"') else _item(text, flow, '"')


def _item(text: str, flow: bool, style: str | None) -> str:
    """``text`` as the one item of a list in flow (``[x]``) or block (``- x``) style."""
    written = yaml.dump([text], Dumper=Dumper, default_flow_style=flow, default_style=style, width=1 << 30,
                        allow_unicode=True).strip()
    return written[1:-1] if flow else written[2:]


def comment(text: str) -> str:
    """``text`` fit for a ``#`` comment: every character that is not printable (line breaks included) a space.

    YAML ends a comment at any line break, ``\\x85`` and ``\\u2028`` too: a name that
    carried one into a comment would write YAML of its own.
    """
    return text if text.isprintable() else "".join(c if c.isprintable() else " " for c in text)


def aligned(rows: list[tuple[str, str]]) -> list[str]:
    """Lines of YAML, each with its comment (none when empty) aligned after the longest that has one."""
    width = max((len(text) for text, note in rows if note), default=0)
    return [f"{text.ljust(width)}  # {comment(note)}" if note else text for text, note in rows]
