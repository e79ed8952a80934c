"""Verification: intended flows must be ALLOWED and nothing else opened; otherwise exit 1, nothing written."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path

from podwall.render.verify_text import verification_text
from podwall.generate import Generated, Generation, IntendedFlow, NetParty, PodParty, verify
from podwall.generate.policies import PUBLIC_INTERNET, pod_peer, policy
from podwall.generate.verify import Status
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    IPBlockPeer,
    LabelSelector,
    Namespace,
    Pod,
    PortSpec,
    Protocol,
)
from tests.generate._support import DATA, TUTORIAL, run

TCP80 = PortSpec(Protocol.TCP, 80)


def _sel(**labels: str) -> LabelSelector:
    return LabelSelector.from_labels(labels)


def _cluster() -> Cluster:
    pods = (
        Pod("a", "client", {"app": "client"}),
        Pod("a", "web", {"app": "web", "tier": "front"}, (ContainerPort(80),)),
        Pod("a", "api", {"app": "api", "tier": "front"}, (ContainerPort(80),)),
    )
    return Cluster(namespaces=(Namespace("a", {NAMESPACE_NAME_LABEL: "a"}),), pods=pods)


def _generation(server: LabelSelector) -> Generation:
    deny = Generated(policy("a", "deny", LabelSelector(), list(Direction)), "deny")
    ingress = Generated(
        policy("a", "web-in", server, [Direction.INGRESS], ingress=[([pod_peer("a", _sel(app="client"), "a")], [TCP80])]),
        "in",
    )
    egress = Generated(
        policy("a", "client-out", _sel(app="client"), [Direction.EGRESS], egress=[([pod_peer("a", server, "a")], [TCP80])]),
        "out",
    )
    flow = IntendedFlow(PodParty("client", _sel(app="client"), "a"), PodParty("web", _sel(app="web"), "a"), (TCP80,), "client -> web:80")
    return Generation((deny, ingress, egress), (flow,))


def test_exact_policies_pass() -> None:
    result = verify(_cluster(), _generation(_sel(app="web")))
    assert result.ok and [c.status for c in result.checks] == [Status.ALLOWED]
    assert (result.checks[0].egress, result.checks[0].ingress) == ("client-out", "web-in")
    assert verification_text(result).splitlines()[-1] == "ok: 1 intended flow allowed; the generated policies open no other flow"


def test_a_selector_broader_than_intended_is_reported_as_opened() -> None:
    result = verify(_cluster(), _generation(_sel(tier="front")))  # tier=front also picks the api pod
    assert not result.ok and not result.denied
    assert [(o.source, o.destination, str(o.probe), o.policies) for o in result.opened] == [
        ("a/Pod/client", "a/Pod/api", "80/TCP", ("a/client-out", "a/web-in"))
    ]
    assert verification_text(result).splitlines()[-2:] == [
        "FAILED: 1 flow opened that no intent asks for",
        "opened: a/Pod/client -> a/Pod/api on 80/TCP by a/client-out, a/web-in",
    ]


def test_flows_the_input_already_allows_are_not_offenders() -> None:
    cluster = _cluster()
    mine = _generation(_sel(tier="front"))
    users = Generated(policy("a", "users", LabelSelector(), list(Direction), ingress=[([], [])], egress=[([], [])]), "all")
    result = verify(replace(cluster, policies=(users.policy,)), mine)
    assert result.ok  # client -> api is allowed by the user's own allow-all, with or without podwall's rules


def test_a_missing_half_is_denied_with_the_reason() -> None:
    generation = _generation(_sel(app="web"))
    without_egress = Generation(generation.policies[:2], generation.intended)
    result = verify(_cluster(), without_egress)
    (check,) = result.checks
    assert (check.status, check.egress, check.ingress) == (Status.DENIED, "DENIED", "web-in")
    assert check.detail == "a/client -> a/web on 80/TCP: egress of a/client is isolated by a/deny and no rule admits it"


def test_unchecked_when_the_input_lacks_an_end() -> None:
    flow = IntendedFlow(PodParty("x", _sel(app="nope"), "a"), PodParty("web", _sel(app="web"), "a"), (TCP80,), "x")
    result = verify(_cluster(), Generation((), (flow,)))
    assert result.ok and result.checks[0].status is Status.UNCHECKED
    assert "unchecked: x -> web on 80/TCP: the input has no pods app=nope in a" in verification_text(result)


def test_external_ends_use_a_sample_address() -> None:
    assert NetParty("internet", PUBLIC_INTERNET).sample() == ipaddress.ip_address("203.0.113.10")
    block = IPBlockPeer(ipaddress.ip_network("10.0.0.0/30"), (ipaddress.ip_network("10.0.0.0/31"),))
    assert NetParty("n", block).sample() == ipaddress.ip_address("10.0.0.2")
    assert NetParty("n", block).sample([ipaddress.ip_address("10.0.0.2")]) == ipaddress.ip_address("10.0.0.3")
    full = IPBlockPeer(ipaddress.ip_network("10.0.0.0/31"), (ipaddress.ip_network("10.0.0.0/31"),))
    assert NetParty("n", full).sample() is None


def test_the_tutorials_classic_mistake_cannot_ship() -> None:
    """An ingress allow whose client is egress-isolated: verify says why and writes nothing."""
    result = run(
        "generate", "allow", "--from", "app=frontend", "--to", "app=backend", "--port", "8080", "-n", "production",
        "-f", TUTORIAL, "--ingress-only", "--verify",
    )
    assert (result.exit_code, result.stdout) == (1, "")
    lines = result.stderr.splitlines()
    assert lines[-3:] == [
        "FAILED: 1 intended flow denied",
        "denied: production/app=frontend -> production/app=backend on 8080/TCP: production/Deployment/frontend -> "
        "production/Deployment/backend on 8080/TCP: egress of production/Deployment/frontend is isolated by "
        "production/allow-dns, production/default-deny-all and no rule admits it",
        "nothing written: the policies do not do what was intended",
    ]


def test_a_failed_verification_writes_no_files(tmp_path: Path) -> None:
    """With -f, verification runs by default: the ingress half alone leaves the egress-isolated client blocked."""
    out = tmp_path / "out"
    result = run("generate", "allow", "--from", "app=frontend", "--to", "app=backend", "--port", "8080",
                 "-n", "production", "-f", TUTORIAL, "--ingress-only", "-d", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "FAILED: 1 intended flow denied" in result.stderr


def test_no_verify_writes_what_was_asked(tmp_path: Path) -> None:
    result = run("generate", "allow", "--from", "app=frontend", "--to", "app=backend", "--port", "8080",
                 "-n", "production", "-f", TUTORIAL, "--ingress-only", "--no-verify")
    assert result.exit_code == 0 and "verification" not in result.stderr and "kind: NetworkPolicy" in result.stdout


def test_isolate_namespace_writes_the_egress_half_where_pods_are_egress_isolated() -> None:
    """production is default-deny for egress: the same-namespace egress half is needed, and verification passes."""
    result = run("generate", "isolate-namespace", "-n", "production", "-f", TUTORIAL)
    assert result.exit_code == 0, result.stderr
    assert "name: deny-from-other-namespaces-egress" in result.stdout
    assert "ok: 1 intended flow allowed" in result.stderr
    monitoring = run("generate", "isolate-namespace", "-n", "monitoring", "-f", TUTORIAL)
    assert "-egress" not in monitoring.stdout and "no egress half in monitoring" in monitoring.stderr


def test_no_verify_skips_it() -> None:
    hostnet = str(DATA / "hostnet")
    result = run("generate", "from-intents", f"{hostnet}/intents.yaml", "-f", hostnet, "--no-verify")
    assert result.exit_code == 0 and "verification" not in result.stderr and result.stdout.count("kind: NetworkPolicy") == 3
