"""Process-level helpers shared by the layers that do heavy work (loader, engine)."""

from __future__ import annotations

import gc
import importlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk computation.

    Loading and the class matrix allocate millions of small acyclic objects; each
    burst makes the collector rescan the whole (large) model for cycles there are
    none of: a third of loading 10,000 pods, and work growing with the square of
    the cluster in the matrix. The previous state is always restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Later:
    """A value made when one of its attributes is first read (a module imported, a pattern compiled): the
    value then takes this stand-in's place as ``name`` in ``namespace`` (a module's globals), so later
    reads of the global cost nothing more. Made by ``later_module`` and ``later_pattern``; it has no
    attribute of its own to hide one of the value's (``pattern`` of a compiled pattern).

    Why: every command pays its imports, and a module or pattern only some inputs need should not be
    paid by the others: PyYAML (14 ms) by a JSON input; the YAML scalar, timestamp and rare-text patterns
    (5 ms of compiling) by a JSON ``reach`` (docs/performance.md). Use it for a global that functions read
    by name, never bound elsewhere (a default argument, an alias) before first use.
    """

    __slots__ = ("_make", "_name", "_namespace")

    def __init__(self, make: Callable[[], Any], name: str, namespace: dict[str, Any]) -> None:
        self._make, self._name, self._namespace = make, name, namespace

    def __getattr__(self, attribute: str) -> Any:
        value = self._make()
        self._namespace[self._name] = value
        return getattr(value, attribute)


def later_module(module: str, name: str, namespace: dict[str, Any]) -> Any:
    """``module``, imported on first use (see ``Later``)."""
    return Later(partial(importlib.import_module, module), name, namespace)


def later_pattern(pattern: str, name: str, namespace: dict[str, Any], flags: int = 0) -> Any:
    """``re.compile(pattern, flags)``, compiled on first use (see ``Later``)."""
    return Later(partial(re.compile, pattern, flags), name, namespace)
