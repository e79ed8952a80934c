"""``generate from-intents``: the complete least-privilege policy set of an application.

Output, per namespace of the app: the default deny, DNS egress (when egress is
denied), then one policy per (workload, direction) holding all of that
workload's peers for that direction, so both halves of every flow exist.

Which sides get a policy: a workload's side in a direction is written when the
intents deny that direction in the workload's namespace, or when the input
(``context``) shows its pods already isolated in that direction. Anywhere else
the direction is open and a policy would only isolate the pods (see allow.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from podwall.errors import InputErrors
from podwall.generate.deny import NAMES as DENY_NAMES
from podwall.generate.deny import deny_policy
from podwall.engine.dns import dns_view
from podwall.generate.dns import DnsTarget, dns_intended, dns_policy
from podwall.generate.intents import AnyWorkload, FlowIntent, Intents, IntentsError, NetEnd, WorkloadIntent
from podwall.generate.names import check_policy_name, quote
from podwall.generate.policies import (
    MANAGED_BY,
    PART_OF,
    Generated,
    Generation,
    IntendedFlow,
    NetParty,
    PodParty,
    isolated,
    isolation_notes,
    pod_peer,
    policy,
    shown,
    subjects,
)
from podwall.generate.ports import ports_text
from podwall.generate.selectors import labels_text, sample_labels, selector_text
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    Namespace,
    Peer,
    Pod,
    PortSpec,
    Protocol,
)
from podwall.model.quick import frozen

Side = WorkloadIntent | NetEnd


@frozen
class _Pair:
    """One concrete flow after ``*`` is expanded."""

    source: Side
    destination: Side
    ports: tuple[PortSpec, ...]
    flow: FlowIntent


def _party(side: Side) -> PodParty | NetParty:
    if isinstance(side, WorkloadIntent):
        return PodParty(side.name, side.selector, side.namespace)
    return NetParty(side.label, side.block)


def _pods(workload: WorkloadIntent, cluster: Cluster) -> list[Pod]:
    return [p for p in cluster.pods if p.namespace == workload.namespace and workload.selector.matches(p.labels)]


def _declares(pods: list[Pod], ports: tuple[PortSpec, ...]) -> bool:
    """Whether some pod declares every named port of ``ports`` (numbers always apply)."""
    named = [p for p in ports if isinstance(p.port, str)]
    return not named or any(all(pod.named_port(p.port, p.protocol) is not None for p in named) for pod in pods)  # type: ignore[arg-type]


def _check_context(intents: Intents, context: Cluster) -> None:
    """Selectors must match pods of the input; named ports must exist on their destinations."""
    errors: list[IntentsError] = []
    for w in intents.workloads:
        if not _pods(w, context):
            errors.append(IntentsError(
                f"selector {quote(selector_text(w.selector))} matches no pod in namespace {w.namespace} of the -f input"
                + _hint(w, context),
                w.location,
                field=f"workloads.{w.name}",
            ))
    if errors:
        raise InputErrors(list(errors))
    for flow in intents.flows:
        if isinstance(flow.destination, str):
            target = intents.workload(flow.destination)
            if not _declares(_pods(target, context), flow.ports):
                errors.append(IntentsError(
                    f"{target.name} declares no container port {_named(flow.ports)}{_known_ports(_pods(target, context))}",
                    flow.location,
                    field=flow.field,
                ))
    if errors:
        raise InputErrors(list(errors))


def _named(ports: tuple[PortSpec, ...]) -> str:
    return " or ".join(str(p) for p in ports if isinstance(p.port, str))


def _known_ports(pods: list[Pod]) -> str:
    names = sorted({f"{cp.name}/{cp.protocol.value}" for p in pods for cp in p.ports if cp.name})
    return f" (its named ports: {', '.join(names)})" if names else " (it names no port)"


def _hint(workload: WorkloadIntent, context: Cluster) -> str:
    keys = {k for k, _ in workload.selector.match_labels}
    values = sorted(
        {labels_text({k: v}) for p in context.pods if p.namespace == workload.namespace for k, v in p.labels.items() if k in keys}
    )
    if values:
        return f" (pods there have {', '.join(values[:6])})"
    if not any(p.namespace == workload.namespace for p in context.pods):
        return " (the input has no pod there)"
    return ""


def _expand(intents: Intents, context: Cluster | None) -> Iterator[_Pair]:
    """Concrete pairs; ``*`` skips workloads that lack the flow's named ports (given context)."""
    for flow in intents.flows:
        sources = _ends(intents, flow.source, flow.destination)
        destinations = _ends(intents, flow.destination, flow.source)
        produced = False
        for s in sources:
            for d in destinations:
                if isinstance(flow.destination, AnyWorkload) and context is not None and isinstance(d, WorkloadIntent):
                    if not _declares(_pods(d, context), flow.ports):
                        continue
                produced = True
                yield _Pair(s, d, flow.ports, flow)
        if not produced and context is not None:
            raise InputErrors([IntentsError(
                f"no workload the flow reaches declares container port {_named(flow.ports)}",
                flow.location,
                field=flow.field,
            )])


