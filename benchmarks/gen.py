"""Deterministic synthetic clusters shaped like real ones, as multi-document YAML.

The same ``(pods, namespaces, policies_per_ns, seed, as_, detail)`` always
gives the same bytes. The shape follows what ``kubectl get ns,deploy,sts,pods,netpol -A
-o yaml`` shows on a real multi-team cluster:

- system namespaces: ``kube-system`` (CoreDNS, 2 replicas), ``monitoring``
  (Prometheus) and ``ingress-nginx`` (2 controllers), without policies;
- application namespaces ``<team>-<env>`` labelled with team, env and, for
  about half, ``istio-injection`` (their pods carry an ``istio-proxy`` sidecar);
- apps in tiers (frontend, api, backend, worker, cache, db, queue), each
  labelled app, tier, team, version, ``app.kubernetes.io/*`` and
  ``pod-template-hash`` (Deployments) or ``controller-revision-hash`` plus the
  per-pod ``statefulset.kubernetes.io/pod-name`` (StatefulSets for cache, db and
  queue); replicas 1-50, most apps small (a namespace's last app is cut to
  fit its pod budget); some backends have a canary Deployment with the next
  version;
- per application namespace: ``default-deny`` (ingress and egress), ``allow-dns``
  to CoreDNS, then ingress and egress allows per app with pod, namespace and
  combined selectors, matchExpressions (In, NotIn, Exists), named ports,
  ``endPort`` ranges and ipBlocks with ``except`` (the internet minus private
  ranges, a partner range, and the VPC minus a node pool, which cuts through
  pod addresses), up to ``policies_per_ns``.

``--as pods-only`` emits the Pods without their workloads (what ``kubectl get pods -A``
dumps); ``--format json`` writes one ``List`` as ``kubectl get -o json`` prints it.
``--as pods`` emits the workloads and every Pod (ownerReferences to its
ReplicaSet or StatefulSet, ``status.podIP`` from a per-node /24 in 10.0.0.0/8,
phase Running), as an export of a live cluster would. ``--as workloads`` emits
only the workloads (their ``replicas`` say how many pods they stand for).
``--detail lean`` (the default) writes objects as manifests would (about 1.3 KB
of YAML per pod, workloads and policies included); ``--detail full`` adds what
a live export shows (uids, timestamps, resources, probes, tolerations,
conditions, container statuses; about 3 KB per pod). The cluster is the same.

Usage::

    python -m benchmarks.gen --pods 10000 [--namespaces 100] [--policies-per-ns 40]
        [--seed 1] [--as pods|workloads] [--detail lean|full] -o cluster.yaml   # or -o DIR: one file per kind
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

try:
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Dumper = yaml.SafeDumper

NAME_LABEL = "kubernetes.io/metadata.name"
SYSTEM_NAMESPACES = ("ingress-nginx", "kube-system", "monitoring")
SYSTEM_PODS = 5  # 2 CoreDNS + 1 Prometheus + 2 ingress controllers
DEFAULT_PODS_PER_NAMESPACE = 100
DEFAULT_POLICIES_PER_NS = 40
POD_CIDR = "10.0.0.0/8"  # every pod address lies here; node n gets 10.(1 + n // 256).(n % 256).0/24
PODS_PER_NODE = 60
DETAILS = ("lean", "full")
AS = ("pods", "workloads", "pods-only")

_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of Kubernetes' generated names
_EPOCH = datetime(2026, 1, 5, 8, 0, 0, tzinfo=timezone.utc)

TEAMS = (
    "payments", "checkout", "search", "identity", "catalog", "shipping", "billing", "growth",
    "platform", "data", "mobile", "ads", "messaging", "analytics", "support", "risk",
    "ledger", "pricing", "media", "partners", "inventory", "loyalty", "fraud", "content",
)  # fmt: skip
ENVS = ("prod", "staging", "dev")

#: Names per tier, suffixed -2, -3... when a namespace needs more.
TIER_NAMES = {
    "frontend": ("web", "storefront", "portal", "dashboard", "admin-ui"),
    "api": ("api", "gateway", "graphql", "bff", "public-api"),
    "backend": (
        "orders", "payments", "inventory", "users", "billing", "search", "catalog", "cart",
        "shipping", "notifications", "pricing", "reviews", "recommendations", "auth",
        "accounts", "ledger", "invoices", "profiles", "sessions", "quotes",
    ),
    "worker": ("worker", "scheduler", "indexer", "mailer", "exporter", "consumer", "reconciler"),
    "cache": ("redis", "memcached"),
    "db": ("postgres", "mysql", "mongodb"),
    "queue": ("rabbitmq", "kafka", "nats"),
}  # fmt: skip
TIER_WEIGHTS = (("backend", 40), ("worker", 15), ("api", 12), ("frontend", 10), ("db", 9), ("cache", 8), ("queue", 6))
STATEFUL_TIERS = ("cache", "db", "queue")

#: The main container's ports of an app, by tier (and by name for stateful ones).
SERVICE_PORTS: dict[str, tuple[tuple[str, int, str], ...]] = {
    "frontend": (("http", 8080, "TCP"), ("metrics", 9090, "TCP")),
    "api": (("http", 8080, "TCP"), ("grpc", 50051, "TCP"), ("metrics", 9090, "TCP")),
    "backend": (("http", 8080, "TCP"), ("metrics", 9090, "TCP")),
    "worker": (("metrics", 9090, "TCP"),),
    "redis": (("redis", 6379, "TCP"),),
    "memcached": (("memcache", 11211, "TCP"),),
    "postgres": (("postgres", 5432, "TCP"),),
    "mysql": (("mysql", 3306, "TCP"),),
    "mongodb": (("mongodb", 27017, "TCP"),),
    "rabbitmq": (("amqp", 5672, "TCP"), ("management", 15672, "TCP")),
    "kafka": (("kafka", 9092, "TCP"), ("kafka-ctrl", 9093, "TCP")),
    "nats": (("client", 4222, "TCP"), ("cluster", 6222, "TCP")),
}
#: Replica counts of stateless apps: most are small, a few are large (weights in percent).
DEPLOYMENT_REPLICAS = (
    (1, 28), (2, 24), (3, 16), (4, 8), (5, 6), (6, 4), (8, 3), (10, 3), (12, 2),
    (16, 2), (20, 1.5), (25, 1), (30, 0.6), (40, 0.5), (50, 0.4),
)  # fmt: skip
STATEFUL_REPLICAS = ((1, 40), (2, 10), (3, 40), (5, 10))

INTERNET = {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"]}
PARTNER = {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}
VPC_EXCEPT_POOL = {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/20"]}  # nodes 0-15: the untrusted pool


@dataclass
class App:
    """One workload (Deployment or StatefulSet) and what its pods look like."""

    namespace: str
    name: str
    app: str  # the ``app`` label, shared by a canary and its main Deployment
    tier: str
    team: str
    version: str
    kind: str
    replicas: int
    revision: str  # pod-template-hash (Deployment) or controller revision hash (StatefulSet)
    ports: tuple[tuple[str, int, str], ...]
    sidecars: tuple[str, ...] = ()
    upstream_labels: dict[str, str] | None = None  # system apps keep their charts' labels

    @property
    def port_numbers(self) -> tuple[int, ...]:
        """The main container's port numbers."""
        return tuple(number for _, number, _ in self.ports)

    def template_labels(self, env: str) -> dict[str, str]:
        """The labels every pod of the app carries (before per-pod and hash labels)."""
        if self.upstream_labels is not None:
            return dict(self.upstream_labels)
        return {
            "app": self.app,
            "app.kubernetes.io/name": self.app,
            "app.kubernetes.io/instance": f"{self.app}-{env}",
            "app.kubernetes.io/part-of": self.team,
            "tier": self.tier,
            "team": self.team,
            "version": self.version,
        }


