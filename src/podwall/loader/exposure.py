"""Ingress and OpenShift Route objects: which Services the ingress controller sends traffic to."""

from __future__ import annotations

from typing import Any

from podwall.errors import Location
from podwall.loader.fields import Report, is_int, join, line_of, type_name
from podwall.loader.meta import read_meta
from podwall.loader.yamlio import LineDict, LineList
from podwall.model import Exposure

INGRESS_API_GROUPS = ("networking.k8s.io", "extensions")
ROUTE_API_GROUP = "route.openshift.io"


def convert_ingress(report: Report, obj: LineDict, location: Location, default_namespace: str) -> list[Exposure]:
    """One Exposure per Service backend (default backend and every rule path)."""
    meta = read_meta(report, obj, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(obj, "spec", "") or LineDict()
    found: list[Exposure] = []

    def backend(parent: LineDict, key: str, path: str) -> None:
        given = report.mapping(parent, key, path)
        if given is None:
            return
        path = join(path, key)
        service = report.mapping(given, "service", path)
        if service is None:
            return  # a resource backend (e.g. a storage bucket) sends nothing to pods
        service_path = join(path, "service")
        name = report.string(service, "name", service_path)
        if not name:
            report.require(service, "name", service_path)
            return
        port: int | str | None = None
        given_port = report.mapping(service, "port", service_path)
        if given_port is not None:
            number, text = given_port.get("number"), given_port.get("name")
            if number is not None:
                port = _port_value(report, number, join(service_path, "port.number"), line_of(given_port, "number"))
            elif isinstance(text, str) and text:
                port = text
        found.append(Exposure("Ingress", meta.namespace, meta.name, name, port, location))

    backend(spec, "defaultBackend", "spec")
    rules = report.sequence(spec, "rules", "spec")
    for _, rule, rule_path in report.mappings(rules or LineList(), "spec.rules"):
        http = report.mapping(rule, "http", rule_path)
        if http is None:
            continue
        paths = report.sequence(http, "paths", join(rule_path, "http"))
        for _, item, item_path in report.mappings(paths or LineList(), join(rule_path, "http.paths")):
            backend(item, "backend", item_path)
    return found


def convert_route(report: Report, obj: LineDict, location: Location, default_namespace: str) -> list[Exposure]:
    """One Exposure per Service the Route sends to (``to`` and ``alternateBackends``)."""
    meta = read_meta(report, obj, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(obj, "spec", "") or LineDict()
    port: int | str | None = None
    given_port = report.mapping(spec, "port", "spec")
    if given_port is not None:
        target = given_port.get("targetPort")
        if target is not None:
            port = _port_value(report, target, "spec.port.targetPort", line_of(given_port, "targetPort"))
    targets: list[LineDict] = []
    to = report.mapping(spec, "to", "spec")
    if to is None:
        report.require(spec, "to", "spec")
    else:
        targets.append(to)
    alternates = report.sequence(spec, "alternateBackends", "spec")
    targets.extend(item for _, item, _ in report.mappings(alternates or LineList(), "spec.alternateBackends"))
    found = []
    for target in targets:
        kind = target.get("kind") or "Service"
        name = target.get("name")
        if kind == "Service" and isinstance(name, str) and name:
            found.append(Exposure("Route", meta.namespace, meta.name, name, port, location))
    return found


def _port_value(report: Report, value: Any, field: str, line: int | None) -> int | str | None:
    if is_int(value):
        return value if report.port_number(value, field, line) else None
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    report.error(field, line, f"must be an integer or a string, not {type_name(value)}")
    return None
