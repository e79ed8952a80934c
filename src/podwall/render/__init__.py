"""Pure renderers: each turns a verb's result into text; the CLI writes it out.

Each renderer is imported from its module (``podwall.render.reach_json.reach_json``);
this package only names each verb's formats (``REACH_FORMATS`` ...), built on first
use (PEP 562), so that a verb which needs one renderer does not import every other
verb's (``reach`` would import the lab's and lint's modules; docs/performance.md).
The package re-exports no function: a function named as its module
(``reach_json``) would be replaced by the module once the module is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    REACH_FORMATS: dict[str, Callable[..., str]]
    EXPLAIN_FORMATS: dict[str, Callable[..., str]]
    LINT_FORMATS: dict[str, Callable[..., str]]
    LAB_FORMATS: dict[str, Callable[..., str]]

#: each verb's formats: -o NAME -> "module:function" under podwall.render
_FORMATS = {
    "REACH_FORMATS": {"table": "reach_table:reach_table", "json": "reach_json:reach_json",
                      "csv": "reach_csv:reach_csv", "md": "reach_md:reach_md"},
    "EXPLAIN_FORMATS": {"text": "explain_text:explain_text", "json": "explain_json:explain_json"},
    "LINT_FORMATS": {"text": "lint_text:lint_text", "json": "lint_json:lint_json", "sarif": "lint_sarif:lint_sarif"},
    "LAB_FORMATS": {"table": "lab_text:lab_table", "list": "lab_text:lab_list", "json": "lab_json:lab_json"},
}


def _renderer(target: str) -> Callable[..., str]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(f"podwall.render.{module}"), name)  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    if name not in _FORMATS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = {output: _renderer(target) for output, target in _FORMATS[name].items()}
    globals()[name] = value
    return value


__all__ = ["EXPLAIN_FORMATS", "LAB_FORMATS", "LINT_FORMATS", "REACH_FORMATS"]
