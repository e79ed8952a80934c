"""Where a cluster's pods send DNS queries: one answer for lint, generate and explain.

DNS is recognised by its Service, not by a name and namespace: a Service serving
port 53 (UDP or TCP) makes the pods it selects DNS servers, on the Service's
targetPort, since NetworkPolicies only ever see pod ports. That covers kube-dns
and CoreDNS (``kube-system/kube-dns``, ``k8s-app: kube-dns``), CoreDNS from its
Helm chart (``k8s-app: coredns``), and OpenShift's ``openshift-dns/dns-default``
(port 53 -> targetPort 5353 on pods ``dns.operator.openshift.io/daemonset-dns:
default``). Without a Service, pods carrying those well-known labels, or declaring a
container port 53, are DNS servers. NodeLocal DNSCache (``k8s-app: node-local-dns``)
runs on the host network, which no policy selects: pods reach it at its
link-local address (169.254.20.10 by default), which only an ipBlock can allow.

Lint counts every DNS server (a pod declaring port 53 is one); what policies should
allow is the *cluster* DNS only (``DnsView.primary``): a Service named kube-dns, coredns
or dns-default, or in kube-system or openshift-dns, or pods with the well-known labels.
``DnsSettings`` (``--dns-namespace``, ``--dns-selector``, ``--dns-port``) replaces
the recognition with the user's own answer.
"""

from __future__ import annotations

import ipaddress

from podwall.engine.options import Probe
from podwall.model import Cluster, IPAddress, LabelSelector, Pod, Protocol
from podwall.model.quick import frozen

DNS_PORT = 53
#: The address NodeLocal DNSCache listens on unless configured otherwise (kubernetes/kubernetes
#: cluster/addons/dns/nodelocaldns, LOCAL_DNS_IP in its docs).
NODE_LOCAL_ADDRESS = ipaddress.ip_address("169.254.20.10")
NODE_LOCAL_LABEL = ("k8s-app", "node-local-dns")

#: Labels the DNS servers of common distributions carry (kubeadm's CoreDNS keeps kube-dns's label).
KNOWN_LABELS = (
    ("k8s-app", "kube-dns"),
    ("k8s-app", "coredns"),
    ("app.kubernetes.io/name", "coredns"),
    ("dns.operator.openshift.io/daemonset-dns", "default"),
)
KUBE_DNS = LabelSelector((("k8s-app", "kube-dns"),))
#: Services and namespaces that are the cluster's DNS where they serve port 53 (kube-dns keeps its name under
#: CoreDNS; CoreDNS's Helm chart names it coredns; OpenShift's DNS operator dns-default in openshift-dns).
CLUSTER_DNS_SERVICES = ("kube-dns", "coredns", "dns-default")
CLUSTER_DNS_NAMESPACES = ("kube-system", "openshift-dns")
DEFAULT_NAMESPACE = "kube-system"


@frozen
class DnsSettings:
    """The user's answer to "where is DNS": any field given replaces recognition.

    ``port`` is the port the DNS pods listen on (a Service's targetPort).
    """

    namespace: str | None = None
    selector: LabelSelector | None = None
    port: int | None = None

    @property
    def given(self) -> bool:
        """Whether the user said anything."""
        return self.namespace is not None or self.selector is not None or self.port is not None


@frozen
class DnsServer:
    """DNS server pods: where they are, the pod ports queries land on, and what made podwall say so.

    ``pods`` are the input's pods (empty when the server is assumed); ``via`` is
    ``Service kube-system/kube-dns``, ``labels k8s-app=kube-dns``, ``container port 53``,
    ``--dns-*`` or ``assumed``.
    """

    namespace: str
    selector: LabelSelector
    port: int
    pods: tuple[Pod, ...]
    via: str
    cluster: bool = True  # the cluster's DNS (pods' resolv.conf points at it), not just some pod serving 53

    @property
    def probes(self) -> tuple[Probe, Probe]:
        """UDP, then TCP, at the pods' port: lookups use UDP and retry large answers over TCP."""
        return (Probe(self.port, Protocol.UDP), Probe(self.port, Protocol.TCP))

    def describe(self) -> str:
        """``pods k8s-app=kube-dns in kube-system on 53 (Service kube-system/kube-dns)``."""
        return f"pods {self.selector} in {self.namespace} on {self.port} ({self.via})"


