"""``generate allow``: one flow, as the ingress half on the server and the egress half on the client.

Why two halves: traffic passes only if the client's egress AND the server's
ingress allow it. An ingress allow alone fails when the client is egress-isolated
(the tutorial's classic mistake); an egress policy alone, on a client that was
not isolated, isolates it and cuts every other flow it had. So, given the input
(``context``), the egress half is written only where clients are already
egress-isolated; without context both halves are written and the egress half's
comment says when it is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

from podwall.errors import UsageError
from podwall.generate.names import check_policy_name, quote
from podwall.generate.policies import (
    Generated,
    Generation,
    IntendedFlow,
    PodParty,
    isolated,
    isolation_notes,
    party,
    pod_peer,
    policy,
    shown,
    subjects,
)
from podwall.generate.ports import ports_text
from podwall.generate.selectors import pods_text, selector_slug, selector_text
from podwall.model import Cluster, Direction, LabelSelector, Peer, PortSpec

NamespaceRef = str | LabelSelector
HALVES = ("auto", "ingress", "egress")


def _namespaces(
    side: PodParty, ref: NamespaceRef, context: Cluster | None, option: str, half: str
) -> list[str]:
    """The namespaces a half must be written in: the named one, or (with context) those holding the party's pods."""
    if isinstance(ref, str):
        return [ref]
    if context is None:
        raise UsageError(
            f"{option} {selector_text(ref)} is a selector: without -f podwall cannot tell which namespaces "
            f"need the {half} half; give -f, a namespace name, or only the other half"
        )
    return sorted({p.namespace for p in side.pods(context)})


WITHOUT_CONTEXT = (
    " Written without -f context: it is needed where these pods are egress-isolated (default"
    " deny for egress); elsewhere it isolates them for egress."
)


def egress_half(
    namespace: str,
    name: str,
    pods: LabelSelector,
    peers: Sequence[Peer],
    ports: tuple[PortSpec, ...],
    comment: str,
    clients: PodParty,
    context: Cluster | None,
    *,
    always: bool = False,
) -> tuple[Generated | None, str | None]:
    """The egress half of a flow in ``namespace``, where the clients need it.

    Traffic passes only if the client's egress allows it too, but an egress policy
    on clients that were not egress-isolated isolates them and cuts every other
    flow they had. So: ``always`` writes it; with ``context`` it is written only where
    the clients are already egress-isolated (else a note says why not); without
    context it is written with a comment saying when it is needed.
    """
    half = lambda text: Generated(policy(namespace, name, pods, [Direction.EGRESS], egress=[(list(peers), ports)]), text)  # noqa: E731
    if always:
        return half(comment), None
    if context is None:
        return half(comment + WITHOUT_CONTEXT), None
    members = [p for p in clients.pods(context) if p.namespace == namespace and not p.host_network]
    if not any(isolated(context, p, Direction.EGRESS, frozenset({f"{namespace}/{name}"})) for p in members):
        who = shown(subjects(members)) if members else f"no pod {pods_text(pods)}"
        return None, (
            f"note: no egress half in {namespace}: the clients ({who}) are not egress-isolated, so the traffic "
            "already leaves; an egress policy would isolate them"
        )
    return half(comment + " The clients are egress-isolated, so the ingress half alone would not do."), None


def allow(
    source: LabelSelector,
    destination: LabelSelector,
    ports: Sequence[PortSpec] = (),
    *,
    namespace: str = "default",
    source_namespace: NamespaceRef | None = None,
    destination_namespace: NamespaceRef | None = None,
    halves: str = "auto",
    name: str | None = None,
    context: Cluster | None = None,
) -> Generation:
    """``generate allow``: let ``source`` pods reach ``destination`` pods on ``ports`` (empty: every port).

    Namespaces default to ``namespace``; each may be a name or a namespace
    selector. ``halves``: ``auto`` (decide from ``context``, both without it),
    ``ingress`` or ``egress`` (only that half). The ingress half is named
    ``NAME`` (default ``allow-SRC-to-DST``), the egress half ``NAME-egress``.
    """
    if halves not in HALVES:
        raise UsageError(f"invalid halves {quote(halves)}: must be one of {', '.join(HALVES)}")
    src_ref = source_namespace if source_namespace is not None else namespace
    dst_ref = destination_namespace if destination_namespace is not None else namespace
    client = party(source, src_ref)
    server = party(destination, dst_ref)
    base = check_policy_name(name) if name else f"allow-{selector_slug(source)}-to-{selector_slug(destination)}"
    egress_name = check_policy_name(f"{base}-egress", "policy name")
    port_words = ports_text(tuple(ports))
    if context is not None:
        for side, option, ref in ((client, "--from", src_ref), (server, "--to", dst_ref)):
            if not side.pods(context):
                where = ref if isinstance(ref, str) else f"namespaces {selector_text(ref)}"
                raise UsageError(f"{option} {selector_text(side.pod_selector)} matches no pod in {where} of the -f input")
        servers = server.pods(context)
        for spec in ports:
            if isinstance(spec.port, str) and all(p.named_port(spec.port, spec.protocol) is None for p in servers):
                raise UsageError(
                    f"--port {spec}: no pod of --to {selector_text(destination)} declares a container port "
                    f"named {spec.port} ({spec.protocol.value})"
                )

    generated: list[Generated] = []
    notes: list[str] = []
    if halves in ("auto", "ingress"):
        for ns in _namespaces(server, dst_ref, context, "--to-namespace", "ingress"):
            pol = policy(ns, base, destination, [Direction.INGRESS], ingress=[([pod_peer(ns, source, src_ref)], ports)])
            comment = (
                f"Ingress half: lets {client.describe()} reach {pods_text(destination)} in {ns} on {port_words}."
            )
            generated.append(Generated(pol, comment))
    if halves in ("auto", "egress"):
        for ns in _namespaces(client, src_ref, context, "--from-namespace", "egress"):
            comment = f"Egress half: lets {pods_text(source)} in {ns} send to {server.describe()} on {port_words}."
            half, note = egress_half(
                ns, egress_name, source, [pod_peer(ns, destination, dst_ref)], tuple(ports), comment, client,
                context if halves == "auto" else None, always=halves == "egress",
            )
            generated.extend([half] if half else [])
            notes.extend([note] if note else [])
    if context is not None:
        notes = isolation_notes(context, generated) + notes
    elif halves == "auto":
        notes.append("note: no -f context, so both halves are written; see the egress half's comment")
    flow = IntendedFlow(client, server, tuple(ports), f"{client.label} -> {server.label}:{port_words}")
    return Generation(tuple(generated), (flow,), tuple(notes))
