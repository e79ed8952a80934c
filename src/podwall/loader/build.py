"""Assemble a Cluster from many inputs, collecting every problem before deciding.

Why collect: a user fixing manifests wants all mistakes in one run. Strict mode
raises one ``InputErrors`` at the end; lenient mode turns problems confined to
one object (or one malformed document) into warnings and drops only that part.
Missing or unreadable paths are errors in both modes: lenient is for bad
content, not for a wrong command line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import field, fields
from typing import Any

from podwall.errors import InputError, InputErrors, Location, ManifestError, PodwallError, UsageError
from podwall.loader import owners
from podwall.loader.decode import Document, Item, LineDict, LineList, Restart, decode_parts, wrap
from podwall.model import names
from podwall.loader.convert import Converted, RawObject, convert, flatten, flatten_value
from podwall.loader.files import Passed, Source, Unreadable
from podwall.loader.known_fields import newer_fields_warnings
from podwall.loader.render import template_syntax
from podwall.loader.owners import PodDraft, WorkloadDraft
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    AdminPolicy,
    Cluster,
    Exposure,
    Monitor,
    Namespace,
    NetworkPolicy,
    Node,
    Service,
    UnevaluatedPolicy,
)
from podwall.model.quick import mutable

_OBJECT = "object"
_DOCUMENT = "document"
_PATH = "path"


@mutable
class Builder:
    """Accumulates objects, warnings and errors over every input of one load."""

    default_namespace: str = "default"
    lenient: bool = False
    errors: list[PodwallError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)  # lenient: "object"/"document"/"path" -> skipped for errors
    newer: Counter[str] = field(default_factory=Counter)  # "Kind field.path" -> served objects carrying it
    namespaces: list[Namespace] = field(default_factory=list)
    pods: list[PodDraft] = field(default_factory=list)
    workloads: list[WorkloadDraft] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    admin_policies: list[AdminPolicy] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)
    unevaluated: list[UnevaluatedPolicy] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    _seen: dict[tuple[str, str, str], Location] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.default_namespace, str) or names.dns_label_problem(self.default_namespace):
            raise UsageError(f"invalid default namespace {self.default_namespace!r}: must be a lowercase RFC 1123 label")

    # -- inputs -------------------------------------------------------------------

    def add(self, item: Source | Unreadable | Passed) -> None:
        """Take one input from ``files.read_all``."""
        if isinstance(item, Passed):
            self.passed[item.reason] += 1
            if item.warning is not None:
                self.warnings.append(f"warning: {item.warning}")
        elif isinstance(item, Unreadable):
            self._problem(item.error, _DOCUMENT if item.malformed else (_PATH if item.walked else None))
        else:
            self.add_text(item.text, item.name, walked=item.walked)

    def add_text(self, text: str, path: str, *, walked: bool = False) -> None:
        """Parse and convert every document of one input, in document order.

        A file a directory walk found may hold YAML that is no Kubernetes object
        (a CI workflow, a values file): such documents, with neither apiVersion
        nor kind, are counted, not refused. A file named explicitly stays strict.
        """
        # Section by section: each is converted before the next is decoded, so that the decoded values
        # of one section are held at a time (docs/performance.md). The decoder's warnings come first,
        # as when the whole file was decoded before it was converted.
        # A JSON List item by item, likewise: each is converted as soon as it is decoded, but what became of it
        # waits until its document has been decoded whole (``decode.Item``): the rest of the text may still send
        # the whole file to the exact path (a syntax error at the end), and the List's own kind decides first.
        first_warning = len(self.warnings)
        decoding_warnings: list[str] = []
        templated: bool | None = None  # whether the text holds template syntax: looked up once, on an error
        streamed: dict[int, list[Converted | ManifestError | Item]] = {}  # document index -> its items, in order
        for part in decode_parts(text, path):
            if isinstance(part, Item):
                self._tentative(part, path, streamed.setdefault(part.document, []))
                continue
            if isinstance(part, Restart):
                streamed.clear()
                continue
            decoding_warnings.extend(f"warning: {warning}" for warning in part.warnings)
            pending = part.errors
            if pending:
                templated = ("{{" in text) if templated is None else templated
                pending = sorted(template_syntax(pending, text, path) if templated else pending, key=_document_of)
            for document in part.documents:
                while pending and _document_of(pending[0]) < document.index:
                    self._problem(pending.pop(0), _DOCUMENT)
                if document.data is None:  # an empty document, e.g. after a trailing ---
                    continue
                items = streamed.pop(document.index, None)
                if walked and not _has_type(document.data):
                    self.passed["YAML documents that are not Kubernetes objects"] += 1
                    continue
                if items is None:
                    self._objects(flatten(document, path))
                else:
                    self._streamed(document, path, items)
            for error in pending:
                self._problem(error, _DOCUMENT)
        self.warnings[first_warning:first_warning] = decoding_warnings

    def add_value(self, data: Any, location: Location) -> None:
        """Convert one decoded JSON value (an object or a List, e.g. a page from the live API)."""
        self._objects(flatten_value(wrap(data), location))

    def absorb(self, other: Builder) -> None:
        """Take everything ``other`` (a builder of the same load, e.g. one per API resource) collected."""
        for name in (f.name for f in fields(self)):
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            elif isinstance(mine, list):
                mine.extend(theirs)
            elif isinstance(mine, dict):
                for key, value in theirs.items():
                    mine.setdefault(key, value)

    def _objects(self, objects: Iterable[RawObject | ManifestError]) -> None:
        for obj in objects:
            if isinstance(obj, ManifestError):
                self._problem(obj, _OBJECT)
            else:
                self._take(convert(obj, self.default_namespace))

    def _tentative(self, item: Item, path: str, results: list[Converted | ManifestError | Item]) -> None:
        """Convert a streamed item now, into ``results``, when what becomes of it cannot depend on its List.

        An item with its own kind and apiVersion is flattened the same under any List whose own type is
        valid (else the List's problem is all that is said, and ``_streamed`` drops these results). One
        without (a typed List's items may omit them) waits, decoded, for its List's kind.
        """
        value = item.value
        if not (isinstance(value, LineDict) and value.get("kind") is not None and value.get("apiVersion") is not None):
            results.append(item)
            return
        if value.get("kind") == "List" or "items" in value:  # a List in the List: it needs its depth
            objects = flatten(_alone(item, value, "List", "v1"), path)
        else:  # as the List would flatten it (its line is the item's), without making the List
            objects = flatten_value(value, Location(path, item.item_line, None, item.document))
        for obj in objects:
            results.append(obj if isinstance(obj, ManifestError) else convert(obj, self.default_namespace))

    def _streamed(self, document: Document, path: str, items: list[Converted | ManifestError | Item]) -> None:
        """What ``_objects(flatten(document, path))`` does for a document whose items were streamed (``items``)."""
        problems = list(flatten(document, path))  # its items are not in it: what its own kind and apiVersion say
        if problems:  # nothing of its items is looked at
            self._objects(problems)
            return
        top = document.data
        for result in items:
            if isinstance(result, Item):
                self._objects(flatten(_alone(result, result.value, top["kind"], top["apiVersion"]), path))
            elif isinstance(result, ManifestError):
                self._problem(result, _OBJECT)
            else:
                self._take(result)

    def _take(self, result: Converted) -> None:
        if result.errors:
            for error in result.errors:
                self._problem(error, _OBJECT)
            return
        self.warnings.extend(result.warnings)
        if result.newer:
            self.newer.update(f"{result.kind} {path}" for path in dict.fromkeys(result.newer))
        if result.skipped is not None:
            self.skipped[result.skipped] += 1
            if isinstance(result.value, UnevaluatedPolicy):
                self.unevaluated.append(result.value)
            return
        key = (result.kind, result.namespace, result.name)
        first = self._seen.get(key)
        if first is not None:
            self._problem(
                ManifestError(f"defined twice (first at {first})", result.location, obj=result.label), _OBJECT
            )
            return
        self._seen[key] = result.location
        value = result.value
        if isinstance(value, Namespace):
            self.namespaces.append(value)
        elif isinstance(value, PodDraft):
            self.pods.append(value)
        elif isinstance(value, WorkloadDraft):
            self.workloads.append(value)
        elif isinstance(value, Service):
            self.services.append(value)
        elif isinstance(value, NetworkPolicy):
            self.policies.append(value)
        elif isinstance(value, AdminPolicy):
            self.admin_policies.append(value)
        elif isinstance(value, tuple):
            self.exposures.extend(value)
        elif isinstance(value, Monitor):
            self.monitors.append(value)
        elif isinstance(value, Node):
            self.nodes.append(value)

    def _problem(self, error: PodwallError, skippable: str | None) -> None:
        """An error, or in lenient mode a warning when only one object/document is lost."""
        if self.lenient and skippable is not None:
            self.warnings.append(f"warning: skipped {skippable}: {error}")
            self.dropped[skippable] += 1
        else:
            self.errors.append(error)

    # -- result ---------------------------------------------------------------------

    def cluster(self) -> Cluster:
        """The Cluster; raises ``InputErrors`` listing every error when there is any."""
        if self.errors:
            raise InputErrors(list(self.errors))
        pods, workloads = owners.group(self.pods, self.workloads)
        services = sorted(self.services, key=lambda s: (s.namespace, s.name))
        policies = sorted(self.policies, key=lambda p: (p.namespace, p.name))
        declared = {ns.name: ns for ns in self.namespaces}
        used = {p.namespace for p in pods}
        used.update(w.ref.namespace for w in workloads)
        used.update(s.namespace for s in services)
        used.update(p.namespace for p in policies)
        for name in used - declared.keys():
            declared[name] = Namespace(name, {NAMESPACE_NAME_LABEL: name}, implicit=True)
        return Cluster(
            namespaces=tuple(declared[name] for name in sorted(declared)),
            pods=pods,
            workloads=workloads,
            services=tuple(services),
            policies=tuple(policies),
            admin_policies=tuple(sorted(self.admin_policies, key=lambda p: (p.tier.value, p.priority, p.name))),
            exposures=tuple(sorted(self.exposures, key=lambda e: (e.namespace, e.kind, e.name, e.service))),
            skipped=dict(sorted(self.skipped.items())),
            passed=dict(sorted(self.passed.items())),
            dropped=dict(sorted(self.dropped.items())),
            warnings=tuple(self.warnings) + tuple(newer_fields_warnings(self.newer)),
            monitors=tuple(sorted(self.monitors, key=lambda m: (m.namespace, m.kind, m.name))),
            unevaluated=tuple(sorted(self.unevaluated, key=lambda u: (u.namespace, u.kind, u.name))),
            nodes=tuple(sorted(self.nodes, key=lambda n: n.name)),
        )


def _alone(item: Item, value: Any, kind: str, api_version: str) -> Document:
    """The document of a streamed item: a List of this kind holding only it, the item at its own line."""
    items = LineList((value,))
    items.line = None
    items.lines = [item.item_line]
    top = LineDict(apiVersion=api_version, kind=kind, items=items)
    top.line = item.line
    top.lines = {}
    return Document(item.document, item.line, top)


def _has_type(data: Any) -> bool:
    """Whether a document looks like a Kubernetes object: a mapping with apiVersion or kind."""
    return isinstance(data, dict) and (data.get("apiVersion") is not None or data.get("kind") is not None)


def _document_of(error: InputError) -> int:
    return (error.location.document or 0) if error.location is not None else 0
