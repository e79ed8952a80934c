"""A scripted kubelet and network for the test API server: twins start, listen, connect and report.

When a pod labelled ``podwall.io/probe`` is created, the kubelet gives it an IP and runs it. A
source twin "runs" its targets (read from its own spec, ``PODWALL_TARGETS``, exactly as the
container's shell would) through ``network(source_pod, destination_pod, port, protocol)``, which
answers ``connected``, ``TIMEOUT`` or ``REFUSED``, and its log gets the lines the real source
script prints (agnhost connect's own messages). Tests choose the network: a plugin that enforces
NetworkPolicy as the independent reference evaluator says (``tests/reference.py``), one that
enforces nothing, or one with a scripted exception.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
from collections.abc import Callable
from typing import Any

from podwall.engine import Probe
from podwall.model import Cluster, ContainerPort, Pod, Protocol
from podwall.probe.twins import PROBE_LABEL, ROLE_LABEL, RESULT_PREFIX
from tests.apiserver.server import ApiServer
from tests.reference import reference_allowed

Network = Callable[[dict[str, Any], dict[str, Any], int, str], str]


def model(pod: dict[str, Any]) -> Pod:
    """A twin as the reference evaluator sees it: namespace, labels, ports, IP."""
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    ports = tuple(ContainerPort(p["containerPort"], Protocol(p.get("protocol", "TCP")), p.get("name", ""))
                  for c in spec["containers"] for p in c.get("ports") or [])
    ip = status.get("podIP")
    return Pod(meta["namespace"], meta["name"], dict(meta.get("labels") or {}), ports,
               (ipaddress.ip_address(ip),) if ip else ())


def enforcing(cluster: Cluster, *, ipblock_matches_pods: bool = True) -> Network:
    """A plugin that enforces NetworkPolicy as the reference evaluator reads it: denied flows time out."""
    def network(src: dict[str, Any], dst: dict[str, Any], port: int, protocol: str) -> str:
        probe = Probe(port, Protocol(protocol.upper()))
        allowed = reference_allowed(cluster, model(src), model(dst), probe, ipblock_matches_pods)
        return "connected" if allowed else "TIMEOUT"

    return network


def everything_connects(src: dict[str, Any], dst: dict[str, Any], port: int, protocol: str) -> str:
    """A plugin that does not enforce NetworkPolicy (flannel alone)."""
    return "connected"


class Kubelet:
    """Plays kubelet and the network for twins; ``stuck`` names pods (by workload prefix) that never start."""

    def __init__(self, network: Network, *, stuck: tuple[str, ...] = (), hold_sources: threading.Event | None = None,
                 subnet: str = "10.244.7") -> None:
        self.network = network
        self.stuck = stuck
        self.hold_sources = hold_sources
        self.subnet = subnet
        self._next = itertools.count(20)
        self._lock = threading.Lock()

    def __call__(self, server: ApiServer, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        labels = meta.get("labels") or {}
        if PROBE_LABEL not in labels:
            return
        container = pod["spec"]["containers"][0]
        if any(meta["name"].startswith(prefix) for prefix in self.stuck):
            pod["status"] = {"phase": "Pending", "containerStatuses": [{
                "name": container["name"], "ready": False, "restartCount": 0, "image": container["image"],
                "state": {"waiting": {"reason": "ImagePullBackOff",
                                      "message": f'Back-off pulling image "{container["image"]}"'}}}]}
            server.update(pod)
            return
        with self._lock:
            ip = f"{self.subnet}.{next(self._next)}"
        pod["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "172.18.0.2",
                         "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                         "containerStatuses": [{"name": container["name"], "ready": False, "restartCount": 0,
                                                "image": container["image"], "started": True,
                                                "state": {"running": {"startedAt": "2024-05-01T10:00:00Z"}}}]}
        server.update(pod)
        if labels.get(ROLE_LABEL) != "source":
            return
        if self.hold_sources is not None:
            self.hold_sources.wait(60)
        env = {e["name"]: e["value"] for e in container.get("env") or []}
        by_ip = {p.get("status", {}).get("podIP"): p for p in server.items("pods")}
        lines = []
        for target in env["PODWALL_TARGETS"].split():
            address, protocol = target.rsplit("/", 1)
            host, port = address.rsplit(":", 1)
            dst = by_ip.get(host.strip("[]"))
            answer = self.network(pod, dst, int(port), protocol) if dst is not None else "TIMEOUT"
            if answer == "connected":
                lines.append(f"{RESULT_PREFIX} {target} connected")
            elif answer == "REFUSED" and protocol == "udp":
                lines.append(f"{RESULT_PREFIX} {target} failed REFUSED: read udp {ip}:41234->{address}: "
                             "read: connection refused")
            else:
                lines.append(f"{RESULT_PREFIX} {target} failed {answer}")
        lines.append(f"{RESULT_PREFIX} done {len(lines)}")
        with server.changed:
            server.logs[(meta["namespace"], meta["name"])] = "\n".join(lines) + "\n"
        pod["status"] = dict(pod["status"], phase="Succeeded", containerStatuses=[{
            "name": container["name"], "ready": False, "restartCount": 0, "image": container["image"],
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}])
        server.update(pod)
