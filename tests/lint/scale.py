"""A synthetic cluster shaped like a real one, for timing lint at scale (not a test by itself)."""

from __future__ import annotations

import ipaddress

from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
    Service,
    ServicePort,
    Workload,
    WorkloadRef,
)


def synthetic(
    namespaces: int = 40, apps: int = 25, replicas: int = 10, extra_policies: int = 0, egress_halves: bool = True
) -> Cluster:
    """``namespaces`` x ``apps`` Deployments of ``replicas`` pods, each namespace default-denied with DNS
    allowed and a chain of allows app i -> app i+1 (both halves), plus a Service per app."""
    ns_objects = [Namespace(f"ns{n}", {NAMESPACE_NAME_LABEL: f"ns{n}", "team": f"t{n % 5}"}) for n in range(namespaces)]
    ns_objects.append(Namespace("kube-system", {NAMESPACE_NAME_LABEL: "kube-system"}))
    pods: list[Pod] = []
    workloads: list[Workload] = []
    services: list[Service] = []
    policies: list[NetworkPolicy] = []
    dns_ref = WorkloadRef("Deployment", "kube-system", "coredns")
    workloads.append(Workload(dns_ref, {"k8s-app": "kube-dns"}, (ContainerPort(53, Protocol.UDP), ContainerPort(53, Protocol.TCP))))
    for r in range(2):
        pods.append(Pod("kube-system", f"coredns-{r}", {"k8s-app": "kube-dns"}, workloads[0].ports,
                        (ipaddress.ip_address(f"10.255.0.{r + 1}"),), owner=dns_ref))
    ip = 0
    dns_peer = PodPeer("", LabelSelector.from_labels({"k8s-app": "kube-dns"}),
                       LabelSelector.from_labels({NAMESPACE_NAME_LABEL: "kube-system"}))
    for n in range(namespaces):
        ns = f"ns{n}"
        policies.append(NetworkPolicy(ns, "default-deny-all", LabelSelector(), frozenset(Direction)))
        policies.append(NetworkPolicy(ns, "allow-dns", LabelSelector(), frozenset({Direction.EGRESS}), egress=(
            Rule(Direction.EGRESS, 0, (PodPeer(ns, dns_peer.pod_selector, dns_peer.namespace_selector),),
                 (PortSpec(Protocol.UDP, 53), PortSpec(Protocol.TCP, 53))),)))
        for a in range(apps):
            labels = {"app": f"app{a}", "tier": f"t{a % 3}"}
            ports = (ContainerPort(8080, Protocol.TCP, "http"), ContainerPort(9090, Protocol.TCP, "metrics"))
            ref = WorkloadRef("Deployment", ns, f"app{a}")
            workloads.append(Workload(ref, labels, ports, replicas=replicas))
            for r in range(replicas):
                ip += 1
                address = ipaddress.ip_address(f"10.{ip // 65536 % 256}.{ip // 256 % 256}.{ip % 256}")
                pods.append(Pod(ns, f"app{a}-{r}", labels, ports, (address,), owner=ref))
            services.append(Service(ns, f"app{a}", {"app": f"app{a}"}, (ServicePort(80, "http"),), labels={"app": f"app{a}"}))
            if a + 1 < apps:
                me = LabelSelector.from_labels({"app": f"app{a}"})
                nxt = LabelSelector.from_labels({"app": f"app{a + 1}"})
                policies.append(NetworkPolicy(ns, f"app{a + 1}-from-app{a}", nxt, frozenset({Direction.INGRESS}), ingress=(
                    Rule(Direction.INGRESS, 0, (PodPeer(ns, me),), (PortSpec(Protocol.TCP, 8080),)),)))
                if egress_halves:
                    policies.append(NetworkPolicy(ns, f"app{a}-to-app{a + 1}", me, frozenset({Direction.EGRESS}), egress=(
                        Rule(Direction.EGRESS, 0, (PodPeer(ns, nxt),), (PortSpec(Protocol.TCP, "http"),)),)))
        for k in range(extra_policies):
            sel = LabelSelector.from_labels({"app": f"app{k % apps}"})
            policies.append(NetworkPolicy(ns, f"extra{k}", sel, frozenset({Direction.INGRESS}), ingress=(
                Rule(Direction.INGRESS, 0, (PodPeer(ns, None, LabelSelector.from_labels({"team": f"t{k % 5}"})),
                                            IPBlockPeer(ipaddress.ip_network(f"192.168.{k % 256}.0/24"))),
                     (PortSpec(Protocol.TCP, 9090),)),)))
    policies.sort(key=lambda p: (p.namespace, p.name))
    return Cluster(tuple(ns_objects), tuple(pods), tuple(workloads), tuple(services), tuple(policies))
