"""``generate intents``: a starting intents file from the workloads and Services of the input.

Workloads become intents workloads with the narrowest selector that tells them
apart in their namespace; flows are left as commented suggestions, because only
the user knows which calls the app really makes. Suggestions come from Services
(which pods serve on which port) and from container environment variables that
name a Service (``BACKEND_URL=http://backend:80`` suggests a flow to backend).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from podwall.loader.yaml_writer import aligned, comment, scalar
from podwall.generate.intents import API_VERSION, KIND, WORKLOAD_NAME_MAX
from podwall.generate.names import slug
from podwall.generate.selectors import NAME_KEYS, selector_text
from podwall.model import WORKLOAD_KINDS, Cluster, LabelSelector, Service
from podwall.model.quick import frozen

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
EnvKey = tuple[str, str, str]  # namespace, kind, name
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@frozen
class _Candidate:
    """A workload (or a bare pod) of the input, as it will appear in the intents."""

    kind: str
    namespace: str
    source_name: str
    labels: dict[str, str]
    ports: str
    host_network: bool
    name: str = ""
    selector: LabelSelector = LabelSelector()
    note: str = ""


def env_references(texts: Iterable[tuple[str, str]], default_namespace: str = "default") -> dict[EnvKey, list[tuple[str, str]]]:
    """Literal container environment values (``env[].value``) per workload or pod, from manifest texts.

    The texts were already validated by the loader; anything unreadable here is skipped.
    """
    found: dict[EnvKey, list[tuple[str, str]]] = {}
    for _name, text in texts:
        try:
            documents = list(yaml.load_all(text, Loader=_Loader))
        except yaml.YAMLError:
            continue
        for document in documents:
            for obj in _objects(document):
                _collect(obj, default_namespace, found)
    return found


def _objects(document: Any) -> Iterable[dict[str, Any]]:
    if isinstance(document, dict):
        items = document.get("items")
        if str(document.get("kind", "")).endswith("List") and isinstance(items, list):
            for item in items:
                yield from _objects(item)
        else:
            yield document


def _collect(obj: dict[str, Any], default_namespace: str, found: dict[EnvKey, list[tuple[str, str]]]) -> None:
    kind = obj.get("kind")
    if kind != "Pod" and kind not in WORKLOAD_KINDS:
        return
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name, namespace = meta.get("name"), meta.get("namespace") or default_namespace
    path = {"Pod": ("spec",), "CronJob": ("spec", "jobTemplate", "spec", "template", "spec")}.get(
        kind, ("spec", "template", "spec")
    )
    spec: Any = obj
    for key in path:
        spec = spec.get(key) if isinstance(spec, dict) else None
    containers = spec.get("containers") if isinstance(spec, dict) else None
    values = []
    for container in containers if isinstance(containers, list) else ():
        env = container.get("env") if isinstance(container, dict) else None
        for var in env if isinstance(env, list) else ():
            if isinstance(var, dict) and isinstance(var.get("name"), str) and isinstance(var.get("value"), str):
                values.append((var["name"], var["value"]))
    if values and isinstance(name, str) and isinstance(namespace, str):
        found.setdefault((namespace, kind, name), []).extend(values)


def _names_service(value: str, client_namespace: str, service: Service) -> bool:
    """Whether a value names the Service: ``svc`` (same namespace), ``svc.ns``, ``svc.ns.svc[.cluster.local]``."""
    full = {f"{service.name}.{service.namespace}", f"{service.name}.{service.namespace}.svc",
            f"{service.name}.{service.namespace}.svc.cluster.local"}  # fmt: skip
    for token in _TOKEN.findall(value):
        token = token.lower().rstrip(".")
        if token in full or (token == service.name and client_namespace == service.namespace):
            return True
    return False


def _candidates(cluster: Cluster) -> list[_Candidate]:
    result = []
    for w in cluster.workloads:
        if w.owner is None and w.ref.namespace not in SYSTEM_NAMESPACES:
            result.append(_Candidate(w.ref.kind, w.ref.namespace, w.ref.name, dict(w.labels), _ports(w.ports), w.host_network))
    for p in cluster.pods:
        if p.owner is None and not p.template and p.namespace not in SYSTEM_NAMESPACES:
            result.append(_Candidate("Pod", p.namespace, p.name, dict(p.labels), _ports(p.ports), p.host_network))
    return sorted(result, key=lambda c: (c.namespace, c.source_name, c.kind))


def _ports(ports: Sequence[Any]) -> str:
    return ", ".join(f"{cp.name} {cp.port}/{cp.protocol.value}" if cp.name else f"{cp.port}/{cp.protocol.value}" for cp in ports)


def telling_selector(labels: Mapping[str, str], others: Sequence[Mapping[str, str]]) -> tuple[LabelSelector, list[int]]:
    """The narrowest selector for pods with ``labels`` among ``others`` (the other workloads' labels).

    One telling label if one exists (application names first, see NAME_KEYS), else
    every label; also the indices of the others it still selects (twins).
    """
    if not labels:
        return LabelSelector(), list(range(len(others)))
    keys = [k for k in NAME_KEYS if k in labels] + sorted(k for k in labels if k not in NAME_KEYS)
    for key in keys:
        if not any(o.get(key) == labels[key] for o in others):
            return LabelSelector(((key, labels[key]),)), []
    selector = LabelSelector.from_labels(labels)
    return selector, [i for i, o in enumerate(others) if selector.matches(o)]


def _selector(candidate: _Candidate, others: list[_Candidate]) -> tuple[LabelSelector, str]:
    """The narrowest selector: one telling label if one exists, else every label."""
    if not candidate.labels:
        return LabelSelector(), "no labels: this selects every pod of the namespace; add labels to the pods"
    selector, twins = telling_selector(candidate.labels, [o.labels for o in others])
    names = [others[i].source_name for i in twins]
    note = f"also selects {', '.join(names)}: give the pods a telling label" if names else ""
    return selector, note


def _target(service: Service) -> str:
    parts = []
    for sp in service.ports:
        port = sp.target_port
        parts.append(f"{port}" if sp.protocol.value == "TCP" else f"{port}/{sp.protocol.value}")
    return ",".join(dict.fromkeys(parts))


def scaffold_intents(
    cluster: Cluster,
    env: Mapping[EnvKey, Sequence[tuple[str, str]]] | None = None,
    *,
    name: str | None = None,
) -> str:
    """The text of a starting intents file for the app in ``cluster``.

    ``env`` maps ``(namespace, kind, name)`` of workloads and pods to their literal
    container environment values (see ``env_references``); with it, flows to the
    Services those values name are suggested with their client.
    """
    env = env or {}
    found = _candidates(cluster)
    named: list[_Candidate] = []
    taken: set[str] = set()
    for c in found:
        others = [o for o in found if o is not c and o.namespace == c.namespace]
        selector, note = _selector(c, others)
        base = slug(c.source_name, "workload")[:WORKLOAD_NAME_MAX].strip("-.").replace(".", "-")
        wanted = base if sum(1 for o in found if o.source_name == c.source_name) == 1 else f"{base}-{c.namespace}"
        final = wanted[:WORKLOAD_NAME_MAX].strip("-")
        i = 2
        while final in taken or final == "internet":
            final = f"{wanted[: WORKLOAD_NAME_MAX - 4]}-{i}"
            i += 1
        taken.add(final)
        if c.host_network:
            note = "; ".join(n for n in (note, "hostNetwork: policies never select it") if n)
        named.append(_Candidate(c.kind, c.namespace, c.source_name, c.labels, c.ports, c.host_network, final, selector, note))

    namespaces = sorted({c.namespace for c in named})
    lines = [
        "# podwall intents, scaffolded from the input by `podwall generate intents`.",
        "# Check the workloads, uncomment the flows the app needs, then run:",
        "#   podwall generate from-intents THIS_FILE -f MANIFESTS",
        "# Completion in editors: podwall generate intents --schema > intents.schema.json",
        "# yaml-language-server: $schema=intents.schema.json",
        f"apiVersion: {API_VERSION}",
        f"kind: {KIND}",
    ]
    if name:
        lines.append(f"name: {scalar(name)}")
    if namespaces:
        lines += aligned([(f"namespaces: [{', '.join(map(scalar, namespaces))}]", "default deny applies in each: remove those you do not own")])
    lines += ["defaultDeny: all", "dns: true"]
    if named:
        lines.append("workloads:")
        rows = []
        for c in named:
            selector = scalar(selector_text(c.selector) if not c.selector.is_empty else "")
            value = selector if len(namespaces) == 1 else f"{{namespace: {scalar(c.namespace)}, selector: {selector}}}"
            about = f"{c.kind} {c.namespace}/{c.source_name}" + (f"; ports {c.ports}" if c.ports else "")
            rows.append((f"  {scalar(c.name)}: {value}", "; ".join(n for n in (about, c.note) if n)))
        lines += aligned(rows)
    else:
        lines.append("workloads: {}  # the input has no workload outside the system namespaces")
    lines.append("flows:")
    suggestions = _suggestions(cluster, named, env)
    if suggestions:
        lines.append("  # Suggestions (uncomment what the app really does):")
        lines += aligned(suggestions)
    else:
        lines.append("  # - CLIENT -> SERVER:PORT  # no Service or environment variable in the input suggests a flow")
    return "\n".join(lines) + "\n"


def _suggestions(cluster: Cluster, named: list[_Candidate], env: Mapping[EnvKey, Sequence[tuple[str, str]]]) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for service in cluster.services:
        if service.namespace in SYSTEM_NAMESPACES or not service.selector:
            continue
        servers = [c for c in named if c.namespace == service.namespace and all(c.labels.get(k) == v for k, v in service.selector.items())]
        ports = _target(service)
        mapping = ", ".join(f"{sp.port}/{sp.protocol.value} -> {sp.target_port}" for sp in service.ports)
        for server in servers:
            destination = f"{server.name}:{ports}" if ports else server.name
            clients = []
            for c in named:
                for var, value in env.get((c.namespace, c.kind, c.source_name), ()):
                    if c is not server and _names_service(value, c.namespace, service):
                        clients.append((c, var))
                        break
            for client, var in clients:
                result.append((comment(f"  # - {client.name} -> {destination}"), f"env {var} of {client.name} names Service {service.namespace}/{service.name}"))
            if not clients:
                result.append((comment(f"  # - CLIENT -> {destination}"), f"Service {service.namespace}/{service.name} ({mapping}) selects {server.name}"))
    scrapers = [c for c in named if "prometheus" in c.source_name or "prometheus" in c.labels.values()]
    exposes = [c for c in named if re.search(r"(^|, )metrics ", c.ports)]
    for scraper in scrapers:
        if any(c is not scraper for c in exposes):
            result.append((f"  # - {scraper.name} -> *:metrics", "pods declare container ports named metrics"))
    return result
