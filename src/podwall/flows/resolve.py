"""Who an observed end is: a workload of the input, a node, or an address outside the cluster.

Names first (the tool's namespace and pod name, its workload, an aggregated pod
name, labels), then addresses (a pod's IP, a Service's ClusterIP -> its pods, a
node's address). An address inside a node's pod range that no pod of the input
has, a pod the input does not have, a Service without pods: unattributed, with
the reason. Without manifests (``cluster`` None), workloads are taken from what
the records say (namespace, workload or pod name, labels) and a bare address
names nothing, unless the tool marked it as outside the cluster.
"""

from __future__ import annotations

import re

from podwall.flows.record import Endpoint
from podwall.model import Cluster, IPAddress, IPNetwork, Pod, Protocol, Service
from podwall.model.quick import frozen

#: Labels the controllers write per pod or per revision: never a selector for advice.
UNSTABLE_LABELS = frozenset({
    "pod-template-hash", "controller-revision-hash", "pod-template-generation",
    "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
    "controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
})  # fmt: skip

_DEPLOYMENT_POD = re.compile(r"^(?P<name>.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$")
_STATEFUL_POD = re.compile(r"^(?P<name>.+)-\d+$")
_GENERATED = re.compile(r"^(?P<name>.+)-[a-z0-9]{5}$")
_CRONJOB_POD = re.compile(r"^(?P<name>.+)-\d{8,}-[a-z0-9]{5}$")
_CACHE = 100_000
#: Linux's default ephemeral range starts at 32768 (net.ipv4.ip_local_port_range).
EPHEMERAL = 32768


@frozen
class Party:
    """An attributed end: ``kind`` workload, node or external; ``name`` as flows are reported.

    Workloads are ``namespace/Kind/name`` (reach's workload view); nodes
    ``node/NAME``; external ends the address, its range or its CIDR (see the
    fold). ``address`` is an address that stands for a node or external end;
    ``labels`` the workload's stable labels; ``pod`` one pod of it (the
    engine's endpoint for named ports and ports).
    """

    kind: str
    name: str
    namespace: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    address: IPAddress | None = None
    pod: Pod | None = None


@frozen
class Unattributed:
    """Why an end names nothing podwall can judge."""

    reason: str


def stable(labels: tuple[tuple[str, str], ...] | dict[str, str], pod_name: str = "") -> tuple[tuple[str, str], ...]:
    """The labels that hold for every pod of a workload across rollouts."""
    items = labels.items() if isinstance(labels, dict) else labels
    return tuple(sorted((k, v) for k, v in items if k not in UNSTABLE_LABELS and not (pod_name and v == pod_name)))


def workload_name(pod: str) -> tuple[str, str]:
    """(kind, name) guessed from a generated pod name: ``web-7d9c5b8f6-x2x4q`` -> Deployment web."""
    for pattern, kind in ((_CRONJOB_POD, "CronJob"), (_DEPLOYMENT_POD, "Deployment"), (_STATEFUL_POD, "StatefulSet")):
        match = pattern.match(pod)
        if match:
            return kind, match["name"]
    return "Pod", pod