def _ends(intents: Intents, end: object, other: object) -> list[Side]:
    if isinstance(end, NetEnd):
        return [end]
    if isinstance(end, AnyWorkload):
        return [w for w in intents.workloads if w.name != other]
    assert isinstance(end, str)
    return [intents.workload(end)]


def _describe(side: Side, home: str) -> str:
    if isinstance(side, NetEnd):
        return side.label
    return side.name if side.namespace == home else f"{side.name} in {side.namespace}"


def _workload_policy(
    workload: WorkloadIntent, direction: Direction, pairs: list[_Pair], name: str
) -> Generated:
    """All peers of one workload in one direction; one rule per distinct port list, in flow order."""
    rules: dict[tuple[PortSpec, ...], list[Peer]] = {}
    words: dict[str, list[str]] = {}
    for pair in pairs:
        other = pair.source if direction is Direction.INGRESS else pair.destination
        if isinstance(other, NetEnd):
            peer: Peer = other.block
        else:
            peer = pod_peer(workload.namespace, other.selector, other.namespace)
        peers = rules.setdefault(pair.ports, [])
        if peer not in peers:
            peers.append(peer)
        ports = words.setdefault(_describe(other, workload.namespace), [])
        text = ports_text(pair.ports)
        if text not in ports:
            ports.append(text)
    rule_list = [(peers, ports) for ports, peers in rules.items()]
    word, preposition = ("Ingress", "from") if direction is Direction.INGRESS else ("Egress", "to")
    allowed = "; ".join(f"{preposition} {who} on {', '.join(ports)}" for who, ports in words.items())
    comment = f"{word} of {workload.name} ({selector_text(workload.selector)}): {allowed}."
    if direction is Direction.INGRESS:
        pol = policy(workload.namespace, name, workload.selector, [direction], ingress=rule_list)
    else:
        pol = policy(workload.namespace, name, workload.selector, [direction], egress=rule_list)
    return Generated(pol, comment)


def from_intents(intents: Intents, context: Cluster | None = None, *, prefix: str | None = None) -> Generation:
    """The least-privilege policies of an app, and the flows they must allow.

    With ``context`` (the -f input), every workload must select pods there, named
    ports must exist, and sides outside the app's namespaces get a policy only if
    already isolated. ``prefix`` is put before every policy name.
    Problems raise InputErrors of IntentsError, one line each.
    """
    if context is not None:
        _check_context(intents, context)
        view = dns_view(context)
        if intents.dns == DnsTarget() and view.primary is not None:  # dns: true: the cluster DNS the input runs
            intents = replace(intents, dns=DnsTarget.recognised(view))
    pairs = list(_expand(intents, context))
    labels = (MANAGED_BY,) + (((PART_OF, intents.name),) if intents.name else ())

    def name(text: str) -> str:
        return check_policy_name(f"{prefix}-{text}" if prefix else text, "policy name")

    def emits(workload: WorkloadIntent, direction: Direction) -> bool:
        if workload.namespace in intents.namespaces and direction in intents.default_deny:
            return True
        return context is not None and any(isolated(context, p, direction) for p in _pods(workload, context))

    generated: list[Generated] = []
    intended: list[IntendedFlow] = []
    notes: list[str] = []
    owner: dict[str, str] = {}  # policy key -> what it is for, to report name collisions

    def add(g: Generated, what: str, workload: WorkloadIntent | None = None) -> None:
        if g.key in owner:
            where = workload.location if workload is not None else None
            raise InputErrors([IntentsError(
                f"policy name {g.policy.name} of {what} is already taken by {owner[g.key]}; rename the workload",
                where,
                field=f"workloads.{workload.name}" if workload is not None else "",
            )])
        owner[g.key] = what
        generated.append(Generated(g.policy, g.comment, labels))

    namespaces = list(intents.namespaces)
    for w in intents.workloads:
        if w.namespace not in namespaces:
            namespaces.append(w.namespace)
    for ns in namespaces:
        if ns in intents.namespaces:
            egress_denied = Direction.EGRESS in intents.default_deny or (
                context is not None and any(isolated(context, p, Direction.EGRESS) for p in context.pods if p.namespace == ns)
            )
            with_dns = intents.dns is not None and egress_denied
            deny_name = name(DENY_NAMES[intents.default_deny])
            add(deny_policy(ns, intents.default_deny, deny_name, dns_allowed=with_dns), "the default deny")
            if with_dns:
                assert intents.dns is not None
                add(dns_policy(ns, intents.dns, name("allow-dns")), "the DNS policy")
                intended.extend(dns_intended(ns, intents.dns))
        for w in intents.workloads:
            if w.namespace != ns:
                continue
            for direction, suffix in ((Direction.INGRESS, "ingress"), (Direction.EGRESS, "egress")):
                mine = [p for p in pairs if (p.destination if direction is Direction.INGRESS else p.source) == w]
                if not mine:
                    continue
                if emits(w, direction):
                    add(_workload_policy(w, direction, mine, name(f"{w.name}-{suffix}")), f"workload {w.name}", w)
                elif w.namespace not in intents.namespaces:
                    why = "and its pods are not isolated in the input" if context is not None else "(no -f input shows it isolated)"
                    notes.append(
                        f"note: no {suffix} policy for {w.name}: {w.namespace} is not one of the app's namespaces "
                        f"{why}, so its {suffix} is open"
                    )
    for pair in pairs:
        intended.append(IntendedFlow(_party(pair.source), _party(pair.destination), pair.ports, pair.flow.text))
    if context is not None:
        # Isolation is what the intents ask for here; only replacements are worth a word.
        notes = isolation_notes(context, generated, frozenset(g.key for g in generated)) + notes
        for w in intents.workloads:
            owners = subjects(_pods(w, context))
            if len(owners) > 1:
                notes.append(
                    f"note: workload {w.name} ({selector_text(w.selector)}) selects the pods of "
                    f"{len(owners)} workloads of the input: {shown(owners)}"
                )
    return Generation(tuple(generated), tuple(intended), tuple(notes))


