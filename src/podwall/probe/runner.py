"""Run a probe plan against the API: owner, destination twins, source twins, logs, cleanup.

1. Create the run's owner (a namespace ``podwall-probe-RUN``); every twin names it as controller.
2. Create the destination twins; watch until each runs with an IP (or fails to start).
3. Create the source twins, each with its targets (the destination twins' IPs and ports); watch
   until each has finished.
4. Read each source twin's log; lay the outcomes beside the engine's verdicts on the twins.
5. Always (success, error, Ctrl-C, SIGTERM turned into an interrupt by the CLI): delete every pod
   labelled with the run, then the owner (whose deletion garbage-collects anything missed).

Existing objects are never changed: podwall only creates and deletes its own.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from podwall.engine import EngineOptions
from podwall.errors import UsageError
from podwall.loader.cluster import ApiStatusError, ClusterError, Connection
from podwall.model import Cluster
from podwall.model.quick import frozen
from podwall.probe.judge import Alternative, Judged, Plugin, Probed, enforcing, judge
from podwall.probe.plan import Plan, twin_model
from podwall.probe.report import ProbeReport, Twin
from podwall.probe.twins import (
    IMAGE,
    PROBE_LABEL,
    ROLE_LABEL,
    Owner,
    Outcome,
    check_image,
    owner_namespace,
    parse_log,
    target,
    twin_name,
    twin_pod,
)

#: Why a twin will never start, from its container's waiting reason.
_STUCK = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError",
                    "CreateContainerError", "CrashLoopBackOff", "RunContainerError"})

Say = Callable[[str], None]
Progress = Callable[[int, int], None]


@frozen
class ProbeOptions:
    """How twins are run.

    ``timeout``: seconds for each connection attempt; ``start_timeout``: seconds for the twins
    to start (and, plus the time their probes take, to finish); ``parallel``: connections a
    source twin attempts at once; ``workers``: API requests podwall sends at once; ``run``: the
    run id (random when None).
    """

    image: str = IMAGE
    timeout: float = 1.0
    start_timeout: float = 180.0
    parallel: int = 8
    workers: int = 8
    run: str | None = None

    def __post_init__(self) -> None:
        check_image(self.image)


def new_run_id() -> str:
    """Six hex digits: short enough for pod names, random enough for concurrent runs."""
    return secrets.token_hex(3)


class Runner:
    """One run against one API server."""

    def __init__(self, conn: Connection, options: ProbeOptions, say: Say | None = None,
                 progress: Progress | None = None) -> None:
        self.conn = conn
        self.options = options
        self.run = options.run or new_run_id()
        self.say = say or (lambda line: None)
        self.progress = progress or (lambda done, total: None)
        self.owner: Owner | None = None

    # -- API -------------------------------------------------------------------------------

    def _create_owner(self) -> Owner:
        body = self.conn.request("POST", "/api/v1/namespaces", body=owner_namespace(self.run))
        meta = body.get("metadata") or {}
        self.owner = Owner(meta.get("name", f"podwall-probe-{self.run}"), meta.get("uid", ""))
        self.say(f"created namespace {self.owner.name} (the owner of every twin of run {self.run})")
        return self.owner

    def _create(self, pods: Sequence[dict[str, Any]]) -> None:
        def create(pod: dict[str, Any]) -> None:
            self.conn.request("POST", f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods", body=pod)

        with ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="podwall-probe") as pool:
            list(pool.map(create, pods))

    def _wait(self, wanted: set[tuple[str, str]], settled: Callable[[dict[str, Any]], str | None],
              deadline: float, done_before: int, total: int) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
        """Watch the run's pods until every wanted one is settled (``settled`` returns "ok" or a problem)."""
        selector = f"{PROBE_LABEL}={self.run}"
        state: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}

        def take(pod: dict[str, Any]) -> None:
            meta = pod.get("metadata") or {}
            key = (meta.get("namespace", ""), meta.get("name", ""))
            if key in wanted:
                verdict = settled(pod)
                if verdict is not None:
                    state[key] = (pod, verdict)

        version = None
        while len(state) < len(wanted):
            if version is None:
                listing = self.conn.get("/api/v1/pods", {"labelSelector": selector})
                for pod in listing.get("items") or []:
                    take(pod)
                version = (listing.get("metadata") or {}).get("resourceVersion")
                self.progress(done_before + len(state), total)
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            query = {"labelSelector": selector, "watch": "true", "resourceVersion": version,
                     "timeoutSeconds": max(1, int(remaining))}
            for event in self.conn.lines("/api/v1/pods", query):
                obj = event.get("object") or {}
                if event.get("type") == "ERROR":
                    version = None  # e.g. 410 Gone: list again
                    break
                version = (obj.get("metadata") or {}).get("resourceVersion", version)
                if event.get("type") in ("ADDED", "MODIFIED"):
                    take(obj)
                    self.progress(done_before + len(state), total)
                if len(state) >= len(wanted) or time.monotonic() > deadline:
                    break
        for key in wanted - state.keys():
            state[key] = ({}, "did not start in time" if done_before == 0 else "did not finish in time")
        return state

    def _log(self, namespace: str, name: str) -> str:
        text = self.conn.request("GET", f"/api/v1/namespaces/{namespace}/pods/{name}/log", accept="text/plain")
        return text if isinstance(text, str) else ""

    def cleanup(self) -> list[str]:
        """Delete every pod of the run, then the owner; problems are returned, never raised."""
        problems: list[str] = []
        try:
            listing = self.conn.get("/api/v1/pods", {"labelSelector": f"{PROBE_LABEL}={self.run}"})
            pods = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in listing.get("items") or []]
        except ClusterError as error:
            return [f"could not list the twins of run {self.run}: {error}; run podwall probe --clean"]
        problems.extend(_delete_all(self.conn, pods, self.options.workers))
        if self.owner is not None:
            problems.extend(_delete_all(self.conn, [("", self.owner.name)], 1, kind="namespaces"))
        self.say(f"removed {len(pods)} twins" + (f" and namespace {self.owner.name}" if self.owner else ""))
        return problems


