"""AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy into the model, and
Ingress/Route into Exposures: conversion, validation with the exact line a user sees, warnings.

Objects are written by ``admin`` below: ``a.yaml``, ``metadata.name`` on line 4,
the first line of ``spec`` on line 6.
"""

from __future__ import annotations

import ipaddress
import re
import textwrap

import pytest

from podwall.errors import InputErrors
from podwall.loader import load_text
from podwall.model import (
    Action,
    AdminPolicy,
    AdminRule,
    Direction,
    Exposure,
    IPBlockPeer,
    LabelSelector,
    Operator,
    PodPeer,
    PortSpec,
    Protocol,
    Requirement,
    Tier,
)

ANP, BANP, CNP = "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"
API = {ANP: "policy.networking.k8s.io/v1alpha1", BANP: "policy.networking.k8s.io/v1alpha1",
       CNP: "policy.networking.k8s.io/v1alpha2"}
TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP
IN, OUT = Direction.INGRESS, Direction.EGRESS
EVERY_NS = PodPeer("", None, LabelSelector())


def admin(kind: str, spec: str, name: str = "web") -> str:
    """One object of ``kind`` named ``name``; ``spec`` starts on line 6."""
    body = textwrap.indent(textwrap.dedent(spec).strip("\n") + "\n", "  ")
    return f"apiVersion: {API[kind]}\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{body}"


def only(text: str) -> AdminPolicy:
    cluster = load_text(text, "a.yaml")
    assert len(cluster.admin_policies) == 1
    return cluster.admin_policies[0]


def error_lines(text: str) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, "a.yaml")
    return str(info.value).splitlines()


def sel(**labels: str) -> LabelSelector:
    return LabelSelector.from_labels(labels)


def strip(rules: tuple[AdminRule, ...]) -> list[tuple]:
    """Rules without their locations."""
    return [(r.direction, r.index, r.action, r.peers, r.ports, r.name) for r in rules]


# --- conversion --------------------------------------------------------------------------


def test_anp_every_peer_and_port_form() -> None:
    policy = only(
        admin(
            ANP,
            """
            priority: 10
            subject:
              pods:
                namespaceSelector: {matchLabels: {team: a}}
                podSelector: {matchExpressions: [{key: app, operator: In, values: [web, api]}]}
            ingress:
            - name: from-monitoring
              action: Allow
              from:
              - namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
              - pods:
                  namespaceSelector: {}
                  podSelector: {matchLabels: {app: prom}}
              ports:
              - portNumber: {protocol: TCP, port: 9090}
              - namedPort: metrics
              - portRange: {protocol: UDP, start: 1000, end: 2000}
            - action: Pass
              from: [{namespaces: {}}]
            egress:
            - name: no-internet
              action: Deny
              to:
              - networks: [0.0.0.0/0, "::/0"]
              - namespaces: {matchLabels: {team: b}}
              ports:
              - portNumber: {port: 443}
            """,
        )
    )
    assert (policy.kind, policy.name, policy.tier, policy.priority) == (ANP, "web", Tier.ADMIN, 10)
    assert policy.key == "AdminNetworkPolicy/web"
    assert policy.short == "ANP web priority 10"
    assert policy.subject == PodPeer(
        "", LabelSelector((), (Requirement("app", Operator.IN, ("api", "web")),)), sel(team="a")
    )
    named = [PortSpec(p, "metrics") for p in Protocol]  # any protocol
    assert strip(policy.ingress) == [
        (
            IN, 0, Action.ALLOW,
            (
                PodPeer("", None, sel(**{"kubernetes.io/metadata.name": "monitoring"})),
                PodPeer("", sel(app="prom"), LabelSelector()),
            ),
            (PortSpec(TCP, 9090), *named, PortSpec(UDP, 1000, 2000)),
            "from-monitoring",
        ),
        (IN, 1, Action.PASS, (EVERY_NS,), (), ""),
    ]
    assert strip(policy.egress) == [
        (
            OUT, 0, Action.DENY,
            (IPBlockPeer(ipaddress.ip_network("0.0.0.0/0")), IPBlockPeer(ipaddress.ip_network("::/0")),
             PodPeer("", None, sel(team="b"))),
            (PortSpec(TCP, 443),),
            "no-internet",
        )
    ]
    # each rule knows the line it starts on
    assert [r.location.line for r in policy.ingress + policy.egress] == [12, 23, 26]
    assert policy.location is not None and policy.location.line == 1