@dataclass
class Ns:
    """An application namespace and its apps."""

    index: int
    name: str
    team: str
    env: str
    istio: bool
    apps: list[App] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        """The namespace's labels (including the name label the API server sets)."""
        labels = {NAME_LABEL: self.name, "team": self.team, "env": self.env}
        labels["pod-security.kubernetes.io/enforce"] = "restricted" if self.env == "prod" else "baseline"
        if self.istio:
            labels["istio-injection"] = "enabled"
        return labels


class _Names:
    """Random but reproducible identifiers (hashes, uids, timestamps)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def token(self, length: int) -> str:
        return "".join(self.rng.choice(_HASH_ALPHABET) for _ in range(length))

    def uid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def time(self, within_days: int = 120) -> str:
        moment = _EPOCH + timedelta(seconds=self.rng.randrange(within_days * 86400))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _weighted(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    values, weights = zip(*table)
    return rng.choices(values, weights=weights)[0]


# --- the cluster's topology ----------------------------------------------------


def _namespaces(count: int) -> list[Ns]:
    """``<team>-<env>`` names, one team per three namespaces, suffixed when names run out."""
    teams = max(1, math.ceil(count / len(ENVS)))
    result = []
    seen: set[str] = set()
    for i in range(count):
        base = TEAMS[(i % teams) % len(TEAMS)]
        round_ = (i % teams) // len(TEAMS)
        team = base if round_ == 0 else f"{base}{round_ + 1}"
        env = ENVS[(i // teams) % len(ENVS)]
        name = f"{team}-{env}"
        k = 2
        while name in seen:
            name, k = f"{team}-{env}-{k}", k + 1
        seen.add(name)
        result.append(Ns(i, name, team, env, istio=False))
    return result


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, every share at least 1, summing exactly."""
    n = len(weights)
    if total <= n:
        return [1 if i < total else 0 for i in range(n)]
    rest = total - n
    scale = sum(weights)
    shares = [rest * w / scale for w in weights]
    floors = [int(s) for s in shares]
    order = sorted(range(n), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[: rest - sum(floors)]:
        floors[i] += 1
    return [1 + f for f in floors]


def _apps(rng: random.Random, names: _Names, ns: Ns, budget: int) -> None:
    """Fill ``ns`` with apps whose replicas add up to ``budget`` pods."""
    used: set[str] = set()

    def fresh(tier: str) -> str:
        pool = TIER_NAMES[tier]
        start = rng.randrange(len(pool))
        for k in range(1, 1000):
            for j in range(len(pool)):
                name = pool[(start + j) % len(pool)] + ("" if k == 1 else f"-{k}")
                if name not in used:
                    used.add(name)
                    return name
        raise AssertionError("unreachable: names never run out")

    remaining = budget
    position = 0
    while remaining > 0:
        if position == 0:
            tier = "frontend"
        elif position == 1:
            tier = "api"
        else:
            tier = _weighted(rng, TIER_WEIGHTS)
        position += 1
        name = fresh(tier)
        stateful = tier in STATEFUL_TIERS
        wanted = _weighted(rng, STATEFUL_REPLICAS if stateful else DEPLOYMENT_REPLICAS)
        replicas = min(wanted, remaining)
        ports = SERVICE_PORTS[name.split("-")[0]] if stateful else SERVICE_PORTS[tier]
        sidecars = ("istio-proxy",) if ns.istio else ()
        if tier == "backend" and rng.random() < 0.2:
            sidecars += ("jaeger-agent",)
        version = f"v{rng.randint(1, 4)}"
        ns.apps.append(
            App(
                namespace=ns.name,
                name=name,
                app=name,
                tier=tier,
                team=ns.team,
                version=version,
                kind="StatefulSet" if stateful else "Deployment",
                replicas=replicas,
                revision=names.token(10) if not stateful else f"{name}-{names.token(10)}",
                ports=ports,
                sidecars=sidecars,
            )
        )
        remaining -= replicas
        if tier == "backend" and remaining > 0 and rng.random() < 0.1:
            canary = min(rng.randint(1, 2), remaining)
            main = ns.apps[-1]
            ns.apps.append(
                App(
                    namespace=ns.name,
                    name=f"{name}-canary",
                    app=name,
                    tier=tier,
                    team=ns.team,
                    version=f"v{int(version[1:]) + 1}",
                    kind="Deployment",
                    replicas=canary,
                    revision=names.token(10),
                    ports=main.ports,
                    sidecars=main.sidecars,
                )
            )
            remaining -= canary


# --- objects -------------------------------------------------------------------


def _container(app: App, image_repo: str) -> dict[str, Any]:
    ports = [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in app.ports]
    container: dict[str, Any] = {
        "name": app.app,
        "image": f"registry.example.com/{image_repo}/{app.app}:{app.version[1:]}.{len(app.name) % 7}.2",
        "ports": ports,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    }
    first = app.ports[0][0]
    if app.tier in ("frontend", "api", "backend"):
        container["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": first}, "periodSeconds": 10}
    else:
        container["readinessProbe"] = {"tcpSocket": {"port": first}, "periodSeconds": 10}
    return container


