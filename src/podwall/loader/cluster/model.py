"""Live objects -> the model: each resource's pages go through the file loader's own builder."""

from __future__ import annotations

from typing import Any

from podwall._runtime import collector_paused
from podwall.errors import Location
from podwall.loader.build import Builder
from podwall.loader.cluster.connection import IN_CLUSTER, ClusterSource, Connection, connect
from podwall.loader.cluster.kinds import Resource
from podwall.loader.cluster.read import PAGE_SIZE, Progress, ordered, read_all
from podwall.loader.cluster.strip import strip
from podwall.model import Cluster


def source_name(conn: Connection) -> str:
    """How messages name objects read from the cluster (in place of a file name)."""
    return "<in-cluster>" if conn.context == IN_CLUSTER else f"<cluster {conn.context}>"


class _ModelSink:
    """One resource's objects, stripped as a snapshot would hold them, into a builder of their own."""

    def __init__(self, location: Location, lenient: bool) -> None:
        self.location = location
        self.builder = Builder("default", lenient)

    def add(self, resource: Resource, items: list[dict[str, Any]]) -> None:
        page = {
            "apiVersion": resource.api_version,
            "kind": f"{resource.kind}List",
            "items": [strip(item, resource.kind, resource.api_version) for item in items],
        }
        self.builder.add_value(page, self.location)


def read(conn: Connection, *, lenient: bool = False, namespace: str | None = None,
         progress: Progress | None = None, page_size: int = PAGE_SIZE) -> Cluster:
    """Read everything podwall needs from the cluster behind ``conn``.

    ``namespace``: the namespace to fall back to when listing across all namespaces is forbidden
    (the whole cluster is read otherwise: policies of every namespace decide flows into this one).
    Validation, grouping and warnings are exactly the file loader's. ``progress(done, total)``
    counts objects read; ``page_size`` is the ``limit`` of each list request.
    """
    location = Location(source_name(conn))
    with collector_paused():
        listed, warnings = read_all(conn, lambda: _ModelSink(location, lenient), fallback=namespace,
                                    progress=progress, page_size=page_size)
        builder = Builder("default", lenient)
        builder.warnings.extend(warnings)
        for item in ordered(listed):
            builder.absorb(item.sink.builder)
        return builder.cluster()


def read_cluster(source: ClusterSource = ClusterSource(), *, lenient: bool = False, namespace: str | None = None,
                 progress: Progress | None = None) -> Cluster:
    """Connect to the cluster ``source`` names, read it (see ``read``) and close the connection."""
    conn = connect(source)
    try:
        return read(conn, lenient=lenient, namespace=namespace, progress=progress)
    finally:
        conn.close()
