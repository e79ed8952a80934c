"""``generate deny``: default-deny ingress, egress or both, in exactly the tutorial's shapes."""

from __future__ import annotations

from podwall.errors import UsageError
from podwall.generate.dns import DnsTarget, dns_intended, dns_policy
from podwall.generate.policies import Generated, Generation, isolation_notes, named, policy
from podwall.model import Cluster, Direction, LabelSelector

#: The tutorial's names for each set of denied directions.
NAMES = {
    frozenset({Direction.INGRESS, Direction.EGRESS}): "default-deny-all",
    frozenset({Direction.INGRESS}): "default-deny-ingress",
    frozenset({Direction.EGRESS}): "default-deny-egress",
}


def deny_policy(
    namespace: str, directions: frozenset[Direction], name: str | None = None, *, dns_allowed: bool = False
) -> Generated:
    """``podSelector: {}`` with the policy types and no rules: every pod isolated, nothing allowed.

    ``dns_allowed`` drops the reminder to allow DNS (a DNS policy comes with it).
    """
    pol = policy(namespace, name or NAMES[directions], LabelSelector(), directions)
    hint = "" if dns_allowed else " (allow DNS too, or names stop resolving)"
    if directions == {Direction.INGRESS}:
        comment = f"Default deny for ingress: pods in {namespace} accept only the traffic other policies allow."
    elif directions == {Direction.EGRESS}:
        comment = (
            f"Default deny for egress: pods in {namespace} send only the traffic other policies allow{hint}."
        )
    else:
        comment = (
            f"Default deny: pods in {namespace} get no ingress and send no egress traffic except what"
            f" other policies allow{hint}."
        )
    return Generated(pol, comment)


def deny(
    namespace: str,
    *,
    ingress: bool = True,
    egress: bool = True,
    allow_dns: bool = False,
    dns: DnsTarget = DnsTarget(),
    name: str | None = None,
    context: Cluster | None = None,
) -> Generation:
    """``generate deny``: default-deny-all / -ingress / -egress, plus DNS egress with ``allow_dns``.

    ``name`` renames the deny policy; the DNS policy is then ``NAME-allow-dns``.
    """
    if not (ingress or egress):
        raise UsageError("nothing to deny: give --ingress, --egress or neither (both)")
    if allow_dns and not egress:
        raise UsageError(
            "--allow-dns needs egress denied: with ingress only, a DNS egress policy would isolate every pod for egress"
        )
    directions = frozenset(d for d, on in ((Direction.INGRESS, ingress), (Direction.EGRESS, egress)) if on)
    generated: tuple[Generated, ...] = (deny_policy(namespace, directions, name, dns_allowed=allow_dns),)
    intended = ()
    if allow_dns:
        dns_name = f"{name}-allow-dns" if name else "allow-dns"
        generated += named([dns_policy(namespace, dns)], [dns_name])
        intended = dns_intended(namespace, dns)
    notes = isolation_notes(context, generated, frozenset(g.key for g in generated)) if context is not None else []
    return Generation(generated, intended, tuple(notes))

