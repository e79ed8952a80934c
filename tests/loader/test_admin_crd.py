"""Admin policies validated as their CRDs do (issue 10, item 11).

kubernetes-sigs/network-policy-api: AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1 as
released in v0.1.8, ClusterNetworkPolicy v1alpha2 as released in v0.2.0 (config/crd/experimental/).
Each case names the schema keyword or CEL rule it follows.
"""

from __future__ import annotations

import pytest

from podwall.loader import load_text
from tests.loader.test_admin import ANP, BANP, CNP, admin, error_lines, only

SUBJECT = "subject: {namespaces: {}}"
HEAD = {ANP: f"priority: 1\n{SUBJECT}\n", BANP: f"{SUBJECT}\n", CNP: f"tier: Admin\npriority: 1\n{SUBJECT}\n"}
ACTION = {ANP: "Allow", BANP: "Allow", CNP: "Accept"}
PORTS = {ANP: "ports", BANP: "ports", CNP: "protocols"}
PORT = {ANP: "{portNumber: {port: 80}}", BANP: "{portNumber: {port: 80}}", CNP: "{tcp: {destinationPort: {number: 80}}}"}
LIMIT = {ANP: 100, BANP: 100, CNP: 25}
NAME = {ANP: "web", BANP: "default", CNP: "web"}


def policy(kind: str, rules: str, direction: str = "ingress") -> str:
    return admin(kind, HEAD[kind] + f"{direction}:\n{rules}", name=NAME[kind])


def rule(kind: str, *, peers: int = 1, ports: int | None = None, name: str = "r", key: str = "from") -> str:
    text = f"- name: {name}\n  action: {ACTION[kind]}\n  {key}: [" + ", ".join(["{namespaces: {}}"] * peers) + "]\n"
    if ports is not None:
        text += f"  {PORTS[kind]}: [" + ", ".join([PORT[kind]] * ports) + "]\n"
    return text


@pytest.mark.parametrize("kind", [ANP, BANP, CNP])
def test_at_most_the_crds_number_of_rules_peers_and_ports(kind: str) -> None:
    limit = LIMIT[kind]
    assert len(only(policy(kind, rule(kind) * limit)).ingress) == limit
    ingress_line = 6 + HEAD[kind].count("\n")
    assert error_lines(policy(kind, rule(kind) * (limit + 1))) == [
        f"a.yaml:{ingress_line}: {kind} {NAME[kind]}: spec.ingress: {limit + 1} rules: the CRD allows at most {limit}"
    ]
    (line,) = error_lines(policy(kind, rule(kind, peers=limit + 1)))
    assert line.endswith(f"spec.ingress[0].from: {limit + 1} peers: the CRD allows at most {limit}")
    (line,) = error_lines(policy(kind, rule(kind, ports=limit + 1)))
    assert line.endswith(f"spec.ingress[0].{PORTS[kind]}: {limit + 1} entries: the CRD allows at most {limit}")
    (line,) = error_lines(policy(kind, rule(kind, ports=0)))
    assert line.endswith(f"spec.ingress[0].{PORTS[kind]}: must list at least one entry (omit {PORTS[kind]} for every port)")


@pytest.mark.parametrize("kind", [ANP, BANP, CNP])
def test_rule_names_of_at_most_100_characters(kind: str) -> None:
    assert only(policy(kind, rule(kind, name="a" * 100))).ingress[0].name == "a" * 100
    (line,) = error_lines(policy(kind, rule(kind, name="a" * 101)))
    assert line.endswith("spec.ingress[0].name: 101 characters: the CRD allows a rule name of at most 100")


@pytest.mark.parametrize(
    ("networks", "problem"),
    [
        ("[010.0.0.0/8]", 'spec.egress[0].to[0].networks[0]: invalid CIDR "010.0.0.0/8"'),  # CEL isCIDR: no leading zeros
        ("[10.0.0.0/08]", 'spec.egress[0].to[0].networks[0]: invalid CIDR "10.0.0.0/08"'),
        ("['" + "0" * 44 + "']", "the CRD allows at most 43 characters"),  # maxLength 43
        ("[10.0.0.0/8, 10.0.0.0/8]", 'spec.egress[0].to[0].networks[1]: duplicate value "10.0.0.0/8" (the list is a set)'),
        ("[]", "spec.egress[0].to[0].networks: must list at least one CIDR"),  # minItems 1
        ("[" + ", ".join(f"10.0.{i}.0/24" for i in range(26)) + "]", "spec.egress[0].to[0].networks: 26 entries: the CRD allows at most 25"),
    ],
)
def test_networks(networks: str, problem: str) -> None:
    text = policy(ANP, f"- action: Deny\n  to: [{{networks: {networks}}}]\n", "egress")
    (line,) = error_lines(text)
    assert line.endswith(problem), line


