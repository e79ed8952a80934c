"""Verified before it ships: the engine judges the input plus the generated policies.

Two questions, answered with the same engine ``reach`` and ``explain`` use:

1. Is every intended flow ALLOWED? Each is evaluated for every distinct pod pair
   of its two ends (and a sample address for an external end), on its ports.
2. Do the generated policies open anything else? A flow is *opened by* the
   generated policies when it is allowed with them, but not with the same
   policies emptied of their rules (isolation kept). Opened flows that no intent
   covers are offenders: a selector or port broader than intended. Flows the
   input's own policies allow, or that no policy isolates, are not podwall's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from enum import Enum

from podwall.engine import (
    Basis,
    DirectionVerdict,
    EngineOptions,
    External,
    Probe,
    Verdict,
    declared_probes,
    evaluate,
    reach,
)
from podwall.engine.match import ipblock_matches, port_matches  # not re-exported by podwall.engine (yet)
from podwall.engine.dns import DnsView, dns_view
from podwall.generate.policies import Generation, IntendedFlow, Party, PodParty, party, with_policies
from podwall.generate.selectors import selector_text
from podwall.model import Cluster, Pod, PortSpec, Protocol
from podwall.model.quick import frozen

#: The probe for "every port" where the destination declares none (or is external).
FALLBACK_PROBE = Probe(443, Protocol.TCP)


class Status(str, Enum):
    """The outcome of one intended flow."""

    ALLOWED = "ALLOWED"
    DENIED = "DENIED"
    UNCHECKED = "UNCHECKED"  # nothing in the input to judge it on (e.g. no DNS pod in the manifests)


@frozen
class Check:
    """One intended flow on one port spec, judged; ``egress``/``ingress`` say what decided each side."""

    flow: IntendedFlow
    port: str
    status: Status
    egress: str = ""
    ingress: str = ""
    detail: str = ""


@frozen
class Opened:
    """A flow the generated policies allow that no intent asks for."""

    source: str
    destination: str
    probe: Probe
    policies: tuple[str, ...]


@frozen
class Verification:
    """The verdict on a Generation in a world (the -f input, or a model built from intents)."""

    checks: tuple[Check, ...]
    opened: tuple[Opened, ...]
    world: str
    policies: int

    @property
    def denied(self) -> tuple[Check, ...]:
        """Intended flows that are not allowed."""
        return tuple(c for c in self.checks if c.status is Status.DENIED)

    @property
    def ok(self) -> bool:
        """Every intended flow allowed (or uncheckable) and nothing else opened."""
        return not self.denied and not self.opened


_Endpoint = Pod | External


def _distinct(pods: Iterable[Pod]) -> list[Pod]:
    """One pod per kind the semantics can tell apart (namespace, labels, ports, addresses)."""
    seen: dict[tuple[object, ...], Pod] = {}
    for p in pods:
        key = (p.namespace, frozenset(p.labels.items()), p.ports, p.ips, p.host_network)
        seen.setdefault(key, p)
    return list(seen.values())


def _ends(party: Party, cluster: Cluster) -> list[_Endpoint]:
    if isinstance(party, PodParty):
        return list(_distinct(party.pods(cluster)))
    address = party.sample(ip for p in cluster.pods for ip in p.ips)
    return [External(address)] if address is not None else []


def _probes(spec: PortSpec | None, destination: _Endpoint) -> list[Probe]:
    if spec is None:
        if isinstance(destination, Pod) and destination.ports:
            return sorted({Probe(cp.port, cp.protocol) for cp in destination.ports})
        return [FALLBACK_PROBE]
    if spec.port is None:
        if isinstance(destination, Pod):
            declared = sorted({Probe(cp.port, cp.protocol) for cp in destination.ports if cp.protocol is spec.protocol})
            if declared:
                return declared
        return [Probe(443 if spec.protocol is Protocol.TCP else 53, spec.protocol)]
    if isinstance(spec.port, str):
        if isinstance(destination, External):
            return []
        number = destination.named_port(spec.port, spec.protocol)
        return [] if number is None else [Probe(number, spec.protocol)]
    if spec.end_port is not None:
        return [Probe(spec.port, spec.protocol), Probe(spec.end_port, spec.protocol)]
    return [Probe(spec.port, spec.protocol)]


_WORDS = {Basis.NOT_ISOLATED: "open", Basis.EXTERNAL: "-", Basis.HOST_NETWORK: "host network", Basis.SELF: "self"}


def _cell(sides: Sequence[DirectionVerdict]) -> str:
    """What decided one side across the judged pod pairs: policy names, ``open``, ``-``, ``DENIED``."""
    parts: list[str] = []
    for side in sides:
        if side.basis is Basis.RULE:
            names = [ref.policy.split("/", 1)[1] for ref in side.allowed_by]
        elif not side.allowed:
            names = ["DENIED" if side.basis is Basis.NO_RULE else f"DENIED ({side.basis.value})"]
        else:
            names = [_WORDS.get(side.basis, side.basis.value)]
        for name in names:
            if name not in parts:
                parts.append(name)
    return ", ".join(parts)


def _why(verdict: Verdict) -> str:
    side = verdict.egress if not verdict.egress.allowed else verdict.ingress
    word = side.direction.value.lower()
    twin = " (another replica)" if verdict.source == verdict.destination else ""
    head = f"{verdict.source} -> {verdict.destination}{twin} on {verdict.probe}: {word} of {side.subject}"
    if side.basis is Basis.NO_RULE:
        return f"{head} is isolated by {', '.join(side.isolated_by)} and no rule admits it"
    return f"{head} is denied ({side.basis.value})"


def _check(flow: IntendedFlow, spec: PortSpec | None, cluster: Cluster, options: EngineOptions) -> Check:
    port = str(spec) if spec is not None else "every port"
    sources, destinations = _ends(flow.source, cluster), _ends(flow.destination, cluster)
    for party, ends in ((flow.source, sources), (flow.destination, destinations)):
        if not ends:
            if isinstance(party, PodParty):
                pods = "pod" if party.pod_selector.is_empty else f"pods {selector_text(party.pod_selector)}"
                detail = f"the input has no {pods} {party.where}"
            else:
                detail = f"every address of {party.block} belongs to a pod"
            return Check(flow, port, Status.UNCHECKED, detail=detail)
    verdicts: list[Verdict] = []
    labels = {ns.name: ns.labels for ns in cluster.namespaces}
    for s in sources:
        for d in destinations:
            if s is d:
                # Between two replicas of one kind of pod (a workload to itself): judge the
                # representative against a twin, since a pod to itself is always allowed.
                d = replace(d, name=f"{d.name}-replica")
            for probe in _probes(spec, d):
                verdicts.append(evaluate(cluster, s, d, probe, options, labels=labels))
    if not verdicts:
        return Check(flow, port, Status.UNCHECKED, detail=f"no destination pod declares port {port}")
    failed = [v for v in verdicts if not v.allowed]
    shown = failed or verdicts
    detail = ""
    if failed:
        detail = _why(failed[0])
        hosts = [s for s in sources if isinstance(s, Pod) and s.host_network]
        if hosts and not failed[0].ingress.allowed:
            detail += (
                f" ({hosts[0].workload_key} is on the host network: no pod or namespace selector matches it;"
                " allow its nodes' addresses with an ipBlock)"
            )
    return Check(
        flow,
        port,
        Status.DENIED if failed else Status.ALLOWED,
        _cell([v.egress for v in shown]),
        _cell([v.ingress for v in shown]),
        detail,
    )


class _Coverage:
    """Which (source pod, destination pod, probe) some intended flow covers."""

    def __init__(self, flows: Sequence[IntendedFlow], cluster: Cluster, options: EngineOptions) -> None:
        self._flows = [(self._keys(f.source, cluster, options), self._keys(f.destination, cluster, options), f.ports) for f in flows]

    @staticmethod
    def _keys(party: Party, cluster: Cluster, options: EngineOptions) -> frozenset[str]:
        if isinstance(party, PodParty):
            return frozenset(p.key for p in party.pods(cluster))
        # an ipBlock also matches pods whose address is in range (SEMANTICS.md convention)
        return frozenset(p.key for p in cluster.pods if ipblock_matches(party.block, p, options))

    def covers(self, source: str, destination: Pod, probe: Probe) -> bool:
        return any(
            source in sources
            and destination.key in destinations
            and (not ports or any(port_matches(spec, probe, destination) for spec in ports))
            for sources, destinations, ports in self._flows
        )


def _opened(
    cluster: Cluster, generation: Generation, probes: set[Probe], options: EngineOptions
) -> tuple[Opened, ...]:
    combined = with_policies(cluster, generation.policies)
    emptied = [replace(g, policy=replace(g.policy, ingress=(), egress=())) for g in generation.policies]
    chosen = sorted(probes | set(declared_probes(combined.pods)))
    if not chosen or not combined.pods:
        return ()
    before = reach(with_policies(cluster, emptied), chosen, options=options).allowed
    after = reach(combined, chosen, options=options).allowed
    pods = {p.key: p for p in combined.pods}
    coverage = _Coverage(generation.intended, combined, options)
    keys = frozenset(g.key for g in generation.policies)
    labels = {ns.name: ns.labels for ns in combined.namespaces}
    found: dict[tuple[str, str, Probe], set[str]] = {}
    for source, destination, probe in sorted(after - before, key=lambda f: (f[0], f[1], f[2])):
        dst = pods[destination]
        if coverage.covers(source, dst, probe):
            continue
        src = pods[source]
        verdict = evaluate(combined, src, dst, probe, options, labels=labels)
        by = {ref.policy for side in (verdict.egress, verdict.ingress) for ref in side.allowed_by if ref.policy in keys}
        found.setdefault((src.workload_key, dst.workload_key, probe), set()).update(by)
    return tuple(Opened(s, d, p, tuple(sorted(by))) for (s, d, p), by in sorted(found.items(), key=lambda i: i[0]))


def _real_dns(flow: IntendedFlow, view: DnsView, cluster: Cluster) -> IntendedFlow:
    """A DNS flow as it really goes: to the DNS server pods the input runs, at the port they listen on.

    1. The flow's destination holds recognised DNS server pods: judge it at their port
       (53 written where the pods listen on 5353 fails, as it does in the cluster).
    2. It holds none, but the input runs DNS elsewhere: judge it against that server,
       so a policy aimed at kube-dns in an OpenShift cluster fails instead of going
       unchecked.
    3. The input runs no DNS server: the flow stays as written (unchecked if nothing
       serves it).
    """
    if not isinstance(flow.destination, PodParty) or view.assumed:
        return flow
    chosen = {id(p) for p in flow.destination.pods(cluster)}
    servers = [s for s in view.cluster_dns if any(id(p) in chosen for p in s.pods)]
    server = servers[0] if servers else view.primary
    if server is None:  # no cluster DNS in the input: the flow as written (unchecked if nothing serves it)
        return flow
    ports = (PortSpec(Protocol.UDP, server.port), PortSpec(Protocol.TCP, server.port))
    if servers and ports == flow.ports:
        return flow
    destination = replace(party(server.selector, server.namespace), label=f"{server.namespace}/{server.selector} (DNS, {server.via})")
    return replace(flow, destination=destination, ports=ports)


def verify(
    cluster: Cluster,
    generation: Generation,
    *,
    options: EngineOptions = EngineOptions(),
    world: str = "the -f input",
) -> Verification:
    """Judge ``generation`` applied to ``cluster``: intended flows allowed, nothing else opened."""
    combined = with_policies(cluster, generation.policies)
    checks: list[Check] = []
    probes: set[Probe] = set()
    view = dns_view(cluster)
    for intended in generation.intended:
        flow = _real_dns(intended, view, combined) if intended.dns else intended
        for spec in flow.ports or (None,):
            check = _check(flow, spec, combined, options)
            checks.append(check)
        if isinstance(flow.destination, PodParty):
            for d in _ends(flow.destination, combined):
                for spec in flow.ports or (None,):
                    probes.update(_probes(spec, d))
    opened = _opened(cluster, generation, probes, options)
    return Verification(tuple(checks), opened, world, len(generation.policies))
