"""``allow`` decides its egress half from the input; the other recipes warn about new isolation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from podwall import load
from podwall.errors import UsageError
from podwall.generate import allow, deny, dns, egress_cidr, parse_selector
from podwall.generate.policies import PodParty
from podwall.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    Namespace,
    Pod,
    PortSpec,
    Protocol,
)
from tests.generate._support import TUTORIAL

FRONTEND, BACKEND = parse_selector("app=frontend"), parse_selector("app=backend")
HTTP = (PortSpec(Protocol.TCP, 8080),)


@pytest.fixture(scope="module")
def tutorial() -> Cluster:
    return load([TUTORIAL])


def _names(generation: object) -> list[str]:
    return [g.key for g in generation.policies]  # type: ignore[attr-defined]


def test_without_context_both_halves_with_a_note() -> None:
    result = allow(FRONTEND, BACKEND, HTTP, namespace="production")
    assert _names(result) == ["production/allow-frontend-to-backend", "production/allow-frontend-to-backend-egress"]
    assert "Written without -f context" in result.policies[1].comment
    assert result.notes == ("note: no -f context, so both halves are written; see the egress half's comment",)


def test_egress_isolated_clients_get_the_egress_half(tutorial: Cluster) -> None:
    result = allow(FRONTEND, BACKEND, HTTP, namespace="production", context=tutorial)
    assert _names(result) == ["production/allow-frontend-to-backend", "production/allow-frontend-to-backend-egress"]
    assert result.policies[1].comment.endswith("The clients are egress-isolated, so the ingress half alone would not do.")
    egress = result.policies[1].policy
    assert egress.policy_types == frozenset({Direction.EGRESS}) and egress.pod_selector == FRONTEND


def test_open_clients_get_no_egress_half(tutorial: Cluster) -> None:
    result = allow(parse_selector("app=prometheus"), BACKEND, HTTP, namespace="production", source_namespace="monitoring", context=tutorial)
    assert _names(result) == ["production/allow-prometheus-to-backend"]
    assert result.notes[-1].startswith("note: no egress half in monitoring: the clients (monitoring/Deployment/prometheus)")


def test_halves_can_be_forced(tutorial: Cluster) -> None:
    only_egress = allow(parse_selector("app=prometheus"), BACKEND, HTTP, namespace="production",
                        source_namespace="monitoring", halves="egress", context=tutorial)
    assert _names(only_egress) == ["monitoring/allow-prometheus-to-backend-egress"]
    assert any("newly isolates monitoring/Deployment/prometheus for egress" in n for n in only_egress.notes)
    only_ingress = allow(FRONTEND, BACKEND, HTTP, namespace="production", halves="ingress")
    assert _names(only_ingress) == ["production/allow-frontend-to-backend"]


def _two_namespaces() -> Cluster:
    """Clients in two team namespaces, only team-a egress-isolated; the server in svc."""
    namespaces = tuple(Namespace(n, {NAMESPACE_NAME_LABEL: n, "team": "yes"}) for n in ("team-a", "team-b")) + (
        Namespace("svc", {NAMESPACE_NAME_LABEL: "svc"}),
    )
    pods = (
        Pod("team-a", "c1", {"app": "client"}),
        Pod("team-b", "c2", {"app": "client"}),
        Pod("svc", "s", {"app": "server"}, (ContainerPort(8080),)),
    )
    cluster = Cluster(namespaces=namespaces, pods=pods)
    isolation = deny("team-a", ingress=False).policies[0].policy
    return replace(cluster, policies=(isolation,))


def test_namespace_selectors_expand_with_context() -> None:
    cluster = _two_namespaces()
    result = allow(parse_selector("app=client"), parse_selector("app=server"), HTTP, source_namespace=parse_selector("team=yes"),
                   destination_namespace="svc", context=cluster)
    assert _names(result) == ["svc/allow-client-to-server", "team-a/allow-client-to-server-egress"]
    ingress_peer = result.policies[0].policy.ingress[0].peers[0]
    assert ingress_peer.namespace_selector == parse_selector("team=yes")  # type: ignore[union-attr]
    assert result.notes[-1].startswith("note: no egress half in team-b")
    assert isinstance(result.intended[0].source, PodParty) and result.intended[0].source.label == "[team=yes]/app=client"


def test_namespace_selector_without_context_needs_a_choice() -> None:
    with pytest.raises(UsageError, match="without -f podwall cannot tell which namespaces need the egress half"):
        allow(FRONTEND, BACKEND, source_namespace=parse_selector("team=yes"))
    assert len(allow(FRONTEND, BACKEND, source_namespace=parse_selector("team=yes"), halves="ingress").policies) == 1


def test_selectors_must_match_the_input(tutorial: Cluster) -> None:
    with pytest.raises(UsageError) as caught:
        allow(parse_selector("app=frontnd"), BACKEND, namespace="production", context=tutorial)
    assert str(caught.value) == '--from app=frontnd matches no pod in production of the -f input'


def test_ingress_half_that_newly_isolates_a_server_is_warned() -> None:
    cluster = _two_namespaces()
    result = allow(parse_selector("app=client"), parse_selector("app=server"), HTTP, source_namespace="team-b",
                   destination_namespace="svc", context=cluster)
    assert result.notes[0] == (
        "warning: svc/allow-client-to-server newly isolates svc/Pod/s for ingress: from now on, ingress that no "
        "policy allows is denied"
    )


def test_other_recipes_warn_too(tutorial: Cluster) -> None:
    assert dns("monitoring", context=tutorial).notes[0].startswith("warning: monitoring/allow-dns newly isolates")
    assert dns("production", context=tutorial).notes == ("note: production/allow-dns replaces the policy of the same name in the input",)
    assert deny("monitoring", context=tutorial).notes == ()  # isolating is what deny is for
    typo = egress_cidr(public_internet=True, namespace="production", pods=parse_selector("app=bakend"), context=tutorial)
    assert typo.notes == ("warning: production/allow-egress-to-internet selects no pod of the input (podSelector app=bakend in production)",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ingress": False, "egress": False}, "nothing to deny: give --ingress, --egress or neither (both)"),
        ({"egress": False, "allow_dns": True}, "--allow-dns needs egress denied"),
    ],
)
def test_deny_usage(kwargs: dict[str, bool], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        deny("x", **kwargs)
    assert str(caught.value).startswith(message)
