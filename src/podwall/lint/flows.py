"""One-sided allows: a rule that admits a flow the other end's policies still block (PW210, PW211)."""

from __future__ import annotations

from dataclasses import dataclass, field

from podwall.engine import Basis, Probe
from podwall.lint.context import Context, bits
from podwall.lint.fixes import command, namespace_selector, port_dict, selector_arg, selector_dict
from podwall.lint.fixes import policy as yaml_policy
from podwall.model import Direction, NetworkPolicy, PodPeer, PortSpec, Rule


def is_everyone(peer: PodPeer) -> bool:
    """``namespaceSelector: {}`` with no (or an empty) podSelector: every pod of the cluster."""
    return (
        peer.namespace_selector is not None
        and peer.namespace_selector.is_empty
        and (peer.pod_selector is None or peer.pod_selector.is_empty)
    )


def named_peers(ctx: Context, rule: Rule) -> list[tuple[PodPeer, int]]:
    """The rule's peers that name particular pods (a non-empty podSelector), with the real classes each matches.

    Peers that take whole namespaces (or everything) are not meant for one client or
    server, so a side of them that stays closed is no mistake of this rule.
    """
    return [
        (peer, ctx.peer_mask(peer) & ctx.real)
        for peer in rule.peers
        if isinstance(peer, PodPeer) and peer.pod_selector is not None and not peer.pod_selector.is_empty
    ]


@dataclass
class Blocked:
    """Flows a rule admits that the other side blocks, for one subject on the other side."""

    subject: str
    namespace: str
    peer: PodPeer
    others: set[str] = field(default_factory=set)
    probes: set[Probe] = field(default_factory=set)
    isolated_by: list[str] = field(default_factory=list)


def blocked_flows(ctx: Context, policy: NetworkPolicy, rule: Rule) -> list[Blocked]:
    """For an ingress rule: the clients it admits whose egress blocks the flow; for an egress rule:
    the destinations it admits whose ingress blocks it.

    Without admin-tier policies the context's per-class sides are exactly the
    engine's NetworkPolicy semantics (a property test holds them equal); with
    them, every candidate is decided by ``podwall.engine.evaluate``.
    """
    ingress = rule in policy.ingress
    own = list(bits(ctx.selected_by(policy) & ctx.real))
    found: dict[str, Blocked] = {}
    probes: dict[int, list[Probe]] = {}  # the rule's ports on each destination class, resolved once
    for peer, mask in named_peers(ctx, rule):
        for other in bits(mask):
            for mine in own:
                c, d = (other, mine) if ingress else (mine, other)
                if c == d and len(ctx.classes[c].pods) == 1:
                    continue
                admitted = probes.get(d)
                if admitted is None:
                    admitted = probes[d] = ctx.probes(rule.ports, d)
                for probe in admitted:
                    side_ok = ctx.egress_allows(c, d, probe) if ingress else ctx.ingress_allows(d, c, probe)
                    if side_ok:
                        continue
                    if ctx.has_admin:  # admin tiers can allow or deny first: ask the engine
                        verdict = ctx.verdict(c, d, probe)
                        this_side, other_side = (verdict.ingress, verdict.egress) if ingress else (verdict.egress, verdict.ingress)
                        if verdict.allowed or not this_side.allowed or other_side.basis is not Basis.NO_RULE:
                            continue
                        blockers = [name.split("/", 1)[-1] for name in other_side.isolated_by]
                    else:
                        this_ok = ctx.ingress_allows(d, c, probe) if ingress else ctx.egress_allows(c, d, probe)
                        if not this_ok:
                            continue
                        blockers = ctx.isolated_by(other, Direction.EGRESS if ingress else Direction.INGRESS)
                    for subject in ctx.classes[other].subjects:
                        entry = found.get(subject)
                        if entry is None:
                            entry = found[subject] = Blocked(subject, ctx.classes[other].rep.namespace, peer)
                        entry.others.update(ctx.classes[mine].subjects)
                        entry.probes.add(probe)
                        for name in blockers:
                            if name not in entry.isolated_by:
                                entry.isolated_by.append(name)
    return [found[k] for k in sorted(found)]


def ports_text(probes: set[Probe]) -> str:
    """``8080/TCP, 9090/TCP``."""
    return ", ".join(str(p) for p in sorted(probes))


def mirror_rule(policy: NetworkPolicy, rule: Rule, blocked: Blocked, key: str) -> dict[str, object]:
    """The rule the other side needs: back to the policy's pods, on the same ports."""
    peer: dict[str, object] = {"podSelector": selector_dict(policy.pod_selector)}
    if blocked.namespace != policy.namespace:
        peer = {"namespaceSelector": namespace_selector(policy.namespace), **peer}
    out: dict[str, object] = {key: [peer]}
    if rule.ports:
        out["ports"] = [port_dict(p) for p in rule.ports]
    return out


def port_arg(spec: PortSpec) -> str | None:
    """A port spec as ``podwall generate --port`` takes it; None for "every port of a protocol"."""
    if spec.port is None:
        return None
    if spec.end_port is not None:
        return f"{spec.port}-{spec.end_port}/{spec.protocol.value}"
    return f"{spec.port}/{spec.protocol.value}"


def missing_half(policy: NetworkPolicy, rule: Rule, blocked: Blocked) -> str:
    """The fix: the other half of the flow, as a ``podwall generate allow`` command (or YAML)."""
    ports = [port_arg(spec) for spec in rule.ports]
    peer_pods = selector_arg(blocked.peer.pod_selector)
    own_pods = selector_arg(policy.pod_selector)
    ingress = rule.direction is Direction.INGRESS
    if any(p is None for p in ports):
        key = "to" if ingress else "from"
        server = sorted(blocked.others)[0] if ingress else blocked.subject
        client = blocked.subject if ingress else (sorted(blocked.others)[0] if len(blocked.others) == 1 else policy.namespace)
        return yaml_policy(
            f"allow-{client.rsplit('/', 1)[-1]}-to-{server.rsplit('/', 1)[-1]}-{'egress' if ingress else 'ingress'}",
            blocked.namespace,
            blocked.peer.pod_selector,
            "Egress" if ingress else "Ingress",
            [mirror_rule(policy, rule, blocked, key)],
        )
    if ingress:  # the clients' egress half, in the clients' namespace
        words = ["allow", "--from", peer_pods, "--to", own_pods]
        if policy.namespace != blocked.namespace:
            words += ["--to-namespace", policy.namespace]
    else:  # the servers' ingress half, in the servers' namespace
        words = ["allow", "--from", own_pods, "--to", peer_pods]
        if policy.namespace != blocked.namespace:
            words += ["--from-namespace", policy.namespace]
    for port in ports:
        words += ["--port", str(port)]
    words += ["-n", blocked.namespace, "--egress-only" if ingress else "--ingress-only"]
    return command(*words)
