"""Discover what the API serves, then list it page by page, concurrently, into sinks.

- Discovery: ``/apis`` and the resource lists of the groups that matter, so absent CRDs are simply
  not read and a kind the server does not serve is one clear error.
- Lists: ``limit``/``continue`` pages (https://kubernetes.io/docs/reference/using-api/api-concepts/
  #retrieving-large-results-sets-in-chunks); a ``410 Gone`` on a continue token restarts that
  resource's list from the beginning into a fresh sink, so the result is always one consistent
  list, never a mix of two. Resources are read by a few threads at once; each resource has its own
  sink, so pages flow into the model as they arrive and memory stays bounded by the model itself.
- Forbidden: an error for what podwall needs, a warning for optional kinds; with a fallback
  namespace (``-n``), a cluster-wide list that is forbidden is read in that namespace only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from podwall.loader.cluster.connection import ApiStatusError, ClusterError, Connection
from podwall.loader.cluster.kinds import CORE, NEVER, OPTIONAL, Resource, foreign_policy

PAGE_SIZE = 500
WORKERS = 4
MAX_RESTARTS = 5

#: Groups with no policy kinds: not worth a discovery request each.
_PLAIN_GROUPS = frozenset({"apps", "batch", "autoscaling", "policy", "extensions"})

Progress = Callable[[int, int], None]


class Sink(Protocol):
    """Where the items of one resource go (the model builder, or a snapshot file)."""

    def add(self, resource: Resource, items: list[dict[str, Any]]) -> None:
        """Take one page of items (as listed: without kind and apiVersion)."""


@dataclass
class Listed:
    """What reading one resource produced."""

    resource: Resource
    sink: Any
    count: int = 0
    warnings: list[str] = field(default_factory=list)
    narrowed: str = ""  # the namespace read instead of a forbidden cluster-wide list (one warning for all)
    unread: str = ""  # what is lost when an optional kind could not be listed (one warning for all)


class Counter:
    """Objects read so far and the best estimate of the total, for a progress bar; thread-safe."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._done: dict[str, int] = {}
        self._expected: dict[str, int] = {}

    def page(self, name: str, count: int, remaining: int | None) -> None:
        with self._lock:
            self._done[name] = self._done.get(name, 0) + count
            self._expected[name] = self._done[name] + (remaining or 0)
            self._report()

    def restart(self, name: str) -> None:
        with self._lock:
            self._done[name] = 0
            self._report()

    def _report(self) -> None:
        if self._progress is not None:
            done = sum(self._done.values())
            self._progress(done, max(done, sum(self._expected.values())))


# -- discovery ----------------------------------------------------------------------------------------


def discover(conn: Connection, pool: ThreadPoolExecutor) -> tuple[list[Resource], list[str]]:
    """The resources to read, and warnings about kinds served in versions podwall does not read."""
    groups = conn.get("/apis").get("groups") or []
    versions = {g.get("name", ""): [v.get("version") for v in g.get("versions") or []] for g in groups}
    preferred = {g.get("name", ""): (g.get("preferredVersion") or {}).get("version") for g in groups}
    warnings: list[str] = []
    wanted: dict[tuple[str, str], bool] = {}  # (group, version) -> required
    for resource in CORE:
        if resource.group and resource.version not in versions.get(resource.group, ()):
            raise _not_served(conn, resource)
        wanted[(resource.group, resource.version)] = True
    for resource in OPTIONAL:
        served = versions.get(resource.group)
        if served is None:
            continue
        if resource.version in served:
            wanted.setdefault((resource.group, resource.version), False)
    for name, version in preferred.items():
        if version and name not in _PLAIN_GROUPS and (not name.endswith(".k8s.io") or name == "networking.k8s.io"):
            wanted.setdefault((name, version), False)
    paths = sorted(wanted)
    found = list(pool.map(lambda gv: _resources(conn, gv[0], gv[1], wanted[gv]), paths))
    served_kinds: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for (group, version), (listing, problem) in zip(paths, found):
        if problem:
            warnings.append(problem)
        served_kinds[(group, version)] = listing
    chosen: list[Resource] = []
    for resource in CORE + OPTIONAL:
        listing = served_kinds.get((resource.group, resource.version))
        if listing is None:
            continue
        if resource.plural not in listing:
            if resource.required:
                raise _not_served(conn, resource)
            continue
        chosen.append(resource)
    known = {(r.group, r.plural) for r in CORE + OPTIONAL}
    for (group, version), listing in sorted(served_kinds.items()):
        for plural, entry in sorted(listing.items()):
            if (group, plural) in known or "list" not in (entry.get("verbs") or ()):
                continue
            extra = foreign_policy(group, version, plural, str(entry.get("kind", "")), bool(entry.get("namespaced")))
            if extra is not None:
                chosen.append(extra)
    for resource in OPTIONAL:
        served = versions.get(resource.group)
        if served and resource.version not in served and not any(
            r.group == resource.group and r.kind == resource.kind for r in chosen
        ):
            shown = ", ".join(v for v in served if v)
            warnings.append(
                f"warning: {conn.where} serves {resource.group} in {shown}, not {resource.version}: "
                f"its {resource.kind} objects, if any, are not read"
            )
    return chosen, warnings


