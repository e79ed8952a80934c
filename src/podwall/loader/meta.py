"""``metadata``: name, namespace, labels, annotations and ownerReferences of any kind.

Two levels, as in Kubernetes: ``decoding_problems`` is what kubectl itself
refuses for any object, known kind or not (its typed decoding of ObjectMeta:
strings where strings belong, RFC 3339 times, integers); ``read_meta`` is the
API server's ``ValidateObjectMeta`` for the kinds podwall reads (names, label
and annotation syntax, 256 KiB of annotations, owner references, finalizers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podwall._runtime import later_pattern
from podwall.model import names
from podwall.loader.fields import Report, display, is_int, line_of, not_string, quote, type_name
from podwall.loader.decode import LineDict
from podwall.loader.known_fields import check
from podwall.model.quick import frozen, mutable

UNNAMED = "<unnamed>"

#: ``TotalAnnotationSizeLimitB`` of k8s.io/apimachinery/pkg/api/validation (keys and values together).
ANNOTATIONS_LIMIT = 256 * 1024
#: Finalizers the API server knows without a domain prefix (core's ``IsStandardFinalizerName``).
STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
_RFC3339 = later_pattern(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})",
    "_RFC3339",
    globals(),
)
_STRING_FIELDS = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion")
_OWNER_STRINGS = ("apiVersion", "kind", "name", "uid")
_MANAGED_STRINGS = ("manager", "operation", "apiVersion", "fieldsType", "subresource")


@frozen
class OwnerRef:
    """One ``metadata.ownerReferences`` entry, as far as grouping needs it."""

    kind: str
    name: str
    controller: bool = False


@mutable
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


def decoding_problems(report: Report, obj: LineDict) -> None:
    """What kubectl's typed decoding of ``metadata`` refuses, for an object of any kind.

    kubectl decodes every object's metadata into ``ObjectMeta`` (Go's
    encoding/json): a boolean where a string belongs ("cannot unmarshal bool
    into Go struct field ObjectMeta.metadata.labels of type string"), a date
    that is not RFC 3339, a fraction where an integer belongs. ``null`` is
    always accepted (the zero value).
    """
    if decodes_plainly(obj):
        return  # the usual metadata: one look at what is there, not every check below
    meta = obj.get("metadata")
    if not isinstance(meta, LineDict):
        report.error("metadata", line_of(obj, "metadata"), f"must be a mapping, not {type_name(meta)}")
        return
    for key in _STRING_FIELDS:
        report.string(meta, key, "metadata")
    for key in ("generation", "deletionGracePeriodSeconds"):
        _int64(report, meta, key, "metadata")
    for key in ("creationTimestamp", "deletionTimestamp"):
        _time(report, meta, key, "metadata")
    for key in ("labels", "annotations"):
        given = report.mapping(meta, key, "metadata")
        for name, value in (given or {}).items():
            if value is not None and not isinstance(value, str):
                report.error(f"metadata.{key}", line_of(given, name), f"value of {quote(name)} {not_string(value)}")
    report.strings(meta, "finalizers", "metadata")
    for key, strings, extra in (
        ("ownerReferences", _OWNER_STRINGS, ("controller", "blockOwnerDeletion")),
        ("managedFields", _MANAGED_STRINGS, ()),
    ):
        items = report.sequence(meta, key, "metadata")
        for _, item, path in report.mappings(items, f"metadata.{key}"):
            for name in strings:
                report.string(item, name, path)
            for name in extra:
                report.boolean(item, name, path)
            if key == "managedFields":
                _time(report, item, "time", path)


_STRINGS = frozenset(_STRING_FIELDS)
_INTEGERS = frozenset({"generation", "deletionGracePeriodSeconds"})
_STRING_MAPS = frozenset({"labels", "annotations"})
#: The other keys ``decoding_problems`` looks into (times, lists): their presence takes the whole walk.
_WALKED = frozenset({"creationTimestamp", "deletionTimestamp", "finalizers", "ownerReferences", "managedFields"})


def decodes_plainly(obj: LineDict) -> bool:
    """Whether ``decoding_problems`` has nothing to say about ``obj``, known in one look (most objects):
    no ``metadata``, or one whose every key holds what belongs there."""
    meta = obj.get("metadata")
    return meta is None or (isinstance(meta, LineDict) and _plain(meta))


def _plain(meta: LineDict) -> bool:
    """Whether ``decoding_problems`` has nothing to say about ``meta``, seen in one pass over its keys.

    Strings, integers and maps of strings where those belong, keys it does not read; False also
    when a key needs the whole walk (a time, a list).
    """
    for key, value in meta.items():
        if value is None:
            continue
        if key in _STRINGS:
            if value.__class__ is not str:
                return False
        elif key in _STRING_MAPS:
            if not isinstance(value, LineDict) or not _STR_OR_NULL.issuperset(map(type, value.values())):
                return False
        elif key in _INTEGERS:
            if not is_int(value):
                return False
        elif key in _WALKED:
            return False
    return True


_STR_OR_NULL = frozenset({str, type(None)})  # the types of a string map's values (C's look, not a generator's)


def _int64(report: Report, parent: LineDict, key: str, path: str) -> None:
    value = parent.get(key)
    if value is not None and not is_int(value):
        report.error(f"{path}.{key}", line_of(parent, key), f"must be an integer, not {type_name(value)}")


def _time(report: Report, parent: LineDict, key: str, path: str) -> None:
    """``metav1.Time``: RFC 3339 text (``2024-01-02T03:04:05Z``), or null."""
    value = report.string(parent, key, path)
    if value is None:
        return
    match = _RFC3339.fullmatch(value)
    ok = match is not None
    if match is not None:
        month, day, hour, minute, second = (int(match.group(i)) for i in (2, 3, 4, 5, 6))
        ok = 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60
    if not ok:
        report.error(f"{path}.{key}", line_of(parent, key),
                     f"invalid time {quote(value)}: must be RFC 3339, like 2024-01-02T03:04:05Z")


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
        check(report, "ObjectMeta", meta, "metadata")
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
    annotations = report.string_map(meta, "annotations", "metadata", labels=False) or {}
    # A character is at most 4 bytes of UTF-8: most annotations need no encoding to be measured.
    size = sum(map(len, annotations)) + sum(map(len, annotations.values()))
    if size * 4 > ANNOTATIONS_LIMIT:
        size = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
    if size > ANNOTATIONS_LIMIT:
        report.error("metadata.annotations", line_of(meta, "annotations"),
                     f"annotations take {size} bytes: the API server accepts at most 256 KiB ({ANNOTATIONS_LIMIT} bytes)")
    _finalizers(report, meta)
    return Meta(name, namespace, labels, annotations, _owners(report, meta))


def _finalizers(report: Report, meta: LineDict) -> None:
    """``ValidateFinalizers``: qualified names; one without a domain must be a standard finalizer."""
    given = report.strings(meta, "finalizers", "metadata") or []
    for i, text in given:
        field = f"metadata.finalizers[{i}]"
        problem = names.label_key_problem(text)
        if problem is not None:
            report.error(field, line_of(meta["finalizers"], i), f"invalid finalizer {quote(text)}: {problem}")
        elif "/" not in text and text not in STANDARD_FINALIZERS:
            report.error(field, line_of(meta["finalizers"], i),
                         f"invalid finalizer {quote(text)}: neither a standard finalizer name "
                         f"({', '.join(sorted(STANDARD_FINALIZERS))}) nor fully qualified (domain/name)")
    texts = {text for _, text in given}
    if {"orphan", "foregroundDeletion"} <= texts:
        report.error("metadata.finalizers", line_of(meta, "finalizers"),
                     'finalizers "orphan" and "foregroundDeletion" cannot be both set')


def string_entries(given: Any) -> dict[str, str]:
    """The string-to-string entries of a mapping, without judging the rest (annotations of kinds podwall only reads)."""
    if not isinstance(given, dict):
        return {}
    return {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}


def _owners(report: Report, meta: LineDict) -> tuple[OwnerRef, ...]:
    """``ownerReferences``: a name is required; one controller at most (``ValidateOwnerReferences``).

    The API server also requires apiVersion, kind and uid. A reference without
    apiVersion or kind still names the pod's controller (netpol-analyzer's
    corpus has such hand-written pods), so it is read with a warning; a missing
    uid is accepted silently: podwall's own snapshots strip uids, and grouping
    never needs one (docs/input.md).
    """
    refs = report.sequence(meta, "ownerReferences", "metadata")
    if not refs:
        return ()
    owners = []
    controllers = 0
    for _, ref, path in report.mappings(refs, "metadata.ownerReferences"):
        values = {key: report.string(ref, key, path) or "" for key in _OWNER_STRINGS}
        if not values["name"] and not isinstance(ref.get("name"), (bool, int, float)):
            report.error(path, line_of(ref, "name") if "name" in ref else ref.line, 'missing required field "name"')
        missing = [key for key in ("apiVersion", "kind") if not values[key] and ref.get(key) is None]
        if missing:
            report.warn(path, ref.line, f"missing {' and '.join(map(quote, missing))}, which the API server requires "
                                        "(read here for grouping only)")
        controller = report.boolean(ref, "controller", path)
        report.boolean(ref, "blockOwnerDeletion", path)
        if controller:
            controllers += 1
            if controllers == 2:
                report.error(path, line_of(ref, "controller"), "only one reference can have controller set to true")
        if values["name"]:
            owners.append(OwnerRef(values["kind"], values["name"], bool(controller)))
    return tuple(owners)
