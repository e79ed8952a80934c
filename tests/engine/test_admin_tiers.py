"""The admin tiers, as tables of flows: AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy.

Per direction, on the pod whose side it is: the Admin tier (ANP and CNP tier
Admin, by priority then name; in a policy the first rule whose peers and ports
match decides; Allow/Accept and Deny are final, Pass leaves the tier), then
NetworkPolicies (final when one isolates the pod), then the Baseline tier (BANP
and CNP tier Baseline; Pass goes to the default), then allow.

Every row is judged by the reference, ``engine.evaluate`` and (pod pairs)
``engine.reach``; see ``_world`` for the world: namespaces x (team=alpha),
y (team=beta), z; pods a/b/c in each at 10.0.{1,2,3}.{1,2,3}, every pod with
http:80/TCP and dns:53/UDP. Then the verdicts' reasons (basis and steps).
"""

from __future__ import annotations

import textwrap

import pytest

from podwall.model import Tier

from ._world import WORLD, allow, deny, endpoint, join, judge, load, netpol, pod, scenario

engine = pytest.importorskip("podwall.engine")
Basis = engine.Basis

EXT = "203.0.113.9"  # outside every pod
OTHER_EXT = "198.51.100.7"

ADMIN_API = "policy.networking.k8s.io/v1alpha1"
CLUSTER_API = "policy.networking.k8s.io/v1alpha2"


def _body(spec: str) -> str:
    return textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")


def anp(name: str, priority: int, spec: str) -> str:
    """An AdminNetworkPolicy; ``spec`` is the body of ``spec:`` after ``priority``."""
    return (
        f"apiVersion: {ADMIN_API}\nkind: AdminNetworkPolicy\nmetadata:\n  name: {name}\n"
        f"spec:\n  priority: {priority}\n{_body(spec)}\n"
    )


def banp(spec: str, name: str = "default") -> str:
    """The BaselineAdminNetworkPolicy (always named ``default``)."""
    return (
        f"apiVersion: {ADMIN_API}\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: {name}\n"
        f"spec:\n{_body(spec)}\n"
    )


def cnp(name: str, tier: str, priority: int, spec: str) -> str:
    """A ClusterNetworkPolicy (v1alpha2) of tier Admin or Baseline."""
    return (
        f"apiVersion: {CLUSTER_API}\nkind: ClusterNetworkPolicy\nmetadata:\n  name: {name}\n"
        f"spec:\n  tier: {tier}\n  priority: {priority}\n{_body(spec)}\n"
    )


def ns_is(name: str) -> str:
    return f'{{matchLabels: {{kubernetes.io/metadata.name: "{name}"}}}}'


SUBJECT_X = f"subject:\n  namespaces: {ns_is('x')}"
SUBJECT_Y = f"subject:\n  namespaces: {ns_is('y')}"
SUBJECT_X_A = f"subject:\n  pods:\n    namespaceSelector: {ns_is('x')}\n    podSelector: {{matchLabels: {{app: a}}}}"


def ingress_x(*rules: str, name: str = "r", priority: int = 10, subject: str = SUBJECT_X) -> str:
    """An ANP whose subject is namespace x (by default) with the given ingress ``rule``s."""
    return anp(name, priority, f"{subject}\ningress:\n" + "\n".join(rules))


def rule(
    action: str, peers: str, ports: str = "", *, key: str = "from", ports_key: str = "ports", name: str = ""
) -> str:
    """One admin rule as YAML list item text; ``peers``/``ports`` are YAML list bodies."""
    lines = []
    if name:
        lines.append(f"- name: {name}\n  action: {action}")
    else:
        lines.append(f"- action: {action}")
    lines.append(f"  {key}:\n{textwrap.indent(textwrap.dedent(peers).strip(chr(10)), '  ')}")
    if ports:
        lines.append(f"  {ports_key}:\n{textwrap.indent(textwrap.dedent(ports).strip(chr(10)), '  ')}")
    return "\n".join(lines)