def _delete_all(conn: Connection, items: Iterable[tuple[str, str]], workers: int, kind: str = "pods") -> list[str]:
    def delete(item: tuple[str, str]) -> str:
        namespace, name = item
        path = f"/api/v1/namespaces/{namespace}/pods/{name}" if kind == "pods" else f"/api/v1/namespaces/{name}"
        try:
            conn.request("DELETE", path, body={"gracePeriodSeconds": 0, "propagationPolicy": "Background"})
        except ApiStatusError as error:
            if error.code != 404:
                return f"could not delete {kind[:-1]} {namespace + '/' if namespace else ''}{name}: {error}"
        except ClusterError as error:
            return f"could not delete {kind[:-1]} {namespace + '/' if namespace else ''}{name}: {error}"
        return ""

    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="podwall-clean") as pool:
        return [p for p in pool.map(delete, items) if p]


def _waiting_problem(pod: dict[str, Any]) -> str | None:
    status = pod.get("status") or {}
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in _STUCK:
            return f"{waiting['reason']}: {' '.join(str(waiting.get('message', '')).split())}".rstrip(": ")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "Unschedulable":
            return f"Unschedulable: {' '.join(str(condition.get('message', '')).split())}".rstrip(": ")
    return None


def _listening(pod: dict[str, Any]) -> str | None:
    """A destination twin is settled when its container runs with an IP, or will never start."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Failed", "Succeeded"):
        return f"ended ({status['phase']})"
    running = any((c.get("state") or {}).get("running") for c in status.get("containerStatuses") or [])
    if status.get("phase") == "Running" and status.get("podIP") and running:
        return "ok"
    return _waiting_problem(pod)


def _finished(pod: dict[str, Any]) -> str | None:
    """A source twin is settled when it has ended, or will never start."""
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        return "ok"
    return _waiting_problem(pod)


def run_probe(conn: Connection, cluster: Cluster, plan: Plan, *, options: ProbeOptions = ProbeOptions(),
              engine_options: EngineOptions = EngineOptions(), alternatives: Sequence[Alternative] | None = None,
              plugin: str = "generic", say: Say | None = None, progress: Progress | None = None) -> ProbeReport:
    """Create the twins ``plan`` needs, probe, judge against the engine, and always clean up.

    ``engine_options`` are the cluster's plugin's conventions (``plugin`` names its CNI
    profile); the twins are judged as a plugin that enforces the policies would judge them,
    and the observations are held against whether that plugin enforces any (``judge``).
    """
    if not plan.flows:
        raise UsageError("nothing to probe: the plan has no flows (see its notes; --probe gives ports to probe)")
    started = time.monotonic()
    runner = Runner(conn, options, say, progress)
    run = runner.run
    total = len(plan.destinations) + len(plan.sources)
    twins: list[Twin] = []
    cleanup: list[str] = []
    try:
        owner = runner._create_owner()
        destinations = {
            key: twin_pod(run=run, role="destination", workload=key, namespace=plan.workloads[key].namespace,
                          labels=plan.workloads[key].labels, ports=plan.workloads[key].ports, owner=owner,
                          image=options.image, listen=plan.listens(key))
            for key in plan.destinations
        }
        runner._create(list(destinations.values()))
        runner.say(f"created {len(destinations)} destination twins")
        dst_state = runner._wait({_key(p) for p in destinations.values()}, _listening,
                                 time.monotonic() + options.start_timeout, 0, total)
        dst_ip: dict[str, str] = {}
        for key, pod in destinations.items():
            obj, verdict = dst_state[_key(pod)]
            ip = (obj.get("status") or {}).get("podIP", "")
            twins.append(Twin(key, "destination", pod["metadata"]["namespace"], pod["metadata"]["name"], ip,
                              "" if verdict == "ok" else verdict))
            if verdict == "ok":
                dst_ip[key] = ip
        runner.say(f"{len(dst_ip)} of {len(destinations)} destination twins listening")
        sources: dict[str, dict[str, Any]] = {}
        for key in plan.sources:
            targets = [target(dst_ip[f.destination], f.probe) for f in plan.flows
                       if f.source == key and f.destination in dst_ip]
            if not targets:
                continue
            sources[key] = twin_pod(run=run, role="source", workload=key, namespace=plan.workloads[key].namespace,
                                    labels=plan.workloads[key].labels, ports=plan.workloads[key].ports, owner=owner,
                                    image=options.image, targets=targets, timeout=options.timeout,
                                    parallel=options.parallel)
        runner._create(list(sources.values()))
        runner.say(f"created {len(sources)} source twins")
        longest = max((len(p["spec"]["containers"][0]["env"][0]["value"].split()) for p in sources.values()), default=0)
        budget = options.start_timeout + (longest / max(1, options.parallel) + 1) * (options.timeout + 1) + 5
        src_state = runner._wait({_key(p) for p in sources.values()}, _finished, time.monotonic() + budget,
                                 len(destinations), total)
        outcomes: dict[str, dict[str, Outcome]] = {}
        src_ip: dict[str, str] = {}
        for key, pod in sources.items():
            obj, verdict = src_state[_key(pod)]
            ip = (obj.get("status") or {}).get("podIP", "")
            twins.append(Twin(key, "source", pod["metadata"]["namespace"], pod["metadata"]["name"], ip,
                              "" if verdict == "ok" else verdict))
            src_ip[key] = ip
            if verdict == "ok":
                outcomes[key] = parse_log(runner._log(pod["metadata"]["namespace"], pod["metadata"]["name"]))
        runner.say(f"read the logs of {len(outcomes)} source twins")
        probed = []
        for flow in plan.flows:
            src_model = twin_model(plan.workloads[flow.source], twin_name(run, flow.source, "source"),
                                   _ips(src_ip.get(flow.source, "")))
            dst_model = twin_model(plan.workloads[flow.destination], twin_name(run, flow.destination, "destination"),
                                   _ips(dst_ip.get(flow.destination, "")))
            outcome, reason = None, ""
            if flow.destination not in dst_ip:
                reason = f"destination twin did not start: {_problem(twins, flow.destination, 'destination')}"
            elif flow.source not in outcomes:
                reason = f"source twin did not run: {_problem(twins, flow.source, 'source')}"
            else:
                outcome = outcomes[flow.source].get(target(dst_ip[flow.destination], flow.probe))
                if outcome is None:
                    reason = "no result in the source twin's log"
            probed.append(Probed(flow.source, flow.destination, flow.probe, src_model, dst_model, outcome, reason))
        judged = judge(cluster, probed, options=enforcing(engine_options), alternatives=alternatives,
                       plugin=Plugin(plugin, engine_options.conventions.enforces))
    finally:
        cleanup = runner.cleanup()
    return ProbeReport(run, judged, tuple(twins), time.monotonic() - started, plan.candidates,
                       tuple(plan.notes) + judged.notes, tuple(cleanup))


def _key(pod: dict[str, Any]) -> tuple[str, str]:
    return (pod["metadata"]["namespace"], pod["metadata"]["name"])


def _ips(text: str) -> tuple[Any, ...]:
    import ipaddress

    try:
        return (ipaddress.ip_address(text),) if text else ()
    except ValueError:
        return ()


def _problem(twins: Sequence[Twin], workload: str, role: str) -> str:
    for twin in twins:
        if twin.workload == workload and twin.role == role:
            return twin.problem or "unknown"
    return "not created"


@frozen
class Cleaned:
    """What ``clean`` removed."""

    pods: tuple[str, ...]
    namespaces: tuple[str, ...]
    problems: tuple[str, ...] = ()


def clean(conn: Connection, *, workers: int = 8) -> Cleaned:
    """Remove every leftover of every probe run: pods and owner namespaces labelled ``podwall.io/probe``."""
    pods_listing = conn.get("/api/v1/pods", {"labelSelector": PROBE_LABEL})
    pods = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods_listing.get("items") or []]
    namespaces_listing = conn.get("/api/v1/namespaces", {"labelSelector": f"{ROLE_LABEL}=owner"})
    owners = [("", n["metadata"]["name"]) for n in namespaces_listing.get("items") or []
              if PROBE_LABEL in ((n.get("metadata") or {}).get("labels") or {})]
    problems = _delete_all(conn, pods, workers) + _delete_all(conn, owners, workers, kind="namespaces")
    return Cleaned(tuple(f"{ns}/{name}" for ns, name in pods), tuple(name for _, name in owners), tuple(problems))