def _sidecar(name: str) -> dict[str, Any]:
    if name == "istio-proxy":
        return {
            "name": "istio-proxy",
            "image": "docker.io/istio/proxyv2:1.22.3",
            "ports": [{"name": "http-envoy-prom", "containerPort": 15090, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "10m", "memory": "40Mi"}},
        }
    return {
        "name": "jaeger-agent",
        "image": "jaegertracing/jaeger-agent:1.57.0",
        "ports": [{"name": "jg-compact", "containerPort": 6831, "protocol": "UDP"}],
    }


def _pod_spec(app: App, team: str) -> dict[str, Any]:
    return {
        "containers": [_container(app, team), *(_sidecar(s) for s in app.sidecars)],
        "serviceAccountName": app.app,
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "terminationGracePeriodSeconds": 30,
    }


def _workload(app: App, env: str, names: _Names) -> dict[str, Any]:
    labels = app.template_labels(env)
    # The API server refuses a selector that does not match the template's labels (so does podwall).
    selector = {key: labels[key] for key in ("app", "version") if key in labels} or labels
    spec: dict[str, Any] = {
        "replicas": app.replicas,
        "selector": {"matchLabels": selector},
        "template": {
            "metadata": {"labels": labels, "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}},
            "spec": _pod_spec(app, app.team),
        },
    }
    if app.kind == "StatefulSet":
        spec["serviceName"] = app.name
    else:
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    workload = {
        "apiVersion": "apps/v1",
        "kind": app.kind,
        "metadata": {
            "name": app.name,
            "namespace": app.namespace,
            "uid": names.uid(),
            "creationTimestamp": names.time(),
            "labels": {"app": app.app, "team": app.team, "app.kubernetes.io/managed-by": "Helm"},
        },
        "spec": spec,
    }
    if app.kind == "Deployment":
        workload["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": str(1 + len(app.name) % 5)}
    return workload


@dataclass
class _Nodes:
    """Node pod CIDRs in 10.0.0.0/8 and the next free address on each."""

    count: int
    used: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.used = [1] * self.count

    def place(self, rng: random.Random) -> tuple[str, str, str]:
        """(node name, host IP, pod IP) for one more pod; a /24 holds 253 pods."""
        for _ in range(100):
            n = rng.randrange(self.count)
            if self.used[n] < 254:
                break
        else:  # pragma: no cover - only when nodes are nearly full
            n = min(range(self.count), key=self.used.__getitem__)
        self.used[n] += 1
        pod_ip = f"10.{1 + n // 256}.{n % 256}.{self.used[n]}"
        host_ip = f"172.20.{n // 250}.{n % 250 + 4}"
        return f"node-{n:04d}", host_ip, pod_ip


def _pods(app: App, env: str, names: _Names, nodes: _Nodes, rng: random.Random) -> list[dict[str, Any]]:
    """The pods of an app as a live cluster reports them."""
    pods = []
    owner_uid = names.uid()
    for i in range(app.replicas):
        labels = app.template_labels(env)
        if app.kind == "StatefulSet":
            name = f"{app.name}-{i}"
            labels["controller-revision-hash"] = app.revision
            labels["statefulset.kubernetes.io/pod-name"] = name
            labels["apps.kubernetes.io/pod-index"] = str(i)
            owner = {"kind": "StatefulSet", "name": app.name}
        else:
            replicaset = f"{app.name}-{app.revision}"
            name = f"{replicaset}-{names.token(5)}"
            labels["pod-template-hash"] = app.revision
            owner = {"kind": "ReplicaSet", "name": replicaset}
        node, host_ip, pod_ip = nodes.place(rng)
        started = names.time()
        containers = _pod_spec(app, app.team)["containers"]
        metadata: dict[str, Any] = {
            "name": name,
            "namespace": app.namespace,
            "uid": names.uid(),
            "creationTimestamp": started,
            "labels": labels,
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    **owner,
                    "uid": owner_uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        }
        if app.kind == "Deployment":
            metadata["generateName"] = f"{owner['name']}-"
        spec = _pod_spec(app, app.team)
        spec["nodeName"] = node
        spec["tolerations"] = [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        ]
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": metadata,
                "spec": spec,
                "status": {
                    "phase": "Running",
                    "hostIP": host_ip,
                    "podIP": pod_ip,
                    "podIPs": [{"ip": pod_ip}],
                    "startTime": started,
                    "qosClass": "Burstable",
                    "conditions": [
                        {"type": t, "status": "True", "lastTransitionTime": started}
                        for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                    ],
                    "containerStatuses": [
                        {
                            "name": c["name"],
                            "image": c["image"],
                            "ready": True,
                            "started": True,
                            "restartCount": 0,
                            "state": {"running": {"startedAt": started}},
                        }
                        for c in containers
                    ],
                },
            }
        )
    return pods