class Resolver:
    """Attributes observed ends; built once per input, each lookup a dictionary access."""

    def __init__(self, cluster: Cluster | None) -> None:
        self.cluster = cluster
        self._by_ip: dict[IPAddress, list[Pod]] = {}
        self._by_name: dict[tuple[str, str], Pod] = {}
        self._owners: dict[tuple[str, str], list[Pod]] = {}  # (namespace, workload name) -> pods
        self._by_namespace: dict[str, list[Pod]] = {}
        self._services: dict[tuple[str, str], Service] = {}
        self._cluster_ips: dict[IPAddress, Service] = {}
        self._nodes: dict[IPAddress, str] = {}
        self._node_names: set[str] = set()
        self._pod_ranges: list[tuple[IPNetwork, str]] = []
        self._workload_labels: dict[str, tuple[tuple[str, str], ...]] = {}
        self._cache: dict[Endpoint, Party | Unattributed] = {}
        if cluster is None:
            return
        for pod in cluster.pods:
            for ip in pod.ips:
                self._by_ip.setdefault(ip, []).append(pod)
            if not pod.template:
                self._by_name[(pod.namespace, pod.name)] = pod
            if pod.owner is not None:
                self._owners.setdefault((pod.namespace, pod.owner.name), []).append(pod)
            self._by_namespace.setdefault(pod.namespace, []).append(pod)
        for w in cluster.workloads:
            self._workload_labels[str(w.ref)] = stable(w.labels)
        for service in cluster.services:
            self._services[(service.namespace, service.name)] = service
            for ip in service.cluster_ips:
                self._cluster_ips[ip] = service
        for node in cluster.nodes:
            self._node_names.add(node.name)
            for ip in node.addresses:
                self._nodes[ip] = node.name
            self._pod_ranges.extend((cidr, node.name) for cidr in node.pod_cidrs)

    # -- parties ---------------------------------------------------------------------------------

    def _pod_party(self, pod: Pod) -> Party:
        key = pod.workload_key
        labels = self._workload_labels.get(key) or stable(pod.labels, pod.name)
        return Party("workload", key, pod.namespace, labels, pod=pod)

    def _observed_party(self, ep: Endpoint) -> Party:
        """A workload named by the records alone (no manifests)."""
        if ep.workload is not None and ep.workload[1]:
            kind, name = ep.workload
            kind = kind or workload_name(ep.pod)[0]
        elif ep.name_prefix:
            kind, name = workload_name(ep.name_prefix.rstrip("-") + "-00000")
        else:
            kind, name = workload_name(ep.pod)
        return Party("workload", f"{ep.namespace}/{kind}/{name}", ep.namespace, stable(ep.labels, ep.pod))

    # -- lookups ---------------------------------------------------------------------------------

    def source(self, ep: Endpoint) -> Party | Unattributed:
        """The client end."""
        if ep.service is not None and not ep.named:
            return Unattributed(f"Service {ep.service[0]}/{ep.service[1]} as a source (traffic comes from pods)")
        return self._end(ep)

    def destination(self, ep: Endpoint, port: int | None, protocol: Protocol | None) -> list[tuple[Party, int | None]] | Unattributed:
        """The server end (a Service's pods, each with the targetPort), with the port judged."""
        if not ep.named and self.cluster is not None:
            service = None
            if ep.service is not None:
                service = self._services.get(ep.service)
            if service is None and ep.ip is not None and ep.ip not in self._by_ip:
                service = self._cluster_ips.get(ep.ip)
            if service is not None:
                return self._backends(service, port, protocol)
            if ep.service is not None and ep.ip is None:
                return Unattributed(f"Service {ep.service[0]}/{ep.service[1]} is not in the manifests")
        if ep.service is not None and not ep.named and self.cluster is None:
            return Unattributed(f"Service {ep.service[0]}/{ep.service[1]}: without manifests (-f) its pods and "
                                "targetPort are unknown (records taken at its pods name them)")
        party = self._end(ep)
        if isinstance(party, Unattributed):
            return party
        return [(party, port)]

    def _end(self, ep: Endpoint) -> Party | Unattributed:
        found = self._cache.get(ep)
        if found is None:
            if len(self._cache) >= _CACHE:
                self._cache.clear()  # bounded memory: distinct ends beyond this are looked up again
            found = self._cache[ep] = self._lookup(ep)
        return found

    def _lookup(self, ep: Endpoint) -> Party | Unattributed:
        if ep.named:
            found = self._named(ep)
            if found is not None:
                return found
            if self.cluster is None:
                return self._observed_party(ep)
            if ep.ip is None or ep.ip not in self._by_ip:
                shown = ep.pod or ep.name_prefix + "*"
                return Unattributed(f"pod {ep.namespace}/{shown} is in no workload or pod of the manifests")
        if ep.ip is not None:
            return self._address(ep)
        if ep.reserved in ("world", "private"):
            return Unattributed(f"an address outside the cluster that the tool did not record ({ep.reserved})")
        return Unattributed("neither a pod name nor an address")

    def _named(self, ep: Endpoint) -> Party | None:
        if self.cluster is None:
            return None
        if ep.pod:
            pod = self._by_name.get((ep.namespace, ep.pod))
            if pod is not None:
                return self._pod_party(pod)
        if ep.workload is not None:
            pods = self._owners.get((ep.namespace, ep.workload[1]))
            if pods:
                return self._pod_party(pods[0])
        name = ep.pod or ep.name_prefix
        best: list[Pod] | None = None
        best_length = 0
        for (namespace, owner), pods in self._owners.items():
            if namespace == ep.namespace and name.startswith(owner + "-") and len(owner) > best_length:
                best, best_length = pods, len(owner)
        if best:
            return self._pod_party(best[0])
        if ep.labels:
            have = dict(ep.labels)
            matches = {p.workload_key: p for p in self._by_namespace.get(ep.namespace, ())
                       if p.labels and all(have.get(k) == v for k, v in stable(p.labels, p.name))}
            if len(matches) == 1:
                return self._pod_party(next(iter(matches.values())))
        return None

    def _address(self, ep: Endpoint) -> Party | Unattributed:
        ip = ep.ip
        assert ip is not None
        pods = [p for p in self._by_ip.get(ip, ()) if not p.host_network]
        if pods:
            return self._pod_party(pods[0])
        node = self._nodes.get(ip)
        if node is not None or ep.reserved in ("host", "remote-node"):
            return Party("node", f"node/{node or ep.node or ip}", address=ip)
        hosts = self._by_ip.get(ip, ())
        if hosts:  # a host-network pod's address with no Node object in the input
            return Party("node", f"node/{hosts[0].node or ip}", address=ip)
        for cidr, owner in self._pod_ranges:
            if ip in cidr:
                return Unattributed(f"{ip} is in node {owner}'s pod range, but no pod of the manifests has it")
        if self.cluster is None and ep.reserved not in ("world", "kube-apiserver"):
            return Unattributed(f"{ip}: without manifests (-f) an address names no workload")
        return Party("external", str(ip), address=ip)

    def _backends(self, service: Service, port: int | None, protocol: Protocol | None) -> list[tuple[Party, int | None]] | Unattributed:
        label = f"Service {service.namespace}/{service.name}"
        if not service.selector:
            return Unattributed(f"{label} has no selector: its endpoints are not in the manifests")
        pods = [p for p in self._by_namespace.get(service.namespace, ())
                if all(p.labels.get(k) == v for k, v in service.selector.items())]
        if not pods:
            return Unattributed(f"{label} selects no pod of the manifests")
        chosen = [sp for sp in service.ports if sp.port == port and (protocol is None or sp.protocol is protocol)]
        found: dict[tuple[str, int | None], tuple[Party, int | None]] = {}
        for pod in pods:
            target: int | None = port
            if chosen:
                given = chosen[0].target_port
                target = pod.named_port(given, chosen[0].protocol) if isinstance(given, str) else given
                if target is None:
                    continue
            party = self._pod_party(pod)
            found.setdefault((party.name, target), (party, target))
        if not found:
            return Unattributed(f"{label} port {port}: no pod declares its targetPort")
        return list(found.values())

    def listens(self, party: Party, port: int | None, protocol: Protocol | None) -> bool:
        """Whether the party's pods declare that port (a server port)."""
        pod = party.pod
        return pod is not None and port is not None and any(
            cp.port == port and (protocol is None or cp.protocol is protocol) for cp in pod.ports
        )
