"""Read Kubernetes manifests (files, directories, stdin, text) into a validated ``Cluster``.

Everything the user can get wrong is reported as a ``PodwallError`` with a
location, never as a traceback; the loader never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from podwall._runtime import collector_paused
from podwall.errors import UsageError
from podwall.loader.build import Builder
from podwall.loader.files import MAX_BYTES, from_text, read_all
from podwall.loader.gitrev import load_revision
from podwall.model import Cluster

__all__ = ["load", "load_revision", "load_text"]


def load(
    paths: Sequence[str],
    *,
    default_namespace: str = "default",
    lenient: bool = False,
    stdin: TextIO | None = None,
    max_bytes: int = MAX_BYTES,
) -> Cluster:
    """Load every manifest under ``paths`` into one Cluster.

    Each path is a file (any extension), a directory (walked recursively in
    sorted order for ``.yaml``, ``.yml`` and ``.json`` files) or ``-`` for
    ``stdin`` (``sys.stdin`` when None). Namespaced objects without a namespace
    go to ``default_namespace``.

    Every problem is collected first; then ``InputErrors`` is raised listing
    all of them, one line each. With ``lenient`` a problem confined to one
    object or one malformed document only skips that part and becomes a line in
    ``Cluster.warnings``, as does a directory a walk cannot list; paths named
    in ``paths`` that are missing or unreadable are errors regardless.
    ``max_bytes`` bounds every input (docs/input.md).
    """
    if isinstance(paths, str):
        raise UsageError("paths must be a sequence of paths, not one string")
    builder = Builder(default_namespace, lenient)
    with collector_paused():
        for item in read_all(paths, stdin, max_bytes=max_bytes):
            builder.add(item)
        return builder.cluster()


def load_text(
    text: str,
    path: str = "<string>",
    *,
    default_namespace: str = "default",
    lenient: bool = False,
) -> Cluster:
    """Load manifests from a string; ``path`` names it in messages (``.json`` marks JSON)."""
    builder = Builder(default_namespace, lenient)
    with collector_paused():
        builder.add(from_text(text, path))
        return builder.cluster()


