"""What every recipe returns: policies with their comments, and the flows they are meant to allow.

A ``Generation`` is data: the policies (as model objects the engine can judge
directly), what each one does in words, the intended flows ``verify`` checks,
and notes for the user. Rendering and writing happen elsewhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import field, replace

from podwall.engine.match import selects
from podwall.generate.selectors import pods_text, selector_text
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    Direction,
    IPAddress,
    IPBlockPeer,
    LabelSelector,
    NetworkPolicy,
    Peer,
    Pod,
    PodPeer,
    PortSpec,
    Rule,
)
from podwall.model.quick import frozen

MANAGED_BY = ("app.kubernetes.io/managed-by", "podwall")
PART_OF = "app.kubernetes.io/part-of"

#: The address ranges that are not the public internet: RFC 1918 private networks and
#: link-local 169.254.0.0/16, where cloud metadata endpoints (169.254.169.254) live.
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")
)
ANYWHERE = ipaddress.ip_network("0.0.0.0/0")
PUBLIC_INTERNET = IPBlockPeer(ANYWHERE, PRIVATE_RANGES)  # type: ignore[arg-type]

#: Addresses shown for "some external client" when one must be picked (TEST-NET-3, RFC 5737).
_SAMPLES = (ipaddress.ip_address("203.0.113.10"), ipaddress.ip_address("2001:db8::10"))


@frozen
class Generated:
    """One NetworkPolicy to write, and one or two sentences on what it does."""

    policy: NetworkPolicy
    comment: str
    labels: tuple[tuple[str, str], ...] = (MANAGED_BY,)

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return self.policy.key


@frozen
class PodParty:
    """One end of an intended flow: pods chosen by selectors.

    ``namespace`` names one namespace; when it is None, ``namespace_selector``
    chooses the namespaces (``{}``: every namespace).
    """

    label: str
    pod_selector: LabelSelector
    namespace: str | None
    namespace_selector: LabelSelector | None = None

    def in_namespace(self, name: str, labels: dict[str, str]) -> bool:
        """Whether pods of namespace ``name`` (with ``labels``) can belong to this party."""
        if self.namespace is not None:
            return name == self.namespace
        assert self.namespace_selector is not None
        return self.namespace_selector.matches(labels)

    def pods(self, cluster: Cluster) -> tuple[Pod, ...]:
        """The pods of ``cluster`` in this party (host-network ones included: they are still there)."""
        ns_labels = {ns.name: ns.labels for ns in cluster.namespaces}
        return tuple(
            p
            for p in cluster.pods
            if self.in_namespace(p.namespace, ns_labels.get(p.namespace, {})) and self.pod_selector.matches(p.labels)
        )

    @property
    def where(self) -> str:
        """``in production``, ``in every namespace``, ``in namespaces team=a``."""
        if self.namespace is not None:
            return f"in {self.namespace}"
        assert self.namespace_selector is not None
        if self.namespace_selector.is_empty:
            return "in every namespace"
        return f"in namespaces {selector_text(self.namespace_selector)}"

    def describe(self) -> str:
        """``pods app=web in production`` / ``every pod in production``, for comments and messages."""
        return f"{pods_text(self.pod_selector)} {self.where}"


@frozen
class NetParty:
    """One end of an intended flow: addresses outside the cluster (``block``)."""

    label: str
    block: IPBlockPeer

    def sample(self, avoid: Iterable[IPAddress] = ()) -> IPAddress | None:
        """One address of the block that is in no except and not in ``avoid`` (pod addresses)."""
        taken = set(avoid)
        for candidate in _SAMPLES:
            if self.block.contains(candidate) and candidate not in taken:
                return candidate
        address = self.block.cidr.network_address
        last = self.block.cidr.broadcast_address
        for _ in range(4096):  # bounded: excepts are few, so a free address comes quickly
            inside = next((ex for ex in self.block.excepts if address in ex), None)
            if inside is not None:
                if inside.broadcast_address >= last:
                    return None
                address = inside.broadcast_address + 1
                continue
            if address not in taken:
                return address
            if address >= last:
                return None
            address += 1
        return None  # pragma: no cover - needs thousands of pod addresses in one block


Party = PodParty | NetParty


def party(pods: LabelSelector, namespace: str | LabelSelector) -> PodParty:
    """Pods in one named namespace (``production/app=web``) or in the namespaces a selector picks."""
    shown_pods = "*" if pods.is_empty else selector_text(pods)
    if isinstance(namespace, str):
        return PodParty(f"{namespace}/{shown_pods}", pods, namespace)
    return PodParty(f"[{selector_text(namespace)}]/{shown_pods}", pods, None, namespace)


@frozen
class IntendedFlow:
    """A flow the generated policies are meant to allow; ``ports`` empty means every port."""

    source: Party
    destination: Party
    ports: tuple[PortSpec, ...]
    text: str
    dns: bool = False  # a lookup to the cluster DNS: verified against the DNS servers the input really runs


@frozen
class Generation:
    """What a recipe produced: policies in output order, intended flows and notes (one line each)."""

    policies: tuple[Generated, ...]
    intended: tuple[IntendedFlow, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __add__(self, other: Generation) -> Generation:
        return Generation(self.policies + other.policies, self.intended + other.intended, self.notes + other.notes)


# -- building policies -------------------------------------------------------------


def namespace_selector(name: str) -> LabelSelector:
    """Selects the one namespace ``name`` by the label the API server sets on every namespace."""
    return LabelSelector(((NAMESPACE_NAME_LABEL, name),))


def pod_peer(policy_namespace: str, pods: LabelSelector, namespace: str | LabelSelector) -> PodPeer:
    """A peer for ``pods`` in ``namespace`` (a name or a selector), seen from a policy in ``policy_namespace``.

    Same namespace: a bare podSelector (the tutorial's shape). Elsewhere: podSelector
    AND namespaceSelector in one peer, never two peers (that would be an OR).
    """
    if isinstance(namespace, str):
        if namespace == policy_namespace:
            return PodPeer(policy_namespace, pods, None)
        return PodPeer(policy_namespace, pods, namespace_selector(namespace))
    return PodPeer(policy_namespace, None if pods.is_empty else pods, namespace)


def policy(
    namespace: str,
    name: str,
    pods: LabelSelector,
    types: Iterable[Direction],
    ingress: Sequence[tuple[Sequence[Peer], Sequence[PortSpec]]] = (),
    egress: Sequence[tuple[Sequence[Peer], Sequence[PortSpec]]] = (),
) -> NetworkPolicy:
    """A model NetworkPolicy from (peers, ports) rules, with explicit policy types."""
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=pods,
        policy_types=frozenset(types),
        ingress=tuple(Rule(Direction.INGRESS, i, tuple(p), tuple(q)) for i, (p, q) in enumerate(ingress)),
        egress=tuple(Rule(Direction.EGRESS, i, tuple(p), tuple(q)) for i, (p, q) in enumerate(egress)),
    )


def named(generated: Sequence[Generated], names: Sequence[str]) -> tuple[Generated, ...]:
    """The policies renamed in order (for ``--name``)."""
    return tuple(replace(g, policy=replace(g.policy, name=n)) for g, n in zip(generated, names))


# -- context: what the -f input already does ----------------------------------------------


def with_policies(cluster: Cluster, generated: Iterable[Generated]) -> Cluster:
    """The cluster after ``kubectl apply`` of the generated policies (same namespace/name replaces)."""
    new = tuple(g.policy for g in generated)
    keys = {p.key for p in new}
    kept = tuple(p for p in cluster.policies if p.key not in keys)
    return replace(cluster, policies=tuple(sorted(kept + new, key=lambda p: (p.namespace, p.name))))


def isolated(cluster: Cluster, pod: Pod, direction: Direction, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether some policy of ``cluster`` (other than those keyed in ``ignore``) isolates ``pod`` in ``direction``."""
    return any(
        p.isolates(direction) and p.key not in ignore and selects(p, pod) for p in cluster.policies
    )


def subjects(pods: Iterable[Pod]) -> list[str]:
    """Workload-view names of pods, sorted, without duplicates."""
    return sorted({p.workload_key for p in pods})


def shown(names: Sequence[str], limit: int = 4) -> str:
    """``a, b, c and 2 more``."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def isolation_notes(context: Cluster, generated: Sequence[Generated], expected: frozenset[str] = frozenset()) -> list[str]:
    """Warnings about what applying ``generated`` changes beyond its rules.

    - a policy that selects no pod of the input (a typo in a selector?);
    - a policy that replaces one of the input's (same namespace and name);
    - pods a policy newly isolates, which loses them every flow no policy allows,
      unless the policy's key is in ``expected`` (default-deny is meant to).
    """
    notes: list[str] = []
    existing = {p.key for p in context.policies}
    generated_keys = frozenset(g.key for g in generated)
    for g in generated:
        pol = g.policy
        if g.key in existing:
            notes.append(f"note: {g.key} replaces the policy of the same name in the input")
        chosen = [p for p in context.pods if selects(pol, p)]
        if not chosen:
            hosts = [p for p in context.pods if p.namespace == pol.namespace and pol.pod_selector.matches(p.labels)]
            if hosts:
                notes.append(
                    f"warning: {g.key} selects only host-network pods ({shown(subjects(hosts))}), "
                    "which no policy ever selects"
                )
            else:
                notes.append(
                    f"warning: {g.key} selects no pod of the input (podSelector {selector_text(pol.pod_selector)} "
                    f"in {pol.namespace})"
                )
            continue
        if g.key in expected:
            continue
        for direction in sorted(pol.policy_types, key=lambda d: d.value):
            newly = [p for p in chosen if not isolated(context, p, direction, generated_keys)]
            if newly:
                word = direction.value.lower()
                notes.append(
                    f"warning: {g.key} newly isolates {shown(subjects(newly))} for {word}: "
                    f"from now on, {word} that no policy allows is denied"
                )
    return notes
