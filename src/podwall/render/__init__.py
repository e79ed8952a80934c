"""Pure renderers: each turns a verb's result into text; the CLI writes it out.

The names below are imported on first use (PEP 562), so that a verb which needs
one renderer does not import every other verb's (``reach`` would import the
lab's and lint's modules through this package; docs/performance.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podwall.render.explain_json import explain_json
    from podwall.render.explain_text import explain_text
    from podwall.render.lab_json import lab_json
    from podwall.render.lab_text import lab_list, lab_table
    from podwall.render.lint_json import lint_json
    from podwall.render.lint_sarif import lint_sarif
    from podwall.render.lint_text import lint_text
    from podwall.render.reach_csv import reach_csv
    from podwall.render.reach_json import reach_json
    from podwall.render.reach_md import reach_md
    from podwall.render.reach_table import reach_table

    REACH_FORMATS: dict[str, Callable[..., str]]
    EXPLAIN_FORMATS: dict[str, Callable[..., str]]
    LINT_FORMATS: dict[str, Callable[..., str]]
    LAB_FORMATS: dict[str, Callable[..., str]]

#: renderer -> the module (under podwall.render) that defines it
_RENDERERS = {
    "explain_text": "explain_text",
    "explain_json": "explain_json",
    "lint_json": "lint_json",
    "lint_sarif": "lint_sarif",
    "lint_text": "lint_text",
    "reach_csv": "reach_csv",
    "reach_json": "reach_json",
    "reach_md": "reach_md",
    "reach_table": "reach_table",
    "lab_json": "lab_json",
    "lab_list": "lab_text",
    "lab_table": "lab_text",
}
#: each verb's formats: -o NAME -> renderer
_FORMATS = {
    "REACH_FORMATS": {"table": "reach_table", "json": "reach_json", "csv": "reach_csv", "md": "reach_md"},
    "EXPLAIN_FORMATS": {"text": "explain_text", "json": "explain_json"},
    "LINT_FORMATS": {"text": "lint_text", "json": "lint_json", "sarif": "lint_sarif"},
    "LAB_FORMATS": {"table": "lab_table", "list": "lab_list", "json": "lab_json"},
}


def __getattr__(name: str) -> Any:
    if name in _RENDERERS:
        value = getattr(importlib.import_module(f"podwall.render.{_RENDERERS[name]}"), name)
    elif name in _FORMATS:
        value = {output: __getattr__(renderer) for output, renderer in _FORMATS[name].items()}
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "EXPLAIN_FORMATS",
    "LAB_FORMATS",
    "LINT_FORMATS",
    "REACH_FORMATS",
    "explain_json",
    "explain_text",
    "lab_json",
    "lab_list",
    "lab_table",
    "lint_json",
    "lint_sarif",
    "lint_text",
    "reach_csv",
    "reach_json",
    "reach_md",
    "reach_table",
]
