"""The lab's differential corpus: the conformance-style world and named policy sets.

The world is the one upstream's netpol e2e tests (and cyclonus) use: namespaces
x, y, z (labelled ``ns=<name>``), pods a, b, c in each (labelled ``pod=<name>``),
each serving 80 and 81 on TCP and UDP. Pod c names its TCP ports the other way
round (``serve-80-tcp`` is its 81) so a named port resolves differently per
destination. Pods carry no IP: the lab allocates 10.244.<ns>.<n>, namespaces
and pods in sorted order, so x/a = 10.244.0.1, ..., z/c = 10.244.2.3.
"""

from __future__ import annotations

import ipaddress
import re
import textwrap

import yaml

from podwall.model import IPBlockPeer

NAMESPACES = ("x", "y", "z")
PODS = ("a", "b", "c")


def _pod(ns: str, name: str) -> dict:
    tcp80, tcp81 = ("serve-81-tcp", "serve-80-tcp") if name == "c" else ("serve-80-tcp", "serve-81-tcp")
    ports = [
        {"name": tcp80, "containerPort": 80, "protocol": "TCP"},
        {"name": "serve-80-udp", "containerPort": 80, "protocol": "UDP"},
        {"name": tcp81, "containerPort": 81, "protocol": "TCP"},
        {"name": "serve-81-udp", "containerPort": 81, "protocol": "UDP"},
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"pod": name}},
        "spec": {"containers": [{"name": "cont", "image": "registry.k8s.io/e2e-test-images/agnhost:2.47", "ports": ports}]},
    }


