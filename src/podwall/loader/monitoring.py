"""``monitoring.coreos.com/v1`` ServiceMonitor and PodMonitor: the scrape targets lint checks.

Read leniently: these are not policies, so a field podwall cannot read makes
the object a warning and a skipped count, never an input error.
"""

from __future__ import annotations

from typing import Any

from podwall.loader.fields import Report, is_int, join
from podwall.loader.meta import read_meta
from podwall.loader.netpol import selector
from podwall.loader.decode import LineDict, LineList
from podwall.model import LabelSelector, Monitor, MonitorEndpoint

MONITORING_GROUP = "monitoring.coreos.com"
MONITOR_KINDS = frozenset({"ServiceMonitor", "PodMonitor"})


def convert_monitor(report: Report, obj: LineDict, kind: str, default_namespace: str) -> Monitor:
    """The monitor; problems go to ``report`` (the caller turns them into warnings)."""
    meta = read_meta(report, obj, namespaced=True, default_namespace=default_namespace)
    spec = report.mapping(obj, "spec", "") or LineDict()
    chosen = selector(report, spec, "selector", "spec") or LabelSelector()
    any_namespace = False
    names: tuple[str, ...] = ()
    given = report.mapping(spec, "namespaceSelector", "spec")
    if given is not None:
        any_namespace = bool(report.boolean(given, "any", "spec.namespaceSelector"))
        listed = report.sequence(given, "matchNames", "spec.namespaceSelector")
        names = tuple(n for n in (listed or ()) if isinstance(n, str))
    key = "endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"
    endpoints = []
    items = report.sequence(spec, key, "spec")
    for _, item, _path in report.mappings(items or LineList(), join("spec", key)):
        endpoints.append(_endpoint(item, kind))
    return Monitor(
        kind=kind,
        namespace=meta.namespace,
        name=meta.name,
        selector=chosen,
        any_namespace=any_namespace,
        match_names=names,
        endpoints=tuple(endpoints),
        location=report.location,
        annotations=meta.annotations,
    )


def _endpoint(item: LineDict, kind: str) -> MonitorEndpoint:
    port: Any = item.get("port")
    target: Any = item.get("targetPort")
    number: Any = item.get("portNumber")
    pod_port: int | str | None = None
    if is_int(target) or (isinstance(target, str) and target):
        pod_port = target
    if kind == "ServiceMonitor":
        return MonitorEndpoint(port if isinstance(port, str) and port else None, pod_port)
    if isinstance(port, str) and port:
        pod_port = port
    elif is_int(number):
        pod_port = number
    return MonitorEndpoint(None, pod_port)