def test_a_network_may_have_host_bits() -> None:
    """CEL isCIDR accepts 10.0.0.1/8 (netip.ParsePrefix); only v0.2.0's CNP adds nothing stricter."""
    policy_ = only(policy(ANP, "- action: Deny\n  to: [{networks: [10.0.0.1/8, '::ffff:10.0.0.0/104']}]\n", "egress"))
    assert [str(p.cidr) for p in policy_.egress[0].peers] == ["10.0.0.0/8", "::ffff:a00:0/104"]


@pytest.mark.parametrize("kind", [ANP, CNP])
def test_no_named_port_beside_a_networks_nodes_or_domain_names_peer(kind: str) -> None:
    """The CRDs' CEL rule on egress rules."""
    named = "{namedPort: http}" if kind == ANP else "{destinationNamedPort: http}"
    text = policy(kind, f"- action: Deny\n  to: [{{namespaces: {{}}}}, {{networks: [10.0.0.0/8]}}]\n  {PORTS[kind]}: [{named}]\n", "egress")
    assert error_lines(text) == [
        f"a.yaml:{7 + HEAD[kind].count(chr(10))}: {kind} web: spec.egress[0]: networks/nodes/domainNames peer cannot "
        "be set with namedPorts since there are no namedPorts for networks/nodes/domainNames"
    ]


def test_domain_names_are_validated_and_warned_about() -> None:
    cluster = load_text(policy(ANP, "- action: Allow\n  to: [{domainNames: ['*.example.com', api.example.org.]}]\n", "egress"), "a.yaml")
    assert cluster.warnings == (
        "warning: a.yaml:10: AdminNetworkPolicy web: spec.egress[0].to[0].domainNames: domainNames peers are not "
        "evaluated yet; this peer matches nothing here",
    )
    (line,) = error_lines(policy(ANP, "- action: Allow\n  to: [{domainNames: ['bad name']}]\n", "egress"))
    assert line.endswith('spec.egress[0].to[0].domainNames[0]: invalid domain name "bad name": must be a DNS name, '
                         "optionally starting with *.")


def test_nodes_selectors_are_validated() -> None:
    text = policy(ANP, "- action: Allow\n  to: [{nodes: {matchExpressions: [{key: zone, operator: Near}]}}]\n", "egress")
    (line,) = error_lines(text)
    assert 'invalid operator "Near"' in line


def test_cnp_ranges_need_start_below_end() -> None:
    """v0.2.0's CEL rule: self.start < self.end."""
    text = policy(CNP, "- action: Deny\n  from: [{namespaces: {}}]\n  protocols: [{udp: {destinationPort: {range: {start: 53, end: 53}}}}]\n")
    (line,) = error_lines(text)
    assert line.endswith("spec.ingress[0].protocols[0].udp.destinationPort.range.end: end 53 must be above start 53")


def test_cnp_tcp_needs_a_destination_port() -> None:
    """minProperties 1: ``tcp: {}`` is refused; every TCP port is the range 1-65535."""
    text = policy(CNP, "- action: Deny\n  from: [{namespaces: {}}]\n  protocols: [{tcp: {}}]\n")
    (line,) = error_lines(text)
    assert line.endswith("spec.ingress[0].protocols[0].tcp: must set destinationPort (the CRD refuses an empty tcp: {})")


def test_pods_peers_need_their_selectors() -> None:
    """v1alpha1 requires both selectors (read as {} with a warning: netpol-analyzer's corpus omits them);
    v1alpha2 requires podSelector (an absent namespaceSelector is every namespace)."""
    cluster = load_text(policy(ANP, "- action: Deny\n  from: [{pods: {namespaceSelector: {}}}]\n"), "a.yaml")
    assert cluster.warnings == (
        "warning: a.yaml:10: AdminNetworkPolicy web: spec.ingress[0].from[0].pods: no podSelector, which the CRD "
        "requires (the API server refuses this policy); read as {}, every one",
    )
    (line,) = error_lines(policy(CNP, "- action: Deny\n  from: [{pods: {namespaceSelector: {}}}]\n"))
    assert line.endswith('spec.ingress[0].from[0].pods: missing required field "podSelector"')
    assert not load_text(policy(CNP, "- action: Deny\n  from: [{pods: {podSelector: {}}}]\n"), "a.yaml").warnings
