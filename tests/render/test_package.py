"""``podwall.render`` names each verb's formats lazily, and they are the renderers whatever was imported first."""

from __future__ import annotations

import subprocess
import sys

import pytest

FORMATS = ("REACH_FORMATS", "EXPLAIN_FORMATS", "LINT_FORMATS", "LAB_FORMATS")


@pytest.mark.parametrize("table", FORMATS)
def test_each_format_is_a_renderer_even_after_its_module_was_imported(table: str) -> None:
    # A fresh interpreter: import every renderer module first (which binds the module under the package's
    # name for it), then ask the package for the table.
    program = (
        "import importlib, inspect, pkgutil, podwall.render as r\n"
        "for m in pkgutil.iter_modules(r.__path__):\n"
        "    if m.name.startswith(('reach_', 'explain_', 'lint_', 'lab_')):\n"
        "        importlib.import_module('podwall.render.' + m.name)\n"
        f"table = getattr(r, {table!r})\n"
        "print(sorted((k, inspect.isfunction(v) and v.__module__.startswith('podwall.render.')) for k, v in table.items()))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    pairs = eval(done.stdout)  # noqa: S307 - our own program's printed list
    assert pairs and all(ok for _, ok in pairs)


def test_the_package_imports_no_renderer_until_asked() -> None:
    program = (
        "import sys, podwall.render\n"
        "print(sorted(m for m in sys.modules if m.startswith('podwall.render.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    import podwall.render

    with pytest.raises(AttributeError, match="has no attribute 'reach_json_v2'"):
        podwall.render.reach_json_v2  # noqa: B018
