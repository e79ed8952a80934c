"""``flows advise``: least-privilege intents (and policies) from what was observed, proven before they are shown.

1. Records are folded into flows (outside addresses into CIDRs of ``external_prefix``).
2. Flows are kept when seen at least ``min_count`` times and touching the app's
   namespaces; DNS to the cluster's DNS server is left to ``dns: true``.
3. Each workload becomes an intents workload selected by its *stable* labels (never
   ``pod-template-hash``, pod names or other per-pod labels): the narrowest selector
   that tells it apart from the other workloads of its namespace.
4. The intents file is written, read back by the intents parser, and turned into
   policies by ``generate``'s from-intents.
5. Proof, with the engine: generate's verification (every intent ALLOWED, nothing else
   opened) and a replay of every kept observed flow against the input plus the
   generated policies (``flows check``'s judgement: nothing would break).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from podwall.engine import EngineOptions
from podwall.errors import InputError, UsageError
from podwall.flows.check import CheckReport, assess
from podwall.flows.fold import Observation, ObservedFlow, observe
from podwall.flows.record import Flow
from podwall.flows.resolve import Party, Resolver
from podwall.flows.source import Skipped, read
from podwall.generate import (
    SYSTEM_NAMESPACES,
    Generation,
    Intents,
    Verification,
    from_intents,
    parse_intents,
    selector_text,
    telling_selector,
    verify,
    with_policies,
)
from podwall.generate.dns import DnsTarget
from podwall.generate.intents import API_VERSION, KIND, WORKLOAD_NAME_MAX
from podwall.generate.names import slug
from podwall.loader.yaml_writer import aligned, scalar
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    IPAddress,
    LabelSelector,
    Namespace,
    Pod,
    Protocol,
    WorkloadRef,
)
from podwall.model.quick import frozen

DNS_PORT = 53


@frozen
class LeftOut:
    """An observed flow the advice does not allow, and why."""

    flow: ObservedFlow
    reason: str


@frozen
class Advice:
    """The advice and its proof.

    ``text`` is the intents file (podwall's own format, so people review intent,
    not YAML); ``intents`` the same file as parsed back; ``generation`` the
    policies from-intents writes; ``verification`` generate's check of them in
    ``world`` (the -f input, or a model of the observed workloads); ``replay``
    every kept observed flow judged against the world plus the generated
    policies.
    """

    text: str
    intents: Intents
    generation: Generation
    verification: Verification
    replay: CheckReport
    kept: tuple[ObservedFlow, ...]
    left_out: tuple[LeftOut, ...]
    observation: Observation
    world: str
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every kept flow allowed (by intent and by replay) and nothing else opened."""
        return self.verification.ok and self.replay.ok and not any(not j.allowed for j in self.replay.judged)


class NothingToAdvise(InputError):
    """No observed flow is kept: an advice from nothing would deny everything. ``observation``: what was read."""

    def __init__(self, message: str, observation: Observation) -> None:
        super().__init__(message)
        self.observation = observation


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def cidr_key(prefix4: int, prefix6: int) -> Callable[[IPAddress], str]:
    """Fold an outside address into its /prefix network (``203.0.113.7`` -> ``203.0.113.0/24``)."""

    def key(address: IPAddress) -> str:
        prefix = prefix4 if address.version == 4 else prefix6
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))

    return key


# -- naming the workloads ------------------------------------------------------------------------


@dataclass
class _Named:
    party: Party
    name: str
    selector: LabelSelector
    twins: list[str]


def _workload_names(parties: Sequence[Party]) -> dict[str, str]:
    """A DNS-label name per workload subject, unique across the file."""
    names: dict[str, str] = {}
    taken: set[str] = {"internet"}
    bare = [p.name.rsplit("/", 1)[-1] for p in parties]
    for party, base_name in zip(parties, bare):
        base = slug(base_name, "workload")[:WORKLOAD_NAME_MAX].strip("-.").replace(".", "-")
        wanted = base if bare.count(base_name) == 1 else f"{base}-{party.namespace}"[:WORKLOAD_NAME_MAX].strip("-")
        final, i = wanted, 2
        while final in taken:
            final = f"{wanted[: WORKLOAD_NAME_MAX - 4]}-{i}"
            i += 1
        taken.add(final)
        names[party.name] = final
    return names


def _others(party: Party, world: Cluster) -> list[tuple[str, dict[str, str]]]:
    """The other workloads (and bare pods) of the party's namespace, with their labels."""
    seen: dict[str, dict[str, str]] = {}
    for pod in world.pods:
        if pod.namespace == party.namespace and pod.workload_key != party.name and not pod.host_network:
            seen.setdefault(pod.workload_key, dict(pod.labels))
    return sorted(seen.items())


def _name_workloads(parties: Sequence[Party], world: Cluster) -> list[_Named]:
    names = _workload_names(parties)
    result = []
    for party in parties:
        others = _others(party, world)
        selector, twins = telling_selector(dict(party.labels), [labels for _, labels in others])
        result.append(_Named(party, names[party.name], selector, [others[i][0] for i in twins]))
    return result


