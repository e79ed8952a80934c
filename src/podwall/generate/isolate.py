"""``generate isolate-namespace``: pods accept ingress from their own namespace only."""

from __future__ import annotations

from podwall.generate.allow import egress_half
from podwall.generate.names import check_policy_name
from podwall.generate.policies import Generated, Generation, IntendedFlow, isolation_notes, party, policy
from podwall.model import Cluster, Direction, LabelSelector, PodPeer

DEFAULT_NAME = "deny-from-other-namespaces"


def isolate_namespace(namespace: str, *, name: str | None = None, context: Cluster | None = None) -> Generation:
    """Select every pod; allow ingress from every pod of the same namespace, on every port.

    Traffic from other namespaces and from outside the cluster is then denied
    unless another policy allows it. As ``generate allow`` does, the egress half
    (``NAME-egress``: every pod may send to its own namespace) is written where the
    pods are egress-isolated (given ``context``), or always without it.
    """
    everyone = LabelSelector()
    base = name or DEFAULT_NAME
    same = PodPeer(namespace, everyone, None)
    pol = policy(namespace, base, everyone, [Direction.INGRESS], ingress=[([same], ())])
    comment = (
        f"Namespace isolation: pods in {namespace} accept ingress from pods of {namespace} only; other namespaces"
        " and external clients need another policy."
    )
    generated = [Generated(pol, comment)]
    pods = party(everyone, namespace)
    half, note = egress_half(
        namespace, check_policy_name(f"{base}-egress", "policy name"), everyone, [same], (),
        f"Egress half: pods in {namespace} may send to pods of {namespace} on every port.", pods, context,
    )
    generated.extend([half] if half else [])
    intended = (IntendedFlow(pods, pods, (), f"{namespace}/* -> {namespace}/*"),)
    keys = frozenset(g.key for g in generated)
    notes = isolation_notes(context, tuple(generated), keys) if context is not None else []
    if context is None:
        notes.append("note: no -f context, so the egress half is written too; see its comment")
    notes.extend([note] if note else [])
    return Generation(tuple(generated), intended, tuple(notes))