@frozen
class DnsView:
    """Every DNS server of an input, and NodeLocal DNSCache's address when the input runs it."""

    servers: tuple[DnsServer, ...]
    node_local: IPAddress | None = None
    assumed: bool = False  # nothing in the input serves DNS: CoreDNS as kubeadm deploys it is assumed

    @property
    def pods(self) -> tuple[Pod, ...]:
        """Every DNS server pod of the input."""
        return tuple(p for s in self.servers for p in s.pods)

    @property
    def cluster_dns(self) -> tuple[DnsServer, ...]:
        """The servers that are the cluster's DNS (by their Service or labels), not pods that merely serve 53."""
        return tuple(s for s in self.servers if s.cluster)

    @property
    def primary(self) -> DnsServer | None:
        """The cluster DNS policies should allow: kube-system's, else the first found; None when there is none."""
        found = () if self.assumed else self.cluster_dns
        return next((s for s in found if s.namespace == DEFAULT_NAMESPACE), found[0] if found else None)


ASSUMED = DnsServer(DEFAULT_NAMESPACE, KUBE_DNS, DNS_PORT, (), "assumed: CoreDNS as kubeadm deploys it")


def _selects(selector: LabelSelector, namespace: str, pod: Pod) -> bool:
    return pod.namespace == namespace and not pod.host_network and selector.matches(pod.labels)


def dns_view(cluster: Cluster, settings: DnsSettings = DnsSettings()) -> DnsView:
    """Recognise the DNS servers of an input (see the module docstring)."""
    node_local = NODE_LOCAL_ADDRESS if any(
        p.labels.get(NODE_LOCAL_LABEL[0]) == NODE_LOCAL_LABEL[1] for p in cluster.pods
    ) else None
    if settings.given:
        namespace = settings.namespace or DEFAULT_NAMESPACE
        selector = settings.selector if settings.selector is not None else KUBE_DNS
        port = settings.port or DNS_PORT
        pods = tuple(p for p in cluster.pods if _selects(selector, namespace, p))
        return DnsView((DnsServer(namespace, selector, port, pods, "--dns-namespace/--dns-selector/--dns-port"),),
                       node_local)
    servers: list[DnsServer] = []
    taken: set[int] = set()
    for service in cluster.services:
        dns_ports = [sp for sp in service.ports if sp.port == DNS_PORT and sp.protocol in (Protocol.UDP, Protocol.TCP)]
        if not dns_ports or not service.selector:
            continue
        selector = LabelSelector(tuple(sorted(service.selector.items())))
        pods = tuple(p for p in cluster.pods if _selects(selector, service.namespace, p))
        target = dns_ports[0].target_port
        port = target if isinstance(target, int) else next(
            (n for p in pods if (n := p.named_port(target, dns_ports[0].protocol)) is not None), DNS_PORT
        )
        if any(s.namespace == service.namespace and s.selector == selector and s.port == port for s in servers):
            continue  # kube-dns and kube-dns-upstream (NodeLocal DNSCache) select the same pods
        is_cluster_dns = (service.name in CLUSTER_DNS_SERVICES or service.namespace in CLUSTER_DNS_NAMESPACES
                          or any(p.labels.get(k) == v for p in pods for k, v in KNOWN_LABELS))
        servers.append(DnsServer(service.namespace, selector, port, pods, f"Service {service.namespace}/{service.name}",
                                 is_cluster_dns))
        taken.update(id(p) for p in pods)
    for key, value in KNOWN_LABELS:
        pods = tuple(p for p in cluster.pods if id(p) not in taken and not p.host_network and p.labels.get(key) == value)
        for namespace in sorted({p.namespace for p in pods}):
            members = tuple(p for p in pods if p.namespace == namespace)
            servers.append(DnsServer(namespace, LabelSelector(((key, value),)), _listening(members), members,
                                     f"labels {key}={value}"))
            taken.update(id(p) for p in members)
    declared = [p for p in cluster.pods if id(p) not in taken and not p.host_network
                and any(cp.port == DNS_PORT for cp in p.ports)]
    alike: dict[tuple[str, LabelSelector], list[Pod]] = {}
    for pod in declared:  # replicas of one workload are one server
        alike.setdefault((pod.namespace, LabelSelector(tuple(sorted(pod.labels.items())))), []).append(pod)
    for (namespace, selector), members in alike.items():
        servers.append(DnsServer(namespace, selector, DNS_PORT, tuple(members), f"container port {DNS_PORT}", False))
    if not servers:
        return DnsView((ASSUMED,), node_local, assumed=True)
    return DnsView(tuple(servers), node_local)


def _listening(pods: tuple[Pod, ...]) -> int:
    """The port DNS pods listen on: a container port named dns, else 53."""
    for pod in pods:
        for cp in pod.ports:
            if cp.name in ("dns", "dns-udp") and cp.protocol is Protocol.UDP:
                return cp.port
    return DNS_PORT
