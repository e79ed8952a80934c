"""SEMANTICS.md, statement by statement, as tables of flows.

Every row is judged three ways, which must all agree with the table: the naive
reference evaluator (tests/reference.py), ``engine.evaluate`` and, for pod pairs,
``engine.reach``. Worlds are YAML loaded by the real loader (see ``_world.WORLD``:
namespaces x/y/z, pods a/b/c in each, every pod declaring http:80/TCP and dns:53/UDP).
"""

from __future__ import annotations

import pytest

from ._world import WORLD, allow, deny, join, judge, namespace, netpol, pod, scenario

EXT = "203.0.113.9"  # an address outside every pod


def params(*scenarios):
    """Flatten scenario lists into one parametrize list."""
    return [p for s in scenarios for p in s]


def isolate_x(name: str, selector: str) -> str:
    """A deny-all-ingress policy in namespace x with the given ``podSelector`` body."""
    return netpol(f"x/{name}", f"podSelector:\n{_indent(selector)}\npolicyTypes: [Ingress]\n")


def allow_x_a_from(name: str, peers: str) -> str:
    """A policy isolating x/a for ingress and admitting ``from`` the given peers on any port."""
    return netpol(
        f"x/{name}",
        f"podSelector: {{matchLabels: {{app: a}}}}\npolicyTypes: [Ingress]\ningress:\n- from:\n{_indent(peers)}\n",
    )


def _indent(text: str) -> str:
    import textwrap

    return textwrap.indent(textwrap.dedent(text).strip("\n"), "  ")


# --- "Which pods a policy selects": the selector operators -----------------------------
# A pod is selected iff a deny-all-ingress policy cuts y/a's traffic to it.