def test_pods_peer_without_a_selector_reads_it_as_everything() -> None:
    policy = only(
        admin(
            ANP,
            """
            priority: 0
            subject: {pods: {podSelector: {matchLabels: {app: a}}}}
            ingress:
            - action: Deny
              from: [{pods: {namespaceSelector: {matchLabels: {team: x}}}}]
            """,
        )
    )
    assert policy.subject == PodPeer("", sel(app="a"), LabelSelector())
    assert policy.ingress[0].peers == (PodPeer("", LabelSelector(), sel(team="x")),)


def test_banp() -> None:
    policy = only(
        admin(
            BANP,
            """
            subject: {namespaces: {}}
            ingress:
            - action: Deny
              from: [{namespaces: {}}]
            egress:
            - action: Allow
              to: [{networks: [10.0.0.0/8]}]
            """,
            name="default",
        )
    )
    assert (policy.kind, policy.name, policy.tier, policy.priority) == (BANP, "default", Tier.BASELINE, 0)
    assert policy.short == "BANP default"
    assert strip(policy.ingress) == [(IN, 0, Action.DENY, (EVERY_NS,), (), "")]
    ten = IPBlockPeer(ipaddress.ip_network("10.0.0.0/8"))
    assert strip(policy.egress) == [(OUT, 0, Action.ALLOW, (ten,), (), "")]


@pytest.mark.parametrize(
    ("tier", "short"), [("Admin", "CNP Admin web priority 7"), ("Baseline", "CNP Baseline web priority 7")]
)
def test_cnp_tiers_actions_and_protocols(tier: str, short: str) -> None:
    policy = only(
        admin(
            CNP,
            f"""
            tier: {tier}
            priority: 7
            subject: {{namespaces: {{}}}}
            ingress:
            - action: Accept
              from: [{{namespaces: {{}}}}]
              protocols:
              - tcp: {{destinationPort: {{range: {{start: 1, end: 65535}}}}}}
              - udp: {{destinationPort: {{number: 53}}}}
              - sctp: {{destinationPort: {{range: {{start: 100, end: 200}}}}}}
              - destinationNamedPort: dns
            - action: Deny
              from: [{{namespaces: {{}}}}]
            - action: Pass
              from: [{{namespaces: {{}}}}]
            """,
        )
    )
    assert (policy.kind, policy.tier, policy.priority, policy.short) == (CNP, Tier(tier), 7, short)
    assert [r.action for r in policy.ingress] == [Action.ALLOW, Action.DENY, Action.PASS]  # Accept is Allow
    assert policy.ingress[0].ports == (
        PortSpec(TCP, 1, 65535),  # every TCP port ("tcp: {}" is refused by the CRD)
        PortSpec(UDP, 53),
        PortSpec(SCTP, 100, 200),
        *(PortSpec(p, "dns") for p in Protocol),
    )


def test_cluster_keeps_admin_policies_sorted_by_tier_priority_name() -> None:
    docs = [
        admin(CNP, "tier: Baseline\npriority: 3\nsubject: {namespaces: {}}", name="late"),
        admin(ANP, "priority: 20\nsubject: {namespaces: {}}", name="b"),
        admin(BANP, "subject: {namespaces: {}}", name="default"),
        admin(CNP, "tier: Admin\npriority: 20\nsubject: {namespaces: {}}", name="a"),
        admin(ANP, "priority: 5\nsubject: {namespaces: {}}", name="z"),
    ]
    cluster = load_text("---\n".join(docs), "a.yaml")
    assert [p.key for p in cluster.admin_policies] == [
        "AdminNetworkPolicy/z",
        "ClusterNetworkPolicy/a",
        "AdminNetworkPolicy/b",
        "BaselineAdminNetworkPolicy/default",
        "ClusterNetworkPolicy/late",
    ]
    assert [p.key for p in cluster.admin_tier(Tier.BASELINE)] == [
        "BaselineAdminNetworkPolicy/default",
        "ClusterNetworkPolicy/late",
    ]
    assert not cluster.warnings and not cluster.skipped


def test_same_name_in_two_kinds_is_not_a_duplicate() -> None:
    docs = [
        admin(ANP, "priority: 1\nsubject: {namespaces: {}}"),
        admin(CNP, "tier: Admin\npriority: 1\nsubject: {namespaces: {}}"),
    ]
    assert len(load_text("---\n".join(docs), "a.yaml").admin_policies) == 2


