"""Reaching the API server: kubeconfig or in-cluster configuration, requests, and one-line errors.

This is the only module that touches the official ``kubernetes`` Python client, and it uses only
the client's configuration side: kubeconfig loading (every auth form the client supports: tokens
and token files, client certificates, exec plugins, ``auth-provider`` OIDC/GCP, ``KUBECONFIG``
lists merged like kubectl), in-cluster service-account configuration, and the TLS-configured
connection pool. Requests are plain HTTP through that pool, and responses are decoded with
``json``: the client's generated model classes are never built (they cost ~10x the decoding for a
large PodList, and their calling conventions change between client versions).

Every failure becomes a ``ClusterError``: one line that says which server and which context, and
what to do.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from podwall.errors import PodwallError
from podwall.model.quick import frozen

#: Where the in-cluster configuration comes from (the service account the pod runs as).
SERVICE_HOST_ENV = "KUBERNETES_SERVICE_HOST"
DEFAULT_KUBECONFIG = os.path.join("~", ".kube", "config")
IN_CLUSTER = "in-cluster"
INSTALL_HINT = "pip install 'podwall[cluster]'"
RBAC_HINT = "podwall needs read-only access: 'podwall rbac | kubectl apply -f -' (deploy/rbac-readonly.yaml)"
PROBE_RBAC_HINT = "podwall probe needs its own role: 'podwall rbac --probe | kubectl apply -f -' (deploy/rbac-probe.yaml)"


class ClusterError(PodwallError):
    """The live cluster cannot be read: unreachable, credentials, forbidden, or a kind not served."""


class ApiStatusError(ClusterError):
    """The API server answered with an error ``Status``; ``code`` and ``reason`` as it sent them."""

    def __init__(self, message: str, code: int, reason: str, status: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.status = status


@frozen
class ClusterSource:
    """Which cluster to read.

    ``kubeconfig``: a path (or ``:``-separated paths, like ``KUBECONFIG``); None means
    ``$KUBECONFIG``, else ``~/.kube/config``, else the in-cluster configuration when running in a
    pod. ``context``: a kubeconfig context, None for the current one. ``timeout``: seconds to
    connect and for each read of a response.
    """

    kubeconfig: str | None = None
    context: str | None = None
    timeout: float = 60.0


class Connection:
    """An authenticated connection to one API server."""

    def __init__(self, configuration: Any, context: str, server: str, namespace: str | None,
                 auth_messages: list[str], timeout: float) -> None:
        import urllib3

        from kubernetes.client import ApiClient

        self._configuration = configuration
        self._client = ApiClient(configuration)
        self._pool = self._client.rest_client.pool_manager
        self._auth_messages = auth_messages
        self._seconds = timeout
        self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.context = context
        self.server = server
        self.namespace = namespace

    @property
    def where(self) -> str:
        """``the API server at URL (context "NAME")`` for messages."""
        if self.context == IN_CLUSTER:
            return f"the API server at {self.server} (in-cluster configuration)"
        return f'the API server at {self.server} (context "{self.context}")'

    def close(self) -> None:
        """Release the connection pool."""
        self._pool.clear()

    # -- requests ------------------------------------------------------------------------

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": "podwall"}
        with _captured(self._auth_messages):
            settings = self._configuration.auth_settings()
        for setting in settings.values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        return headers

    def request(self, method: str, path: str, query: Mapping[str, Any] | None = None, *,
                body: Any = None, accept: str = "application/json", stream: bool = False) -> Any:
        """Send one request; the decoded JSON body, or with ``stream`` the open response.

        Raises ``ApiStatusError`` for an error status and ``ClusterError`` when the server
        cannot be reached.
        """
        import urllib3

        url = self.server.rstrip("/") + path
        params = {k: v for k, v in (query or {}).items() if v is not None and v != ""}
        if params:
            url += "?" + urlencode(params)
        headers = self._headers(accept)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            response = self._pool.request(method, url, body=data, headers=headers, preload_content=False,
                                          timeout=self._timeout, retries=False)
        except urllib3.exceptions.ReadTimeoutError:
            raise ClusterError(f"{self.where} did not answer within {self._seconds:g} s") from None
        except urllib3.exceptions.HTTPError as error:
            raise ClusterError(f"cannot reach {self.where}: {_reason(error)}") from None
        if response.status >= 400:
            try:
                payload = response.data
            except urllib3.exceptions.HTTPError as error:
                raise ClusterError(f"cannot read from {self.where}: {_reason(error)}") from None
            finally:
                response.release_conn()
            probing = method != "GET" or path.endswith("/log") or bool(params.get("watch"))
            raise self._status_error(response.status, payload, writes=probing)
        if stream:
            return response
        try:
            payload = response.data
        except urllib3.exceptions.HTTPError as error:
            raise ClusterError(f"cannot read from {self.where}: {_reason(error)}") from None
        finally:
            response.release_conn()
        if accept != "application/json":
            return payload.decode("utf-8", "replace")
        try:
            return json.loads(payload)
        except ValueError:
            raise ClusterError(f"{self.where} answered {path} with something that is not JSON") from None

    def get(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        """GET and decode JSON."""
        return self.request("GET", path, query)

    def lines(self, path: str, query: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """A watch: one decoded JSON event per line until the server ends the stream."""
        import urllib3

        response = self.request("GET", path, query, stream=True)
        buffer = b""
        try:
            for chunk in response.stream(65536, decode_content=True):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield json.loads(line)
            if buffer.strip():
                yield json.loads(buffer)
        except urllib3.exceptions.ReadTimeoutError:
            return  # nothing happened for a whole timeout: the caller checks its deadline and watches again
        except urllib3.exceptions.HTTPError as error:
            raise ClusterError(f"watch on {self.where} ended: {_reason(error)}") from None
        finally:
            response.close()  # a watch left early must not go back to the pool half read
            response.release_conn()

    def _status_error(self, code: int, payload: bytes, writes: bool = False) -> ApiStatusError:
        try:
            status = json.loads(payload)
        except ValueError:
            status = {}
        if not isinstance(status, dict):
            status = {}
        reason = str(status.get("reason") or "")
        message = " ".join(str(status.get("message") or payload[:200].decode("utf-8", "replace")).split())
        if code == 401:
            said = f"; the auth plugin said: {self._auth_messages[-1]}" if self._auth_messages else ""
            text = (f"{self.where} rejected the credentials (401 Unauthorized): they are missing or "
                    f"expired{said}")
        elif code == 403:
            text = f"{self.where}: forbidden: {message}; {PROBE_RBAC_HINT if writes else RBAC_HINT}"
        else:
            text = f"{self.where}: {code} {reason or 'error'}: {message}"
        return ApiStatusError(text, code, reason, status)


class _Capture(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(" ".join(record.getMessage().split()))


class _captured:
    """Collect what the client logs at ERROR level (its exec plugin's failures) instead of printing it."""

    def __init__(self, sink: list[str]) -> None:
        self.handler = _Capture(sink)

    def __enter__(self) -> None:
        logging.getLogger().addHandler(self.handler)

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self.handler)