# -- the observed world (no -f) -------------------------------------------------------------------


def observed_world(flows: Iterable[ObservedFlow], dns: DnsTarget | None = DnsTarget()) -> Cluster:
    """A cluster of the observed workloads: one stand-in pod each, its stable labels, the ports it served on."""
    labels: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    ports: dict[str, set[ContainerPort]] = {}
    for flow in flows:
        for party in (flow.source, flow.destination):
            if party.kind == "workload":
                labels.setdefault(party.name, (party.namespace, party.labels))
                ports.setdefault(party.name, set())
        if flow.destination.kind == "workload":
            ports[flow.destination.name].add(ContainerPort(flow.port, flow.protocol))
    pods = []
    for key, (namespace, pairs) in sorted(labels.items()):
        _, kind, name = key.split("/", 2)
        declared = tuple(sorted(ports[key], key=lambda c: (c.port, c.protocol.value)))
        if kind == "Pod":
            pods.append(Pod(namespace, name, dict(pairs), declared))
        else:
            pods.append(Pod(namespace, name, dict(pairs), declared, owner=WorkloadRef(kind, namespace, name), template=True))
    namespaces = {p.namespace for p in pods}
    if dns is not None:
        namespaces.add(dns.namespace)
    return Cluster(
        namespaces=tuple(Namespace(n, {NAMESPACE_NAME_LABEL: n}) for n in sorted(namespaces)),
        pods=tuple(pods),
    )


# -- choosing the flows ---------------------------------------------------------------------------


def _is_dns(flow: ObservedFlow, dns: DnsTarget | None, namespaces: Sequence[str]) -> bool:
    """DNS to the cluster's DNS server from the app: ``dns: true`` allows it."""
    if dns is None or flow.port != DNS_PORT or flow.protocol not in (Protocol.UDP, Protocol.TCP):
        return False
    target = flow.destination
    return (
        target.kind == "workload"
        and target.namespace == dns.namespace
        and dns.pods.matches(dict(target.labels))
        and flow.source.namespace in namespaces
    )


def _choose(
    flows: Sequence[ObservedFlow], namespaces: Sequence[str], min_count: int, dns: DnsTarget | None
) -> tuple[list[ObservedFlow], list[LeftOut]]:
    kept: list[ObservedFlow] = []
    left: list[LeftOut] = []
    for flow in flows:
        ends = (flow.source, flow.destination)
        if flow.count < min_count:
            left.append(LeftOut(flow, f"seen {flow.count} time{'s' if flow.count != 1 else ''}, fewer than --min-count {min_count}"))
        elif 0 < flow.dropped == flow.records:
            left.append(LeftOut(flow, "the network dropped every record: only traffic that got through is advised"))
        elif not any(p.kind == "workload" and p.namespace in namespaces for p in ends):
            left.append(LeftOut(flow, "neither end is a workload of the app's namespaces"))
        elif _is_dns(flow, dns, namespaces):
            left.append(LeftOut(flow, "DNS to the cluster's DNS server: allowed by dns: true"))
        elif any(p.kind == "workload" and not p.labels for p in ends):
            who = next(p.name for p in ends if p.kind == "workload" and not p.labels)
            left.append(LeftOut(flow, f"{who} has no stable label to select its pods by"))
        else:
            kept.append(flow)
    return kept, left


def _end_text(party: Party, names: dict[str, str]) -> str:
    if party.kind == "workload":
        return names[party.name]
    address = party.address
    if party.kind == "node" and address is not None:
        return f"{address}/{address.max_prefixlen}"
    return party.name


def _flow_lines(kept: Sequence[ObservedFlow], names: dict[str, str]) -> list[tuple[str, str]]:
    """``source -> destination:ports`` per pair (ports merged), with a comment saying what was seen."""
    pairs: dict[tuple[str, str], list[ObservedFlow]] = {}
    for flow in kept:
        pairs.setdefault((_end_text(flow.source, names), _end_text(flow.destination, names)), []).append(flow)
    lines = []
    for (source, destination), flows in pairs.items():
        ports = ",".join(f"{f.port}/{f.protocol.value}" for f in sorted(flows, key=lambda f: (f.protocol.value, f.port)))
        seen = sum(f.count for f in flows)
        where = ", ".join(sorted({a for f in flows for a in f.addresses}))
        note = f"seen {seen} time{'s' if seen != 1 else ''}" + (f" ({where})" if where else "")
        lines.append((f"  - {scalar(f'{source} -> {destination}:{ports}', flow=False)}", note))
    return lines