def _resources(conn: Connection, group: str, version: str, required: bool) -> tuple[dict[str, dict[str, Any]], str]:
    path = f"/apis/{group}/{version}" if group else f"/api/{version}"
    try:
        body = conn.get(path)
    except ApiStatusError as error:
        if required:
            raise
        if error.code == 404:
            return {}, ""
        return {}, (f"warning: cannot discover the resources of {group}/{version} ({error.code} "
                    f"{error.reason or 'error'}): its policy kinds, if any, are not read")
    listing = {r.get("name", ""): r for r in body.get("resources") or [] if isinstance(r, dict)}
    return {k: v for k, v in listing.items() if k not in NEVER}, ""


def _not_served(conn: Connection, resource: Resource) -> ClusterError:
    return ClusterError(f"{conn.where} serves no {resource.kind} ({resource.name}): podwall cannot read this cluster")


# -- lists -----------------------------------------------------------------------------------------------


class Cancelled(Exception):
    """Another list failed or the user interrupted: stop at the next page."""


def list_resource(conn: Connection, resource: Resource, make_sink: Callable[[], Any], counter: Counter, *,
                  namespace: str | None = None, fallback: str | None = None,
                  page_size: int = PAGE_SIZE, cancel: threading.Event | None = None) -> Listed:
    """Every object of one resource, page by page, into a sink from ``make_sink``.

    ``namespace`` limits the list; ``fallback`` is the namespace to read instead when a
    cluster-wide list is forbidden.
    """
    cancel = cancel or threading.Event()
    try:
        return _pages(conn, resource, make_sink, counter, namespace, page_size, cancel)
    except ApiStatusError as error:
        if error.code == 403 and namespace is None and fallback is not None:
            return _fallback(conn, resource, make_sink, counter, fallback, page_size, error, cancel)
        if error.code == 403 and not resource.required:
            return Listed(resource, make_sink(), unread=_optional_hint(resource))
        if error.code == 404 and not resource.required:
            return Listed(resource, make_sink())  # a CRD removed since discovery: nothing to read
        if error.code == 404:
            raise _not_served(conn, resource) from None
        raise


def _optional_hint(resource: Resource) -> str:
    if resource.kind == "Node":
        return "network-plugin detection and node addresses are unavailable"
    return f"{resource.kind} objects are not taken into account"


def _fallback(conn: Connection, resource: Resource, make_sink: Callable[[], Any], counter: Counter, namespace: str,
              page_size: int, error: ApiStatusError, cancel: threading.Event) -> Listed:
    """A cluster-wide list was forbidden: read the one namespace the user named (``read_all`` says what that costs)."""
    if resource.namespaced:
        listed = _pages(conn, resource, make_sink, counter, namespace, page_size, cancel)
    elif resource.kind == "Namespace":
        sink = make_sink()
        listed = Listed(resource, sink)
        try:
            sink.add(resource, [conn.get(f"{resource.path()}/{namespace}")])
            listed.count = 1
        except ApiStatusError as denied:
            if denied.code != 403:
                raise
            listed.warnings.append(f"warning: {conn.where}: cannot get namespace {namespace} either (forbidden): "
                                   "its labels are unknown to namespaceSelectors")
        counter.page(resource.name, listed.count, 0)
    elif not resource.required:
        return Listed(resource, make_sink(), unread=_optional_hint(resource))
    else:
        raise error
    listed.narrowed = namespace
    return listed