def _lean_containers(containers: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": c["name"], "image": c["image"], "ports": c["ports"]} for c in containers]


def _lean_pod(pod: dict[str, Any]) -> dict[str, Any]:
    """What a manifest-style pod keeps: identity, labels, owner, containers' ports, address."""
    meta, spec, status = pod["metadata"], pod["spec"], pod["status"]
    owner = {k: meta["ownerReferences"][0][k] for k in ("apiVersion", "kind", "name", "uid", "controller")}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": meta["labels"], "ownerReferences": [owner]},
        "spec": {"containers": _lean_containers(spec["containers"]), "nodeName": spec["nodeName"]},
        "status": {"phase": status["phase"], "podIP": status["podIP"]},
    }


def _lean_workload(workload: dict[str, Any]) -> dict[str, Any]:
    """A workload as a chart would write it, without status-like and scheduling detail."""
    meta, spec = workload["metadata"], workload["spec"]
    template = spec["template"]
    lean_spec: dict[str, Any] = {"replicas": spec["replicas"], "selector": spec["selector"]}
    if "serviceName" in spec:
        lean_spec["serviceName"] = spec["serviceName"]
    lean_spec["template"] = {
        "metadata": {"labels": template["metadata"]["labels"]},
        "spec": {"containers": _lean_containers(template["spec"]["containers"])},
    }
    return {
        "apiVersion": workload["apiVersion"],
        "kind": workload["kind"],
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": meta["labels"]},
        "spec": lean_spec,
    }