def _reason(error: Exception) -> str:
    """The innermost reason of a urllib3 error, in words."""
    seen = error
    while True:
        inner = getattr(seen, "reason", None)
        if not isinstance(inner, Exception) or inner is seen:
            break
        seen = inner
    text = str(seen)
    for marker in ("Connection refused", "Name or service not known", "certificate verify failed",
                   "timed out", "No route to host", "Temporary failure in name resolution"):
        if marker.lower() in text.lower():
            return marker.lower()
    return " ".join(text.split())


def client_module() -> Any:
    """The ``kubernetes`` package, or a ``ClusterError`` saying how to install it."""
    try:
        import kubernetes  # noqa: F401 - imported for its side effect of being available
        from kubernetes import client, config
    except ImportError:
        raise ClusterError(f"reading a live cluster needs the Kubernetes Python client: {INSTALL_HINT}") from None
    return client, config


def connect(source: ClusterSource = ClusterSource(), environ: Mapping[str, str] | None = None) -> Connection:
    """Load the configuration ``source`` names and return a Connection (no request is sent yet)."""
    environ = os.environ if environ is None else environ
    client, config = client_module()
    paths = source.kubeconfig or environ.get("KUBECONFIG") or ""
    explicit = bool(paths)
    if not paths:
        default = os.path.expanduser(DEFAULT_KUBECONFIG)
        if os.path.exists(default):
            paths = default
    existing = [p for p in paths.split(os.pathsep) if p and os.path.exists(os.path.expanduser(p))]
    if not existing:
        if not explicit and environ.get(SERVICE_HOST_ENV) and source.context is None:
            return _in_cluster(client, config, source)
        if explicit:
            raise ClusterError(f"no kubeconfig: {paths} does not exist")
        raise ClusterError(
            f"no kubeconfig: {DEFAULT_KUBECONFIG} does not exist and KUBECONFIG is not set "
            "(use --kubeconfig, or run inside a pod for the in-cluster configuration)"
        )
    joined = os.pathsep.join(os.path.expanduser(p) for p in existing)
    for path in existing:
        _check_kubeconfig(os.path.expanduser(path))
    messages: list[str] = []
    try:
        with _captured(messages):
            contexts, current = config.list_kube_config_contexts(config_file=joined)
    except Exception as error:  # noqa: BLE001 - the client raises many kinds for a bad file
        raise ClusterError(f"cannot read kubeconfig {joined}: {_config_reason(error)}") from None
    names = [c.get("name") for c in contexts or []]
    name = source.context or (current or {}).get("name")
    if not name:
        raise ClusterError(f"kubeconfig {joined} has no current context: use --context (contexts: {', '.join(names)})")
    if name not in names:
        raise ClusterError(f"no context \"{name}\" in kubeconfig {joined} (contexts: {', '.join(names) or 'none'})")
    entry = next(c for c in contexts if c.get("name") == name)
    configuration = client.Configuration()
    try:
        with _captured(messages):
            config.load_kube_config(config_file=joined, context=name, client_configuration=configuration,
                                    persist_config=False)
    except Exception as error:  # noqa: BLE001 - ConfigException, ValueError, OSError...
        raise ClusterError(f'cannot use context "{name}" of kubeconfig {joined}: {_config_reason(error)}') from None
    _pool_for_threads(configuration)
    namespace = (entry.get("context") or {}).get("namespace")
    return Connection(configuration, name, configuration.host, namespace, messages, source.timeout)


