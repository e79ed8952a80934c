"""Valid NetworkPolicies become the normalised model: defaults, peer forms, ports, selectors."""

from __future__ import annotations

import ipaddress
import textwrap

import pytest

from podwall.errors import Location
from podwall.loader import load_text
from podwall.model import (
    Direction,
    IPBlockPeer,
    LabelSelector,
    NetworkPolicy,
    Operator,
    PodPeer,
    PortSpec,
    Protocol,
    Requirement,
)

I, E = Direction.INGRESS, Direction.EGRESS


def one_policy(spec: str, namespace: str | None = "prod") -> NetworkPolicy:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n"
        + ns
        + "spec:\n"
        + textwrap.indent(textwrap.dedent(spec).strip("\n") + "\n", "  ")
    )
    (policy,) = load_text(text, "p.yaml").policies
    return policy


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ("podSelector: {}", {I}),
        ("podSelector: {}\npolicyTypes: []", {I}),
        ("podSelector: {}\negress: [{}]", {I, E}),  # egress-only without policyTypes also isolates ingress
        ("podSelector: {}\negress: []", {I}),  # `egress: []` does not add Egress
        ("podSelector: {}\negress:", {I}),
        ("podSelector: {}\npolicyTypes: [Egress]", {E}),
        ("podSelector: {}\npolicyTypes: [Egress]\ningress: [{}]", {E}),
        ("podSelector: {}\npolicyTypes: [Ingress, Egress]", {I, E}),
    ],
)
def test_policy_types_defaulting(spec: str, types: set[Direction]) -> None:
    assert one_policy(spec).policy_types == frozenset(types)


def test_policy_without_spec_selects_every_pod_for_ingress() -> None:
    text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
    (policy,) = load_text(text).policies
    assert policy.pod_selector.is_empty
    assert policy.policy_types == frozenset({I})
    assert policy.namespace == "default"


def test_default_namespace_applies() -> None:
    text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n"
    (policy,) = load_text(text, default_namespace="team-a").policies
    assert policy.namespace == "team-a"


def test_peer_forms() -> None:
    policy = one_policy(
        """
        podSelector: {matchLabels: {app: db}}
        ingress:
        - from:
          - podSelector: {matchLabels: {app: api}}
          - namespaceSelector: {matchLabels: {team: a}}
          - namespaceSelector: {}
            podSelector: {matchLabels: {app: api}}
          - ipBlock: {cidr: 10.0.0.1/16, except: [10.0.9.9/24]}
        """
    )
    api = LabelSelector((("app", "api"),))
    assert policy.pod_selector == LabelSelector((("app", "db"),))
    assert policy.ingress[0].peers == (
        PodPeer("prod", api, None),
        PodPeer("prod", None, LabelSelector((("team", "a"),))),
        PodPeer("prod", api, LabelSelector()),
        # host bits are accepted and masked off, as the API server does
        IPBlockPeer(ipaddress.ip_network("10.0.0.0/16"), (ipaddress.ip_network("10.0.9.0/24"),)),
    )


def test_ipv6_block() -> None:
    policy = one_policy(
        """
        podSelector: {}
        egress:
        - to:
          - ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}
        """
    )
    (peer,) = policy.egress[0].peers
    assert isinstance(peer, IPBlockPeer)
    assert peer.contains(ipaddress.ip_address("2001:db8:2::1"))
    assert not peer.contains(ipaddress.ip_address("2001:db8:1::1"))


def test_ports() -> None:
    policy = one_policy(
        """
        podSelector: {}
        ingress:
        - ports:
          - port: 80
          - {protocol: UDP, port: 53}
          - {port: http}
          - {port: 8000, endPort: 8080, protocol: SCTP}
          - {protocol: UDP}
          - {}
        """
    )
    assert policy.ingress[0].ports == (
        PortSpec(Protocol.TCP, 80),
        PortSpec(Protocol.UDP, 53),
        PortSpec(Protocol.TCP, "http"),
        PortSpec(Protocol.SCTP, 8000, 8080),
        PortSpec(Protocol.UDP),
        PortSpec(Protocol.TCP),
    )


def test_rules_keep_index_and_location() -> None:
    policy = one_policy(
        """
        podSelector: {}
        ingress:
        - {}
        -
        egress:
        - to: []
          ports: []
        """
    )
    assert [(r.direction, r.index, r.all_peers, r.all_ports) for r in policy.ingress + policy.egress] == [
        (I, 0, True, True),
        (I, 1, True, True),  # a null rule decodes to {} on the API server: allow all
        (E, 0, True, True),
    ]
    assert policy.ingress[1].location == Location("p.yaml", 10, document=0)
    assert policy.location == Location("p.yaml", 1, document=0)


def test_selector_expressions_are_normalised() -> None:
    policy = one_policy(
        """
        podSelector:
          matchLabels: {b: "2", a: "1"}
          matchExpressions:
          - {key: tier, operator: In, values: [web, api, web]}
          - {key: canary, operator: DoesNotExist}
          - {key: env, operator: NotIn, values: [dev]}
          - {key: team, operator: Exists, values: []}
        """
    )
    assert policy.pod_selector == LabelSelector(
        (("a", "1"), ("b", "2")),
        (
            Requirement("tier", Operator.IN, ("api", "web")),
            Requirement("canary", Operator.DOES_NOT_EXIST),
            Requirement("env", Operator.NOT_IN, ("dev",)),
            Requirement("team", Operator.EXISTS),
        ),
    )


def test_annotations_are_kept() -> None:
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata:\n  name: p\n  annotations: {b: two, a: one}\n  uid: x\n  resourceVersion: '1'\n"
        "  creationTimestamp: 2024-01-01T00:00:00Z\nspec: {podSelector: {}}\n"
    )
    (policy,) = load_text(text).policies
    assert policy.annotations == (("a", "one"), ("b", "two"))


def test_null_fields_mean_absent() -> None:
    policy = one_policy(
        """
        podSelector:
        policyTypes:
        ingress:
        - from:
          ports:
          - protocol:
            port:
        """
    )
    assert policy.pod_selector.is_empty
    assert policy.policy_types == frozenset({I})
    assert policy.ingress[0].all_peers
    assert policy.ingress[0].ports == (PortSpec(Protocol.TCP),)


def test_policies_sorted_by_namespace_and_name() -> None:
    docs = [
        f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {n}, namespace: {ns}}}\n"
        for ns, n in [("b", "x"), ("a", "z"), ("a", "w")]
    ]
    cluster = load_text("---\n".join(docs))
    assert [p.key for p in cluster.policies] == ["a/w", "a/z", "b/x"]
