"""``generate allow-namespace``: allow ingress from whole namespaces, chosen by name."""

from __future__ import annotations

from collections.abc import Sequence

from podwall.errors import UsageError
from podwall.generate.allow import egress_half
from podwall.generate.names import check_namespace, check_policy_name, slug
from podwall.generate.policies import (
    Generated,
    Generation,
    IntendedFlow,
    isolation_notes,
    namespace_selector,
    party,
    policy,
)
from podwall.generate.ports import ports_text
from podwall.generate.selectors import pods_text
from podwall.model import Cluster, Direction, LabelSelector, PodPeer, PortSpec


def allow_namespace(
    sources: Sequence[str],
    ports: Sequence[PortSpec] = (),
    *,
    namespace: str = "default",
    pods: LabelSelector = LabelSelector(),
    source_pods: LabelSelector | None = None,
    name: str | None = None,
    context: Cluster | None = None,
) -> Generation:
    """Let pods of each namespace in ``sources`` reach ``pods`` of ``namespace`` on ``ports``.

    Namespaces are matched by ``kubernetes.io/metadata.name``, which the API server
    sets on every namespace (so it cannot be spoofed by relabelling). With
    ``source_pods`` only those pods of the source namespaces are allowed (both
    selectors in one peer).
    """
    if not sources:
        raise UsageError("give at least one namespace to allow ingress from")
    names = list(dict.fromkeys(check_namespace(s) for s in sources))
    peer_pods = None if source_pods is None or source_pods.is_empty else source_pods
    peers = [PodPeer(namespace, peer_pods, namespace_selector(s)) for s in names]
    base = name or f"allow-from-{slug('-'.join(names))}"
    pol = policy(namespace, base, pods, [Direction.INGRESS], ingress=[(peers, tuple(ports))])
    who = pods_text(peer_pods or LabelSelector())
    target = pods_text(pods)
    words = ports_text(tuple(ports))
    of = f"namespace {names[0]}" if len(names) == 1 else f"namespaces {', '.join(names[:-1])} and {names[-1]}"
    comment = f"Allow {who} of {of} to reach {target} in {namespace} on {words}."
    generated = [Generated(pol, comment)]
    server = party(pods, namespace)
    clients = [party(peer_pods or LabelSelector(), s) for s in names]
    halves: list[str] = []
    egress_name = check_policy_name(f"allow-to-{slug(namespace)}" if name is None else f"{name}-egress", "policy name")
    for source, client in zip(names, clients):
        # the egress half, in each source namespace, the way generate allow writes it
        half, note = egress_half(
            source, egress_name, peer_pods or LabelSelector(),
            [PodPeer(source, None if pods.is_empty else pods, namespace_selector(namespace))], tuple(ports),
            f"Egress half: lets {who} in {source} send to {target} in {namespace} on {words}.", client, context,
        )
        generated.extend([half] if half else [])
        halves.extend([note] if note else [])
    intended = tuple(IntendedFlow(c, server, tuple(ports), f"{c.label} -> {server.label}") for c in clients)
    notes = isolation_notes(context, tuple(generated)) if context is not None else [
        "note: no -f context, so the egress halves are written too; see their comments"
    ]
    return Generation(tuple(generated), intended, tuple(notes + halves))
