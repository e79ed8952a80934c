"""``generate isolate-namespace``: pods accept ingress from their own namespace only."""

from __future__ import annotations

from podwall.generate.policies import Generated, Generation, IntendedFlow, isolation_notes, party, policy
from podwall.model import Cluster, Direction, LabelSelector, PodPeer

DEFAULT_NAME = "deny-from-other-namespaces"


def isolate_namespace(namespace: str, *, name: str | None = None, context: Cluster | None = None) -> Generation:
    """Select every pod; allow ingress from every pod of the same namespace, on every port.

    Traffic from other namespaces and from outside the cluster is then denied
    unless another policy allows it.
    """
    everyone = LabelSelector()
    pol = policy(
        namespace,
        name or DEFAULT_NAME,
        everyone,
        [Direction.INGRESS],
        ingress=[([PodPeer(namespace, everyone, None)], ())],
    )
    comment = (
        f"Namespace isolation: pods in {namespace} accept ingress from pods of {namespace} only; other namespaces"
        " and external clients need another policy."
    )
    generated = (Generated(pol, comment),)
    pods = party(everyone, namespace)
    intended = (IntendedFlow(pods, pods, (), f"{namespace}/* -> {namespace}/*"),)
    notes = isolation_notes(context, generated, frozenset(g.key for g in generated)) if context is not None else []
    return Generation(generated, intended, tuple(notes))