_KUBECONFIG_LISTS = ("clusters", "contexts", "users")


def _check_kubeconfig(path: str) -> None:
    """A kubeconfig file is a YAML mapping whose clusters, contexts and users are lists of mappings.

    The client's own errors for anything else are Python's ("'str' object does not support
    item assignment"); this says what is wrong, and where.
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ClusterError(f"cannot read kubeconfig {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not YAML"
        raise ClusterError(f"cannot read kubeconfig {path}{where}: {problem}") from None
    if data is None:
        return  # an empty file is an empty configuration, as for kubectl
    expected = "a mapping with apiVersion: v1, kind: Config, clusters, contexts and users"
    if not isinstance(data, dict):
        raise ClusterError(f"kubeconfig {path} is not a kubeconfig: {expected} is expected, not "
                           f"{_kind_of(data)}")
    for key in _KUBECONFIG_LISTS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ClusterError(f"kubeconfig {path}: {key}: a list of mappings (- name: ...) is expected, not "
                               f"{_kind_of(value)}")


def _kind_of(value: object) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list" if all(isinstance(v, dict) for v in value) else "a list of values"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _in_cluster(client: Any, config: Any, source: ClusterSource) -> Connection:
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except Exception as error:  # noqa: BLE001
        raise ClusterError(f"cannot use the in-cluster configuration: {_config_reason(error)}") from None
    _pool_for_threads(configuration)
    namespace = None
    try:
        with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding="utf-8") as handle:
            namespace = handle.read().strip() or None
    except OSError:
        pass
    return Connection(configuration, IN_CLUSTER, configuration.host, namespace, [], source.timeout)


def _pool_for_threads(configuration: Any) -> None:
    """Enough pooled connections for the concurrent lists (and no retries hidden from us)."""
    configuration.connection_pool_maxsize = max(getattr(configuration, "connection_pool_maxsize", 0) or 0, 8)


def _config_reason(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text.removeprefix("Invalid kube-config file. ")
