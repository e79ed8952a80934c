"""What the API server accepts podwall accepts, and what it refuses podwall refuses (issue 10, items 8 and 9).

Each case names the Kubernetes rule it follows; decoding cases are also checked
against the real kubectl in ``test_decode_kubectl.py``.
"""

from __future__ import annotations

import ipaddress

import pytest

from podwall.errors import InputErrors
from podwall.loader import load_text

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: prod
spec:
"""
BOOLEAN = (
    "must be a string, not a boolean (kubectl reads unquoted y, n, yes, no, on, off, true and false as booleans: "
    "quote the value)"
)


def errors(text: str, path: str = "m.yaml") -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, path)
    return str(info.value).splitlines()


# -- the API server accepts: so does podwall ----------------------------------------------------------


def test_a_repeated_policy_type_is_accepted_and_lenient_mode_keeps_the_policy() -> None:
    text = POLICY + "  podSelector: {}\n  policyTypes: [Ingress, Ingress]\n"
    for lenient in (False, True):
        cluster = load_text(text, lenient=lenient)
        (policy,) = cluster.policies
        assert {d.value for d in policy.policy_types} == {"Ingress"}
        assert cluster.warnings == ()


@pytest.mark.parametrize("cidr", ["010.0.0.0/8", "10.0.0.0/0008", "010.000.000.000/08"])
def test_legacy_cidrs_with_leading_zeros_read_as_decimal(cidr: str) -> None:
    """``ParseCIDRSloppy`` (Go 1.16's parser), which NetworkPolicy validation keeps for compatibility."""
    text = POLICY + f"  podSelector: {{}}\n  ingress:\n  - from:\n    - ipBlock: {{cidr: {cidr}}}\n"
    (policy,) = load_text(text).policies
    assert policy.ingress[0].peers[0].cidr == ipaddress.ip_network("10.0.0.0/8")


def test_an_ipv4_mapped_except_is_accepted_as_its_ipv4_block_with_a_warning() -> None:
    text = POLICY + "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: ['::ffff:10.1.0.0/112']}\n"
    cluster = load_text(text)
    (peer,) = cluster.policies[0].ingress[0].peers
    assert peer.excepts == (ipaddress.ip_network("10.1.0.0/16"),)
    assert cluster.warnings == (
        "warning: <string>:10: NetworkPolicy prod/web: spec.ingress[0].from[0].ipBlock.except[0]: ::ffff:10.1.0.0/112 "
        "is an IPv4-mapped IPv6 block: read as 10.1.0.0/16, as the API server validates it (network plugins may not)",
    )


def test_null_label_values_and_null_expression_values_are_empty_strings() -> None:
    """JSON null decodes to a string's zero value, ""."""
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: prod, labels: {app: web, track: null}}\n---\n"
        + POLICY
        + "  podSelector:\n    matchLabels: {track: ~}\n    matchExpressions: [{key: app, operator: In, values: [web, null]}]\n"
    )
    cluster = load_text(text)
    (pod,) = [p for p in cluster.pods if p.name == "a"]
    assert pod.labels == {"app": "web", "track": ""}
    selector = cluster.policies[0].pod_selector
    assert selector.match_labels == (("track", ""),)
    assert selector.match_expressions[0].values == ("", "web")


def test_unquoted_dates_are_label_values_and_port_080_is_80() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: prod, labels: {released: 2024-01-02}}\n---\n"
        + POLICY
        + "  podSelector: {}\n  ingress:\n  - ports: [{port: 080}]\n"
    )
    cluster = load_text(text)
    assert cluster.pods[0].labels == {"released": "2024-01-02"}
    assert cluster.policies[0].ingress[0].ports[0].port == 80


def test_upper_case_annotation_keys_are_valid() -> None:
    """``ValidateAnnotations`` checks the lower-cased key."""
    text = POLICY.replace("  namespace: prod\n", "  namespace: prod\n  annotations: {Example.COM/Owner: team-a}\n") + "  podSelector: {}\n"
    (policy,) = load_text(text).policies
    assert dict(policy.annotations) == {"Example.COM/Owner": "team-a"}


# -- the API server refuses: so does podwall -----------------------------------------------------------


def test_status_on_a_network_policy() -> None:
    assert errors(POLICY + "  podSelector: {}\nstatus: {conditions: []}\n") == [
        'm.yaml:8: NetworkPolicy prod/web: unknown field "status"'
    ]