def test_duplicate_name_in_one_kind() -> None:
    doc = admin(ANP, "priority: 1\nsubject: {namespaces: {}}")
    assert error_lines(doc + "---\n" + doc) == ["a.yaml:9: AdminNetworkPolicy web: defined twice (first at a.yaml:1)"]


# --- warnings ----------------------------------------------------------------------------


def test_nodes_and_domain_names_warn_and_match_nothing() -> None:
    cluster = load_text(
        admin(
            ANP,
            """
            priority: 3
            subject: {namespaces: {}}
            egress:
            - action: Deny
              to:
              - nodes: {matchLabels: {role: control-plane}}
              - domainNames: ["*.example.com"]
            - action: Allow
              to:
              - domainNames: [example.org]
              - networks: [192.0.2.0/24]
            """,
        ),
        "a.yaml",
    )
    policy = cluster.admin_policies[0]
    assert [r.peers for r in policy.egress] == [(), (IPBlockPeer(ipaddress.ip_network("192.0.2.0/24")),)]
    tail = "peers are not evaluated yet; this peer matches nothing here"
    # The line is the object's today (1); the peer's own line (11, 12, 15) would be more helpful,
    # so only the rest of each message is pinned.
    assert [re.sub(r"^warning: a\.yaml:\d+: ", "warning: a.yaml:N: ", w) for w in cluster.warnings] == [
        f"warning: a.yaml:N: AdminNetworkPolicy web: spec.egress[0].to[0].nodes: nodes {tail}",
        f"warning: a.yaml:N: AdminNetworkPolicy web: spec.egress[0].to[1].domainNames: domainNames {tail}",
        f"warning: a.yaml:N: AdminNetworkPolicy web: spec.egress[1].to[0].domainNames: domainNames {tail}",
    ]


def test_other_api_versions_are_not_evaluated_but_warned_about() -> None:
    text = admin(ANP, "priority: 1\nsubject: {namespaces: {}}").replace("v1alpha1", "v1beta1")
    cluster = load_text(text, "a.yaml")
    assert cluster.admin_policies == ()
    assert cluster.skipped == {ANP: 1}
    assert len(cluster.warnings) == 1 and "AdminNetworkPolicy web: not evaluated yet" in cluster.warnings[0]


# --- validation --------------------------------------------------------------------------

P = {ANP: "a.yaml:{}: AdminNetworkPolicy web: ", BANP: "a.yaml:{}: BaselineAdminNetworkPolicy default: ",
     CNP: "a.yaml:{}: ClusterNetworkPolicy web: "}


def at(kind: str, line: int, rest: str) -> str:
    return P[kind].format(line) + rest


EVERYONE = "subject: {namespaces: {}}"

