"""``metadata``: name, namespace, labels, annotations and ownerReferences of any kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podwall.model import names
from podwall.loader.fields import Report, display, line_of, quote
from podwall.loader.yamlio import LineDict

#: ObjectMeta as served by the API (``clusterName`` kept for old ``kubectl get`` dumps).
OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
        "clusterName",
    }
)

UNNAMED = "<unnamed>"


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """One ``metadata.ownerReferences`` entry, as far as grouping needs it."""

    kind: str
    name: str
    controller: bool = False


@dataclass(slots=True)
class Meta:
    """The metadata podwall uses; ``namespace`` is ``""`` for cluster-scoped kinds."""

    name: str
    namespace: str
    labels: dict[str, str]
    annotations: dict[str, str]
    owners: tuple[OwnerRef, ...]


def identity(obj: LineDict, *, namespaced: bool, default_namespace: str) -> tuple[str, str]:
    """Name and namespace for messages, read without judging them."""
    meta = obj.get("metadata")
    name: Any = meta.get("name") if isinstance(meta, dict) else None
    namespace: Any = meta.get("namespace") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        name = UNNAMED
    if not namespaced:
        namespace = ""
    elif not isinstance(namespace, str) or not namespace:
        namespace = default_namespace
    return name, namespace


def describe(kind: str, name: str, namespace: str) -> str:
    """``Kind ns/name`` (or ``Kind name`` when cluster-scoped), as messages name objects."""
    if namespace:
        return f"{kind} {display(namespace)}/{display(name)}"
    return f"{kind} {display(name)}"


def read_meta(
    report: Report,
    obj: LineDict,
    *,
    namespaced: bool,
    default_namespace: str,
    strict: bool = False,
    name_problem: Callable[[str], str | None] = names.dns_subdomain_problem,
) -> Meta:
    """Validate ``metadata``; problems go to ``report``.

    ``strict`` (NetworkPolicy) also rejects unknown metadata fields and
    validates annotations; other kinds keep their string annotations unjudged.
    """
    namespace = default_namespace if namespaced else ""
    meta = report.mapping(obj, "metadata", "")
    if meta is None:
        if obj.get("metadata") is None:
            report.require(obj, "metadata", "")
        return Meta("", namespace, {}, {}, ())
    if strict:
        report.unknown_fields(meta, OBJECT_META_FIELDS, "metadata")
    raw_name = meta.get("name")
    name = report.string(meta, "name", "metadata")
    if raw_name is None or raw_name == "":
        hint = " (generateName is not supported: podwall needs a fixed name)" if meta.get("generateName") else ""
        report.error("metadata", line_of(meta, "name"), f'missing required field "name"{hint}')
        name = ""
    elif name is None:  # not a string; already reported
        name = ""
    else:
        problem = name_problem(name)
        if problem is not None:
            report.error("metadata.name", line_of(meta, "name"), f"invalid name {quote(name)}: {problem}")
    if namespaced:
        given = report.string(meta, "namespace", "metadata")
        if given:
            problem = names.dns_label_problem(given)
            if problem is not None:
                report.error("metadata.namespace", line_of(meta, "namespace"), f"invalid namespace {quote(given)}: {problem}")
            namespace = given
    labels = report.string_map(meta, "labels", "metadata") or {}
    if strict:
        annotations = report.string_map(meta, "annotations", "metadata", labels=False) or {}
    else:
        annotations = string_entries(meta.get("annotations"))
    return Meta(name, namespace, labels, annotations, _owners(report, meta))


def string_entries(given: Any) -> dict[str, str]:
    """The string-to-string entries of a mapping, without judging the rest (annotations of kinds podwall only reads)."""
    if not isinstance(given, dict):
        return {}
    return {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}


def _owners(report: Report, meta: LineDict) -> tuple[OwnerRef, ...]:
    """``ownerReferences`` entries with a name (kind may be absent); malformed ones are reported."""
    refs = report.sequence(meta, "ownerReferences", "metadata")
    if not refs:
        return ()
    owners = []
    for _, ref, path in report.mappings(refs, "metadata.ownerReferences"):
        kind = report.string(ref, "kind", path)
        name = report.string(ref, "name", path)
        controller = report.boolean(ref, "controller", path)
        # A reference without a kind still names the pod's controller (real dumps have
        # them); only the name is needed to group replicas.
        if name == "" or (name is None and ref.get("name") is None):
            report.error(path, line_of(ref, "name"), f"missing required field {quote('name')}")
        if name:
            owners.append(OwnerRef(kind or "", name, bool(controller)))
    return tuple(owners)

