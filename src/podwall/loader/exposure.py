"""Ingress and OpenShift Route objects: which Services the ingress controller sends traffic to."""

from __future__ import annotations

from typing import Any

from podwall.errors import Location
from podwall.loader.fields import Report, is_int, join, line_of, type_name
from podwall.loader.meta import read_meta
from podwall.loader.decode import LineDict, LineList
from podwall.model import Exposure

INGRESS_API_GROUPS = ("networking.k8s.io", "extensions")
ROUTE_API_GROUP = "route.openshift.io"


def convert_ingress(report: Report, obj: LineDict, location: Location, default_namespace: str) -> list[Exposure]:
    """One Exposure per Service backend (default backend and every rule path).

    networking.k8s.io/v1 writes ``service: {name, port: {number | name}}``; the older
    v1beta1 versions write ``serviceName`` and ``servicePort`` (and ``backend`` for
    the default backend). Both are read; the port must name exactly one Service port.
    """
    meta = read_meta(report, obj, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(obj, "spec", "") or LineDict()
    legacy = str(obj.get("apiVersion", "")).endswith("v1beta1")
    found: list[Exposure] = []

    def backend(parent: LineDict, key: str, path: str) -> None:
        given = report.mapping(parent, key, path)
        if given is None:
            return
        path = join(path, key)
        if legacy:
            name = report.string(given, "serviceName", path)
            if not name:
                if given.get("resource") is None:
                    report.require(given, "serviceName", path)
                return
            port_value = given.get("servicePort")
            if port_value is None:
                report.require(given, "servicePort", path)
                return
            port = _port_value(report, given, "servicePort", join(path, "servicePort"))
            if port is not None:
                found.append(Exposure("Ingress", meta.namespace, meta.name, name, port, location))
            return
        service = report.mapping(given, "service", path)
        if service is None:
            return  # a resource backend (e.g. a storage bucket) sends nothing to pods
        service_path = join(path, "service")
        name = report.string(service, "name", service_path)
        if not name:
            report.require(service, "name", service_path)
            return
        port = _service_port(report, service, service_path)
        if port is not None:
            found.append(Exposure("Ingress", meta.namespace, meta.name, name, port, location))

    backend(spec, "backend" if legacy else "defaultBackend", "spec")
    rules = report.sequence(spec, "rules", "spec")
    for _, rule, rule_path in report.mappings(rules or LineList(), "spec.rules"):
        http = report.mapping(rule, "http", rule_path)
        if http is None:
            continue
        paths = report.sequence(http, "paths", join(rule_path, "http"))
        for _, item, item_path in report.mappings(paths or LineList(), join(rule_path, "http.paths")):
            backend(item, "backend", item_path)
    return found


def _service_port(report: Report, service: LineDict, path: str) -> int | str | None:
    """``port: {number: N}`` or ``port: {name: S}``: exactly one, of the right type."""
    given = report.mapping(service, "port", path)
    if given is None:
        report.require(service, "port", path)
        return None
    path = join(path, "port")
    number, name = given.get("number"), given.get("name")
    if (number is None) == (name is None):
        report.error(path, line_of(service, "port"), "must specify exactly one of number, name")
        return None
    if number is not None:
        if not is_int(number):
            report.error(join(path, "number"), line_of(given, "number"), f"must be an integer, not {type_name(number)}")
            return None
        return number if report.port_number(number, join(path, "number"), given, "number") else None
    if not isinstance(name, str) or not name:
        report.error(join(path, "name"), line_of(given, "name"), f"must be a non-empty string, not {type_name(name)}")
        return None
    return name


def convert_route(report: Report, obj: LineDict, location: Location, default_namespace: str) -> list[Exposure]:
    """One Exposure per Service the Route sends to (``to`` and ``alternateBackends``)."""
    meta = read_meta(report, obj, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(obj, "spec", "") or LineDict()
    port: int | str | None = None
    given_port = report.mapping(spec, "port", "spec")
    if given_port is not None:
        target = given_port.get("targetPort")
        if target is not None:
            port = _port_value(report, given_port, "targetPort", "spec.port.targetPort")
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


def _port_value(report: Report, parent: LineDict, key: str, field: str) -> int | str | None:
    """``parent[key]``: a port number or name."""
    value = parent[key]
    if is_int(value):
        return value if report.port_number(value, field, parent, key) else None
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    report.error(field, line_of(parent, key), f"must be an integer or a string, not {type_name(value)}")
    return None