INVALID = [
    # -- actions each kind allows ------------------------------------------------------
    (
        ANP,
        "anp-accept",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Accept
          from: [{namespaces: {}}]
        """,
        [
            at(ANP, 9, 'spec.ingress[0].action: invalid action "Accept": must be one of Allow, Deny, Pass'),
        ],
    ),
    (
        ANP,
        "anp-lowercase",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: deny
          from: [{namespaces: {}}]
        """,
        [
            at(ANP, 9, 'spec.ingress[0].action: invalid action "deny": must be one of Allow, Deny, Pass'),
        ],
    ),
    (
        BANP,
        "banp-pass",
        """
        subject: {namespaces: {}}
        egress:
        - action: Pass
          to: [{namespaces: {}}]
        """,
        [
            at(BANP, 8, 'spec.egress[0].action: invalid action "Pass": must be one of Allow, Deny'),
        ],
    ),
    (
        CNP,
        "cnp-allow",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Allow
          from: [{namespaces: {}}]
        """,
        [
            at(CNP, 10, 'spec.ingress[0].action: invalid action "Allow": must be one of Accept, Deny, Pass'),
        ],
    ),
    (
        ANP,
        "action-missing",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - from: [{namespaces: {}}]
        """,
        [
            at(ANP, 9, 'spec.ingress[0]: missing required field "action"'),
        ],
    ),
    # -- priority, tier, name, subject --------------------------------------------------
    (
        ANP,
        "priority-above-1000",
        """
        priority: 1001
        subject: {namespaces: {}}
        """,
        [
            at(ANP, 6, "spec.priority: 1001 is not a valid priority: must be 0-1000"),
        ],
    ),
    (
        ANP,
        "priority-negative",
        """
        priority: -1
        subject: {namespaces: {}}
        """,
        [
            at(ANP, 6, "spec.priority: -1 is not a valid priority: must be 0-1000"),
        ],
    ),
    (
        CNP,
        "cnp-priority-above-1000",
        """
        tier: Baseline
        priority: 5000
        subject: {namespaces: {}}
        """,
        [
            at(CNP, 7, "spec.priority: 5000 is not a valid priority: must be 0-1000"),
        ],
    ),
    (
        ANP,
        "priority-not-integer",
        """
        priority: high
        subject: {namespaces: {}}
        """,
        [
            at(ANP, 6, "spec.priority: must be an integer, not a string"),
        ],
    ),
    (
        ANP,
        "priority-missing",
        """
        subject: {namespaces: {}}
        """,
        [
            at(ANP, 5, 'spec: missing required field "priority"'),
        ],
    ),
    (
        BANP,
        "banp-has-no-priority",
        """
        priority: 1
        subject: {namespaces: {}}
        """,
        [
            at(BANP, 6, 'spec: unknown field "priority"'),
        ],
    ),
    (
        CNP,
        "cnp-tier-missing",
        """
        priority: 1
        subject: {namespaces: {}}
        """,
        [
            at(CNP, 5, 'spec: missing required field "tier"'),
        ],
    ),
    (
        CNP,
        "cnp-tier-invalid",
        """
        tier: admin
        priority: 1
        subject: {namespaces: {}}
        """,
        [
            at(CNP, 6, 'spec.tier: invalid tier "admin": must be Admin or Baseline'),
        ],
    ),
    (
        ANP,
        "anp-has-no-tier",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        """,
        [
            at(ANP, 6, 'spec: unknown field "tier"'),
        ],
    ),
    (
        ANP,
        "subject-missing",
        """
        priority: 1
        """,
        [
            at(ANP, 5, 'spec: missing required field "subject"'),
        ],
    ),
    (
        ANP,
        "subject-two-forms",
        """
        priority: 1
        subject:
          namespaces: {}
          pods: {podSelector: {}}
        """,
        [
            at(ANP, 7, "spec.subject: must specify exactly one of namespaces, pods"),
        ],
    ),
    (
        ANP,
        "subject-empty",
        """
        priority: 1
        subject: {}
        """,
        [
            at(ANP, 7, "spec.subject: must specify exactly one of namespaces, pods"),
        ],
    ),
    # -- unknown fields with suggestions ---------------------------------------------------
    (
        ANP,
        "unknown-spec-fields",
        """
        priorty: 1
        subjct: {namespaces: {}}
        """,
        [
            at(ANP, 6, 'spec: unknown field "priorty" (did you mean "priority"?)'),
            at(ANP, 7, 'spec: unknown field "subjct" (did you mean "subject"?)'),
            at(ANP, 5, 'spec: missing required field "priority"'),
            at(ANP, 5, 'spec: missing required field "subject"'),
        ],
    ),
    (
        ANP,
        "unknown-rule-field",
        """
        priority: 1
        subject: {namespaces: {}}
        egress:
        - action: Deny
          too: [{namespaces: {}}]
        """,
        [
            at(ANP, 10, 'spec.egress[0]: unknown field "too" (did you mean "to"?)'),
            at(ANP, 9, 'spec.egress[0]: "to" must list at least one peer'),
        ],
    ),
    (
        ANP,
        "ingress-rule-with-to",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          to: [{namespaces: {}}]
        """,
        [
            at(ANP, 10, 'spec.ingress[0]: unknown field "to"'),
            at(ANP, 9, 'spec.ingress[0]: "from" must list at least one peer'),
        ],
    ),
    (
        CNP,
        "cnp-rule-with-ports",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports: []
        """,
        [
            at(CNP, 12, 'spec.ingress[0]: unknown field "ports"'),
        ],
    ),
    (
        ANP,
        "unknown-peer-field",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from:
          - namespace: {}
        """,
        [
            at(ANP, 11, 'spec.ingress[0].from[0]: unknown field "namespace" (did you mean "namespaces"?)'),
            at(ANP, 11, "spec.ingress[0].from[0]: must specify exactly one of namespaces, pods"),
        ],
    ),
    (
        ANP,
        "unknown-pods-field",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from:
          - pods: {podSelectors: {}}
        """,
        [
            at(ANP, 11, 'spec.ingress[0].from[0].pods: unknown field "podSelectors" (did you mean "podSelector"?)'),
        ],
    ),
    (
        ANP,
        "unknown-port-field",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - portNumber: {protocl: UDP, port: 53}
        """,
        [
            at(ANP, 12, 'spec.ingress[0].ports[0].portNumber: unknown field "protocl" (did you mean "protocol"?)'),
        ],
    ),
    (
        CNP,
        "unknown-destination-port-field",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          protocols:
          - tcp: {destinationport: {number: 1}}
        """,
        [
            at(CNP, 13, 'spec.ingress[0].protocols[0].tcp: unknown field "destinationport" (did you mean '
                        '"destinationPort"?)'),
            at(CNP, 13, "spec.ingress[0].protocols[0].tcp: must set destinationPort (the CRD refuses an empty tcp: {})"),
        ],
    ),
    # -- peers ---------------------------------------------------------------------------
    (
        ANP,
        "peer-two-forms",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from:
          - namespaces: {}
            pods: {podSelector: {}}
        """,
        [
            at(ANP, 11, "spec.ingress[0].from[0]: must specify exactly one of namespaces, pods"),
        ],
    ),
    (
        ANP,
        "egress-peer-two-forms",
        """
        priority: 1
        subject: {namespaces: {}}
        egress:
        - action: Deny
          to:
          - namespaces: {}
            networks: [10.0.0.0/8]
        """,
        [
            at(ANP, 11, "spec.egress[0].to[0]: must specify exactly one of namespaces, pods, nodes, networks, "
                        "domainNames"),
        ],
    ),
    (
        ANP,
        "egress-peer-networks-and-nodes",
        """
        priority: 1
        subject: {namespaces: {}}
        egress:
        - action: Deny
          to:
          - networks: [10.0.0.0/8]
            nodes: {}
        """,
        [
            at(ANP, 11, "spec.egress[0].to[0]: must specify exactly one of namespaces, pods, nodes, networks, "
                        "domainNames"),
        ],
    ),
    (
        ANP,
        "ingress-networks",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from:
          - networks: [10.0.0.0/8]
        """,
        [
            at(ANP, 11, 'spec.ingress[0].from[0]: unknown field "networks"'),
            at(ANP, 11, "spec.ingress[0].from[0]: must specify exactly one of namespaces, pods"),
        ],
    ),
    (
        ANP,
        "no-peers",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: []
        """,
        [
            at(ANP, 10, 'spec.ingress[0]: "from" must list at least one peer'),
        ],
    ),
    (
        ANP,
        "invalid-cidr",
        """
        priority: 1
        subject: {namespaces: {}}
        egress:
        - action: Deny
          to:
          - networks:
            - 10.0.0.0/33
            - 10.0.0.1
            - 10.0.0.0/8
        """,
        [
            at(ANP, 12, 'spec.egress[0].to[0].networks[0]: invalid CIDR "10.0.0.0/33"'),
            at(ANP, 13, 'spec.egress[0].to[0].networks[1]: invalid CIDR "10.0.0.1"'),
        ],
    ),
    (
        ANP,
        "networks-empty",
        """
        priority: 1
        subject: {namespaces: {}}
        egress:
        - action: Deny
          to:
          - networks: []
        """,
        [
            at(ANP, 11, "spec.egress[0].to[0].networks: must list at least one CIDR"),
        ],
    ),
    (
        ANP,
        "networks-not-strings",
        """
        priority: 1
        subject: {namespaces: {}}
        egress:
        - action: Deny
          to:
          - networks: [8]
        """,
        [
            at(ANP, 11, "spec.egress[0].to[0].networks[0]: must be a string, not an integer (quote the value)"),
        ],
    ),
    (
        ANP,
        "bad-selector-in-peer",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from:
          - namespaces: {matchExpressions: [{key: a, operator: In}]}
        """,
        [
            at(ANP, 11, "spec.ingress[0].from[0].namespaces.matchExpressions[0].values: must be non-empty when "
                        "operator is In"),
        ],
    ),
    # -- ports -----------------------------------------------------------------------------
    (
        ANP,
        "port-two-forms",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - portNumber: {port: 80}
            namedPort: http
        """,
        [
            at(ANP, 12, "spec.ingress[0].ports[0]: must specify exactly one of portNumber, namedPort, portRange"),
        ],
    ),
    (
        ANP,
        "port-no-form",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - {}
        """,
        [
            at(ANP, 12, "spec.ingress[0].ports[0]: must specify exactly one of portNumber, namedPort, portRange"),
        ],
    ),
    (
        CNP,
        "cnp-protocol-two-forms",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          protocols:
          - tcp: {}
            udp: {}
        """,
        [
            at(CNP, 13, "spec.ingress[0].protocols[0]: must specify exactly one of tcp, udp, sctp, "
                        "destinationNamedPort"),
        ],
    ),
    (
        CNP,
        "cnp-destination-port-two-forms",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          protocols:
          - tcp:
              destinationPort: {number: 80, range: {start: 1, end: 2}}
        """,
        [
            at(
                CNP, 14, "spec.ingress[0].protocols[0].tcp.destinationPort: must specify exactly one of number, range"
            ),
        ],
    ),
    (
        ANP,
        "port-range-reversed",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - portRange:
              start: 90
              end: 80
        """,
        [
            at(ANP, 14, "spec.ingress[0].ports[0].portRange.end: end 80 is below start 90"),
        ],
    ),
    (
        CNP,
        "cnp-range-reversed",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          protocols:
          - sctp: {destinationPort: {range: {start: 9, end: 2}}}
        """,
        [
            at(CNP, 13, "spec.ingress[0].protocols[0].sctp.destinationPort.range.end: end 2 must be above start 9"),
        ],
    ),
    (
        ANP,
        "port-out-of-range",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - portNumber:
              port: 70000
        """,
        [
            at(ANP, 13, "spec.ingress[0].ports[0].portNumber.port: 70000 is not a valid port number"),
        ],
    ),
    (
        CNP,
        "cnp-port-zero",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          protocols:
          - udp: {destinationPort: {number: 0}}
        """,
        [
            at(CNP, 13, "spec.ingress[0].protocols[0].udp.destinationPort.number: 0 is not a valid port number"),
        ],
    ),
    (
        ANP,
        "port-protocol-unsupported",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - portNumber: {protocol: ICMP, port: 1}
        """,
        [
            at(ANP, 12, 'spec.ingress[0].ports[0].portNumber.protocol: unsupported protocol "ICMP": must be TCP, '
                        "UDP or SCTP"),
        ],
    ),
    (
        ANP,
        "port-range-end-missing",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - portRange: {start: 1}
        """,
        [
            at(ANP, 12, 'spec.ingress[0].ports[0].portRange: missing required field "end"'),
        ],
    ),
    (
        ANP,
        "named-port-not-a-string",
        """
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports:
          - namedPort: 80
        """,
        [
            at(ANP, 12, "spec.ingress[0].ports[0].namedPort: must be a string, not an integer"),
        ],
    ),
    (
        CNP,
        "named-port-invalid",
        """
        tier: Admin
        priority: 1
        subject: {namespaces: {}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          protocols:
          - destinationNamedPort: Bad_Name
        """,
        [
            at(CNP, 13, 'spec.ingress[0].protocols[0].destinationNamedPort: invalid port name "Bad_Name": must '
                        "contain only lowercase letters, digits and '-'"),
        ],
    ),
]



@pytest.mark.parametrize(("kind", "spec", "expected"), [pytest.param(k, s, e, id=i) for k, i, s, e in INVALID])
def test_validation(kind: str, spec: str, expected: list[str]) -> None:
    name = "default" if kind == BANP else "web"
    assert error_lines(admin(kind, spec, name=name)) == expected


def test_banp_must_be_named_default() -> None:
    assert error_lines(admin(BANP, EVERYONE, name="other")) == [
        'a.yaml:4: BaselineAdminNetworkPolicy other: metadata.name: invalid name "other": '
        'a BaselineAdminNetworkPolicy must be named "default"'
    ]


def test_spec_missing() -> None:
    assert error_lines(admin(ANP, "").replace("spec:\n", "")) == [
        'a.yaml:1: AdminNetworkPolicy web: missing required field "spec"'
    ]


def test_unknown_top_level_field() -> None:
    text = admin(ANP, f"priority: 1\n{EVERYONE}") + "specs: {}\n"
    assert error_lines(text) == ['a.yaml:8: AdminNetworkPolicy web: unknown field "specs" (did you mean "spec"?)']


def test_lenient_skips_the_bad_policy_only() -> None:
    good = admin(ANP, f"priority: 1\n{EVERYONE}", name="good")
    bad = admin(ANP, f"priority: 1001\n{EVERYONE}", name="bad")
    cluster = load_text(good + "---\n" + bad, "a.yaml", lenient=True)
    assert [p.name for p in cluster.admin_policies] == ["good"]
    assert cluster.warnings == (
        "warning: skipped object: a.yaml:14: AdminNetworkPolicy bad: spec.priority: 1001 is not a valid priority: "
        "must be 0-1000",
    )


# --- Ingress and Route -> Exposure --------------------------------------------------------


def exposures(text: str) -> list[tuple]:
    cluster = load_text(text, "e.yaml")
    return [(e.kind, e.namespace, e.name, e.service, e.port) for e in cluster.exposures]


def test_ingress_default_backend_and_rule_paths() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend:
    service: {name: fallback, port: {number: 8080}}
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {name: http}}}}
      - path: /img
        pathType: Prefix
        backend:
          resource: {apiGroup: storage.example.com, kind: Bucket, name: images}
  - host: b.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
  - host: no-http.example.com
"""
    # sorted by namespace, kind, name, service; a resource backend sends nothing to pods
    assert exposures(text) == [
        ("Ingress", "shop", "web", "api", 80),
        ("Ingress", "shop", "web", "fallback", 8080),
        ("Ingress", "shop", "web", "front", "http"),
    ]
    cluster = load_text(text, "e.yaml")
    assert all(isinstance(e, Exposure) and e.location is not None and e.location.line == 1 for e in cluster.exposures)


def test_ingress_in_default_namespace() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bare}
spec:
  defaultBackend:
    service: {name: svc, port: {number: 443}}
"""
    assert exposures(text) == [("Ingress", "default", "bare", "svc", 443)]


@pytest.mark.parametrize(
    "port",
    [
        pytest.param("", id="port-missing"),
        pytest.param(", port: {name: 8080}", id="name-is-an-integer"),
        pytest.param(", port: {number: 80, name: web}", id="name-and-number"),
        pytest.param(', port: {number: "80"}', id="number-is-a-string"),
        pytest.param(", port: {}", id="port-empty"),
    ],
)
def test_ingress_backend_port_is_validated(port: str) -> None:
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: shop}\nspec:\n"
        f"  defaultBackend:\n    service: {{name: svc{port}}}\n"
    )
    with pytest.raises(InputErrors):
        load_text(text, "e.yaml")


def test_route_to_alternate_backends_and_target_port() -> None:
    text = """\
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: r, namespace: shop}
spec:
  to: {kind: Service, name: front, weight: 80}
  alternateBackends:
  - {kind: Service, name: canary, weight: 20}
  port: {targetPort: http}
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: s, namespace: shop}
spec:
  to: {name: api}
  port: {targetPort: 8443}
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: t, namespace: shop}
spec:
  to: {name: any-port}
