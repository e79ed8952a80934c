"""Read Kubernetes manifests (files, directories, stdin, text) into a validated ``Cluster``.

Everything the user can get wrong is reported as a ``PodwallError`` with a
location, never as a traceback; the loader never prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from podwall._runtime import collector_paused
from podwall.errors import InputError, UsageError, input_name
from podwall.loader.build import Builder
from podwall.loader.files import MAX_BYTES, Folder, from_text, read_all
from podwall.loader.gitrev import load_revision
from podwall.loader.render import resolve
from podwall.model import Cluster

__all__ = ["load", "load_revision", "load_text", "nothing_to_analyse"]


def load(
    paths: Sequence[str],
    *,
    default_namespace: str = "default",
    lenient: bool = False,
    stdin: TextIO | None = None,
    max_bytes: int = MAX_BYTES,
    render: bool = False,
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
    ``max_bytes`` bounds every input (docs/input.md). A Helm chart or
    kustomize folder is rendered with ``helm template``/``kubectl kustomize``
    when ``render`` is set; without it, it is an error when named, a warning
    when a walk meets it.
    """
    if isinstance(paths, str):
        raise UsageError("paths must be a sequence of paths, not one string")
    builder = Builder(default_namespace, lenient)
    with collector_paused():
        for item in read_all(paths, stdin, max_bytes=max_bytes):
            builder.add(resolve(item, render, max_bytes) if isinstance(item, Folder) else item)
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




def nothing_to_analyse(cluster: Cluster, paths: Sequence[str]) -> None:
    """Raise when the input holds no pod, workload or policy: an empty render must fail a CI job, not pass it.

    The message says what was read instead (kinds and counts).
    """
    if cluster.pods or cluster.workloads or cluster.policies or cluster.admin_policies or cluster.unevaluated:
        return
    found = Counter(dict(cluster.skipped))
    for kind, objects in (("Namespace", [n for n in cluster.namespaces if not n.implicit]), ("Service", cluster.services),
                          ("Node", cluster.nodes)):
        if objects:
            found[kind] += len(objects)
    held = ", ".join(f"{count} {kind}" for kind, count in sorted(found.items()))
    if cluster.dropped:  # lenient: each was a warning
        lost = " and ".join(f"{count} {what}{'s' if count != 1 else ''}" for what, count in cluster.dropped.items())
        held = f"{held}; {lost} skipped for errors, warned above" if held else f"{lost} skipped for errors, warned above"
    held = held or "no Kubernetes object"
    raise InputError(
        f"nothing to analyse: no pods, workloads or policies in {', '.join(map(input_name, paths)) or 'the input'} (it holds {held})"
    )
