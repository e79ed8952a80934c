"""What the rules share: the input, pod classes, selections, and each side of a flow, computed once.

Why classes: at 10,000 pods, rules must not loop over pod pairs. Lint uses the
engine's classes (``podwall.engine.classes.partition``: pods every policy treats
alike) and asks the engine's class matrix (``podwall.engine.matrix.ClassMatrix``)
which classes a selector or peer picks and whether each side of a flow is
allowed, through every tier: lint decides no semantics of its own, so it never
disagrees with ``reach`` (tests/lint/test_context.py holds it to
``podwall.engine.evaluate`` on random clusters). Answers are cached per group of
classes the same policies pick.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from podwall.cni import Choice
from podwall.engine import EngineOptions, Probe, Verdict, evaluate
from podwall.engine.classes import LabelIndex, bits, mask_of, partition
from podwall.engine.dns import ASSUMED, DnsServer, DnsSettings, dns_view
from podwall.engine.match import admin_selects, rule_ports_match
from podwall.engine.matrix import ClassMatrix
from podwall.errors import Location
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    AdminPolicy,
    Cluster,
    ContainerPort,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Labels,
    Monitor,
    Namespace,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
    Service,
    UnevaluatedPolicy,
    Workload,
    WorkloadRef,
)
from podwall.model.quick import frozen

Target = NetworkPolicy | Workload | Pod | Namespace | Service | Monitor | UnevaluatedPolicy | AdminPolicy

IGNORE_ANNOTATION = "podwall.io/ignore"
DNS_PORTS = (Probe(53, Protocol.UDP), Probe(53, Protocol.TCP))
PROMETHEUS_LABEL_KEYS = ("app", "app.kubernetes.io/name", "k8s-app")

#: Assumed when the input has no DNS server: CoreDNS as kubeadm and most distributions deploy it.
ASSUMED_DNS = Pod(
    namespace="kube-system",
    name="coredns",
    labels={"k8s-app": "kube-dns"},
    ports=(ContainerPort(53, Protocol.UDP, "dns"), ContainerPort(53, Protocol.TCP, "dns-tcp")),
    owner=WorkloadRef("Deployment", "kube-system", "coredns"),
    template=True,
)


@frozen
class PodClass:
    """Pods that every policy treats alike; ``rep`` stands for them all.

    ``assumed`` marks a stand-in for something the input lacks (the cluster
    DNS, Prometheus): it takes part in verdicts but never counts as a match.
    """

    index: int
    rep: Pod
    pods: tuple[Pod, ...]
    assumed: bool = False

    @property
    def subjects(self) -> tuple[str, ...]:
        """The workloads (or bare pods) of the class, sorted."""
        return tuple(sorted({p.workload_key for p in self.pods}))


class Context:
    """The loaded input, indexed for the rules; built once per lint run."""

    def __init__(
        self, cluster: Cluster, options: EngineOptions = EngineOptions(), dns: DnsSettings = DnsSettings()
    ) -> None:
        self.cluster = cluster
        self.options = options
        self.written = cluster  # the input as written, before the network plugin's view (set by the runner)
        self.cni: Choice | None = None  # the CNI profile in use (set by the runner)
        self.dns = dns_view(cluster, dns)  # the DNS servers, recognised by their Service (engine.dns)
        self.policies = cluster.policies
        self.namespaces: dict[str, Namespace] = {ns.name: ns for ns in cluster.namespaces}
        self.ns_labels: dict[str, Labels] = {ns.name: ns.labels for ns in cluster.namespaces}
        self.workloads: dict[str, Workload] = {str(w.ref): w for w in cluster.workloads}
        self.services = cluster.services
        self.has_admin = bool(getattr(cluster, "admin_policies", ()))
        self.ignores: dict[str, frozenset[str]] = {}
        self.memo: dict[str, Any] = {}  # analyses several rules share (DNS, one-sided flows)
        self.dns_assumed = False
        self.prometheus_assumed = False
        assumed = self._assumed()
        for pod in assumed:
            self.ns_labels.setdefault(pod.namespace, {NAMESPACE_NAME_LABEL: pod.namespace})
        self._partition(cluster.pods, assumed)
        # The engine's class matrix decides every side of every flow lint looks at (one semantics, one
        # implementation); lint keeps only what it asks, per group of classes the same policies pick.
        self.matrix = ClassMatrix(cluster, self._engine_classes, labels=self.ns_labels)
        self._sends: dict[tuple[int, int, Probe], bool] = {}  # (egress group, destination, probe)
        self._accepts: dict[tuple[int, int, Probe], bool] = {}  # (destination, source, probe)
        self._verdicts: dict[tuple[int, int, Probe], Verdict] = {}
        self._admin_cache: dict[int, tuple[int, ...]] = {}
        self._pod_by_subject: dict[str, Pod] | None = None
        self._ns_matching: dict[LabelSelector, list[str]] = {}
        self._ns_index: LabelIndex | None = None
        self._ns_names: list[str] = []
        self._ns_keys: frozenset[str] | None = None
        self.ingress_of: list[list[NetworkPolicy]] = self.matrix.isolating(Direction.INGRESS)
        self.egress_of: list[list[NetworkPolicy]] = self.matrix.isolating(Direction.EGRESS)
        self._egress_key = [self.matrix.egress_key(c) for c in range(len(self.classes))]
        groups: dict[tuple[object, ...], int] = {}  # each egress key as a small int: cheap to hash in cache keys
        self._egress_id = [groups.setdefault(key, len(groups)) for key in self._egress_key]
        self._first_located = self._first_locations()

    # -- classes -------------------------------------------------------------------------------

    def _assumed(self) -> list[Pod]:
        """Stand-ins for the cluster DNS and Prometheus when the input has none."""
        pods = self.cluster.pods
        result = []
        if self.dns.assumed:
            self.dns_assumed = True
            result.append(ASSUMED_DNS)
        wants_scrape = bool(self.cluster.monitors) or any(p.annotations.get("prometheus.io/scrape") == "true" for p in pods)
        if wants_scrape and not any(is_prometheus(p) for p in pods):
            self.prometheus_assumed = True
            namespace = self.cluster.monitors[0].namespace if self.cluster.monitors else "monitoring"
            result.append(
                Pod(
                    namespace=namespace,
                    name="prometheus",
                    labels={"app.kubernetes.io/name": "prometheus"},
                    owner=WorkloadRef("StatefulSet", namespace, "prometheus"),
                    template=True,
                )
            )
        return result

    def _partition(self, pods: Iterable[Pod], assumed: list[Pod]) -> None:
        """The engine's classes over the input's pods and the stand-ins (an assumed pod is never like a real one)."""
        endpoints = (*pods, *assumed)
        classes = self._engine_classes = partition(self.cluster, endpoints, self.options)
        members: list[list[Pod]] = [[] for _ in classes.representatives]
        for pod, c in zip(endpoints, classes.class_of):
            members[c].append(pod)
        stand_ins = {id(p) for p in assumed}
        self.classes = tuple(
            PodClass(i, m[0], tuple(m), all(id(p) in stand_ins for p in m)) for i, m in enumerate(members)
        )
        self.ipblocks = classes.ipblocks
        self._class_by_pod = {id(pod): c for pod, c in zip(endpoints, classes.class_of)}
        self.by_namespace: dict[str, int] = dict(classes.by_namespace)
        self.real = mask_of([cls.index for cls in self.classes if not cls.assumed])
        self.all = classes.all

    def class_of(self, pod: Pod) -> int:
        """The class of a pod of the input."""
        return self._class_by_pod[id(pod)]

    def namespace_classes(self, namespace: str) -> int:
        """Real classes of a namespace."""
        return self.by_namespace.get(namespace, 0) & self.real

    def subjects(self, mask: int) -> list[str]:
        """The sorted workloads (or bare pods) of the real classes in ``mask``."""
        found: set[str] = set()
        for c in bits(mask & self.real):
            found.update(self.classes[c].subjects)
        return sorted(found)

    def pod_count(self, mask: int) -> int:
        """Pods in ``mask``: a workload's template counts as its replicas."""
        total = 0
        for c in bits(mask & self.real):
            for pod in self.classes[c].pods:
                if pod.template and pod.owner is not None:
                    workload = self.workloads.get(str(pod.owner))
                    total += max(workload.replicas or 1, 1) if workload is not None else 1
                else:
                    total += 1
        return total

    # -- selections ----------------------------------------------------------------------------

    def select(self, namespace: str, selector: LabelSelector | None) -> int:
        """Classes of ``namespace`` a pod selector picks (None: all); never host-network pods."""
        return self.matrix.select(namespace, selector)

    def selected_by(self, policy: NetworkPolicy) -> int:
        """Classes a policy selects."""
        return self.matrix.select(policy.namespace, policy.pod_selector)

    def select_anywhere(self, selector: LabelSelector) -> dict[str, int]:
        """Per namespace (sorted), the real classes a pod selector picks there, for the namespaces where it picks some."""
        found = self.matrix.select_anywhere(selector)
        return {ns: mask for ns in sorted(found) if (mask := found[ns] & self.real)}

    def namespaces_matching(self, selector: LabelSelector) -> list[str]:
        """Known namespaces (declared, implied, assumed) whose labels match, sorted (cached per selector: a
        list shared by every caller, not to be changed). Found through an index of their labels, not by
        trying each namespace: rules ask this for every namespaceSelector of the input."""
        found = self._ns_matching.get(selector)
        if found is None:
            if self._ns_index is None:
                self._ns_names = list(self.ns_labels)
                self._ns_index = LabelIndex(list(self.ns_labels.values()))
            names, labels = self._ns_names, self.ns_labels
            found = self._ns_matching[selector] = sorted(
                names[i] for i in self._ns_index.candidates(selector) if selector.matches(labels[names[i]])
            )
        return found

    def namespace_label_keys(self) -> frozenset[str]:
        """Every label key some known namespace carries."""
        if self._ns_keys is None:
            self._ns_keys = frozenset(key for labels in self.ns_labels.values() for key in labels)
        return self._ns_keys

    def peer_mask(self, peer: PodPeer | IPBlockPeer) -> int:
        """Classes one peer matches."""
        return self.matrix.peer(peer)

    def selector_peers(self) -> Iterator[tuple[NetworkPolicy, Rule, int, PodPeer]]:
        """Every selector peer of every rule: (policy, rule, position in from/to, peer)."""
        for policy in self.policies:
            for rule in policy.ingress + policy.egress:
                for j, peer in enumerate(rule.peers):
                    if isinstance(peer, PodPeer):
                        yield policy, rule, j, peer

    def rule_mask(self, rule: Rule) -> int:
        """Classes a rule's peers match (no peers: all)."""
        return self.matrix.peers(rule)

    # -- flows -----------------------------------------------------------------------------------

    def verdict(self, c: int, d: int, probe: Probe) -> Verdict:
        """The engine's verdict for class ``c`` to class ``d`` on ``probe`` (cached)."""
        key = (c, d, probe)
        found = self._verdicts.get(key)
        if found is None:
            found = evaluate(self.cluster, self.classes[c].rep, self.classes[d].rep, probe, self.options, labels=self.ns_labels)
            self._verdicts[key] = found
        return found

    def admin_subjects(self, c: int) -> tuple[int, ...]:
        """Indices of the admin-tier policies whose subject picks class ``c`` (cached)."""
        found = self._admin_cache.get(c)
        if found is None:
            rep = self.classes[c].rep
            found = tuple(
                i for i, policy in enumerate(getattr(self.cluster, "admin_policies", ()))
                if admin_selects(policy, rep, self.ns_labels)
            )
            self._admin_cache[c] = found
        return found

    def admin_admitted(self, d: int) -> int:
        """Classes that an admin-tier Allow ingress rule of a policy picking class ``d`` names."""
        mask = 0
        admin = getattr(self.cluster, "admin_policies", ())
        for i in self.admin_subjects(d):
            for rule in admin[i].ingress:
                if rule.action.value == "Allow":
                    for peer in rule.peers:
                        mask |= self.peer_mask(peer)
        return mask

    def egress_allows(self, c: int, d: int, probe: Probe) -> bool:
        """Whether class ``c``'s egress lets it send to class ``d`` on ``probe`` (the engine's answer)."""
        # the egress side depends on the source only through the policies that pick it
        key = (self._egress_id[c], d, probe)
        found = self._sends.get(key)
        if found is None:
            found = self._sends[key] = self.matrix.egress_allows(c, d, probe)
        return found

    def ingress_allows(self, d: int, c: int, probe: Probe) -> bool:
        """Whether class ``d``'s ingress accepts class ``c`` on ``probe`` (the engine's answer)."""
        key = (d, c, probe)
        found = self._accepts.get(key)
        if found is None:
            found = self._accepts[key] = self.matrix.ingress_allows(d, c, probe)
        return found

    def allows(self, c: int, d: int, probe: Probe) -> bool:
        """Whether class ``c`` may reach class ``d`` on ``probe`` (both sides; a lone pod to itself always)."""
        if c == d and len(self.classes[c].pods) == 1:
            return True
        return self.egress_allows(c, d, probe) and self.ingress_allows(d, c, probe)

    def egress_group(self, c: int) -> tuple[object, ...]:
        """Classes with the same group have the same egress verdicts (the same policies decide them)."""
        return self._egress_key[c]

    def accepted(self, d: int, probe: Probe) -> int:
        """The classes class ``d``'s ingress accepts on ``probe`` (the engine's answer)."""
        return self.matrix.accepted(d, probe)

    def accepts_external(self, d: int, probe: Probe) -> bool:
        """Whether some address outside the cluster may reach class ``d`` on ``probe``."""
        policies = self.ingress_of[d]
        if not policies:
            return True
        rep = self.classes[d].rep
        return any(
            (rule.all_peers or any(isinstance(p, IPBlockPeer) for p in rule.peers)) and rule_ports_match(rule, probe, rep)
            for policy in policies
            for rule in policy.ingress
        )

    def isolated_by(self, c: int, direction: Direction) -> list[str]:
        """Names of the policies isolating class ``c`` in ``direction``."""
        policies = self.ingress_of[c] if direction is Direction.INGRESS else self.egress_of[c]
        return [p.name for p in policies]

    def probes(self, ports: tuple[PortSpec, ...], d: int) -> list[Probe]:
        """The concrete ports a rule's ``ports`` admit on class ``d``'s pods.

        Named ports resolve on the pod; ranges and protocol-only entries become
        the declared ports they cover; a number the pod does not declare counts
        only when the pod declares no ports at all (nothing to go by).
        """
        declared = self.classes[d].rep.ports
        if not ports:
            return sorted({Probe(cp.port, cp.protocol) for cp in declared})
        found: set[Probe] = set()
        for spec in ports:
            if isinstance(spec.port, str):
                number = self.classes[d].rep.named_port(spec.port, spec.protocol)
                if number is not None:
                    found.add(Probe(number, spec.protocol))
            elif spec.port is None:
                found.update(Probe(cp.port, cp.protocol) for cp in declared if cp.protocol is spec.protocol)
            else:
                end = spec.end_port if spec.end_port is not None else spec.port
                hits = {Probe(cp.port, cp.protocol) for cp in declared if cp.protocol is spec.protocol and spec.port <= cp.port <= end}
                if hits:
                    found.update(hits)
                elif not declared:
                    found.add(Probe(spec.port, spec.protocol))
        return sorted(found)

    # -- naming, locating, suppressing -----------------------------------------------------------

    def target_of(self, subject: str) -> Target | None:
        """The object a subject key (``ns/Kind/name`` or ``ns/Pod/name``) names."""
        workload = self.workloads.get(subject)
        if workload is not None:
            return workload
        if self._pod_by_subject is None:  # indexed once, on first use: findings ask per subject
            self._pod_by_subject = {}
            for cls in self.classes:
                if not cls.assumed:
                    for pod in cls.pods:
                        self._pod_by_subject.setdefault(pod.workload_key, pod)
        return self._pod_by_subject.get(subject)

    def describe(self, target: Target) -> tuple[str, Location | None]:
        """The object's name in findings and where it starts; remembers its ignore annotation."""
        location = getattr(target, "location", None)
        annotations: dict[str, str] = {}
        if isinstance(target, NetworkPolicy):
            name = f"{target.namespace}/NetworkPolicy/{target.name}"
            annotations = dict(target.annotations)
        elif isinstance(target, Workload):
            name = str(target.ref)
            annotations = {**target.template_annotations, **target.annotations}
        elif isinstance(target, Pod):
            name = target.workload_key
            annotations = dict(target.annotations)
        elif isinstance(target, Namespace):
            name = f"Namespace/{target.name}"
            annotations = dict(target.annotations)
            if location is None:
                location = self._first_located.get(target.name)
        elif isinstance(target, AdminPolicy):
            name = target.key
        elif isinstance(target, UnevaluatedPolicy):
            name = f"{target.namespace}/{target.kind}/{target.name}" if target.namespace else f"{target.kind}/{target.name}"
            annotations = dict(target.annotations)
        else:  # Service, Monitor
            kind = "Service" if isinstance(target, Service) else target.kind
            name = f"{target.namespace}/{kind}/{target.name}"
            annotations = dict(target.annotations)
        value = annotations.get(IGNORE_ANNOTATION)
        if value is not None:
            self.ignores[name] = frozenset(_ignore_items(value))
        return name, location

    def resolve(self, port: int | str, protocol: Protocol, d: int) -> Probe | None:
        """A port number, or a container port name looked up on class ``d``'s pods."""
        if isinstance(port, str):
            number = self.classes[d].rep.named_port(port, protocol)
            return Probe(number, protocol) if number is not None else None
        return Probe(port, protocol)

    def namespace(self, name: str) -> Namespace:
        """The namespace called ``name`` (a bare stand-in when the input implies it only)."""
        found = self.namespaces.get(name)
        return found if found is not None else Namespace(name, {NAMESPACE_NAME_LABEL: name}, implicit=True)

    def namespace_ignores(self, name: str) -> frozenset[str]:
        """Codes a namespace's ``podwall.io/ignore`` annotation suppresses for everything in it."""
        ns = self.namespaces.get(name)
        if ns is None:
            return frozenset()
        value = ns.annotations.get(IGNORE_ANNOTATION)
        return frozenset(_ignore_items(value)) if value is not None else frozenset()

    def _first_locations(self) -> dict[str, Location]:
        """Per namespace, the earliest located object in it (where an implied namespace "is")."""
        found: dict[str, Location] = {}
        objects: list[tuple[str, Location | None]] = [(p.namespace, p.location) for p in self.cluster.pods]
        objects += [(p.namespace, p.location) for p in self.policies]
        objects += [(s.namespace, s.location) for s in self.services]
        for ns, location in objects:
            if location is None:
                continue
            best = found.get(ns)
            if best is None or (location.path, location.line or 0) < (best.path, best.line or 0):
                found[ns] = location
        return found


def _ignore_items(value: str) -> list[str]:
    return [item.strip() for item in value.replace(";", ",").replace(" ", ",").split(",") if item.strip()]


def dns_server_of(ctx: Context, cls: PodClass) -> DnsServer | None:
    """The DNS server a class of pods is part of (engine.dns recognises them), if any."""
    if cls.assumed:
        return ASSUMED if any(p is ASSUMED_DNS for p in cls.pods) else None
    servers = ctx.memo.get("dns-servers")
    if servers is None:
        servers = ctx.memo["dns-servers"] = {id(p): s for s in ctx.dns.servers for p in s.pods}
    return next((servers[id(p)] for p in cls.pods if id(p) in servers), None)


def is_prometheus(pod: Pod) -> bool:
    """A Prometheus server pod, by the labels its charts and the Operator give it."""
    return any(pod.labels.get(k) == "prometheus" for k in PROMETHEUS_LABEL_KEYS) or (
        "prometheus" in pod.labels and pod.labels.get("app.kubernetes.io/managed-by") == "prometheus-operator"
    )