"""
    assert exposures(text) == [
        ("Route", "shop", "r", "canary", "http"),
        ("Route", "shop", "r", "front", "http"),
        ("Route", "shop", "s", "api", 8443),
        ("Route", "shop", "t", "any-port", None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: r, namespace: shop}\n"
            "spec:\n  host: a.example.com\n",
            ['e.yaml:4: Route shop/r: spec: missing required field "to"'],
            id="route-without-to",
        ),
        pytest.param(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: shop}\nspec:\n"
            "  defaultBackend:\n    service: {port: {number: 80}}\n",
            ['e.yaml:6: Ingress shop/i: spec.defaultBackend.service: missing required field "name"'],
            id="ingress-service-without-name",
        ),
        pytest.param(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: shop}\nspec:\n"
            "  defaultBackend:\n    service:\n      name: a\n      port: {number: 70000}\n",
            ["e.yaml:8: Ingress shop/i: spec.defaultBackend.service.port.number: 70000 is not a valid port number"],
            id="ingress-port-out-of-range",
        ),
    ],
)
def test_exposure_validation(text: str, expected: list[str]) -> None:
    with pytest.raises(InputErrors) as info:
        load_text(text, "e.yaml")
    assert str(info.value).splitlines() == expected


def test_v1beta1_ingress_is_not_silently_dropped() -> None:
    text = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: shop}
spec:
  backend: {serviceName: fallback, servicePort: 8080}
  rules:
  - http:
      paths:
      - backend: {serviceName: front, servicePort: http}
"""
    cluster = load_text(text, "e.yaml")
    assert [(e.service, e.port) for e in cluster.exposures] == [("fallback", 8080), ("front", "http")]
