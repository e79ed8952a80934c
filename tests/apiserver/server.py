"""A Kubernetes API server for tests, on 127.0.0.1 over TLS, speaking the real wire format.

What it serves, as the real API server does (https://kubernetes.io/docs/reference/using-api/api-concepts/):

- discovery: ``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/GROUP/VERSION`` (legacy discovery
  documents; a client asking for aggregated discovery gets these, as from an older server);
- lists (cluster-wide and per namespace) with ``limit``/``continue``, ``remainingItemCount`` and
  ``resourceVersion``; items carry no ``kind``/``apiVersion``, as in real list responses;
- get, create (POST) and delete, with a garbage collector for ownerReferences, ``watch=true`` as a
  chunked stream of JSON events, and ``pods/NAME/log``;
- authentication by bearer token or client certificate (signed by the test CA), ``401`` otherwise;
  authorization by RBAC-style rules per user (``403`` with the real message), rules that can be
  read straight from a ClusterRole manifest;
- errors as ``Status`` objects: ``401``, ``403``, ``404`` (an absent kind), ``410 Expired`` on a
  continue token the test expired, and responses held until the test releases them.

Pods need a kubelet: ``kubelet(server, pod)`` is called when a pod is created (the probe tests
script it: assign an IP, run, write a log, succeed). Tests never sleep: they wait on
``server.changed`` (a Condition notified on every request and change) through ``wait_for``.
"""

from __future__ import annotations

import base64
import bisect
import copy
import datetime
import json
import ssl
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.apiserver import pki

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
WAIT = 30.0  # seconds: the longest any test waits for anything before failing


@dataclass(frozen=True)
class Kind:
    """One resource the server serves."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = READ + WRITE
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)


BUILTIN = (
    Kind("", "v1", "namespaces", "Namespace", False, short_names=("ns",)),
    Kind("", "v1", "pods", "Pod", True, short_names=("po",)),
    Kind("", "v1", "services", "Service", True, short_names=("svc",)),
    Kind("", "v1", "replicationcontrollers", "ReplicationController", True, short_names=("rc",)),
    Kind("", "v1", "nodes", "Node", False, short_names=("no",)),
    Kind("", "v1", "configmaps", "ConfigMap", True, short_names=("cm",)),
    Kind("", "v1", "secrets", "Secret", True),
    Kind("", "v1", "serviceaccounts", "ServiceAccount", True, short_names=("sa",)),
    Kind("apps", "v1", "deployments", "Deployment", True, short_names=("deploy",)),
    Kind("apps", "v1", "statefulsets", "StatefulSet", True, short_names=("sts",)),
    Kind("apps", "v1", "daemonsets", "DaemonSet", True, short_names=("ds",)),
    Kind("apps", "v1", "replicasets", "ReplicaSet", True, short_names=("rs",)),
    Kind("batch", "v1", "jobs", "Job", True),
    Kind("batch", "v1", "cronjobs", "CronJob", True, short_names=("cj",)),
    Kind("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, short_names=("netpol",)),
    Kind("networking.k8s.io", "v1", "ingresses", "Ingress", True, short_names=("ing",)),
    Kind("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, short_names=("pdb",)),
    Kind("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
)

#: Optional APIs a test can install, as CRDs would add them.
CRDS: dict[str, tuple[Kind, ...]] = {
    "admin-policies": (
        Kind("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", False,
             short_names=("anp",)),
        Kind("policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy",
             False, short_names=("banp",)),
    ),
    "monitoring": (
        Kind("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", True, short_names=("smon",)),
        Kind("monitoring.coreos.com", "v1", "podmonitors", "PodMonitor", True, short_names=("pmon",)),
    ),
    "calico": (
        Kind("crd.projectcalico.org", "v1", "networkpolicies", "NetworkPolicy", True),
        Kind("crd.projectcalico.org", "v1", "globalnetworkpolicies", "GlobalNetworkPolicy", False),
        Kind("crd.projectcalico.org", "v1", "ippools", "IPPool", False),
    ),
    "routes": (Kind("route.openshift.io", "v1", "routes", "Route", True),),
}

SUBRESOURCES = {("", "pods"): ("log",)}


@dataclass(frozen=True)
class Rule:
    """An RBAC PolicyRule: verbs on resources of API groups, optionally in one namespace only."""

    verbs: frozenset[str]
    groups: frozenset[str]
    resources: frozenset[str]
    namespace: str | None = None

    def allows(self, verb: str, group: str, resource: str, namespace: str | None) -> bool:
        if self.namespace is not None and namespace != self.namespace:
            return False
        return (
            (verb in self.verbs or "*" in self.verbs)
            and (group in self.groups or "*" in self.groups)
            and (resource in self.resources or "*" in self.resources)
        )


def rules_from_role(manifest: str | Path) -> list[Rule]:
    """The rules of every ClusterRole/Role in a manifest file (e.g. ``deploy/rbac-readonly.yaml``)."""
    text = Path(manifest).read_text() if isinstance(manifest, Path) else manifest
    rules = []
    for document in yaml.safe_load_all(text):
        if not document or document.get("kind") not in ("ClusterRole", "Role"):
            continue
        for rule in document.get("rules") or []:
            rules.append(
                Rule(frozenset(rule.get("verbs", ())), frozenset(rule.get("apiGroups", ())),
                     frozenset(rule.get("resources", ())))
            )
    return rules


EVERYTHING = [Rule(frozenset({"*"}), frozenset({"*"}), frozenset({"*"}))]


@dataclass
class Request:
    """One request as the server saw it."""

    user: str | None
    method: str
    path: str
    query: dict[str, str]
    status: int = 0


class ApiError(Exception):
    """An error answered as a ``Status`` object."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None,
                 extra_meta: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details = details
        self.extra_meta = extra_meta or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status", "apiVersion": "v1", "metadata": dict(self.extra_meta), "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


