"""Every NetworkPolicy validation the loader performs, with the exact line a user sees.

Each case is the ``spec`` of a policy ``prod/web`` in ``np.yaml``; the first spec
line is line 7 (see ``policy``).
"""

from __future__ import annotations

import textwrap

import pytest

from podwall.errors import InputErrors
from podwall.loader import load_text

HEAD = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: prod
spec:
"""
P = "np.yaml:{}: NetworkPolicy prod/web: "


def policy(spec: str) -> str:
    """A policy whose spec is ``spec``; its first line is line 7."""
    return HEAD + textwrap.indent(textwrap.dedent(spec).strip("\n") + "\n", "  ")


def error_lines(text: str, path: str = "np.yaml") -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, path)
    return str(info.value).splitlines()


def at(line: int, rest: str) -> str:
    return P.format(line) + rest


SPEC_CASES = [
    # -- unknown fields, with suggestions -----------------------------------------------
    (
        "unknown-spec-field",
        """
        podSelector: {}
        ingres: []
        """,
        [at(8, 'spec: unknown field "ingres" (did you mean "ingress"?)')],
    ),
    (
        "unknown-field-case-insensitive",
        """
        podselector: {}
        """,
        [at(7, 'spec: unknown field "podselector" (did you mean "podSelector"?)')],
    ),
    (
        "unknown-field-no-suggestion",
        """
        podSelector: {}
        zzz: 1
        """,
        [at(8, 'spec: unknown field "zzz"')],
    ),
    (
        "egress-rule-with-from",
        """
        podSelector: {}
        egress:
        - from:
          - podSelector: {}
        """,
        [at(9, 'spec.egress[0]: unknown field "from" (egress rules use "to")')],
    ),
    (
        "ingress-rule-with-to",
        """
        podSelector: {}
        ingress:
        - to: []
        """,
        [at(9, 'spec.ingress[0]: unknown field "to" (ingress rules use "from")')],
    ),
    (
        "peer-written-as-rule",
        """
        podSelector: {}
        ingress:
        - podSelector: {}
        """,
        [at(9, 'spec.ingress[0]: unknown field "podSelector" (peers go under "from")')],
    ),
    (
        "unknown-peer-field",
        """
        podSelector: {}
        ingress:
        - from:
          - namespaceSelectors: {}
        """,
        [
            at(10, 'spec.ingress[0].from[0]: unknown field "namespaceSelectors" (did you mean "namespaceSelector"?)'),
            at(10, "spec.ingress[0].from[0]: must specify exactly one of podSelector/namespaceSelector "
                   "(together or alone) or ipBlock"),
        ],
    ),
    (
        "unknown-ipblock-field",
        """
        podSelector: {}
        egress:
        - to:
          - ipBlock:
              cidr: 10.0.0.0/8
              excepts: [10.1.0.0/16]
        """,
        [at(12, 'spec.egress[0].to[0].ipBlock: unknown field "excepts" (did you mean "except"?)')],
    ),
    (
        "unknown-port-field",
        """
        podSelector: {}
        ingress:
        - ports:
          - protcol: UDP
            port: 53
        """,
        [at(10, 'spec.ingress[0].ports[0]: unknown field "protcol" (did you mean "protocol"?)')],
    ),
    (
        "unknown-selector-field",
        """
        podSelector:
          matchLabel: {app: web}
        """,
        [at(8, 'spec.podSelector: unknown field "matchLabel" (did you mean "matchLabels"?)')],
    ),
    (
        "unknown-expression-field",
        """
        podSelector:
          matchExpressions:
          - key: app
            operator: Exists
            value: [x]
        """,
        [at(11, 'spec.podSelector.matchExpressions[0]: unknown field "value" (did you mean "values"?)')],
    ),
    # -- wrong types ------------------------------------------------------------------------
    (
        "ingress-not-a-list",
        """
        podSelector: {}
        ingress: {}
        """,
        [at(8, "spec.ingress: must be a list, not a mapping")],
    ),
    (
        "pod-selector-not-a-mapping",
        """
        podSelector: []
        """,
        [at(7, "spec.podSelector: must be a mapping, not a list")],
    ),
    (
        "rule-not-a-mapping",
        """
        podSelector: {}
        ingress:
        - allow-all
        """,
        [at(9, "spec.ingress[0]: must be a mapping, not a string")],
    ),
    (
        "from-not-a-list",
        """
        podSelector: {}
        ingress:
        - from:
            podSelector: {}
        """,
        [at(9, "spec.ingress[0].from: must be a list, not a mapping")],
    ),
    (
        "match-labels-not-a-map",
        """
        podSelector:
          matchLabels: [app]
        """,
        [at(8, "spec.podSelector.matchLabels: must be a mapping, not a list")],
    ),
    (
        "match-labels-value-not-a-string",
        """
        podSelector:
          matchLabels:
            app: web
            version: 1.0
        """,
        [at(10, 'spec.podSelector.matchLabels: value of "version" must be a string, not an integer (quote the value)')],
    ),
    (
        "match-labels-boolean-value",
        """
        podSelector:
          matchLabels: {enabled: yes}
        """,
        [at(8, 'spec.podSelector.matchLabels: value of "enabled" must be a string, not a boolean (kubectl reads unquoted y, n, yes, no, on, off, true and false as booleans: quote the value)')],
    ),
    (
        "port-not-int-or-string",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: 80.5
        """,
        [at(10, "spec.ingress[0].ports[0].port: must be an integer or a string, not a number")],
    ),
    (
        "port-boolean",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: true
        """,
        [at(10, "spec.ingress[0].ports[0].port: must be an integer or a string, not a boolean")],
    ),
    (
        "end-port-string",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: 80
            endPort: "90"
        """,
        [at(11, "spec.ingress[0].ports[0].endPort: must be an integer, not a string")],
    ),
    (
        "policy-types-not-a-list",
        """
        podSelector: {}
        policyTypes: Ingress
        """,
        [at(8, "spec.policyTypes: must be a list, not a string")],
    ),
    (
        "cidr-not-a-string",
        """
        podSelector: {}
        egress:
        - to:
          - ipBlock: {cidr: 10}
        """,
        [at(10, "spec.egress[0].to[0].ipBlock.cidr: must be a string, not an integer (quote the value)")],
    ),
    (
        "except-not-a-list",
        """
        podSelector: {}
        egress:
        - to:
          - ipBlock:
              cidr: 10.0.0.0/8
              except: 10.1.0.0/16
        """,
        [at(12, "spec.egress[0].to[0].ipBlock.except: must be a list, not a string")],
    ),
    (
        "expression-value-not-a-string",
        """
        podSelector:
          matchExpressions:
          - key: tier
            operator: In
            values: [1]
        """,
        [at(11, "spec.podSelector.matchExpressions[0].values[0]: must be a string, not an integer (quote the value)")],
    ),
    # -- selectors -------------------------------------------------------------------------
    (
        "invalid-operator",
        """
        podSelector:
          matchExpressions:
          - key: tier
            operator: in
            values: [web]
        """,
        [at(10, 'spec.podSelector.matchExpressions[0].operator: invalid operator "in": '
                "must be one of In, NotIn, Exists, DoesNotExist")],
    ),
    (
        "in-without-values",
        """
        podSelector:
          matchExpressions:
          - key: tier
            operator: In
        """,
        [at(9, "spec.podSelector.matchExpressions[0].values: must be non-empty when operator is In")],
    ),
    (
        "notin-with-empty-values",
        """
        podSelector:
          matchExpressions:
          - key: tier
            operator: NotIn
            values: []
        """,
        [at(11, "spec.podSelector.matchExpressions[0].values: must be non-empty when operator is NotIn")],
    ),
    (
        "exists-with-values",
        """
        podSelector:
          matchExpressions:
          - {key: tier, operator: Exists, values: [web]}
        """,
        [at(9, "spec.podSelector.matchExpressions[0].values: must be empty when operator is Exists")],
    ),
    (
        "does-not-exist-with-values",
        """
        podSelector:
          matchExpressions:
          - key: tier
            operator: DoesNotExist
            values:
            - web
        """,
        [at(11, "spec.podSelector.matchExpressions[0].values: must be empty when operator is DoesNotExist")],
    ),
    (
        "expression-missing-operator",
        """
        podSelector:
          matchExpressions:
          - key: tier
        """,
        [at(9, 'spec.podSelector.matchExpressions[0]: missing required field "operator"')],
    ),
    (
        "expression-missing-key",
        """
        namespaceSelector: {}
        podSelector:
          matchExpressions:
          - operator: Exists
        """,
        [
            at(7, 'spec: unknown field "namespaceSelector" (did you mean "podSelector"?)'),
            at(10, 'spec.podSelector.matchExpressions[0]: missing required field "key"'),
        ],
    ),
    (
        "expression-invalid-key",
        """
        podSelector:
          matchExpressions:
          - key: -tier
            operator: Exists
        """,
        [at(9, 'spec.podSelector.matchExpressions[0].key: invalid label key "-tier": name part must consist of '
               "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")],
    ),
    (
        "expression-invalid-value",
        """
        podSelector:
          matchExpressions:
          - key: tier
            operator: In
            values: [ok, "not ok"]
        """,
        [at(11, 'spec.podSelector.matchExpressions[0].values[1]: invalid label value "not ok": must be empty or '
                "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                "alphanumeric character")],
    ),
    (
        "match-labels-invalid-key",
        """
        podSelector:
          matchLabels:
            app_: web
        """,
        [at(9, 'spec.podSelector.matchLabels: invalid label key "app_": name part must consist of alphanumeric '
               "characters, '-', '_' or '.', and must start and end with an alphanumeric character")],
    ),
    (
        "match-labels-invalid-prefix",
        """
        podSelector:
          matchLabels:
            Example.com/app: web
        """,
        [at(9, 'spec.podSelector.matchLabels: invalid label key "Example.com/app": prefix part must be a lowercase '
               "RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")],
    ),
    (
        "match-labels-key-too-long",
        f"""
        podSelector:
          matchLabels:
            {"k" * 64}: web
        """,
        [at(9, f'spec.podSelector.matchLabels: invalid label key "{"k" * 64}": '
               "name part must be no more than 63 characters")],
    ),
    (
        "match-labels-empty-name-part",
        """
        podSelector:
          matchLabels:
            example.com/: web
        """,
        [at(9, 'spec.podSelector.matchLabels: invalid label key "example.com/": name part must be non-empty')],
    ),
    (
        "match-labels-invalid-value",
        """
        podSelector:
          matchLabels:
            app: web.
        """,
        [at(9, 'spec.podSelector.matchLabels: invalid label value "web." for "app": must be empty or consist of '
               "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")],
    ),
    (
        "match-labels-value-too-long",
        f"""
        podSelector:
          matchLabels:
            app: {"v" * 64}
        """,
        [at(9, f'spec.podSelector.matchLabels: invalid label value "{"v" * 64}" for "app": '
               "must be no more than 63 characters")],
    ),
    # -- peers --------------------------------------------------------------------------------
    (
        "empty-peer",
        """
        podSelector: {}
        ingress:
        - from:
          - {}
        """,
        [at(10, "spec.ingress[0].from[0]: must specify exactly one of podSelector/namespaceSelector "
                "(together or alone) or ipBlock")],
    ),
    (
        "null-selector-peer",
        """
        podSelector: {}
        ingress:
        - from:
          - podSelector:
        """,
        [at(10, "spec.ingress[0].from[0]: must specify exactly one of podSelector/namespaceSelector "
                "(together or alone) or ipBlock")],
    ),
    (
        "ipblock-with-selector",
        """
        podSelector: {}
        egress:
        - to:
          - podSelector: {}
          - namespaceSelector: {}
            ipBlock:
              cidr: 10.0.0.0/8
        """,
        [at(11, "spec.egress[0].to[1]: must specify exactly one of podSelector/namespaceSelector "
                "(together or alone) or ipBlock")],
    ),
    # -- ipBlock ------------------------------------------------------------------------------
    (
        "missing-cidr",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock:
              except: []
        """,
        [at(10, 'spec.ingress[0].from[0].ipBlock: missing required field "cidr"')],
    ),
    (
        "empty-cidr",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: ""}
        """,
        [at(10, 'spec.ingress[0].from[0].ipBlock: missing required field "cidr"')],
    ),
    (
        "cidr-prefix-too-long",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 10.0.0.0/33}
        """,
        [at(10, 'spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR "10.0.0.0/33"')],
    ),
    (
        "cidr-without-prefix",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 10.0.0.1}
        """,
        [at(10, 'spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR "10.0.0.1"')],
    ),
    (
        "cidr-with-netmask",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 10.0.0.0/255.0.0.0}
        """,
        [at(10, 'spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR "10.0.0.0/255.0.0.0"')],
    ),
    (
        "cidr-bad-octet",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 300.0.0.0/8}
        """,
        [at(10, 'spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR "300.0.0.0/8"')],
    ),
    (
        "except-outside-cidr",
        """
        podSelector: {}
        ingress:
        - from:
          - podSelector: {}
          - ipBlock:
              cidr: 10.0.0.0/16
              except:
              - 10.0.5.0/24
              - 10.1.0.0/16
        """,
        [at(15, "spec.ingress[0].from[1].ipBlock.except[1]: 10.1.0.0/16 is not inside 10.0.0.0/16")],
    ),
    (
        "except-equals-cidr",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}
        """,
        [at(10, "spec.ingress[0].from[0].ipBlock.except[0]: 10.0.0.0/16 is not strictly inside 10.0.0.0/16 "
                "(an except must be smaller than cidr)")],
    ),
    (
        "except-other-family",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 10.0.0.0/8, except: ["fd00::/64"]}
        """,
        [at(10, "spec.ingress[0].from[0].ipBlock.except[0]: fd00::/64 is not inside 10.0.0.0/8 (IPv6 vs IPv4)")],
    ),
    (
        "except-outside-ipv6",
        """
        podSelector: {}
        egress:
        - to:
          - ipBlock:
              cidr: 2001:db8::/32
              except: [2001:db9::/48]
        """,
        [at(12, "spec.egress[0].to[0].ipBlock.except[0]: 2001:db9::/48 is not inside 2001:db8::/32")],
    ),
    (
        "except-invalid",
        """
        podSelector: {}
        egress:
        - to:
          - ipBlock:
              cidr: 10.0.0.0/8
              except: [10.0.0.0/40]
        """,
        [at(12, 'spec.egress[0].to[0].ipBlock.except[0]: invalid CIDR "10.0.0.0/40"')],
    ),
    # -- ports -----------------------------------------------------------------------------------
    (
        "unsupported-protocol",
        """
        podSelector: {}
        ingress:
        - ports:
          - protocol: HTTP
            port: 80
        """,
        [at(10, 'spec.ingress[0].ports[0].protocol: unsupported protocol "HTTP": must be TCP, UDP or SCTP')],
    ),
    (
        "lowercase-protocol",
        """
        podSelector: {}
        ingress:
        - ports:
          - {protocol: tcp}
        """,
        [at(10, 'spec.ingress[0].ports[0].protocol: unsupported protocol "tcp": must be TCP, UDP or SCTP')],
    ),
    (
        "port-zero",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: 0
        """,
        [at(10, "spec.ingress[0].ports[0].port: 0 is not a valid port number")],
    ),
    (
        "port-too-large",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: 65536
        """,
        [at(10, "spec.ingress[0].ports[0].port: 65536 is not a valid port number")],
    ),
    (
        "named-port-uppercase",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: HTTP
        """,
        [at(10, "spec.ingress[0].ports[0].port: invalid port name \"HTTP\": "
                "must contain only lowercase letters, digits and '-'")],
    ),
    (
        "named-port-too-long",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: metrics-endpoint
        """,
        [at(10, 'spec.ingress[0].ports[0].port: invalid port name "metrics-endpoint": '
                "must be no more than 15 characters")],
    ),
    (
        "named-port-digits-only",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: "8080"
        """,
        [at(10, 'spec.ingress[0].ports[0].port: invalid port name "8080": must contain at least one letter '
                "(write 8080 without quotes for a port number)")],
    ),
    (
        "named-port-leading-dash",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: -http
        """,
        [at(10, "spec.ingress[0].ports[0].port: invalid port name \"-http\": must not begin or end with '-'")],
    ),
    (
        "named-port-double-dash",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: my--http
        """,
        [at(10, "spec.ingress[0].ports[0].port: invalid port name \"my--http\": must not contain '--'")],
    ),
    (
        "named-port-empty",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: ""
        """,
        [at(10, 'spec.ingress[0].ports[0].port: invalid port name "": must not be empty')],
    ),
    (
        "end-port-without-port",
        """
        podSelector: {}
        ingress:
        - ports:
          - protocol: TCP
            endPort: 90
        """,
        [at(11, "spec.ingress[0].ports[0].endPort: endPort requires a numeric port")],
    ),
    (
        "end-port-with-named-port",
        """
        podSelector: {}
        ingress:
        - ports:
          - port: http
            endPort: 90
        """,
        [at(11, "spec.ingress[0].ports[0].endPort: endPort requires a numeric port")],
    ),
    (
        "end-port-below-port",
        """
        podSelector: {}
        egress:
        - ports:
          - port: 80
            endPort: 79
        """,
        [at(11, "spec.egress[0].ports[0].endPort: endPort 79 is below port 80")],
    ),
    (
        "end-port-too-large",
        """
        podSelector: {}
        egress:
        - ports:
          - port: 80
            endPort: 70000
        """,
        [at(11, "spec.egress[0].ports[0].endPort: 70000 is not a valid port number")],
    ),
    # -- policyTypes --------------------------------------------------------------------------------
    (
        "policy-type-lowercase",
        """
        podSelector: {}
        policyTypes: [ingress]
        """,
        [at(8, 'spec.policyTypes[0]: invalid policy type "ingress": must be Ingress or Egress')],
    ),
    (
        "policy-type-duplicate",
        """
        podSelector: {}
        policyTypes:
        - Ingress
        - Egress
        - Ingress
        """,
        [at(8, "spec.policyTypes: may not specify more than two policyTypes")],
    ),
    (
        "policy-type-not-a-string",
        """
        podSelector: {}
        policyTypes: [{Ingress: true}]
        """,
        [at(8, "spec.policyTypes[0]: must be a string, not a mapping")],
    ),
    # -- several problems are all reported, in order -------------------------------------------
    (
        "several-problems",
        """
        podSelector: {}
        ingress:
        - from:
          - ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}
          ports:
          - port: 0
        egress: {}
        """,
        [
            at(10, "spec.ingress[0].from[0].ipBlock.except[0]: 11.0.0.0/8 is not inside 10.0.0.0/8"),
            at(12, "spec.ingress[0].ports[0].port: 0 is not a valid port number"),
            at(13, "spec.egress: must be a list, not a mapping"),
        ],
    ),
]