SELECTORS = params(
    scenario(
        "select/empty-selector-all-pods-of-namespace",
        isolate_x("all", "{}"),
        [deny("y/a", "x/a"), deny("y/a", "x/b"), deny("y/a", "x/c"), allow("x/a", "y/b"), allow("z/a", "y/c")],
    ),
    scenario(
        "select/own-namespace-only",
        isolate_x("only-a", "matchLabels: {app: a}"),
        [deny("y/b", "x/a"), allow("x/b", "y/a"), allow("x/b", "z/a"), allow("y/b", "x/b")],
    ),
    scenario(
        "select/matchLabels-one-pair",
        isolate_x("a", "matchLabels: {app: a}"),
        [deny("y/a", "x/a"), allow("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/matchLabels-all-pairs-must-match",
        isolate_x("a-db", "matchLabels: {app: a, tier: db}"),
        [allow("y/a", "x/a"), allow("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/matchLabels-two-pairs-match",
        isolate_x("a-web", "matchLabels: {app: a, tier: web}"),
        [deny("y/a", "x/a"), allow("y/a", "x/b")],
    ),
    scenario(
        "select/In",
        isolate_x("in", "matchExpressions:\n- {key: tier, operator: In, values: [web, db]}"),
        [deny("y/a", "x/a"), deny("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/In-absent-key-no-match",
        isolate_x("in", "matchExpressions:\n- {key: tier, operator: In, values: [web]}"),
        [deny("y/a", "x/a"), allow("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/NotIn-incl-absent-key",
        isolate_x("notin", "matchExpressions:\n- {key: tier, operator: NotIn, values: [web]}"),
        [allow("y/a", "x/a"), deny("y/a", "x/b"), deny("y/a", "x/c")],
    ),
    scenario(
        "select/Exists",
        isolate_x("exists", "matchExpressions:\n- {key: tier, operator: Exists}"),
        [deny("y/a", "x/a"), deny("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/DoesNotExist",
        isolate_x("dne", "matchExpressions:\n- {key: tier, operator: DoesNotExist}"),
        [allow("y/a", "x/a"), allow("y/a", "x/b"), deny("y/a", "x/c")],
    ),
    scenario(
        "select/matchLabels-AND-matchExpressions-none",
        isolate_x("and", "matchLabels: {app: a}\nmatchExpressions:\n- {key: tier, operator: In, values: [db]}"),
        [allow("y/a", "x/a"), allow("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/matchLabels-AND-matchExpressions-one",
        isolate_x("and", "matchLabels: {app: b}\nmatchExpressions:\n- {key: tier, operator: In, values: [db]}"),
        [allow("y/a", "x/a"), deny("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/expressions-AND",
        isolate_x(
            "and",
            "matchExpressions:\n- {key: tier, operator: Exists}\n- {key: app, operator: NotIn, values: [a]}",
        ),
        [allow("y/a", "x/a"), deny("y/a", "x/b"), allow("y/a", "x/c")],
    ),
    scenario(
        "select/label-typo-selects-nothing",
        isolate_x("typo", "matchLabels: {app: frontned}"),
        [allow("y/a", "x/a"), allow("y/a", "x/b"), allow("y/a", "x/c")],
    ),
)


# --- "Peers" ---------------------------------------------------------------------------
# x/a is isolated for ingress and admits only the given peers (any port).

PEERS = params(
    scenario(
        "peer/podSelector-only-is-policy-namespace",
        allow_x_a_from("p", "- podSelector: {matchLabels: {app: b}}"),
        [allow("x/b", "x/a"), deny("y/b", "x/a"), deny("z/b", "x/a"), deny("x/c", "x/a"), deny(EXT, "x/a")],
    ),
    scenario(
        "peer/podSelector-empty-is-whole-policy-namespace",
        allow_x_a_from("p", "- podSelector: {}"),
        [allow("x/b", "x/a"), allow("x/c", "x/a"), deny("y/a", "x/a"), deny(EXT, "x/a")],
    ),
    scenario(
        "peer/namespaceSelector-only",
        allow_x_a_from("p", "- namespaceSelector: {matchLabels: {team: beta}}"),
        [allow("y/a", "x/a"), allow("y/b", "x/a"), deny("x/b", "x/a"), deny("z/b", "x/a"), deny(EXT, "x/a")],
    ),
    scenario(
        "peer/namespaceSelector-empty-is-every-namespace",
        allow_x_a_from("p", "- namespaceSelector: {}"),
        [allow("x/b", "x/a"), allow("y/a", "x/a"), allow("z/c", "x/a"), deny(EXT, "x/a")],
    ),
    scenario(
        "peer/pod-AND-namespace-in-one-peer",
        allow_x_a_from(
            "p", "- namespaceSelector: {matchLabels: {team: beta}}\n  podSelector: {matchLabels: {app: b}}"
        ),
        [allow("y/b", "x/a"), deny("y/a", "x/a"), deny("x/b", "x/a"), deny("z/b", "x/a")],
    ),
    scenario(
        "peer/pod-OR-namespace-in-two-peers",
        allow_x_a_from(
            "p", "- namespaceSelector: {matchLabels: {team: beta}}\n- podSelector: {matchLabels: {app: b}}"
        ),
        [
            allow("y/a", "x/a"),
            allow("y/b", "x/a"),
            allow("x/b", "x/a"),
            deny("x/c", "x/a"),
            deny("z/b", "x/a"),
            deny("z/a", "x/a"),
        ],
    ),
    scenario(
        "peer/namespaceSelector-plus-empty-podSelector",
        allow_x_a_from("p", "- namespaceSelector: {matchLabels: {team: beta}}\n  podSelector: {}"),
        [allow("y/a", "x/a"), allow("y/c", "x/a"), deny("x/b", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "peer/metadata-name-label-added-to-namespaces",
        allow_x_a_from("p", "- namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}"),
        [allow("z/a", "x/a"), allow("z/c", "x/a"), deny("y/a", "x/a"), deny("x/b", "x/a")],
    ),
    scenario(
        "peer/metadata-name-In-with-podSelector-NotIn",
        allow_x_a_from(
            "p",
            "- namespaceSelector:\n"
            "    matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [x, z]}]\n"
            "  podSelector:\n"
            "    matchExpressions: [{key: app, operator: NotIn, values: [a]}]",
        ),
        [allow("x/b", "x/a"), allow("x/c", "x/a"), allow("z/b", "x/a"), deny("z/a", "x/a"), deny("y/b", "x/a")],
    ),
    scenario(
        "peer/namespaceSelector-DoesNotExist",
        allow_x_a_from("p", "- namespaceSelector: {matchExpressions: [{key: env, operator: DoesNotExist}]}"),
        [allow("z/a", "x/a"), deny("x/b", "x/a"), deny("y/a", "x/a")],
    ),
    scenario(
        "peer/namespaceSelector-NotIn-incl-absent-key",
        allow_x_a_from("p", "- namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}"),
        [allow("y/a", "x/a"), allow("z/a", "x/a"), deny("x/b", "x/a")],
    ),
    scenario(
        "peer/namespaceSelector-In",
        allow_x_a_from(
            "p", "- namespaceSelector: {matchExpressions: [{key: env, operator: In, values: [prod, staging]}]}"
        ),
        [allow("x/b", "x/a"), deny("y/a", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "peer/namespaceSelector-Exists-AND-podSelector-In",
        allow_x_a_from(
            "p",
            "- namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}\n"
            "  podSelector: {matchExpressions: [{key: tier, operator: In, values: [db]}]}",
        ),
        [allow("x/b", "x/a"), allow("y/b", "x/a"), deny("z/b", "x/a"), deny("y/a", "x/a")],
    ),
    scenario(
        "peer/egress-podSelector-only-is-policy-namespace",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - podSelector: {matchLabels: {app: c}}
            """,
        ),
        [allow("x/a", "x/c"), deny("x/a", "y/c"), deny("x/a", "x/b"), deny("x/a", EXT), allow("x/b", "y/c")],
    ),
    scenario(
        "peer/egress-pod-AND-namespace-in-one-peer",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - namespaceSelector: {matchLabels: {team: beta}}
                podSelector: {matchLabels: {app: b}}
            """,
        ),
        [allow("x/a", "y/b"), deny("x/a", "y/a"), deny("x/a", "x/b"), deny("x/a", EXT)],
    ),
    scenario(
        "peer/egress-namespaceSelector-empty",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - namespaceSelector: {}
            """,
        ),
        [allow("x/a", "x/b"), allow("x/a", "y/a"), allow("x/a", "z/c"), deny("x/a", EXT)],
    ),
)

# A namespace referenced but never declared exists implicitly with only its name label.
IMPLICIT_WORLD = join(WORLD, pod("w/a", {"app": "a"}, ports=("http:80/TCP",), ip="10.0.4.1"))
PEERS += params(
    scenario(
        "peer/implicit-namespace-has-metadata-name",
        allow_x_a_from("p", "- namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: w}}"),
        [allow("w/a", "x/a"), deny("y/a", "x/a")],
        world=IMPLICIT_WORLD,
    ),
    scenario(
        "peer/implicit-namespace-has-no-other-labels",
        allow_x_a_from("p", "- namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}"),
        [allow("w/a", "x/a"), allow("z/a", "x/a"), deny("y/a", "x/a")],
        world=IMPLICIT_WORLD,
    ),
)


# --- "Ports": named ports -------------------------------------------------------------

NAMED_WORLD = join(
    namespace("x"),
    pod("x/cli", {"app": "cli"}, ports=("http:7070/TCP",), ip="10.0.1.10"),
    pod("x/srv1", {"app": "srv"}, ports=("http:8080/TCP", "dns:53/UDP"), ip="10.0.1.11"),
    pod("x/srv2", {"app": "srv"}, ports=("http:9090/TCP",), ip="10.0.1.12"),
    pod("x/srv3", {"app": "srv"}, ports=("web:8080/TCP",), ip="10.0.1.13"),
    pod("x/srv4", {"app": "srv"}, ports=("http:8080/UDP",), ip="10.0.1.14"),
)


def srv_ingress(ports: str) -> str:
    return netpol(
        "x/srv",
        f"podSelector: {{matchLabels: {{app: srv}}}}\npolicyTypes: [Ingress]\ningress:\n- ports:\n{_indent(ports)}\n",
    )


def cli_egress(rule: str) -> str:
    return netpol(
        "x/cli",
        f"podSelector: {{matchLabels: {{app: cli}}}}\npolicyTypes: [Egress]\negress:\n{_indent(rule)}\n",
    )


NAMED_PORTS = params(
    scenario(
        "named/ingress-resolved-per-destination-pod",
        srv_ingress("- port: http"),
        [
            allow("x/cli", "x/srv1", "8080/TCP"),
            deny("x/cli", "x/srv1", "80/TCP"),
            allow("x/cli", "x/srv2", "9090/TCP"),
            deny("x/cli", "x/srv2", "8080/TCP"),
            allow(EXT, "x/srv1", "8080/TCP"),
        ],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/ingress-absent-on-destination",
        srv_ingress("- port: http"),
        [deny("x/cli", "x/srv3", "8080/TCP"), deny("x/cli", "x/srv3", "7070/TCP")],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/ingress-not-resolved-on-source",
        srv_ingress("- port: http"),
        [deny("x/cli", "x/srv1", "7070/TCP"), deny("x/cli", "x/srv2", "7070/TCP")],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/ingress-wrong-protocol",
        srv_ingress("- port: http"),
        [deny("x/cli", "x/srv4", "8080/TCP"), deny("x/cli", "x/srv4", "8080/UDP")],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/ingress-UDP-named-port",
        srv_ingress("- {port: http, protocol: UDP}"),
        [
            allow("x/cli", "x/srv4", "8080/UDP"),
            deny("x/cli", "x/srv1", "8080/TCP"),
            deny("x/cli", "x/srv1", "8080/UDP"),
        ],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/ingress-dns-UDP",
        srv_ingress("- {port: dns, protocol: UDP}"),
        [allow("x/cli", "x/srv1", "53/UDP"), deny("x/cli", "x/srv1", "53/TCP"), deny("x/cli", "x/srv2", "53/UDP")],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/egress-resolved-per-destination-pod",
        cli_egress("- ports:\n  - port: http"),
        [
            allow("x/cli", "x/srv1", "8080/TCP"),
            allow("x/cli", "x/srv2", "9090/TCP"),
            deny("x/cli", "x/srv2", "8080/TCP"),
            deny("x/cli", "x/srv3", "8080/TCP"),
            deny("x/cli", "x/srv4", "8080/TCP"),
            deny("x/cli", "x/srv1", "7070/TCP"),
        ],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/egress-never-matches-external",
        cli_egress("- ports:\n  - port: http"),
        [deny("x/cli", EXT, "8080/TCP"), deny("x/cli", EXT, "7070/TCP"), deny("x/cli", EXT, "9090/TCP")],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/egress-ipBlock-to-pod-resolves-on-pod",
        cli_egress("- to:\n  - ipBlock: {cidr: 0.0.0.0/0}\n  ports:\n  - port: http"),
        [allow("x/cli", "x/srv1", "8080/TCP"), deny("x/cli", "x/srv3", "8080/TCP"), deny("x/cli", EXT, "8080/TCP")],
        world=NAMED_WORLD,
    ),
    scenario(
        "named/egress-numeric-control",
        cli_egress("- ports:\n  - port: 8080"),
        [allow("x/cli", EXT, "8080/TCP"), allow("x/cli", "x/srv3", "8080/TCP"), deny("x/cli", "x/srv2", "9090/TCP")],
        world=NAMED_WORLD,
    ),
)


# --- "Ports": numbers, ranges, protocols ------------------------------------------------


def x_a_ports(ports: str) -> str:
    """x/a admits every source on the given ports only."""
    return netpol(
        "x/ports",
        f"podSelector: {{matchLabels: {{app: a}}}}\npolicyTypes: [Ingress]\ningress:\n- ports:\n{_indent(ports)}\n",
    )


PORTS = params(
    scenario(
        "port/number",
        x_a_ports("- port: 80"),
        [allow("y/a", "x/a", "80/TCP"), deny("y/a", "x/a", "81/TCP"), deny("y/a", "x/a", "79/TCP")],
    ),
    scenario(
        "port/protocol-defaults-to-TCP",
        x_a_ports("- port: 53"),
        [allow("y/a", "x/a", "53/TCP"), deny("y/a", "x/a", "53/UDP"), deny("y/a", "x/a", "53/SCTP")],
    ),
    scenario(
        "port/endPort-range",
        x_a_ports("- {port: 8000, endPort: 8080}"),
        [
            deny("y/a", "x/a", "7999/TCP"),
            allow("y/a", "x/a", "8000/TCP"),
            allow("y/a", "x/a", "8001/TCP"),
            allow("y/a", "x/a", "8079/TCP"),
            allow("y/a", "x/a", "8080/TCP"),
            deny("y/a", "x/a", "8081/TCP"),
            deny("y/a", "x/a", "8000/UDP"),
        ],
    ),
    scenario(
        "port/endPort-equal-to-port",
        x_a_ports("- {port: 80, endPort: 80}"),
        [deny("y/a", "x/a", "79/TCP"), allow("y/a", "x/a", "80/TCP"), deny("y/a", "x/a", "81/TCP")],
    ),
    scenario(
        "port/endPort-full-range",
        x_a_ports("- {port: 1, endPort: 65535, protocol: UDP}"),
        [allow("y/a", "x/a", "1/UDP"), allow("y/a", "x/a", "65535/UDP"), deny("y/a", "x/a", "1/TCP")],
    ),
    scenario(
        "port/protocol-without-port-is-every-port",
        x_a_ports("- protocol: UDP"),
        [
            allow("y/a", "x/a", "53/UDP"),
            allow("y/a", "x/a", "1/UDP"),
            allow("y/a", "x/a", "65535/UDP"),
            deny("y/a", "x/a", "53/TCP"),
            deny("y/a", "x/a", "53/SCTP"),
        ],
    ),
    scenario(
        "port/SCTP-distinct",
        x_a_ports("- {port: 5432, protocol: SCTP}"),
        [allow("y/a", "x/a", "5432/SCTP"), deny("y/a", "x/a", "5432/TCP"), deny("y/a", "x/a", "5432/UDP")],
    ),
    scenario(
        "port/TCP-without-port-not-SCTP-or-UDP",
        x_a_ports("- protocol: TCP"),
        [allow("y/a", "x/a", "5432/TCP"), deny("y/a", "x/a", "5432/SCTP"), deny("y/a", "x/a", "5432/UDP")],
    ),
    scenario(
        "port/UDP-distinct",
        x_a_ports("- {port: 53, protocol: UDP}"),
        [allow("y/a", "x/a", "53/UDP"), deny("y/a", "x/a", "53/TCP"), deny("y/a", "x/a", "53/SCTP")],
    ),
    scenario(
        "port/several-specs-are-OR",
        x_a_ports("- {port: 53, protocol: UDP}\n- {port: 53, protocol: TCP}"),
        [
            allow("y/a", "x/a", "53/UDP"),
            allow("y/a", "x/a", "53/TCP"),
            deny("y/a", "x/a", "53/SCTP"),
            deny("y/a", "x/a", "54/UDP"),
        ],
    ),
    scenario(
        "port/egress-endPort",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            egress:
            - ports:
              - {port: 1000, endPort: 2000, protocol: UDP}
            """,
        ),
        [
            deny("x/a", EXT, "999/UDP"),
            allow("x/a", EXT, "1000/UDP"),
            allow("x/a", EXT, "2000/UDP"),
            deny("x/a", EXT, "2001/UDP"),
            deny("x/a", EXT, "1500/TCP"),
            allow("x/a", "y/b", "1500/UDP"),
        ],
    ),
)


# --- "Rules" ---------------------------------------------------------------------------


def x_a_ingress(rules: str) -> str:
    return netpol(
        "x/rules",
        f"podSelector: {{matchLabels: {{app: a}}}}\npolicyTypes: [Ingress]\ningress:\n{_indent(rules)}\n",
    )


RULES = params(
    scenario(
        "rule/from-without-ports-is-every-port",
        x_a_ingress("- from:\n  - podSelector: {matchLabels: {app: b}}"),
        [
            allow("x/b", "x/a", "1/TCP"),
            allow("x/b", "x/a", "65535/UDP"),
            allow("x/b", "x/a", "5432/SCTP"),
            deny("x/c", "x/a", "80/TCP"),
        ],
    ),
    scenario(
        "rule/ports-without-from-is-every-peer",
        x_a_ingress("- ports:\n  - port: 80"),
        [
            allow("x/b", "x/a"),
            allow("y/b", "x/a"),
            allow("z/c", "x/a"),
            allow(EXT, "x/a"),
            allow("2001:db8::1", "x/a"),
            deny("y/b", "x/a", "81/TCP"),
            deny(EXT, "x/a", "80/UDP"),
        ],
    ),
    scenario(
        "rule/empty-from-and-ports-lists-mean-all",
        x_a_ingress("- from: []\n  ports: []"),
        [allow("y/b", "x/a", "81/TCP"), allow(EXT, "x/a", "53/UDP")],
    ),
    scenario(
        "rule/from-AND-ports",
        x_a_ingress("- from:\n  - podSelector: {matchLabels: {app: b}}\n  ports:\n  - port: 80"),
        [allow("x/b", "x/a", "80/TCP"), deny("x/b", "x/a", "81/TCP"), deny("x/c", "x/a", "80/TCP")],
    ),
    scenario(
        "rule/two-rules-are-OR-not-crossed",
        x_a_ingress(
            "- from:\n  - podSelector: {matchLabels: {app: b}}\n  ports:\n  - port: 80\n"
            "- from:\n  - podSelector: {matchLabels: {app: c}}\n  ports:\n  - port: 81"
        ),
        [
            allow("x/b", "x/a", "80/TCP"),
            deny("x/b", "x/a", "81/TCP"),
            allow("x/c", "x/a", "81/TCP"),
            deny("x/c", "x/a", "80/TCP"),
        ],
    ),
    scenario(
        "rule/ingress-[{}]-allows-everything",
        x_a_ingress("- {}"),
        [allow("y/a", "x/a", "80/TCP"), allow("y/a", "x/a", "12345/UDP"), allow(EXT, "x/a", "5432/SCTP")],
    ),
    scenario(
        "rule/ingress-[]-allows-nothing",
        netpol("x/none", "podSelector: {matchLabels: {app: a}}\ningress: []\n"),
        [deny("y/a", "x/a"), deny("x/b", "x/a"), deny(EXT, "x/a"), allow("x/a", "y/a")],
    ),
    scenario(
        "rule/no-ingress-key-allows-nothing",
        netpol("x/none", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Ingress]\n"),
        [deny("y/a", "x/a"), deny("x/b", "x/a", "53/UDP"), deny(EXT, "x/a")],
    ),
    scenario(
        "rule/egress-[{}]-allows-everything",
        netpol("x/all-out", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\negress:\n- {}\n"),
        [allow("x/a", "y/a", "80/TCP"), allow("x/a", EXT, "9999/UDP"), allow("x/a", "z/b", "5432/SCTP")],
    ),
)


# --- "Policy types" --------------------------------------------------------------------

POLICY_TYPES = params(
    scenario(
        "types/egress-only-without-policyTypes-isolates-ingress-too",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            egress:
            - to:
              - podSelector: {}
            """,
        ),
        [
            deny("y/a", "x/a"),
            deny("x/b", "x/a"),
            deny(EXT, "x/a"),
            allow("x/a", "x/b"),
            deny("x/a", "y/a"),
            deny("x/a", EXT),
        ],
    ),
    scenario(
        "types/egress-[]-without-policyTypes-adds-no-Egress",
        netpol("x/out", "podSelector: {matchLabels: {app: a}}\negress: []\n"),
        [deny("y/a", "x/a"), allow("x/a", "y/a"), allow("x/a", EXT)],
    ),
    scenario(
        "types/empty-policyTypes-defaults-like-absent",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: []
            egress:
            - to:
              - podSelector: {}
            """,
        ),
        [deny("y/a", "x/a"), deny("x/a", "y/a"), allow("x/a", "x/b")],
    ),
    scenario(
        "types/only-podSelector-isolates-ingress-only",
        netpol("x/in", "podSelector: {matchLabels: {app: a}}\n"),
        [deny("y/a", "x/a"), allow("x/a", "y/a"), allow("x/a", EXT)],
    ),
    scenario(
        "types/explicit-Egress-without-rules-denies-all-egress",
        netpol("x/out", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\n"),
        [deny("x/a", "x/b"), deny("x/a", "y/a"), deny("x/a", EXT), allow("y/a", "x/a"), allow("x/b", "x/a")],
    ),
    scenario(
        "types/explicit-Ingress-without-rules-denies-all-ingress",
        netpol("x/in", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Ingress]\n"),
        [deny("y/a", "x/a"), deny(EXT, "x/a"), allow("x/a", "y/a")],
    ),
    scenario(
        "types/explicit-both-without-rules-denies-both",
        netpol("x/both", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Ingress, Egress]\n"),
        [deny("y/a", "x/a"), deny("x/a", "y/a"), deny("x/a", EXT), allow("y/a", "x/b")],
    ),
    scenario(
        "types/egress-rules-ignored-without-Egress-type",
        netpol(
            "x/in",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Ingress]
            ingress:
            - {}
            egress:
            - to:
              - podSelector: {matchLabels: {app: nope}}
            """,
        ),
        [allow("x/a", "y/a"), allow("x/a", EXT), allow("y/a", "x/a")],
    ),
    scenario(
        "types/ingress-rules-ignored-without-Ingress-type",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            ingress:
            - from:
              - podSelector: {matchLabels: {app: nope}}
            egress:
            - {}
            """,
        ),
        [allow("y/a", "x/a"), allow(EXT, "x/a"), allow("x/a", "y/a")],
    ),
)


# --- "Isolation and the verdict": union, both sides, loopback ---------------------------

ALLOW_B_80 = netpol(
    "x/allow-b",
    """
    podSelector: {matchLabels: {app: a}}
    ingress:
    - from:
      - podSelector: {matchLabels: {app: b}}
      ports:
      - port: 80
    """,
)
ALLOW_C_81 = netpol(
    "x/allow-c",
    """
    podSelector: {matchLabels: {app: a}}
    ingress:
    - from:
      - podSelector: {matchLabels: {app: c}}
      ports:
      - port: 81
    """,
)
DENY_ALL_X = netpol("x/deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]\n")
DENY_INGRESS_X = netpol("x/deny-ingress", "podSelector: {}\ningress: []\n")

TWINS_WORLD = join(
    namespace("x"),
    pod("x/twin1", {"app": "twin"}, ports=("http:80/TCP",), ip="10.0.1.1"),
    pod("x/twin2", {"app": "twin"}, ports=("http:80/TCP",), ip="10.0.1.2"),
)

VERDICT = params(
    scenario(
        "union/two-policies-add",
        (ALLOW_B_80, ALLOW_C_81),
        [
            allow("x/b", "x/a", "80/TCP"),
            deny("x/b", "x/a", "81/TCP"),
            allow("x/c", "x/a", "81/TCP"),
            deny("x/c", "x/a", "80/TCP"),
            deny("y/a", "x/a", "80/TCP"),
        ],
    ),
    scenario(
        "union/deny-all-then-allow",
        (DENY_INGRESS_X, ALLOW_B_80),
        [allow("x/b", "x/a"), deny("x/c", "x/a"), deny("x/a", "x/c"), deny("x/b", "x/a", "81/TCP")],
    ),
    scenario(
        "union/allow-then-deny-all-order-irrelevant",
        (ALLOW_B_80, DENY_INGRESS_X),
        [allow("x/b", "x/a"), deny("x/c", "x/a"), deny("x/a", "x/c"), deny("x/b", "x/a", "81/TCP")],
    ),
    scenario(
        "union/duplicate-deny-all-count-irrelevant",
        (DENY_INGRESS_X, ALLOW_B_80, netpol("x/deny-ingress-2", "podSelector: {}\npolicyTypes: [Ingress]\n")),
        [allow("x/b", "x/a"), deny("x/c", "x/a")],
    ),
    scenario(
        "union/policy-of-other-namespace-no-effect",
        netpol("y/deny", "podSelector: {}\npolicyTypes: [Ingress, Egress]\n"),
        [allow("z/a", "x/a"), allow("x/a", "z/a"), deny("x/a", "y/a"), deny("y/a", "x/a")],
    ),
    scenario(
        "verdict/egress-allows-ingress-denies",
        (
            netpol("x/out", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\negress:\n- {}\n"),
            netpol("y/in", "podSelector: {matchLabels: {app: b}}\npolicyTypes: [Ingress]\n"),
        ),
        [deny("x/a", "y/b"), allow("x/a", "y/a")],
    ),
    scenario(
        "verdict/ingress-allows-egress-denies",
        (
            netpol("x/out", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\n"),
            netpol("y/in", "podSelector: {matchLabels: {app: b}}\ningress:\n- {}\n"),
        ),
        [deny("x/a", "y/b"), allow("x/b", "y/b")],
    ),
    scenario(
        "verdict/both-sides-allow",
        (
            netpol(
                "x/out",
                """
                podSelector: {matchLabels: {app: a}}
                policyTypes: [Egress]
                egress:
                - to:
                  - namespaceSelector: {matchLabels: {team: beta}}
                    podSelector: {matchLabels: {app: b}}
                  ports:
                  - port: 80
                """,
            ),
            netpol(
                "y/in",
                """
                podSelector: {matchLabels: {app: b}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {team: alpha}}
                """,
            ),
        ),
        [
            allow("x/a", "y/b", "80/TCP"),
            deny("x/a", "y/b", "81/TCP"),
            allow("x/b", "y/b", "81/TCP"),
            deny("z/b", "y/b"),
            deny("x/a", "y/a"),
        ],
    ),
    scenario(
        "loopback/pod-to-itself-always",
        DENY_ALL_X,
        [
            allow("x/a", "x/a", "80/TCP"),
            allow("x/a", "x/a", "9999/UDP"),
            allow("x/a", "x/a", "5432/SCTP"),
            deny("x/a", "x/b"),
        ],
    ),
    scenario(
        "loopback/identical-twin-is-not-self",
        netpol("x/deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]\n"),
        [allow("x/twin1", "x/twin1"), deny("x/twin1", "x/twin2"), deny("x/twin2", "x/twin1")],
        world=TWINS_WORLD,
    ),
)


# --- "External endpoints" ---------------------------------------------------------------

EXTERNAL = params(
    scenario(
        "external/egress-judged-by-source-only",
        netpol("y/deny", "podSelector: {}\npolicyTypes: [Ingress]\n"),
        [allow("x/a", EXT), allow("x/a", "8.8.8.8", "53/UDP"), deny("x/a", "y/a")],
    ),
    scenario(
        "external/egress-isolated-source",
        netpol("x/out", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\n"),
        [deny("x/a", EXT), allow("x/b", EXT)],
    ),
    scenario(
        "external/ingress-judged-by-destination-only",
        netpol("y/deny", "podSelector: {}\npolicyTypes: [Egress]\n"),
        [allow(EXT, "x/a"), allow(EXT, "y/a"), deny("y/a", "x/a")],
    ),
    scenario(
        "external/ingress-isolated-destination",
        netpol("x/in", "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Ingress]\n"),
        [deny(EXT, "x/a"), allow(EXT, "x/b")],
    ),
    scenario(
        "external/egress-selector-peers-never-match",
        netpol(
            "x/out",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - namespaceSelector: {}
              - podSelector: {}
            """,
        ),
        [deny("x/a", EXT), deny("x/a", "10.0.1.200"), allow("x/a", "y/a")],
    ),
    scenario(
        "external/ingress-selector-peers-never-match",
        allow_x_a_from("p", "- namespaceSelector: {}\n- podSelector: {}"),
        [deny(EXT, "x/a"), deny("10.0.2.200", "x/a"), allow("y/c", "x/a")],
    ),
    scenario(
        "external/egress-rule-without-to",
        netpol(
            "x/dns",
            """
            podSelector: {}
            policyTypes: [Egress]
            egress:
            - ports:
              - {port: 53, protocol: UDP}
            """,
        ),
        [
            allow("x/a", "8.8.8.8", "53/UDP"),
            deny("x/a", "8.8.8.8", "53/TCP"),
            allow("x/a", "y/a", "53/UDP"),
            deny("x/a", "y/a", "80/TCP"),
        ],
    ),
)


# --- "Peers": ipBlock -------------------------------------------------------------------

IP_WORLD = join(
    WORLD,
    pod("y/noip", {"app": "noip"}, ports=("http:80/TCP",)),
    pod("x/dual", {"app": "dual"}, ports=("http:80/TCP",), ip=("10.0.9.1", "fd00::9:1")),
)


def ip_scenario(name: str, block: str, checks, direction: str = "ingress"):
    """x/a admits (ingress) or may reach (egress) only the given ipBlock, any port."""
    key = "from" if direction == "ingress" else "to"
    kind = "Ingress" if direction == "ingress" else "Egress"
    policy = netpol(
        "x/ipblock",
        f"podSelector: {{matchLabels: {{app: a}}}}\npolicyTypes: [{kind}]\n"
        f"{direction}:\n- {key}:\n  - ipBlock: {block}\n",
    )
    return scenario(name, policy, checks, world=IP_WORLD)


IPBLOCKS = params(
    ip_scenario(
        "ipBlock/cidr-and-except-edges",
        "{cidr: 192.168.0.0/16, except: [192.168.1.0/24]}",
        [
            allow("192.168.0.0", "x/a"),
            allow("192.168.255.255", "x/a"),
            deny("192.167.255.255", "x/a"),
            deny("192.169.0.0", "x/a"),
            allow("192.168.0.255", "x/a"),
            deny("192.168.1.0", "x/a"),
            deny("192.168.1.1", "x/a"),
            deny("192.168.1.255", "x/a"),
            allow("192.168.2.0", "x/a"),
        ],
    ),
    ip_scenario(
        "ipBlock/several-excepts",
        "{cidr: 172.16.0.0/12, except: [172.16.0.0/16, 172.31.255.0/24]}",
        [
            deny("172.15.255.255", "x/a"),
            deny("172.16.0.0", "x/a"),
            deny("172.16.255.255", "x/a"),
            allow("172.17.0.0", "x/a"),
            allow("172.31.254.255", "x/a"),
            deny("172.31.255.0", "x/a"),
            deny("172.31.255.255", "x/a"),
            deny("172.32.0.0", "x/a"),
        ],
    ),
    ip_scenario(
        "ipBlock/single-address",
        "{cidr: 198.51.100.7/32}",
        [allow("198.51.100.7", "x/a"), deny("198.51.100.6", "x/a"), deny("198.51.100.8", "x/a")],
    ),
    ip_scenario(
        "ipBlock/IPv6-cidr-and-except",
        "{cidr: '2001:db8::/32', except: ['2001:db8:1::/48']}",
        [
            allow("2001:db8::", "x/a"),
            allow("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "x/a"),
            allow("2001:db8:0:ffff::1", "x/a"),
            allow("2001:db8:2::", "x/a"),
            deny("2001:db8:1::", "x/a"),
            deny("2001:db8:1:ffff:ffff:ffff:ffff:ffff", "x/a"),
            deny("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "x/a"),
            deny("2001:db9::", "x/a"),
            deny("192.168.0.1", "x/a"),
        ],
    ),
    ip_scenario(
        "ipBlock/IPv4-any-does-not-match-IPv6",
        "{cidr: 0.0.0.0/0}",
        [allow("8.8.8.8", "x/a"), allow("0.0.0.0", "x/a"), allow("255.255.255.255", "x/a"), deny("2001:db8::1", "x/a")],
    ),
    ip_scenario(
        "ipBlock/IPv6-any-does-not-match-IPv4",
        "{cidr: '::/0'}",
        [allow("2001:db8::1", "x/a"), deny("8.8.8.8", "x/a")],
    ),
    ip_scenario(
        "ipBlock/matches-pod-IPs",
        "{cidr: 10.0.2.0/24, except: [10.0.2.2/32]}",
        [
            allow("y/a", "x/a"),
            deny("y/b", "x/a"),
            allow("y/c", "x/a"),
            deny("z/a", "x/a"),
            deny("x/b", "x/a"),
            allow("10.0.2.200", "x/a"),
        ],
    ),
    ip_scenario(
        "ipBlock/ignores-pods-when-switched-off",
        "{cidr: 10.0.2.0/24, except: [10.0.2.2/32]}",
        [
            deny("y/a", "x/a", ipblock_matches_pods=False),
            deny("y/c", "x/a", ipblock_matches_pods=False),
            allow("10.0.2.200", "x/a", ipblock_matches_pods=False),
        ],
    ),
    ip_scenario(
        "ipBlock/pod-without-IP-never-matches",
        "{cidr: 0.0.0.0/0}",
        [deny("y/noip", "x/a"), allow("y/a", "x/a"), deny("y/noip", "x/a", ipblock_matches_pods=False)],
    ),
    ip_scenario(
        "ipBlock/dual-stack-pod-matched-by-IPv6",
        "{cidr: 'fd00::/64'}",
        [allow("x/dual", "x/a"), deny("y/a", "x/a")],
    ),
    ip_scenario(
        "ipBlock/dual-stack-pod-matched-by-IPv4",
        "{cidr: 10.0.9.0/24}",
        [allow("x/dual", "x/a"), deny("x/dual", "x/a", ipblock_matches_pods=False)],
    ),
    ip_scenario(
        "ipBlock/egress-to-pods-and-externals",
        "{cidr: 10.0.2.0/24}",
        [
            allow("x/a", "y/a"),
            deny("x/a", "y/a", ipblock_matches_pods=False),
            deny("x/a", "y/noip"),
            deny("x/a", "z/a"),
            allow("x/a", "10.0.2.99"),
            allow("x/a", "10.0.2.99", ipblock_matches_pods=False),
            deny("x/a", "10.0.3.99"),
        ],
        direction="egress",
    ),
    scenario(
        "ipBlock/egress-internet-except-private",
        netpol(
            "x/internet",
            """
            podSelector: {matchLabels: {app: a}}
            policyTypes: [Egress]
            egress:
            - to:
              - ipBlock:
                  cidr: 0.0.0.0/0
                  except: [10.0.0.0/8]
              ports:
              - {port: 443, protocol: TCP}
            """,
        ),
        [
            allow("x/a", "8.8.8.8", "443/TCP"),
            deny("x/a", "8.8.8.8", "80/TCP"),
            deny("x/a", "8.8.8.8", "443/UDP"),
            deny("x/a", "10.200.0.1", "443/TCP"),
            deny("x/a", "x/b", "443/TCP"),
            deny("x/a", "y/noip", "443/TCP"),
            allow("x/a", "11.0.0.0", "443/TCP"),
            allow("x/a", "9.255.255.255", "443/TCP"),
        ],
        world=IP_WORLD,
    ),
)


# --- Host-network pods ------------------------------------------------------------------

HOST_WORLD = join(
    WORLD,
    pod("x/h", {"app": "a", "tier": "web"}, ports=("http:80/TCP",), ip="192.168.50.10", host_network=True),
    pod("y/h", {"app": "a", "tier": "web"}, ports=("http:80/TCP",), ip="192.168.50.11", host_network=True),
)

HOST_NETWORK = params(
    scenario(
        "hostNetwork/never-isolated",
        DENY_ALL_X,
        [allow("y/a", "x/h"), allow("x/h", "y/a"), allow(EXT, "x/h"), allow("x/h", EXT), deny("x/h", "x/a")],
        world=HOST_WORLD,
    ),
    scenario(
        "hostNetwork/not-matched-by-namespaceSelector",
        netpol(
            "y/in",
            "podSelector: {matchLabels: {app: a}}\ningress:\n- from:\n  - namespaceSelector: {}\n",
        ),
        [allow("x/a", "y/a"), deny("x/h", "y/a"), deny("y/h", "y/a")],
        world=HOST_WORLD,
    ),
    scenario(
        "hostNetwork/not-matched-by-podSelector",
        netpol(
            "y/in",
            "podSelector: {matchLabels: {app: a}}\ningress:\n- from:\n  - podSelector: {}\n",
        ),
        [allow("y/b", "y/a"), deny("y/h", "y/a")],
        world=HOST_WORLD,
    ),
    scenario(
        "hostNetwork/not-matched-by-egress-selector",
        netpol(
            "x/out",
            "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\negress:\n- to:\n  - namespaceSelector: {}\n",
        ),
        [allow("x/a", "y/b"), deny("x/a", "x/h"), deny("x/a", "y/h")],
        world=HOST_WORLD,
    ),
    scenario(
        "hostNetwork/matched-by-ipBlock",
        (
            netpol(
                "y/in",
                "podSelector: {matchLabels: {app: a}}\ningress:\n- from:\n  - ipBlock: {cidr: 192.168.50.0/24}\n",
            ),
            netpol(
                "x/out",
                "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Egress]\n"
                "egress:\n- to:\n  - ipBlock: {cidr: 192.168.50.10/32}\n",
            ),
        ),
        [
            allow("x/h", "y/a"),
            deny("x/b", "y/a"),
            allow("x/a", "x/h"),
            deny("x/a", "y/h"),
            # Its IP is a node address, so --ipblock-ignores-pods does not apply to it.
            allow("x/h", "y/a", ipblock_matches_pods=False),
            allow("x/a", "x/h", ipblock_matches_pods=False),
            deny("x/b", "y/a", ipblock_matches_pods=False),
        ],
        world=HOST_WORLD,
    ),
)


ALL = SELECTORS + PEERS + NAMED_PORTS + PORTS + RULES + POLICY_TYPES + VERDICT + EXTERNAL + IPBLOCKS + HOST_NETWORK


@pytest.mark.parametrize(("text", "check"), ALL)
def test_semantics(text, check) -> None:
    """The table's answer is the reference's, evaluate's and reach's."""
    judge(text, check)