# --- policies ------------------------------------------------------------------


def _policy(ns: str, name: str, selector: dict[str, Any], types: Sequence[str], **rules: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector, "policyTypes": list(types)}
    spec.update(rules)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def _match(**labels: str) -> dict[str, Any]:
    return {"matchLabels": dict(labels)}


def _labels(pairs: dict[str, str]) -> dict[str, Any]:
    return {"matchLabels": dict(pairs)}


def _expr(key: str, operator: str, values: Sequence[str] = ()) -> dict[str, Any]:
    term: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        term["values"] = list(values)
    return term


def _ns_is(name: str) -> dict[str, Any]:
    return _labels({NAME_LABEL: name})


def _ports(*specs: tuple[int | str, str] | tuple[int, str, int]) -> list[dict[str, Any]]:
    out = []
    for spec in specs:
        entry: dict[str, Any] = {"protocol": spec[1], "port": spec[0]}
        if len(spec) == 3:
            entry["endPort"] = spec[2]
        out.append(entry)
    return out


class _PolicyPlan:
    """The policies of one application namespace, most important first."""

    def __init__(self, rng: random.Random, ns: Ns, siblings: Sequence[Ns]) -> None:
        self.rng = rng
        self.ns = ns
        self.siblings = [s for s in siblings if s is not ns and s.apps]  # same team, other envs
        self.by_tier: dict[str, list[App]] = {}
        for app in ns.apps:
            if not app.name.endswith("-canary"):
                self.by_tier.setdefault(app.tier, []).append(app)

    def _apps(self, *tiers: str) -> list[App]:
        return [a for t in tiers for a in self.by_tier.get(t, [])]

    def _callers(self, app: App) -> list[str]:
        """``app`` label values of a few apps in this namespace that call ``app``."""
        tiers = {"backend": ("api", "frontend", "backend", "worker")}.get(app.tier, ("api",))
        pool = [a.app for a in self._apps(*tiers) if a.app != app.app]
        if not pool:
            return []
        return sorted(self.rng.sample(pool, min(len(pool), self.rng.randint(1, 3))))

    def fixed(self) -> list[dict[str, Any]]:
        name = self.ns.name
        return [
            _policy(name, "default-deny", {}, ("Ingress", "Egress")),
            _policy(
                name,
                "allow-dns",
                {},
                ("Egress",),
                egress=[
                    {
                        "to": [{"namespaceSelector": _ns_is("kube-system"), "podSelector": _match(**{"k8s-app": "kube-dns"})}],
                        "ports": _ports((53, "UDP"), (53, "TCP")),
                    }
                ],
            ),
        ]

    def namespace_wide(self) -> list[dict[str, Any]]:
        ns = self.ns
        out = [
            _policy(
                ns.name,
                "allow-prometheus-scrape",
                {"matchExpressions": [_expr("tier", "NotIn", ["db"])]},
                ("Ingress",),
                ingress=[
                    {
                        "from": [
                            {
                                "namespaceSelector": _ns_is("monitoring"),
                                "podSelector": _match(**{"app.kubernetes.io/name": "prometheus"}),
                            }
                        ],
                        "ports": [{"port": "metrics"}],
                    }
                ],
            ),
            _policy(
                ns.name,
                "allow-egress-internet",
                {"matchExpressions": [_expr("tier", "In", ["api", "backend", "worker"])]},
                ("Egress",),
                egress=[{"to": [{"ipBlock": INTERNET}], "ports": _ports((443, "TCP"), (80, "TCP"))}],
            ),
        ]
        if ns.index % 3 == 0:
            out.append(
                _policy(
                    ns.name,
                    "allow-egress-partner",
                    _match(tier="backend"),
                    ("Egress",),
                    egress=[{"to": [{"ipBlock": PARTNER}], "ports": _ports((8443, "TCP", 8450))}],
                )
            )
        if ns.index % 5 == 0:
            out.append(
                _policy(
                    ns.name,
                    "allow-from-vpc",
                    _match(tier="api"),
                    ("Ingress",),
                    ingress=[{"from": [{"ipBlock": VPC_EXCEPT_POOL}], "ports": _ports((8080, "TCP"))}],
                )
            )
        if ns.env == "dev":
            out.append(
                _policy(ns.name, "allow-same-namespace", {}, ("Ingress",), ingress=[{"from": [{"podSelector": {}}]}])
            )
        if ns.env == "prod" and self.siblings:
            out.append(
                _policy(
                    ns.name,
                    "allow-team-ingress",
                    _match(tier="api"),
                    ("Ingress",),
                    ingress=[
                        {
                            "from": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {"team": ns.team},
                                        "matchExpressions": [_expr("env", "NotIn", ["dev"])],
                                    }
                                }
                            ],
                            "ports": _ports(("http", "TCP")),
                        }
                    ],
                )
            )
        return out

    def ingress(self, app: App) -> dict[str, Any] | None:
        """Who may call ``app``, by its tier."""
        ns, sel = self.ns.name, _match(app=app.app)
        rules: list[dict[str, Any]]
        if app.tier == "frontend":
            rules = [
                {
                    "from": [
                        {
                            "namespaceSelector": _ns_is("ingress-nginx"),
                            "podSelector": _match(**{"app.kubernetes.io/name": "ingress-nginx"}),
                        }
                    ],
                    "ports": _ports(("http", "TCP")),
                }
            ]
        elif app.tier == "api":
            rules = [
                {"from": [{"podSelector": _match(tier="frontend")}], "ports": _ports(("http", "TCP"))},
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"team": app.team},
                                "matchExpressions": [_expr("env", "In", [self.ns.env])],
                            },
                            "podSelector": {"matchExpressions": [_expr("tier", "In", ["api", "backend"])]},
                        }
                    ],
                    "ports": _ports(("grpc", "TCP")),
                },
            ]
        elif app.tier == "backend":
            callers = self._callers(app)
            peer = (
                {"podSelector": {"matchExpressions": [_expr("app", "In", callers)]}}
                if callers
                else {"podSelector": _match(tier="api")}
            )
            rules = [{"from": [peer], "ports": _ports((8080, "TCP"))}]
        elif app.tier == "db":
            rules = [
                {
                    "from": [{"podSelector": _match(tier="backend")}, {"podSelector": _match(tier="worker")}],
                    "ports": _ports((app.port_numbers[0], "TCP")),
                },
                {"from": [{"podSelector": _match(app=app.app)}], "ports": _ports((app.port_numbers[0], "TCP"))},
            ]
        elif app.tier == "cache":
            rules = [
                {
                    "from": [
                        {
                            "podSelector": {
                                "matchExpressions": [_expr("tier", "In", ["api", "backend"]), _expr("version", "Exists")]
                            }
                        }
                    ],
                    "ports": _ports((app.ports[0][0], "TCP")),
                }
            ]
        elif app.tier == "queue":
            first, last = app.port_numbers[0], app.port_numbers[-1]
            rules = [
                {"from": [{"podSelector": {}}], "ports": _ports((first, "TCP"))},
                {"from": [{"podSelector": _match(app=app.app)}], "ports": _ports((first, "TCP", max(first, last)))},
            ]
        else:  # workers accept nothing but the scrape
            return None
        return _policy(ns, f"{app.name}-ingress", sel, ("Ingress",), ingress=rules)

    def egress(self, app: App) -> dict[str, Any] | None:
        """Whom ``app`` calls, by its tier."""
        ns, sel = self.ns.name, _match(app=app.app)
        rules: list[dict[str, Any]]
        stores = ("db", "cache", "queue")
        store_ports = _ports((5432, "TCP"), (3306, "TCP"), (27017, "TCP"), ("redis", "TCP"), (11211, "TCP"),
                             (5672, "TCP"), (9092, "TCP", 9093), (4222, "TCP"))  # fmt: skip
        if app.tier == "frontend":
            rules = [{"to": [{"podSelector": _match(tier="api")}], "ports": _ports((8080, "TCP"))}]
        elif app.tier == "api":
            rules = [
                {
                    "to": [{"podSelector": {"matchExpressions": [_expr("tier", "In", ["backend"])]}}],
                    "ports": _ports((8080, "TCP"), (50051, "TCP")),
                },
                {
                    "to": [{"namespaceSelector": _labels({"team": app.team}), "podSelector": _match(tier="api")}],
                    "ports": _ports((50051, "TCP")),
                },
            ]
        elif app.tier == "backend":
            rules = [{"to": [{"podSelector": {"matchExpressions": [_expr("tier", "In", list(stores))]}}], "ports": store_ports}]
            peers = [a.app for a in self._apps("backend") if a.app != app.app]
            if peers:
                chosen = sorted(self.rng.sample(peers, min(len(peers), 2)))
                rules.append(
                    {"to": [{"podSelector": {"matchExpressions": [_expr("app", "In", chosen)]}}], "ports": _ports((8080, "TCP"))}
                )
        elif app.tier == "worker":
            rules = [
                {"to": [{"podSelector": {"matchExpressions": [_expr("tier", "In", ["queue", "db"])]}}], "ports": store_ports}
            ]
        else:  # stateful peers replicate among themselves
            rules = [{"to": [{"podSelector": _match(app=app.app)}], "ports": _ports((app.port_numbers[0], app.ports[0][2]))}]
        return _policy(ns, f"{app.name}-egress", sel, ("Egress",), egress=rules)

    def extra(self, app: App, k: int) -> dict[str, Any] | None:
        """One more caller from a sibling namespace: a policy per allowed caller, as teams often write."""
        if app.tier == "worker" or not self.siblings:
            return None
        other = self.siblings[k % len(self.siblings)]
        caller = other.apps[self.rng.randrange(len(other.apps))]
        return _policy(
            self.ns.name,
            f"{app.name}-from-{other.name}-{caller.name}"[:63].rstrip("-"),
            _match(app=app.app),
            ("Ingress",),
            ingress=[
                {
                    "from": [{"namespaceSelector": _ns_is(other.name), "podSelector": _match(app=caller.app)}],
                    "ports": _ports((app.ports[0][0], app.ports[0][2])),
                }
            ],
        )

    def build(self, count: int) -> list[dict[str, Any]]:
        """``count`` policies (at least default-deny and allow-dns)."""
        out = self.fixed() + self.namespace_wide()
        for app in self.ns.apps:
            for make in (self.ingress, self.egress):
                policy = make(app)
                if policy is not None:
                    out.append(policy)
        names = {p["metadata"]["name"] for p in out}
        k = 0
        candidates = [a for a in self.ns.apps if a.tier != "worker"]
        while len(out) < count and candidates and self.siblings and k < 50 * count:
            policy = self.extra(candidates[k % len(candidates)], k // len(candidates))
            k += 1
            if policy is not None and policy["metadata"]["name"] not in names:
                names.add(policy["metadata"]["name"])
                out.append(policy)
        filler = 0
        while len(out) < count:  # a namespace without siblings: numbered variants of the scrape rule
            filler += 1
            out.append(
                _policy(
                    self.ns.name,
                    f"allow-scrape-{filler}",
                    {"matchExpressions": [_expr("tier", "Exists")]},
                    ("Ingress",),
                    ingress=[{"from": [{"namespaceSelector": _ns_is("monitoring")}], "ports": _ports((9090 + filler % 10, "TCP"))}],
                )
            )
        return out[:count]


# --- system namespaces ---------------------------------------------------------


def _system_apps(names: _Names) -> list[App]:
    """CoreDNS, Prometheus and the ingress controller, with their upstream labels."""
    return [
        App("kube-system", "coredns", "coredns", "system", "platform", "v1", "Deployment", 2, names.token(10),
            (("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")),
            upstream_labels={"k8s-app": "kube-dns"}),
        App("monitoring", "prometheus-k8s", "prometheus", "system", "platform", "v1", "StatefulSet", 1,
            f"prometheus-k8s-{names.token(10)}", (("web", 9090, "TCP"),),
            upstream_labels={"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "k8s",
                             "app.kubernetes.io/component": "prometheus"}),
        App("ingress-nginx", "ingress-nginx-controller", "ingress-nginx", "system", "platform", "v1", "Deployment", 2,
            names.token(10), (("http", 80, "TCP"), ("https", 443, "TCP"), ("metrics", 10254, "TCP")),
            upstream_labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx",
                             "app.kubernetes.io/component": "controller"}),
    ]  # fmt: skip