Kubelet = Callable[["ApiServer", dict[str, Any]], None]


class ApiServer:
    """The server and its state; start with ``ApiServer.start(tmp_path)`` and ``stop()``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pki = pki.create(directory / "pki")
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.kinds: dict[tuple[str, str], Kind] = {k.key: k for k in BUILTIN}
        self.objects: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {k: {} for k in self.kinds}
        self.revision = 100
        self.events: list[tuple[int, tuple[str, str], str, dict[str, Any]]] = []
        self.tokens: dict[str, str] = {}
        self.rules: dict[str, list[Rule]] = {}
        self.requests: list[Request] = []
        self.expire: set[tuple[str, str]] = set()
        self.held: dict[tuple[str, str], threading.Event] = {}
        self.broken: dict[tuple[str, str], int] = {}
        self.logs: dict[tuple[str, str], str] = {}
        self.expire_watches = 0  # the next N watches answer one ERROR event (410 Expired) and end
        self._sorted: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.kubelet: Kubelet | None = None
        self.stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------

    @classmethod
    def start(cls, directory: Path) -> ApiServer:
        server = cls(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(server.pki.server.cert, server.pki.server.key)
        context.load_verify_locations(server.pki.ca)
        context.verify_mode = ssl.CERT_OPTIONAL
        handler = type("BoundHandler", (_Handler,), {"api": server})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        server._httpd = httpd
        server._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        server._thread.start()
        return server

    def stop(self) -> None:
        self.stopping.set()
        for event in self.held.values():
            event.set()
        with self.changed:
            self.changed.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    # -- configuration by tests ---------------------------------------------------------

    def install(self, *groups: str) -> None:
        """Serve the optional APIs named (keys of ``CRDS``)."""
        with self.lock:
            for name in groups:
                for kind in CRDS[name]:
                    self.kinds[kind.key] = kind
                    self.objects.setdefault(kind.key, {})

    def add_user(self, user: str, rules: list[Rule], token: str | None = None) -> None:
        with self.lock:
            self.rules[user] = list(rules)
            if token is not None:
                self.tokens[token] = user

    def put(self, *objects: dict[str, Any], adopt: bool = False) -> None:
        """Store objects (with apiVersion and kind), setting what the server sets.

        ``adopt``: store the dicts themselves, not copies, and record no watch events (bulk loads).
        """
        with self.changed:
            for obj in objects:
                kind = self.kind_of(obj["apiVersion"], obj["kind"])
                self._store(kind, obj if adopt else copy.deepcopy(obj), None if adopt else "ADDED")
            self.changed.notify_all()

    def kind_of(self, api_version: str, kind_name: str) -> Kind:
        group = api_version.rpartition("/")[0]
        for kind in self.kinds.values():
            if kind.group == group and kind.kind == kind_name:
                return kind
        raise KeyError(f"{kind_name} ({api_version}) is not served")

    def items(self, plural: str, group: str = "") -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(o) for _, o in sorted(self.objects.get((group, plural), {}).items())]

    def hold(self, plural: str, group: str = "") -> threading.Event:
        """Hold every list of this resource until the returned event is set."""
        event = threading.Event()
        self.held[(group, plural)] = event
        return event

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        """Block until ``predicate()`` holds (checked on every change); fail after ``WAIT`` seconds."""
        with self.changed:
            if not self.changed.wait_for(predicate, timeout=WAIT):
                raise AssertionError(f"timed out waiting for {what}")

    def served(self, plural: str, group: str = "") -> list[Request]:
        """Requests that listed or watched this resource."""
        prefix = "/api/v1" if not group else f"/apis/{group}/"
        with self.lock:
            return [r for r in self.requests
                    if r.path.startswith(prefix) and r.path.rstrip("/").split("/")[-1] == plural]

    # -- state ------------------------------------------------------------------------

    def _store(self, kind: Kind, obj: dict[str, Any], event: str | None) -> dict[str, Any]:
        self.revision += 1
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.UUID(int=self.revision)))
        meta.setdefault("creationTimestamp", now())
        meta["resourceVersion"] = str(self.revision)
        if kind.namespaced:
            meta.setdefault("namespace", "default")
        obj["apiVersion"], obj["kind"] = kind.api_version, kind.kind
        key = (meta.get("namespace", "") if kind.namespaced else "", meta["name"])
        self.objects[kind.key][key] = obj
        self._sorted.pop(kind.key, None)
        if event is not None:
            self.events.append((self.revision, kind.key, event, copy.deepcopy(obj)))
        return obj

    def update(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Replace an object (the kubelet's status updates), emitting MODIFIED."""
        with self.changed:
            kind = self.kind_of(obj["apiVersion"], obj["kind"])
            meta = obj["metadata"]
            if (meta.get("namespace", "") if kind.namespaced else "", meta["name"]) not in self.objects[kind.key]:
                return copy.deepcopy(obj)  # deleted meanwhile: a status update does not bring it back
            stored = self._store(kind, copy.deepcopy(obj), "MODIFIED")
            self.changed.notify_all()
            return copy.deepcopy(stored)

    def delete(self, kind: Kind, namespace: str, name: str) -> dict[str, Any] | None:
        with self.changed:
            obj = self.objects[kind.key].pop((namespace if kind.namespaced else "", name), None)
            if obj is None:
                return None
            self._sorted.pop(kind.key, None)
            self.revision += 1
            obj["metadata"]["resourceVersion"] = str(self.revision)
            self.events.append((self.revision, kind.key, "DELETED", copy.deepcopy(obj)))
            self._collect_garbage(obj["metadata"]["uid"])
            if kind.kind == "Namespace":
                for other in self.kinds.values():
                    if other.namespaced:
                        for key in [k for k in self.objects[other.key] if k[0] == name]:
                            self.delete(other, key[0], key[1])
            self.changed.notify_all()
            return obj

    def _collect_garbage(self, owner_uid: str) -> None:
        """Delete the dependents of a deleted owner, as the garbage collector does (background)."""
        for kind in self.kinds.values():
            for (namespace, name), obj in list(self.objects[kind.key].items()):
                refs = obj["metadata"].get("ownerReferences") or []
                if any(ref.get("uid") == owner_uid for ref in refs):
                    self.delete(kind, namespace, name)

    # -- request handling ---------------------------------------------------------------------

    def authorize(self, user: str, verb: str, kind: Kind, namespace: str | None, subresource: str = "") -> None:
        resource = f"{kind.plural}/{subresource}" if subresource else kind.plural
        for rule in self.rules.get(user, []):
            if rule.allows(verb, kind.group, resource, namespace):
                return
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        raise ApiError(
            403, "Forbidden",
            f'{resource} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group '
            f'"{kind.group}" {scope}',
            {"kind": kind.plural} if not subresource else {"kind": kind.plural, "name": ""},
        )

    def list_page(self, kind: Kind, namespace: str | None, query: dict[str, str]) -> dict[str, Any]:
        selector = _selector(query.get("labelSelector", ""))
        limit = int(query.get("limit", "0") or 0)
        token = query.get("continue")
        with self.lock:
            after: list[str] | None = None
            if token:
                if kind.key in self.expire:
                    self.expire.discard(kind.key)
                    raise ApiError(
                        410, "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can "
                        "start a new list without the continue parameter, or use the continue token in this response "
                        "to retrieve the remainder of the results. Continuing with the provided token results in an "
                        "inconsistent list - objects that were created, modified, or deleted between the time the "
                        "first chunk was returned and now may show up in the list.",
                        extra_meta={"continue": token},
                    )
                try:
                    after = json.loads(base64.b64decode(token))["after"]
                except (ValueError, KeyError):
                    raise ApiError(400, "BadRequest", "continue key is not valid: invalid token") from None
            keys = self._sorted.get(kind.key)
            if keys is None:
                keys = self._sorted[kind.key] = sorted(self.objects[kind.key])
            start = 0 if after is None else bisect.bisect_right(keys, (after[0], after[1]))
            store = self.objects[kind.key]
            chosen = []
            for key in keys[start:]:
                obj = store[key]
                if (namespace is None or key[0] == namespace) and selector(obj["metadata"].get("labels") or {}):
                    chosen.append(obj)
                    if limit and len(chosen) > limit:
                        break
            meta: dict[str, Any] = {"resourceVersion": str(self.revision)}
            if limit and len(chosen) > limit:
                last = chosen[limit - 1]["metadata"]
                last_key = [last.get("namespace", "") if kind.namespaced else "", last["name"]]
                meta["continue"] = base64.b64encode(json.dumps({"after": last_key}).encode()).decode()
                if not query.get("labelSelector"):  # the API server only counts unfiltered lists
                    remaining = sum(1 for key in keys[start:] if namespace is None or key[0] == namespace) - limit
                    meta["remainingItemCount"] = remaining
                chosen = chosen[:limit]
            items = []
            for obj in chosen:
                item = copy.deepcopy(obj)
                item.pop("apiVersion", None)
                item.pop("kind", None)
                items.append(item)
        return {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": meta, "items": items}


def _selector(text: str) -> Callable[[dict[str, str]], bool]:
    """Equality-based label selectors (``a=b,c!=d,e``), what podwall and kubectl send here."""
    tests: list[Callable[[dict[str, str]], bool]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "!=" in part:
            k, v = part.split("!=", 1)
            tests.append(lambda labels, k=k, v=v: labels.get(k) != v)
        elif "=" in part:
            k, v = part.split("=", 1)
            k = k.rstrip("=")
            v = v.lstrip("=")
            tests.append(lambda labels, k=k, v=v: labels.get(k) == v)
        else:
            tests.append(lambda labels, k=part: k in labels)
    return lambda labels: all(t(labels) for t in tests)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: ApiServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the request log is ``api.requests``."""

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError):
            self.close_connection = True

    # -- plumbing -------------------------------------------------------------------------

    def _user(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":  # the scheme is case-insensitive (RFC 7235)
            return self.api.tokens.get(header[7:].strip())
        try:
            cert = self.connection.getpeercert()
        except (ValueError, AttributeError):
            cert = None
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return str(value)
        return None

    def _send_json(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_text(self, code: int, text: str) -> None:
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length", "0") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        user = self._user()
        record = Request(user, method, parts.path, query)
        with self.api.changed:
            self.api.requests.append(record)
            self.api.changed.notify_all()
        try:
            if user is None:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            self._route(method, user, parts.path, query)
            record.status = 200
        except ApiError as error:
            record.status = error.code
            if method == "POST" and self.headers.get("Content-Length"):
                self.rfile.read(int(self.headers["Content-Length"]))
            self._send_json(error.code, error.status())
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        with self.api.changed:
            self.api.changed.notify_all()

    # -- routes ---------------------------------------------------------------------------

    def _route(self, method: str, user: str, path: str, query: dict[str, str]) -> None:
        api = self.api
        segments = [s for s in path.split("/") if s]
        if path == "/version":
            return self._send_json(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-podwall-test",
                                         "platform": "linux/amd64"})
        if segments == ["api"]:
            return self._send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})
        if segments == ["apis"]:
            return self._send_json(200, self._group_list())
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif len(segments) >= 3 and segments[0] == "apis":
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        with api.lock:
            served = [k for k in api.kinds.values() if k.group == group and k.version == version]
        if not served:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        if not rest:
            return self._send_json(200, self._resource_list(group, version, served))
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        kind = next((k for k in served if k.plural == rest[0]), None)
        if kind is None or (namespace is not None and not kind.namespaced):
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else ""
        if method == "GET" and name is None:
            watching = query.get("watch") in ("true", "1")
            api.authorize(user, "watch" if watching else "list", kind, namespace)
            if kind.key in api.broken:
                raise ApiError(api.broken[kind.key], "InternalError", "an error on the server (\"\") has prevented "
                               "the request from succeeding")
            held = api.held.get(kind.key)
            if held is not None and not held.wait(WAIT):
                raise ApiError(504, "Timeout", "held too long by the test")
            if watching:
                return self._watch(kind, namespace, query)
            return self._send_json(200, api.list_page(kind, namespace, query))
        if method == "GET" and subresource == "log":
            api.authorize(user, "get", kind, namespace, "log")
            with api.lock:
                if (namespace or "", name) not in api.objects[kind.key]:
                    raise ApiError(404, "NotFound", f'pods "{name}" not found', {"name": name, "kind": "pods"})
                text = api.logs.get((namespace or "", name or ""), "")
            return self._send_text(200, text)
        if method == "GET":
            # A namespace's own requests are attributed to that namespace (the API server's RequestInfo).
            api.authorize(user, "get", kind, name if kind.kind == "Namespace" else namespace)
            with api.lock:
                obj = api.objects[kind.key].get((namespace or "", name or ""))
            if obj is None:
                raise ApiError(404, "NotFound", f'{kind.plural} "{name}" not found',
                               {"name": name, "group": kind.group, "kind": kind.plural})
            return self._send_json(200, obj)
        if method == "POST" and name is None:
            api.authorize(user, "create", kind, namespace)
            body = self._body()
            body.setdefault("metadata", {})
            if namespace is not None:
                body["metadata"]["namespace"] = namespace
            with api.changed:
                if (namespace or "", body["metadata"].get("name", "")) in api.objects[kind.key]:
                    raise ApiError(409, "AlreadyExists", f'{kind.plural} "{body["metadata"]["name"]}" already exists')
                if namespace is not None and ("", namespace) not in api.objects[("", "namespaces")]:
                    raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found')
                created = api._store(kind, body, "ADDED")
                if kind.kind == "Pod":
                    created.setdefault("status", {"phase": "Pending"})
                api.changed.notify_all()
                result = copy.deepcopy(created)
            if kind.kind == "Pod" and api.kubelet is not None:
                threading.Thread(target=api.kubelet, args=(api, copy.deepcopy(result)), daemon=True).start()
            return self._send_json(201, result)
        if method == "DELETE" and name is not None:
            api.authorize(user, "delete", kind, namespace)
            if int(self.headers.get("Content-Length", "0") or 0):
                self._body()
            deleted = api.delete(kind, namespace or "", name)
            if deleted is None:
                raise ApiError(404, "NotFound", f'{kind.plural} "{name}" not found',
                               {"name": name, "group": kind.group, "kind": kind.plural})
            return self._send_json(200, deleted)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _group_list(self) -> dict[str, Any]:
        with self.api.lock:
            groups: dict[str, list[str]] = {}
            for kind in self.api.kinds.values():
                if kind.group:
                    versions = groups.setdefault(kind.group, [])
                    if kind.version not in versions:
                        versions.append(kind.version)
        return {
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": [
                {"name": name,
                 "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in versions],
                 "preferredVersion": {"groupVersion": f"{name}/{versions[0]}", "version": versions[0]}}
                for name, versions in sorted(groups.items())
            ],
        }

    def _resource_list(self, group: str, version: str, kinds: Iterable[Kind]) -> dict[str, Any]:
        resources = []
        for kind in kinds:
            entry: dict[str, Any] = {"name": kind.plural, "singularName": kind.kind.lower(),
                                     "namespaced": kind.namespaced, "kind": kind.kind, "verbs": list(kind.verbs),
                                     "storageVersionHash": base64.b64encode(kind.kind.encode()).decode()[:11]}
            if kind.short_names:
                entry["shortNames"] = list(kind.short_names)
            resources.append(entry)
            for sub in SUBRESOURCES.get(kind.key, ()):
                resources.append({"name": f"{kind.plural}/{sub}", "singularName": "", "namespaced": kind.namespaced,
                                  "kind": kind.kind, "verbs": ["get"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version, "resources": resources}

    def _watch(self, kind: Kind, namespace: str | None, query: dict[str, str]) -> None:
        """Stream events after ``resourceVersion`` as chunked JSON lines, until the client or the server stops."""
        api = self.api
        selector = _selector(query.get("labelSelector", ""))
        since = int(query.get("resourceVersion") or 0)
        deadline = float(query.get("timeoutSeconds") or WAIT)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        if api.expire_watches:
            api.expire_watches -= 1
            status = ApiError(410, "Expired", f"too old resource version: {since} ({api.revision})").status()
            line = json.dumps({"type": "ERROR", "object": status}).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(line), line))
            self.wfile.flush()
            return
        sent = since
        stop_at = threading.Event()
        timer = threading.Timer(deadline, stop_at.set)
        timer.daemon = True
        timer.start()
        try:
            while not api.stopping.is_set() and not stop_at.is_set():
                with api.changed:
                    fresh = [e for e in api.events if e[0] > sent and e[1] == kind.key]
                    if not fresh:
                        api.changed.wait(0.2)
                        continue
                for revision, _, kind_of_event, obj in fresh:
                    sent = revision
                    meta = obj["metadata"]
                    if namespace is not None and meta.get("namespace") != namespace:
                        continue
                    if not selector(meta.get("labels") or {}):
                        continue
                    line = json.dumps({"type": kind_of_event, "object": obj}).encode() + b"\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        finally:
            timer.cancel()


def kubeconfig(server: ApiServer, path: Path, *, user: str = "reader", token: str | None = None,
               client: pki.Pair | None = None, context: str = "test", namespace: str | None = None,
               extra_user: dict[str, Any] | None = None, server_url: str | None = None) -> Path:
    """Write a kubeconfig for ``server`` authenticating with ``token`` or a client certificate."""
    auth: dict[str, Any] = dict(extra_user or {})
    if token is not None:
        auth["token"] = token
    if client is not None:
        auth["client-certificate"] = str(client.cert)
        auth["client-key"] = str(client.key)
    ctx: dict[str, Any] = {"cluster": "test-cluster", "user": user}
    if namespace:
        ctx["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "test-cluster",
                      "cluster": {"server": server_url or server.url, "certificate-authority": str(server.pki.ca)}}],
        "users": [{"name": user, "user": auth}],
        "contexts": [{"name": context, "context": ctx}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def serving(directory: Path, objects: Iterable[dict[str, Any]], user: str, rules: list[Rule],
            token: str) -> Iterator[ApiServer]:
    """A started server holding ``objects``, with one user holding ``rules`` by ``token``; always stopped."""
    server = ApiServer.start(directory)
    server.add_user(user, rules, token=token)
    server.put(*objects)
    try:
        yield server
    finally:
        server.stop()