class _Dumper(yaml.SafeDumper):
    """Quotes y, Y, n and N: kubectl reads them unquoted as booleans (YAML 1.1, as go-yaml does); PyYAML does not."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))


WORLD = yaml.dump_all(
    [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"ns": ns}}} for ns in NAMESPACES]
    + [_pod(ns, name) for ns in NAMESPACES for name in PODS],
    Dumper=_Dumper,
    sort_keys=False,
)


def netpol(key: str, spec: str) -> str:
    """A NetworkPolicy document; ``spec`` is the YAML body of ``spec:``."""
    ns, name = key.split("/")
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    return f'---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: "{ns}"\nspec:\n{body}\n'


DENY_ALL_INGRESS_X = netpol("x/deny-ingress", "podSelector: {}\npolicyTypes: [Ingress]")

#: name -> policies (YAML); the differential test runs each on the world above.
POLICY_SETS: dict[str, str] = {
    "no-policies": "",
    "deny-all-ingress-in-x": DENY_ALL_INGRESS_X,
    "deny-all-egress-in-x": netpol("x/deny-egress", "podSelector: {}\npolicyTypes: [Egress]"),
    "deny-all-everywhere": "".join(
        netpol(f"{ns}/deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]") for ns in NAMESPACES
    ),
    "allow-within-namespace": DENY_ALL_INGRESS_X + netpol("x/same-ns", """
        podSelector: {}
        ingress:
          - from:
              - podSelector: {}
    """),
    "ingress-from-pod-b-same-namespace": netpol("x/a-from-b", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - podSelector: {matchLabels: {pod: b}}
    """),
    "ingress-from-namespace-y": netpol("x/a-from-y", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {ns: "y"}}
    """),
    "pod-and-namespace-in-one-peer": netpol("x/a-from-y-b", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {ns: "y"}}
                podSelector: {matchLabels: {pod: b}}
    """),
    "pod-or-namespace-two-peers": netpol("x/a-from-y-or-b", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {ns: "y"}}
              - podSelector: {matchLabels: {pod: b}}
    """),
    "match-expressions": netpol("x/expressions", """
        podSelector:
          matchExpressions:
            - {key: pod, operator: NotIn, values: [c]}
        ingress:
          - from:
              - namespaceSelector:
                  matchExpressions:
                    - {key: ns, operator: In, values: [x, z]}
                podSelector:
                  matchExpressions:
                    - {key: pod, operator: Exists}
                    - {key: tier, operator: DoesNotExist}
    """) + netpol("y/nothing-selected", """
        podSelector:
          matchExpressions:
            - {key: pod, operator: DoesNotExist}
        policyTypes: [Ingress, Egress]
    """),
    "port-80-tcp-from-anywhere": netpol("x/a-80", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - ports:
              - {port: 80, protocol: TCP}
    """),
    "named-ports-on-ingress": netpol("x/named-in", """
        podSelector: {}
        ingress:
          - from:
              - namespaceSelector: {}
            ports:
              - {port: serve-80-tcp, protocol: TCP}
              - {port: serve-81-udp, protocol: UDP}
    """),
    "named-ports-on-egress-per-destination": netpol("y/named-out", """
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
          - to:
              - namespaceSelector: {matchLabels: {ns: x}}
            ports:
              - {port: serve-80-tcp, protocol: TCP}
          - ports:
              - {port: serve-80-udp, protocol: UDP}
              - {port: no-such-port, protocol: UDP}
    """),
    "end-port-ranges": netpol("z/ranges", """
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - ports:
              - {port: 80, endPort: 81, protocol: TCP}
              - {port: 81, endPort: 81, protocol: UDP}
              - {port: 1000, endPort: 2000, protocol: UDP}
    """),
    "egress-ipblock-with-except": netpol("x/egress-ipblock", """
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to:
              - ipBlock: {cidr: 10.244.1.0/24, except: [10.244.1.2/32]}
          - to:
              - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
            ports:
              - {port: 81, protocol: UDP}
    """),
    "ingress-ipblock-matches-pods": netpol("y/ingress-ipblock", """
        podSelector: {}
        ingress:
          - from:
              - ipBlock: {cidr: 10.244.0.0/24, except: [10.244.0.1/32]}
            ports:
              - {port: 80}
          - from:
              - ipBlock: {cidr: 203.0.113.0/24}
    """),
    "egress-only-policy-without-types-isolates-ingress": netpol("z/egress-no-types", """
        podSelector: {matchLabels: {pod: b}}
        egress:
          - to:
              - podSelector: {}
    """),
    "allow-all-rules-on-isolated-pods": "".join(
        netpol(f"{ns}/allow-all", """
            podSelector: {}
            policyTypes: [Ingress, Egress]
            ingress: [{}]
            egress: [{}]
        """) for ns in ("x", "y")
    ),
    "policies-are-additive": netpol("x/a-from-b-80", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - podSelector: {matchLabels: {pod: b}}
            ports:
              - {port: 80, protocol: TCP}
    """) + netpol("x/a-from-z-81", """
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {ns: z}}
            ports:
              - {port: 81, protocol: UDP}
    """),
    "empty-rule-lists": netpol("y/empty-ingress", """
        podSelector: {matchLabels: {pod: c}}
        policyTypes: [Ingress, Egress]
        ingress: []
        egress: []
    """),
    "whole-protocol-and-sctp": netpol("z/udp-only", """
        podSelector: {}
        ingress:
          - ports:
              - {protocol: UDP}
          - ports:
              - {port: 80, protocol: SCTP}
    """),
    "egress-to-internet-only": netpol("z/internet", """
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
          - to:
              - ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16]}
    """),
}

#: Sets also run with ``--ipblock-ignores-pods`` (ipBlocks then see only external addresses).
IPBLOCK_IGNORES_PODS = ("egress-ipblock-with-except", "ingress-ipblock-matches-pods")

#: The CIDRs hypothesis draws ipBlocks from; the lab plays an address for each region they cut.
CIDRS = tuple(
    ipaddress.ip_network(c)
    for c in ("10.244.0.0/16", "10.244.1.0/24", "10.244.0.2/31", "10.244.2.3/32", "0.0.0.0/0", "203.0.113.0/24")
)
EXCEPTS = tuple(
    ipaddress.ip_network(c)
    for c in ("10.244.1.2/32", "10.244.0.0/24", "10.244.0.0/16", "10.0.0.0/8", "203.0.113.128/25", "10.244.0.3/32")
)


def catalogue_ipblocks() -> tuple[IPBlockPeer, ...]:
    """Every CIDR and except of the catalogue as a block: the lab plays every region they cut,
    plus the regions of the hand-written sets."""
    extra = ("10.244.1.0/24", "10.244.1.2/32", "10.244.0.1/32", "10.0.0.0/8")
    nets = {*CIDRS, *EXCEPTS, *(ipaddress.ip_network(n) for n in extra)}
    return tuple(IPBlockPeer(n) for n in sorted(nets, key=lambda n: (n.version, n)))


def _admin(kind: str, name: str, spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    return (f"---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: {kind}\n"
            f"metadata:\n  name: {name}\nspec:\n{body}\n")


#: Admin tiers (AdminNetworkPolicy before NetworkPolicies, BaselineAdminNetworkPolicy after).
ADMIN_SETS: dict[str, str] = {
    "anp-deny-pass-allow": _admin("AdminNetworkPolicy", "x-guard", """
        priority: 10
        subject:
          namespaces: {matchLabels: {ns: x}}
        ingress:
          - name: deny-from-y
            action: Deny
            from:
              - namespaces: {matchLabels: {ns: "y"}}
          - name: pass-from-z
            action: Pass
            from:
              - namespaces: {matchLabels: {ns: z}}
          - name: allow-from-x-81
            action: Allow
            from:
              - pods:
                  namespaceSelector: {matchLabels: {ns: x}}
                  podSelector: {matchLabels: {pod: b}}
            ports:
              - portNumber: {protocol: UDP, port: 81}
    """) + netpol("x/only-from-z-a", """
        podSelector: {}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {ns: z}}
                podSelector: {matchLabels: {pod: a}}
    """),
    "banp-behind-network-policies": _admin("BaselineAdminNetworkPolicy", "default", """
        subject:
          namespaces: {}
        ingress:
          - name: deny-from-z
            action: Deny
            from:
              - namespaces: {matchLabels: {ns: z}}
        egress:
          - name: no-internet
            action: Deny
            to:
              - networks: [203.0.113.0/24]
    """) + netpol("y/a-open", """
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Ingress, Egress]
        ingress: [{}]
        egress: [{}]
    """),
    "anp-priorities-named-port-networks": _admin("AdminNetworkPolicy", "first", """
        priority: 5
        subject:
          pods:
            namespaceSelector: {matchLabels: {ns: z}}
            podSelector: {matchLabels: {pod: c}}
        egress:
          - name: web-named
            action: Allow
            to:
              - namespaces: {matchLabels: {ns: x}}
            ports:
              - namedPort: serve-80-tcp
    """) + _admin("AdminNetworkPolicy", "second", """
        priority: 20
        subject:
          namespaces: {matchLabels: {ns: z}}
        egress:
          - name: deny-pods-and-internet
            action: Deny
            to:
              - networks: [0.0.0.0/0]
    """),
}