# --- entry points --------------------------------------------------------------


def manifests(
    pods: int = 1000,
    *,
    namespaces: int | None = None,
    policies_per_ns: int = DEFAULT_POLICIES_PER_NS,
    seed: int = 1,
    as_: str = "pods",
    detail: str = "lean",
) -> dict[str, list[dict[str, Any]]]:
    """The cluster's objects by kind group: ``namespaces``, ``workloads``, ``pods``, ``policies``.

    ``pods`` counts every pod, the 5 system pods included (at least one pod per
    application namespace is kept, so tiny sizes may exceed it slightly).
    ``namespaces`` (application namespaces) defaults to one per 100 pods.
    ``detail`` ``lean`` keeps what a manifest would say, ``full`` adds what a
    live export shows (see the module docstring); the cluster is the same.
    """
    if as_ not in AS:
        raise ValueError(f"as_ must be one of {', '.join(AS)}, not {as_!r}")
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    if pods < 1:
        raise ValueError("pods must be at least 1")
    if policies_per_ns < 2:
        raise ValueError("policies_per_ns must be at least 2 (default-deny and allow-dns)")
    count = namespaces if namespaces is not None else max(1, round(pods / DEFAULT_PODS_PER_NAMESPACE))
    if count < 1:
        raise ValueError("namespaces must be at least 1")
    rng = random.Random(seed)
    names = _Names(rng)
    app_namespaces = _namespaces(count)
    for ns in app_namespaces:
        ns.istio = rng.random() < 0.5
    weights = [rng.uniform(0.4, 2.0) for _ in app_namespaces]
    budgets = _split(max(pods - SYSTEM_PODS, count), weights)
    for ns, budget in zip(app_namespaces, budgets):
        _apps(rng, names, ns, budget)
    by_team: dict[str, list[Ns]] = {}
    for ns in app_namespaces:
        by_team.setdefault(ns.team, []).append(ns)

    system = _system_apps(names)
    out: dict[str, list[dict[str, Any]]] = {"namespaces": [], "workloads": [], "pods": [], "policies": []}
    for name in SYSTEM_NAMESPACES:
        out["namespaces"].append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {NAME_LABEL: name}}}
        )
    for ns in app_namespaces:
        out["namespaces"].append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns.name, "labels": ns.labels}})

    total_pods = SYSTEM_PODS + sum(a.replicas for ns in app_namespaces for a in ns.apps)
    nodes = _Nodes(max(1, math.ceil(total_pods / PODS_PER_NODE)))
    everything: list[tuple[App, str]] = [(app, "prod") for app in system]
    everything += [(app, ns.env) for ns in app_namespaces for app in ns.apps]
    lean = detail == "lean"
    for app, env in everything:
        workload = _workload(app, env, names)
        if as_ != "pods-only":
            out["workloads"].append(_lean_workload(workload) if lean else workload)
        pods_of_app = _pods(app, env, names, nodes, rng)  # drawn in every mode: same cluster
        if as_ in ("pods", "pods-only"):
            out["pods"].extend([_lean_pod(p) for p in pods_of_app] if lean else pods_of_app)
    for ns in app_namespaces:
        plan = _PolicyPlan(rng, ns, by_team[ns.team])
        out["policies"].extend(plan.build(policies_per_ns))
    return out