#: First number given to a named port in the model built from intents alone.
_NAMED_PORT_BASE = 10000


def model_cluster(intents: Intents) -> Cluster:
    """A stand-in world for verifying without -f: one pod per workload, plus a DNS server.

    Each pod carries labels its selector matches and the ports its flows use
    (named ports get numbers from 10000 up). A selector that can match nothing
    is an error.
    """
    pairs = list(_expand(intents, None))
    numbers = {p.port for pair in pairs for p in pair.ports if isinstance(p.port, int)}
    named: dict[tuple[str, Protocol], int] = {}
    ports: dict[str, list[ContainerPort]] = {w.name: [] for w in intents.workloads}
    for pair in pairs:
        if not isinstance(pair.destination, WorkloadIntent):
            continue
        for spec in pair.ports:
            if isinstance(spec.port, str):
                key = (spec.port, spec.protocol)
                if key not in named:
                    number = _NAMED_PORT_BASE + len(named)
                    while number in numbers:
                        number += 1
                    numbers.add(number)
                    named[key] = number
                port = ContainerPort(named[key], spec.protocol, spec.port)
            elif spec.port is not None:
                port = ContainerPort(spec.port, spec.protocol)
            else:
                continue
            if port not in ports[pair.destination.name]:
                ports[pair.destination.name].append(port)
    errors: list[IntentsError] = []
    pods: list[Pod] = []
    for w in intents.workloads:
        labels = sample_labels(w.selector)
        if labels is None:
            errors.append(IntentsError(
                f"selector {quote(selector_text(w.selector))} can match no pod: its terms contradict each other",
                w.location,
                field=f"workloads.{w.name}",
            ))
            continue
        pods.append(Pod(w.namespace, w.name, labels, tuple(ports[w.name])))
    if errors:
        raise InputErrors(list(errors))
    namespaces = list(dict.fromkeys([*intents.namespaces, *(w.namespace for w in intents.workloads)]))
    if intents.dns is not None:
        dns_labels = sample_labels(intents.dns.pods) or {}
        dns_ports = tuple(ContainerPort(p.port, p.protocol, n) for p, n in zip(intents.dns.ports, ("dns", "dns-tcp")))  # type: ignore[arg-type]
        taken = {p.key for p in pods}
        dns_name = next(n for n in ("kube-dns", "kube-dns-stand-in", "dns-server") if f"{intents.dns.namespace}/{n}" not in taken)
        pods.append(Pod(intents.dns.namespace, dns_name, dns_labels, dns_ports))
        namespaces.append(intents.dns.namespace)
    return Cluster(
        namespaces=tuple(Namespace(n, {NAMESPACE_NAME_LABEL: n}) for n in sorted(set(namespaces))),
        pods=tuple(pods),
    )
