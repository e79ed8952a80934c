"""Process-level helpers shared by the layers that do heavy work (loader, engine)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