@pytest.mark.parametrize(("spec", "expected"), [c[1:] for c in SPEC_CASES], ids=[c[0] for c in SPEC_CASES])
def test_spec_validation(spec: str, expected: list[str]) -> None:
    assert error_lines(policy(spec)) == expected


OBJECT_CASES = [
    (
        "unknown-top-level-field",
        HEAD.replace("spec:\n", "spce:\n  podSelector: {}\n"),
        ['np.yaml:6: NetworkPolicy prod/web: unknown field "spce" (did you mean "spec"?)'],
    ),
    (
        "spec-not-a-mapping",
        HEAD.replace("spec:\n", "spec: []\n"),
        ["np.yaml:6: NetworkPolicy prod/web: spec: must be a mapping, not a list"],
    ),
    (
        "unknown-metadata-field",
        HEAD.replace("  namespace: prod\n", "  namespace: prod\n  labesl: {}\n") + "  podSelector: {}\n",
        ['np.yaml:6: NetworkPolicy prod/web: metadata: unknown field "labesl" (did you mean "labels"?)'],
    ),
    (
        "missing-name",
        HEAD.replace("  name: web\n", "") + "  podSelector: {}\n",
        ['np.yaml:3: NetworkPolicy prod/<unnamed>: metadata: missing required field "name"'],
    ),
    (
        "generate-name-only",
        HEAD.replace("  name: web\n", "  generateName: web-\n") + "  podSelector: {}\n",
        ['np.yaml:3: NetworkPolicy prod/<unnamed>: metadata: missing required field "name" '
         "(generateName is not supported: podwall needs a fixed name)"],
    ),
    (
        "name-not-dns-subdomain",
        HEAD.replace("  name: web\n", "  name: Web_1\n") + "  podSelector: {}\n",
        ['np.yaml:4: NetworkPolicy prod/Web_1: metadata.name: invalid name "Web_1": must be a lowercase RFC 1123 '
         "subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"],
    ),
    (
        "name-too-long",
        HEAD.replace("  name: web\n", f"  name: {'a' * 254}\n") + "  podSelector: {}\n",
        [f'np.yaml:4: NetworkPolicy prod/"{"a" * 77}...": metadata.name: invalid name "{"a" * 77}...": '
         "must be no more than 253 characters"],
    ),
    (
        "namespace-invalid",
        HEAD.replace("  namespace: prod\n", "  namespace: Prod\n") + "  podSelector: {}\n",
        ['np.yaml:5: NetworkPolicy Prod/web: metadata.namespace: invalid namespace "Prod": must be a lowercase '
         "RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
    ),
    (
        "metadata-missing",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec: {}\n",
        ['np.yaml:1: NetworkPolicy default/<unnamed>: missing required field "metadata"'],
    ),
    (
        "annotation-not-a-string",
        HEAD.replace("  namespace: prod\n", "  namespace: prod\n  annotations:\n    replicas: 3\n")
        + "  podSelector: {}\n",
        ['np.yaml:7: NetworkPolicy prod/web: metadata.annotations: value of "replicas" must be a string, '
         "not an integer (quote the value)"],
    ),
    (
        "labels-invalid",
        HEAD.replace("  namespace: prod\n", "  namespace: prod\n  labels: {team: a b}\n") + "  podSelector: {}\n",
        ['np.yaml:6: NetworkPolicy prod/web: metadata.labels: invalid label value "a b" for "team": must be empty '
         "or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
         "character"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in OBJECT_CASES], ids=[c[0] for c in OBJECT_CASES])
def test_object_validation(text: str, expected: list[str]) -> None:
    assert error_lines(text) == expected


def test_status_is_refused() -> None:
    """NetworkPolicyStatus was alpha in 1.24-1.26 and removed in 1.27: strict decoding refuses the field."""
    assert error_lines(policy("podSelector: {}") + "status: {conditions: []}\n") == [
        'np.yaml:8: NetworkPolicy prod/web: unknown field "status"'
    ]
    # The empty status of a dump from a 1.24-1.26 cluster holds nothing: it is read.
    assert len(load_text(policy("podSelector: {}") + "status: {}\n").policies) == 1


def test_error_carries_location_object_and_field() -> None:
    with pytest.raises(InputErrors) as info:
        load_text(policy("podSelector: {}\ningres: []"), "np.yaml")
    (error,) = info.value.errors
    assert error.location is not None
    assert (error.location.path, error.location.line, error.location.document) == ("np.yaml", 8, 0)
    assert error.obj == "NetworkPolicy prod/web"  # type: ignore[attr-defined]
    assert error.field == "spec"  # type: ignore[attr-defined]