FROM_Y = f"- namespaces: {ns_is('y')}"
FROM_Z = f"- namespaces: {ns_is('z')}"
FROM_ALL = "- namespaces: {}"
FROM_Y_A = f"- pods:\n    namespaceSelector: {ns_is('y')}\n    podSelector: {{matchLabels: {{app: a}}}}"

NP_DENY_X = netpol("x/deny-all", "podSelector: {}\npolicyTypes: [Ingress]\n")
NP_ALLOW_ALL_X = netpol("x/allow-all", "podSelector: {}\npolicyTypes: [Ingress]\ningress:\n- {}\n")
NP_ALLOW_Y_TO_X_A = netpol(
    "x/a-from-y",
    "podSelector: {matchLabels: {app: a}}\npolicyTypes: [Ingress]\ningress:\n"
    f"- from:\n  - namespaceSelector: {ns_is('y')}\n",
)


def params(*scenarios):
    return [p for s in scenarios for p in s]


# --- Admin tier: order -------------------------------------------------------------

ORDER = params(
    scenario(
        "order/lower-priority-number-first-allow-wins",
        (
            ingress_x(rule("Deny", FROM_Y), name="deny-y", priority=20),
            ingress_x(rule("Allow", FROM_Y), name="allow-y", priority=10),
            NP_DENY_X,
        ),
        [allow("y/a", "x/a"), allow("y/b", "x/c"), deny("z/a", "x/a")],
    ),
    scenario(
        "order/lower-priority-number-first-deny-wins",
        (
            ingress_x(rule("Deny", FROM_Y), name="deny-y", priority=10),
            ingress_x(rule("Allow", FROM_Y), name="allow-y", priority=20),
        ),
        [deny("y/a", "x/a"), deny("y/b", "x/c"), allow("z/a", "x/a")],
    ),
    scenario(
        "order/equal-priority-name-decides",
        (
            ingress_x(rule("Deny", FROM_Y), name="b-deny", priority=10),
            ingress_x(rule("Allow", FROM_Y), name="a-allow", priority=10),
            NP_DENY_X,
        ),
        [allow("y/a", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "order/priority-not-name",
        (
            ingress_x(rule("Deny", FROM_Y), name="a-deny", priority=11),
            ingress_x(rule("Allow", FROM_Y), name="b-allow", priority=10),
            NP_DENY_X,
        ),
        [allow("y/a", "x/a")],
    ),
    scenario(
        "order/first-match-wins-in-policy-deny-first",
        ingress_x(rule("Deny", FROM_Y_A), rule("Allow", FROM_Y)),
        [deny("y/a", "x/a"), allow("y/b", "x/a"), allow("y/c", "x/b")],
    ),
    scenario(
        "order/first-match-wins-in-policy-allow-first",
        (ingress_x(rule("Allow", FROM_Y), rule("Deny", FROM_Y_A)), NP_DENY_X),
        [allow("y/a", "x/a"), allow("y/b", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "order/non-matching-port-skips-rule",
        (
            ingress_x(rule("Deny", FROM_Y, "- portNumber: {protocol: UDP, port: 53}"), rule("Allow", FROM_ALL)),
            NP_DENY_X,
        ),
        [deny("y/a", "x/a", "53/UDP"), allow("y/a", "x/a", "80/TCP"), allow("z/a", "x/a", "53/UDP")],
    ),
    scenario(
        "order/subject-not-selected-policy-skipped",
        (ingress_x(rule("Deny", FROM_Y), name="deny-y", subject=SUBJECT_X_A),),
        [deny("y/a", "x/a"), allow("y/a", "x/b"), allow("y/a", "z/a")],
    ),
    scenario(
        "order/ANP-and-CNP-admin-share-one-order",
        (
            ingress_x(rule("Allow", FROM_Y), name="anp-allow", priority=10),
            cnp("cnp-deny", "Admin", 5, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_Y)}"),
        ),
        [deny("y/a", "x/a"), allow("z/a", "x/a")],
    ),
    scenario(
        "order/CNP-admin-after-ANP",
        (
            ingress_x(rule("Allow", FROM_Y), name="anp-allow", priority=10),
            cnp("cnp-deny", "Admin", 15, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}"),
        ),
        [allow("y/a", "x/a"), deny("z/a", "x/a"), deny("x/b", "x/a"), allow("z/a", "y/a")],
    ),
)


# --- Admin tier against NetworkPolicies -------------------------------------------------

VS_NETPOL = params(
    scenario(
        "np/admin-deny-beats-np-allow",
        (ingress_x(rule("Deny", FROM_Y)), NP_ALLOW_ALL_X),
        [deny("y/a", "x/a"), deny("y/b", "x/b"), allow("z/a", "x/a"), allow(EXT, "x/a")],
    ),
    scenario(
        "np/admin-allow-beats-np-deny",
        (ingress_x(rule("Allow", FROM_Y)), NP_DENY_X),
        [allow("y/a", "x/a"), allow("y/c", "x/b"), deny("z/a", "x/a"), deny(EXT, "x/a")],
    ),
    scenario(
        "np/pass-falls-through-to-np-deny",
        (ingress_x(rule("Pass", FROM_Y)), NP_DENY_X),
        [deny("y/a", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "np/pass-falls-through-to-np-allow",
        (
            ingress_x(rule("Pass", FROM_Y)),
            ingress_x(rule("Deny", FROM_ALL), name="later-deny", priority=20),
            NP_ALLOW_Y_TO_X_A,
        ),
        # x/b is not isolated: Pass skipped later-deny, nothing in the Baseline tier, default allow
        [allow("y/a", "x/a"), deny("z/a", "x/a"), allow("y/a", "x/b"), deny("x/b", "x/a")],
    ),
    scenario(
        "np/pass-skips-remaining-admin-policies",
        (
            ingress_x(rule("Pass", FROM_Y), name="pass-y", priority=1),
            ingress_x(rule("Allow", FROM_ALL), name="allow-all", priority=2),
            NP_DENY_X,
        ),
        [deny("y/a", "x/a"), allow("z/a", "x/a")],
    ),
    scenario(
        "np/pass-np-not-isolating-baseline-deny",
        (
            ingress_x(rule("Pass", FROM_Y)),
            ingress_x(rule("Allow", FROM_ALL), name="later-allow", priority=20),
            banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}"),
        ),
        [deny("y/a", "x/a"), allow("z/a", "x/a"), allow("y/a", "z/a")],
    ),
    scenario(
        "np/pass-np-not-isolating-no-baseline-rule-default-allow",
        (ingress_x(rule("Pass", FROM_Y)), banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_Z)}")),
        [allow("y/a", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "np/baseline-only-when-no-np-isolates",
        (banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}"), NP_ALLOW_Y_TO_X_A),
        [allow("y/a", "x/a"), deny("z/a", "x/a"), deny("y/a", "x/b"), deny("x/a", "x/b"), allow(EXT, "x/b")],
    ),
    scenario(
        "np/baseline-allow-does-not-undo-np-deny",
        (banp(f"{SUBJECT_X}\ningress:\n{rule('Allow', FROM_ALL)}"), NP_DENY_X),
        [deny("y/a", "x/a"), deny("x/b", "x/a")],
    ),
    scenario(
        "np/egress-isolation-does-not-stop-ingress-baseline",
        (
            banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_Y)}"),
            netpol("x/egress-only", "podSelector: {}\npolicyTypes: [Egress]\negress:\n- {}\n"),
        ),
        [deny("y/a", "x/a"), allow("x/a", "y/a")],
    ),
)


# --- Baseline tier ---------------------------------------------------------------------

BASELINE = params(
    scenario(
        "baseline/BANP-deny-vs-default-allow",
        banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_Y)}"),
        [deny("y/a", "x/a"), deny("y/c", "x/b"), allow("z/a", "x/a"), allow("y/a", "z/a"), allow("x/a", "y/a")],
    ),
    scenario(
        "baseline/BANP-first-match-wins",
        banp(f"{SUBJECT_X}\ningress:\n{rule('Allow', FROM_Y_A)}\n{rule('Deny', FROM_ALL)}"),
        [allow("y/a", "x/a"), deny("y/b", "x/a"), deny("x/b", "x/a"), allow(EXT, "x/a")],
    ),
    scenario(
        "baseline/BANP-egress",
        banp(f"{SUBJECT_X}\negress:\n{rule('Deny', FROM_Z, key='to')}"),
        [deny("x/a", "z/a"), allow("x/a", "y/a"), allow("z/a", "x/a")],
    ),
    scenario(
        "baseline/admin-allow-beats-baseline-deny",
        (ingress_x(rule("Allow", FROM_Y_A)), banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}")),
        [allow("y/a", "x/a"), deny("y/b", "x/a")],
    ),
)


# --- ClusterNetworkPolicy (v1alpha2): Accept, tiers -------------------------------------

CNP = params(
    scenario(
        "cnp/admin-accept-beats-np-deny",
        (cnp("accept-y", "Admin", 10, f"{SUBJECT_X}\ningress:\n{rule('Accept', FROM_Y)}"), NP_DENY_X),
        [allow("y/a", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "cnp/admin-deny-beats-np-allow",
        (cnp("deny-y", "Admin", 10, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_Y)}"), NP_ALLOW_ALL_X),
        [deny("y/a", "x/a"), allow("z/a", "x/a")],
    ),
    scenario(
        "cnp/admin-pass-to-baseline-accept-overrides-baseline-deny-order",
        (
            cnp("pass-y", "Admin", 10, f"{SUBJECT_X}\ningress:\n{rule('Pass', FROM_Y)}"),
            cnp("b1-accept-y-a", "Baseline", 1, f"{SUBJECT_X}\ningress:\n{rule('Accept', FROM_Y_A)}"),
            cnp("b2-deny-all", "Baseline", 2, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}"),
        ),
        [allow("y/a", "x/a"), deny("y/b", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        "cnp/baseline-deny-vs-default-allow",
        cnp("deny-y", "Baseline", 10, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_Y)}"),
        [deny("y/a", "x/a"), allow("z/a", "x/a")],
    ),
    scenario(
        "cnp/baseline-only-when-no-np-isolates",
        (cnp("deny-all", "Baseline", 10, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}"), NP_ALLOW_Y_TO_X_A),
        [allow("y/a", "x/a"), deny("y/a", "x/b"), deny("z/a", "x/a")],
    ),
    scenario(
        "cnp/baseline-pass-goes-to-default",
        (
            cnp("a-pass-y", "Baseline", 5, f"{SUBJECT_X}\ningress:\n{rule('Pass', FROM_Y)}"),
            cnp("b-deny-all", "Baseline", 5, f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}"),
        ),
        [allow("y/a", "x/a"), deny("z/a", "x/a")],
    ),
    scenario(
        # The v1alpha2 CRD refuses an empty "tcp: {}" (minProperties 1): every TCP port is the full range.
        "cnp/protocols-tcp-full-range-is-every-tcp-port",
        cnp(
            "deny-tcp", "Admin", 1, f"{SUBJECT_X}\ningress:\n"
            + rule("Deny", FROM_Y, "- tcp: {destinationPort: {range: {start: 1, end: 65535}}}", ports_key="protocols")
        ),
        [
            deny("y/a", "x/a", "80/TCP"),
            deny("y/a", "x/a", "1/TCP"),
            deny("y/a", "x/a", "65535/TCP"),
            allow("y/a", "x/a", "53/UDP"),
        ],
    ),
    scenario(
        "cnp/protocols-number-and-range",
        cnp(
            "deny-some",
            "Admin",
            1,
            f"{SUBJECT_X}\ningress:\n"
            + rule(
                "Deny",
                FROM_Y,
                "- udp: {destinationPort: {number: 53}}\n- tcp: {destinationPort: {range: {start: 8000, end: 8100}}}",
                ports_key="protocols",
            ),
        ),
        [
            deny("y/a", "x/a", "53/UDP"),
            allow("y/a", "x/a", "53/TCP"),
            deny("y/a", "x/a", "8000/TCP"),
            deny("y/a", "x/a", "8100/TCP"),
            allow("y/a", "x/a", "8101/TCP"),
            allow("y/a", "x/a", "7999/TCP"),
            allow("y/a", "x/a", "8050/UDP"),
        ],
    ),
)


# --- ports: numbers, ranges, named ports in any protocol --------------------------------

NAMED_WORLD = join(
    WORLD,
    pod("z/t", {"app": "t"}, ports=("dns:5353/TCP", "web:8080/TCP"), ip="10.0.3.20"),
    pod("z/s", {"app": "s"}, ports=("dns:5353/SCTP",), ip="10.0.3.21"),
)

PORTS = params(
    scenario(
        "ports/portNumber-default-TCP",
        ingress_x(rule("Deny", FROM_Y, "- portNumber: {port: 80}")),
        [deny("y/a", "x/a", "80/TCP"), allow("y/a", "x/a", "80/UDP"), allow("y/a", "x/a", "53/UDP")],
    ),
    scenario(
        "ports/portRange-inclusive",
        ingress_x(rule("Deny", FROM_Y, "- portRange: {protocol: UDP, start: 50, end: 53}")),
        [
            deny("y/a", "x/a", "50/UDP"),
            deny("y/a", "x/a", "53/UDP"),
            allow("y/a", "x/a", "54/UDP"),
            allow("y/a", "x/a", "53/TCP"),
        ],
    ),
    scenario(
        "ports/no-ports-is-every-port",
        ingress_x(rule("Deny", FROM_Y)),
        [deny("y/a", "x/a", "80/TCP"), deny("y/a", "x/a", "53/UDP"), deny("y/a", "x/a", "5432/SCTP")],
    ),
    scenario(
        "ports/namedPort-any-protocol",
        anp("deny-dns", 1, f"subject:\n  namespaces: {{}}\ningress:\n{rule('Deny', FROM_Y, '- namedPort: dns')}"),
        [
            deny("y/a", "x/a", "53/UDP"),  # dns is 53/UDP on the world's pods
            allow("y/a", "x/a", "53/TCP"),
            allow("y/a", "x/a", "5353/TCP"),
            deny("y/a", "z/t", "5353/TCP"),  # ... and 5353/TCP on z/t
            allow("y/a", "z/t", "53/UDP"),
            allow("y/a", "z/t", "5353/UDP"),
            deny("y/a", "z/s", "5353/SCTP"),  # ... and 5353/SCTP on z/s
            allow("y/a", "x/a", "80/TCP"),
        ],
        world=NAMED_WORLD,
    ),
    scenario(
        "ports/destinationNamedPort-any-protocol",
        cnp(
            "deny-dns",
            "Admin",
            1,
            "subject:\n  namespaces: {}\ningress:\n"
            + rule("Deny", FROM_Y, "- destinationNamedPort: dns", ports_key="protocols"),
        ),
        [
            deny("y/a", "x/a", "53/UDP"),
            deny("y/a", "z/t", "5353/TCP"),
            deny("y/a", "z/s", "5353/SCTP"),
            allow("y/a", "z/t", "53/UDP"),
        ],
        world=NAMED_WORLD,
    ),
    scenario(
        "ports/namedPort-egress-resolved-on-destination",
        anp("deny-web", 1, f"{SUBJECT_Y}\negress:\n{rule('Deny', '- namespaces: {}', '- namedPort: web', key='to')}"),
        [deny("y/a", "z/t", "8080/TCP"), allow("y/a", "x/a", "8080/TCP"), allow("z/t", "y/a", "8080/TCP")],
        world=NAMED_WORLD,
    ),
)
# A named port beside a networks peer is refused by the CRDs' CEL rule (tests/loader/test_admin.py), so
# "a named port never matches an external address" has no valid policy to show it.


# --- peers: networks for egress, ingress peers and external sources -----------------------

PEERS = params(
    scenario(
        "peers/networks-egress-to-external",
        anp("deny-out", 1, f"{SUBJECT_X}\negress:\n{rule('Deny', '- networks: [203.0.113.0/24]', key='to')}"),
        [deny("x/a", EXT), allow("x/a", OTHER_EXT), allow("x/a", "y/a"), allow("y/a", EXT)],
    ),
    scenario(
        "peers/networks-accept-beats-np-egress-deny",
        (
            cnp(
                "out",
                "Admin",
                1,
                f"{SUBJECT_X}\negress:\n" + rule("Accept", "- networks: [203.0.113.0/24, 10.0.2.0/24]", key="to"),
            ),
            netpol("x/no-egress", "podSelector: {}\npolicyTypes: [Egress]\n"),
        ),
        [
            allow("x/a", EXT),
            deny("x/a", OTHER_EXT),
            allow("x/a", "y/a"),  # 10.0.2.1 lies in the network
            deny("x/a", "y/a", ipblock_matches_pods=False),
            deny("x/a", "z/a"),
        ],
    ),
    scenario(
        "peers/networks-match-pod-ips-when-switched-on",
        anp("deny-y-net", 1, f"{SUBJECT_X}\negress:\n{rule('Deny', '- networks: [10.0.2.0/24]', key='to')}"),
        [
            deny("x/a", "y/a"),
            deny("x/a", "y/c"),
            allow("x/a", "z/a"),
            allow("x/a", "y/a", ipblock_matches_pods=False),
        ],
    ),
    scenario(
        "peers/BANP-networks-egress-deny-everything-outside",
        banp(f"{SUBJECT_X}\negress:\n{rule('Deny', '- networks: [0.0.0.0/0]', key='to')}"),
        [deny("x/a", EXT), deny("x/a", "y/a"), allow("x/a", "y/a", ipblock_matches_pods=False), allow("y/a", EXT)],
    ),
    scenario(
        "peers/ingress-namespaces-never-match-external",
        (ingress_x(rule("Deny", FROM_ALL)), banp(f"{SUBJECT_X}\ningress:\n{rule('Deny', FROM_ALL)}")),
        [allow(EXT, "x/a"), allow(OTHER_EXT, "x/b"), deny("y/a", "x/a"), deny("x/b", "x/a")],
    ),
    scenario(
        "peers/ingress-pods-never-match-external",
        ingress_x(rule("Deny", "- pods:\n    namespaceSelector: {}\n    podSelector: {}")),
        [allow(EXT, "x/a"), deny("z/c", "x/a")],
    ),
    scenario(
        "peers/egress-namespaces-never-match-external",
        anp("deny-all-pods", 1, f"{SUBJECT_X}\negress:\n{rule('Deny', FROM_ALL, key='to')}"),
        [allow("x/a", EXT), deny("x/a", "y/a"), deny("x/a", "x/b")],
    ),
    scenario(
        "peers/pods-is-namespace-AND-pod",
        ingress_x(rule("Deny", FROM_Y_A)),
        [deny("y/a", "x/a"), allow("y/b", "x/a"), allow("z/a", "x/a")],
    ),
    scenario(
        "peers/nodes-and-domainNames-match-nothing",
        anp(
            "unevaluated",
            1,
            f"{SUBJECT_X}\negress:\n"
            + rule("Deny", "- nodes: {matchLabels: {role: worker}}", key="to")
            + "\n"
            + rule("Deny", "- domainNames: ['*.example.com']", key="to"),
        ),
        [allow("x/a", "y/a"), allow("x/a", EXT)],
    ),
    scenario(
        "peers/host-network-pod-neither-subject-nor-selector-peer",
        (
            anp(
                "deny-all",
                1,
                "subject:\n  namespaces: {}\n"
                + f"ingress:\n{rule('Deny', FROM_ALL)}\negress:\n{rule('Deny', FROM_ALL, key='to')}",
            ),
            banp(f"subject:\n  namespaces: {{}}\ningress:\n{rule('Deny', FROM_ALL)}"),
        ),
        [allow("x/h", "z/h"), allow("x/a", "z/h"), allow("x/h", "x/a"), deny("x/a", "y/a"), deny("z/b", "x/c")],
        world=join(
            WORLD,
            pod("x/h", {"app": "a"}, ports=("http:80/TCP",), ip="192.168.50.10", host_network=True),
            pod("z/h", {"app": "a"}, ports=("http:80/TCP",), ip="192.168.50.11", host_network=True),
        ),
    ),
)


ALL = ORDER + VS_NETPOL + BASELINE + CNP + PORTS + PEERS


@pytest.mark.parametrize(("text", "check"), ALL)
def test_admin_tiers(text, check) -> None:
    judge(text, check)


# --- reasons: basis and steps -------------------------------------------------------------

REASONS = join(
    WORLD,
    anp(
        "first",
        10,
        f"{SUBJECT_X}\ningress:\n"
        + rule("Deny", FROM_Y_A, name="no-y-a")
        + "\n"
        + rule("Pass", FROM_Y, name="y-to-np")
        + "\n"
        + rule("Allow", FROM_Z, "- portNumber: {protocol: UDP, port: 53}"),
    ),
    anp(
        "second",
        20,
        f"{SUBJECT_X}\ningress:\n{rule('Allow', FROM_ALL, name='rest')}\negress:\n{rule('Pass', FROM_ALL, key='to')}",
    ),
    cnp(
        "third",
        "Admin",
        30,
        f"{SUBJECT_Y}\negress:\n" + rule("Accept", "- networks: [203.0.113.0/24]", key="to", name="out"),
    ),
    banp(
        f"subject:\n  namespaces: {{}}\ningress:\n"
        + rule("Allow", FROM_Z, name="from-z")
        + "\n"
        + rule("Deny", FROM_Y, name="from-y")
        + f"\negress:\n{rule('Deny', '- networks: [198.51.100.0/24]', key='to', name='no-doc')}"
    ),
    cnp(
        "late",
        "Baseline",
        5,
        f"{SUBJECT_Y}\negress:\n" + rule("Pass", "- networks: [192.0.2.0/24]", key="to", name="test-net"),
    ),
    NP_ALLOW_Y_TO_X_A,
)

ANP_FIRST = ("ANP first priority 10", "AdminNetworkPolicy/first")
ANP_SECOND = ("ANP second priority 20", "AdminNetworkPolicy/second")
CNP_THIRD = ("CNP Admin third priority 30", "ClusterNetworkPolicy/third")
BANP_DEFAULT = ("BANP default", "BaselineAdminNetworkPolicy/default")
CNP_LATE = ("CNP Baseline late priority 5", "ClusterNetworkPolicy/late")

# (src, dst, probe, allowed, (egress basis, egress steps), (ingress basis, ingress steps))
# a step is (label, key, rule index, rule name, action)
REASON_CASES = [
    pytest.param(
        "y/a", "x/a", "80/TCP", False,
        (Basis.NOT_ISOLATED, []),
        (Basis.ADMIN_DENY, [(*ANP_FIRST, 0, "no-y-a", "Deny")]),
        id="admin-deny-first-rule",
    ),
    pytest.param(
        "y/b", "x/a", "80/TCP", True,
        (Basis.NOT_ISOLATED, []),
        (Basis.RULE, [(*ANP_FIRST, 1, "y-to-np", "Pass")]),
        id="pass-then-np-rule",
    ),
    pytest.param(
        "y/b", "x/b", "80/TCP", False,
        (Basis.NOT_ISOLATED, []),
        (Basis.BASELINE_DENY, [(*ANP_FIRST, 1, "y-to-np", "Pass"), (*BANP_DEFAULT, 1, "from-y", "Deny")]),
        id="pass-np-not-isolating-then-baseline-deny",
    ),
    pytest.param(
        "z/a", "x/b", "53/UDP", True,
        (Basis.NOT_ISOLATED, []),
        (Basis.ADMIN_ALLOW, [(*ANP_FIRST, 2, "", "Allow")]),
        id="admin-allow-unnamed-rule-by-port",
    ),
    pytest.param(
        "z/a", "x/b", "80/TCP", True,
        (Basis.NOT_ISOLATED, []),
        (Basis.ADMIN_ALLOW, [(*ANP_SECOND, 0, "rest", "Allow")]),
        id="next-policy-decides",
    ),
    pytest.param(
        "x/a", "z/a", "80/TCP", True,
        (Basis.NOT_ISOLATED, [(*ANP_SECOND, 0, "", "Pass")]),
        (Basis.NOT_ISOLATED, []),
        id="egress-pass-np-not-isolating-no-baseline-match",
    ),
    pytest.param(
        "z/a", "y/a", "80/TCP", True,
        (Basis.NOT_ISOLATED, []),
        (Basis.BASELINE_ALLOW, [(*BANP_DEFAULT, 0, "from-z", "Allow")]),
        id="baseline-allow",
    ),
    pytest.param(
        "y/a", EXT, "443/TCP", True,
        (Basis.ADMIN_ALLOW, [(*CNP_THIRD, 0, "out", "Allow")]),
        (Basis.EXTERNAL, []),
        id="cnp-accept-is-allow-external-not-judged",
    ),
    pytest.param(
        "y/a", "198.51.100.7", "443/TCP", False,
        (Basis.BASELINE_DENY, [(*BANP_DEFAULT, 0, "no-doc", "Deny")]),
        (Basis.EXTERNAL, []),
        id="baseline-deny-egress-networks",
    ),
    pytest.param(
        "y/a", "192.0.2.5", "443/TCP", True,
        (Basis.NOT_ISOLATED, [(*CNP_LATE, 0, "test-net", "Pass")]),
        (Basis.EXTERNAL, []),
        id="baseline-pass-then-default",
    ),
    pytest.param(
        EXT, "x/a", "80/TCP", False,
        (Basis.EXTERNAL, []),
        (Basis.NO_RULE, []),
        id="external-source-matches-no-admin-peer",
    ),
]


@pytest.mark.parametrize(("src", "dst", "probe", "allowed", "egress", "ingress"), REASON_CASES)
def test_reasons(src, dst, probe, allowed, egress, ingress) -> None:
    """Each side's basis and the admin rules that matched on the way, in order."""
    cluster = load(REASONS)
    s, d = endpoint(cluster, src), endpoint(cluster, dst)
    verdict = engine.evaluate(cluster, s, d, engine.Probe.parse(probe))
    assert verdict.allowed is allowed
    for side, (basis, steps) in ((verdict.egress, egress), (verdict.ingress, ingress)):
        assert side.basis is basis, side
        assert [(t.policy, t.key, t.rule, t.rule_name, t.action) for t in side.steps] == steps
        assert side.allowed is (basis not in (Basis.ADMIN_DENY, Basis.BASELINE_DENY, Basis.NO_RULE))
        if basis in (Basis.ADMIN_ALLOW, Basis.ADMIN_DENY, Basis.BASELINE_ALLOW, Basis.BASELINE_DENY):
            assert side.isolated_by == () and side.allowed_by == ()


def test_np_reasons_after_pass_name_the_isolating_policy() -> None:
    """After a Pass the NetworkPolicy verdict carries its usual reasons as well as the step."""
    cluster = load(REASONS)
    yb, xa = endpoint(cluster, "y/b"), endpoint(cluster, "x/a")
    verdict = engine.evaluate(cluster, yb, xa, engine.Probe.parse("80/TCP"))
    assert verdict.ingress.isolated_by == ("x/a-from-y",)
    assert [(r.policy, r.index) for r in verdict.ingress.allowed_by] == [("x/a-from-y", 0)]


def test_admin_policies_are_kept_in_evaluation_order() -> None:
    """The loader sorts admin policies by tier, then priority, then name, whatever the input order."""
    cluster = load(REASONS)
    assert [(p.tier, p.priority, p.name) for p in cluster.admin_policies] == [
        (Tier.ADMIN, 10, "first"),
        (Tier.ADMIN, 20, "second"),
        (Tier.ADMIN, 30, "third"),
        (Tier.BASELINE, 0, "default"),
        (Tier.BASELINE, 5, "late"),
    ]
    assert [p.short for p in cluster.admin_policies] == [
        "ANP first priority 10",
        "ANP second priority 20",
        "CNP Admin third priority 30",
        "BANP default",
        "CNP Baseline late priority 5",
    ]