def intents_text(
    named: Sequence[_Named], kept: Sequence[ObservedFlow], namespaces: Sequence[str], name: str | None, dns: bool
) -> str:
    """The intents file: workloads by their stable labels, one line per observed pair."""
    names = {n.party.name: n.name for n in named}
    several = len({n.party.namespace for n in named} | set(namespaces)) > 1
    lines = [
        "# podwall intents, advised from observed traffic by `podwall flows advise`.",
        "# Review the workloads and flows, then: podwall generate from-intents THIS_FILE -f MANIFESTS",
        f"apiVersion: {API_VERSION}",
        f"kind: {KIND}",
    ]
    if name:
        lines.append(f"name: {scalar(name)}")
    lines += [f"namespaces: [{', '.join(map(scalar, namespaces))}]", "defaultDeny: all", f"dns: {'true' if dns else 'false'}"]
    if named:
        lines.append("workloads:")
        rows = []
        for n in named:
            selector = selector_text(n.selector)
            value = f"{{namespace: {scalar(n.party.namespace)}, selector: {scalar(selector)}}}" if several else scalar(selector)
            note = n.party.name + (f"; also selects {', '.join(n.twins)}" if n.twins else "")
            rows.append((f"  {scalar(n.name)}: {value}", note))
        lines += aligned(rows)
    else:
        lines.append("workloads: {}")
    if kept:
        lines.append("flows:")
        lines += aligned(_flow_lines(kept, names))
    else:
        lines.append("flows: []")
    return "\n".join(lines) + "\n"


# -- the whole advice -------------------------------------------------------------------------------


def advise(
    records: Iterable[Flow | Skipped],
    cluster: Cluster | None = None,
    *,
    namespaces: Sequence[str] = (),
    min_count: int = 1,
    external_prefix: int = 24,
    external_prefix6: int = 64,
    name: str | None = None,
    dns: bool = True,
    options: EngineOptions = EngineOptions(),
) -> Advice:
    """Advise least-privilege intents from observed records, and prove them.

    ``cluster`` is the -f input (None: workloads are taken from the records,
    which must name pods: Hubble, Calico, Inspektor Gadget); ``namespaces`` the
    app's namespaces (default: every namespace of an observed workload except
    the system ones); ``name`` the app's name (``name:`` of the intents) and the
    prefix of every generated policy's name (as ``generate from-intents --name``),
    so that the advised policies add to the input's rather than replace them.
    """
    if not 0 <= external_prefix <= 32 or not 0 <= external_prefix6 <= 128:
        raise UsageError("--external-prefix must be 0-32 (and --external-prefix6 0-128)")
    if min_count < 1:
        raise UsageError("--min-count must be 1 or more")
    observation = observe(records, Resolver(cluster), cidr_key(external_prefix, external_prefix6))
    if not observation.flows:
        unnamed = sum(i.count for i in observation.unattributed)
        raise NothingToAdvise(
            f"nothing to advise: no flow of the {observation.flows_read} flow records names a workload"
            + (f" ({unnamed} unattributed, e.g. {observation.unattributed[0].reason})" if unnamed else "")
            + ("; address-only formats (VPC, conntrack, CSV) need the manifests with -f" if cluster is None else ""),
            observation,
        )
    target = DnsTarget() if dns else None
    flows = observation.flows
    if not namespaces:
        found = {p.namespace for f in flows for p in (f.source, f.destination) if p.kind == "workload"}
        namespaces = sorted(found - SYSTEM_NAMESPACES)
    kept, left = _choose(flows, namespaces, min_count, target)
    if not kept:
        reasons = Counter(left_out.reason for left_out in left).most_common()
        raise NothingToAdvise(
            f"nothing to advise in {', '.join(namespaces) or 'no namespace'}: none of the {len(flows)} observed flows "
            f"is kept ({'; '.join(f'{n} flow{_s(n)}: {reason}' for reason, n in reasons)})",
            observation,
        )
    world = cluster if cluster is not None else observed_world(flows, target)
    world_name = "the -f input" if cluster is not None else "a model of the observed workloads (no -f)"
    parties = sorted({p.name: p for f in kept for p in (f.source, f.destination) if p.kind == "workload"}.values(),
                     key=lambda p: p.name)
    named = _name_workloads(parties, world)
    text = intents_text(named, kept, namespaces or ["default"], name, dns)
    intents = parse_intents(text, "<advice>")
    generation = from_intents(intents, world, prefix=name)  # the names generate from-intents --name NAME writes
    verification = verify(world, generation, options=options, world=world_name)
    replayed = replace(observation, flows=list(kept))
    replay = assess(with_policies(world, generation.policies), replayed, options=options)
    notes = tuple(f"note: workload {n.name} ({selector_text(n.selector)}) also selects {', '.join(n.twins)}: "
                  "give its pods a telling label" for n in named if n.twins)
    return Advice(text, intents, generation, verification, replay, tuple(kept), tuple(left), observation, world_name, notes)


def advise_files(
    paths: Sequence[str],
    cluster: Cluster | None = None,
    *,
    fmt: str | None = None,
    stdin: TextIO | None = None,
    **kwargs: object,
) -> Advice:
    """``advise`` over flow files (``-`` for stdin, ``.gz`` read as gzip)."""
    return advise(read(paths, fmt, stdin), cluster, **kwargs)  # type: ignore[arg-type]