def _dump(documents: Sequence[dict[str, Any]], format: str = "yaml") -> str:
    if format == "json":  # one List, as `kubectl get ... -o json` prints several objects
        return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(documents), "metadata": {"resourceVersion": ""}},
                          indent=4) + "\n"
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000)


def generate(
    pods: int = 1000,
    *,
    namespaces: int | None = None,
    policies_per_ns: int = DEFAULT_POLICIES_PER_NS,
    seed: int = 1,
    as_: str = "pods",
    detail: str = "lean",
    format: str = "yaml",
) -> str:
    """The whole cluster as one multi-document YAML text (namespaces, workloads, pods, policies),
    or with ``format="json"`` as one JSON ``List``."""
    groups = manifests(pods, namespaces=namespaces, policies_per_ns=policies_per_ns, seed=seed, as_=as_, detail=detail)
    return _dump([doc for group in groups.values() for doc in group], format)


def write(target: str | Path, **params: Any) -> list[Path]:
    """Write the cluster to a file, or to a directory as one file per kind group; returns the paths."""
    target = Path(target)
    if target.is_dir():
        groups = manifests(**params)
        paths = []
        for i, (group, documents) in enumerate(groups.items()):
            if not documents:
                continue
            path = target / f"{i:02d}-{group}.yaml"
            path.write_text(_dump(documents))
            paths.append(path)
        return paths
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(generate(**params))
    return [target]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.gen --pods N -o FILE|DIR``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=1000, help="pods in the cluster, system pods included (default 1000)")
    parser.add_argument("--namespaces", type=int, default=None, help="application namespaces (default: pods / 100)")
    parser.add_argument("--policies-per-ns", type=int, default=DEFAULT_POLICIES_PER_NS, help="policies per application namespace (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--as", dest="as_", choices=AS, default="pods",
                        help="emit Pods too, only workloads, or only Pods (no workloads, as a pods dump) (default pods)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml", help="YAML documents or one JSON List (default yaml)")
    parser.add_argument("--detail", choices=DETAILS, default="lean", help="lean: manifest-like objects (~1.3 KB/pod); full: as a live export (~3 KB/pod) (default lean)")
    parser.add_argument("-o", "--output", default="-", help="a file, an existing directory (one file per kind), or - for stdout")
    args = parser.parse_args(argv)
    params = dict(pods=args.pods, namespaces=args.namespaces, policies_per_ns=args.policies_per_ns, seed=args.seed, as_=args.as_, detail=args.detail)
    try:
        if args.output == "-" or args.format == "json":
            text = generate(**params, format=args.format)
            if args.output == "-":
                sys.stdout.write(text)
            else:
                Path(args.output).write_text(text)
        else:
            for path in write(args.output, **params):
                print(path, file=sys.stderr)
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