def test_annotations_over_256_kib() -> None:
    big = "x" * (256 * 1024)
    text = POLICY.replace("  namespace: prod\n", f"  namespace: prod\n  annotations: {{note: {big}}}\n") + "  podSelector: {}\n"
    assert errors(text) == [
        "m.yaml:6: NetworkPolicy prod/web: metadata.annotations: annotations take 262148 bytes: the API server accepts "
        "at most 256 KiB (262144 bytes)"
    ]


def test_owner_references_need_a_name_and_are_warned_about_without_api_version_or_kind() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  ownerReferences:\n  - {uid: u1}\n"
    assert errors(text) == ['m.yaml:6: Pod default/a: metadata.ownerReferences[0]: missing required field "name"']
    cluster = load_text(text.replace("{uid: u1}", "{name: rs, controller: true}"), "m.yaml")
    assert cluster.warnings == (
        'warning: m.yaml:6: Pod default/a: metadata.ownerReferences[0]: missing "apiVersion" and "kind", which the '
        "API server requires (read here for grouping only)",
    )
    two = "  - {apiVersion: apps/v1, kind: ReplicaSet, name: a, uid: u1, controller: true}\n"
    assert errors(text.replace("  - {uid: u1}\n", two + two.replace("name: a", "name: b"))) == [
        "m.yaml:7: Pod default/a: metadata.ownerReferences[1]: only one reference can have controller set to true"
    ]


@pytest.mark.parametrize(
    ("finalizers", "problem"),
    [
        ("[cleanup]", 'invalid finalizer "cleanup": neither a standard finalizer name (foregroundDeletion, kubernetes, '
                      "orphan) nor fully qualified (domain/name)"),
        ("[example.com/a b]", "invalid finalizer \"example.com/a b\": name part must consist of alphanumeric characters, "
                              "'-', '_' or '.', and must start and end with an alphanumeric character"),
    ],
)
def test_invalid_finalizers(finalizers: str, problem: str) -> None:
    text = POLICY.replace("  namespace: prod\n", f"  namespace: prod\n  finalizers: {finalizers}\n") + "  podSelector: {}\n"
    (line,) = errors(text)
    assert line.endswith(problem)


def test_port_1_20_is_a_string_for_kubectl_not_sexagesimal_80() -> None:
    text = POLICY + "  podSelector: {}\n  ingress:\n  - ports: [{port: 1:20}]\n"
    (line,) = errors(text)
    assert line == (
        'm.yaml:9: NetworkPolicy prod/web: spec.ingress[0].ports[0].port: invalid port name "1:20": '
        "must contain only lowercase letters, digits and '-'"
    )


@pytest.mark.parametrize("value", ["y", "n", "Yes", "off"])
def test_label_values_that_kubectl_reads_as_booleans(value: str) -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, labels: {{enabled: {value}}}}}\n"
    assert errors(text) == [f'm.yaml:3: ConfigMap c: metadata.labels: value of "enabled" {BOOLEAN}']


def test_json_nan_and_infinity() -> None:
    assert errors('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": NaN}}', "c.json") == [
        "c.json:1:84: invalid JSON: NaN is not valid JSON (kubectl rejects it)"
    ]


@pytest.mark.parametrize("name", ["1web", "web.shop"])
def test_service_names_must_be_dns_1035_labels(name: str) -> None:
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{ports: [{{port: 80}}]}}\n"
    (line,) = errors(text)
    assert "metadata.name: invalid name" in line and "must be a lowercase RFC 1035 label" in line


# -- huge numbers never become tracebacks (issue 10, item 6) --------------------------------------------


def test_a_5000_digit_number_in_yaml_is_the_string_kubectl_reads() -> None:
    digits = "1" * 5000
    cluster = load_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{n: {digits}}}\n")
    assert cluster.skipped == {"ConfigMap": 1}
    assert errors(POLICY + f"  podSelector: {{}}\n  ingress:\n  - ports: [{{port: {digits}}}]\n")[0].startswith(
        'm.yaml:9: NetworkPolicy prod/web: spec.ingress[0].ports[0].port: invalid port name "1111111111'
    )


def test_a_5000_digit_number_in_json_is_an_input_error_with_its_line() -> None:
    digits = "1" * 5000
    text = '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "c"},\n "data": {"n": ' + digits + "}}"
    assert errors(text, "c.json") == [
        "c.json:3:16: invalid JSON: number 1111111111...111111 (5000 characters) is out of range "
        "(kubectl: cannot unmarshal number into float64)"
    ]