def _pages(conn: Connection, resource: Resource, make_sink: Callable[[], Any], counter: Counter,
           namespace: str | None, page_size: int, cancel: threading.Event) -> Listed:
    path = resource.path(namespace)
    for _ in range(MAX_RESTARTS):
        if cancel.is_set():
            raise Cancelled()
        sink = make_sink()
        token: str | None = None
        count = 0
        try:
            while True:
                if cancel.is_set():
                    raise Cancelled()
                body = conn.get(path, {"limit": page_size, "continue": token})
                items = [i for i in body.get("items") or [] if isinstance(i, dict)]
                meta = body.get("metadata") or {}
                sink.add(resource, items)
                count += len(items)
                remaining = meta.get("remainingItemCount")
                counter.page(resource.name, len(items), remaining if isinstance(remaining, int) else None)
                token = meta.get("continue") or None
                if token is None:
                    return Listed(resource, sink, count)
        except ApiStatusError as error:
            if error.code == 410 and token is not None:
                counter.restart(resource.name)
                continue  # the list expired mid-way: start it again, into a fresh sink
            raise
    raise ClusterError(
        f"{conn.where}: the list of {resource.name} expired {MAX_RESTARTS} times in a row (410 Gone): "
        "the cluster changes faster than podwall can page through it; try again or use a larger page"
    )


def read_all(conn: Connection, make_sink: Callable[[], Any], *, namespace: str | None = None,
             fallback: str | None = None, progress: Progress | None = None, workers: int = WORKERS,
             page_size: int = PAGE_SIZE, kinds: Iterable[str] | None = None) -> tuple[list[Listed], list[str]]:
    """Discover, then list every resource concurrently; results in a fixed order (the order of ``kinds``)."""
    counter = Counter(progress)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="podwall-list")
    cancel = threading.Event()
    try:
        resources, warnings = discover(conn, pool)
        if kinds is not None:
            wanted = set(kinds)
            resources = [r for r in resources if r.kind in wanted]
        futures = [
            pool.submit(list_resource, conn, r, make_sink, counter, namespace=namespace, fallback=fallback,
                        page_size=page_size, cancel=cancel)
            for r in resources
        ]
        listed = [f.result() for f in futures]
    except BaseException:
        # Ctrl-C or an error: queued lists never start, running ones stop after their current page.
        cancel.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    warnings.extend(_summary(conn, listed))
    for item in listed:
        warnings.extend(item.warnings)
    return listed, warnings


def _summary(conn: Connection, listed: Sequence[Listed]) -> list[str]:
    """One line for every list narrowed to a namespace, one for every optional kind not read."""
    lines = []
    narrowed = [item for item in listed if item.narrowed]
    if narrowed:
        names = ", ".join(item.resource.name for item in ordered(narrowed))
        lines.append(f"warning: {conn.where}: cannot list {names} in every namespace (forbidden): read namespace "
                     f"{narrowed[0].narrowed} only; flows with other namespaces are judged without their objects")
    unread = [item for item in ordered(listed) if item.unread]
    if unread:
        names = ", ".join(item.resource.name for item in unread)
        hints = "; ".join(dict.fromkeys(item.unread for item in unread))
        lines.append(f"warning: {conn.where}: cannot list {names} (forbidden): not read; {hints}")
    return lines


def ordered(listed: Sequence[Listed]) -> list[Listed]:
    """Results in a stable order (group, plural), whatever order they were read in."""
    return sorted(listed, key=lambda item: (item.resource.group, item.resource.kind, item.resource.plural))
