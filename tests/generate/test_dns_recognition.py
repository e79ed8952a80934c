"""DNS is recognised by its Service, once (engine.dns), and lint, generate and explain agree on it.

The OpenShift case of the issue: Service openshift-dns/dns-default maps 53 to the pods'
5353. A policy allowing 53 is DENIED by explain; lint must say so, and generate must
neither write it nor verify it as ok.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import podwall

from podwall.engine.dns import ASSUMED, NODE_LOCAL_ADDRESS, DnsSettings, dns_view
from podwall.model import LabelSelector
from tests.cli.harness import ROOT, TUTORIAL, run

DATA = ROOT / "tests" / "generate" / "data"
OPENSHIFT = str(DATA / "openshift-dns")
KUBE_DNS_POLICY = str(DATA / "openshift-dns-kube-dns-policy.yaml")
OPENSHIFT_SELECTOR = "dns.operator.openshift.io/daemonset-dns=default"

COREDNS_BY_LABEL = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: coredns}}
  template:
    metadata: {labels: {k8s-app: coredns}}
    spec: {containers: [{name: c, image: coredns}]}
"""

NODE_LOCAL = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-local-dns, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: node-local-dns}}
  template:
    metadata: {labels: {k8s-app: node-local-dns}}
    spec: {hostNetwork: true, containers: [{name: c, image: dns}]}
"""


def test_openshift_dns_is_recognised_by_its_service_at_the_target_port() -> None:
    view = dns_view(podwall.load([OPENSHIFT]))
    (server,) = view.servers
    assert (server.namespace, str(server.selector), server.port) == ("openshift-dns", OPENSHIFT_SELECTOR, 5353)
    assert server.via == "Service openshift-dns/dns-default" and not view.assumed


def test_kube_dns_of_the_tutorial_and_coredns_by_its_labels_and_nothing_at_all() -> None:
    tutorial = dns_view(podwall.load([TUTORIAL]))
    assert [(s.namespace, str(s.selector), s.port) for s in tutorial.servers] == [("kube-system", "k8s-app=kube-dns", 53)]
    labelled = dns_view(podwall.load_text(COREDNS_BY_LABEL, "coredns.yaml"))
    assert [(s.namespace, str(s.selector), s.via) for s in labelled.servers] == [
        ("kube-system", "k8s-app=coredns", "labels k8s-app=coredns")
    ]
    empty = dns_view(podwall.load_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "ns.yaml"))
    assert empty.assumed and empty.servers == (ASSUMED,)


def test_node_local_dns_is_an_address_and_settings_replace_recognition() -> None:
    view = dns_view(podwall.load_text(COREDNS_BY_LABEL + "---\n" + NODE_LOCAL, "dns.yaml"))
    assert view.node_local == NODE_LOCAL_ADDRESS
    assert all(not p.host_network for s in view.servers for p in s.pods)  # no policy selects host-network pods
    given = dns_view(podwall.load([OPENSHIFT]), DnsSettings("openshift-dns", LabelSelector.from_labels({"a": "b"}), 5353))
    assert [(s.namespace, str(s.selector), s.port, s.pods) for s in given.servers] == [("openshift-dns", "a=b", 5353, ())]


@pytest.mark.parametrize("verb", [["dns"], ["deny", "--egress", "--allow-dns"]])
def test_generate_allows_the_dns_the_input_runs(verb: list[str]) -> None:
    result = run("generate", *verb, "-n", "shop", "-f", OPENSHIFT)
    assert result.exit_code == 0, result.stderr
    assert "dns.operator.openshift.io/daemonset-dns: default" in result.stdout and "port: 5353" in result.stdout
    assert "kube-dns" not in result.stdout and "port: 53\n" not in result.stdout
    assert "ok: 2 intended flows allowed" in result.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--dns-namespace", "kube-system"],  # DNS where OpenShift has none
        ["--dns-namespace", "openshift-dns", "--dns-selector", OPENSHIFT_SELECTOR],  # the right pods, port 53
    ],
)
def test_a_dns_policy_that_misses_the_real_server_fails_verification(options: list[str]) -> None:
    """Unchecked before (no kube-dns pod) or "ok" (53 written, 5353 listened on); now judged against the real DNS."""
    result = run("generate", "dns", "-n", "shop", "-f", OPENSHIFT, *options)
    assert result.exit_code == 1 and result.stdout == ""
    assert "FAILED: 2 intended flows denied" in result.stderr
    assert "(DNS, Service openshift-dns/dns-default)  5353/UDP" in result.stderr


def test_dns_without_any_server_in_the_input_stays_unchecked_and_passes() -> None:
    result = run("generate", "dns", "-n", "shop", "-f", f"{OPENSHIFT}/shop.yaml")
    assert result.exit_code == 0
    assert "unchecked: shop/* -> kube-system/k8s-app=kube-dns on 53/UDP, 53/TCP: the input has no pods" in result.stderr


def test_lint_explain_and_generate_agree_on_openshift(tmp_path: Path) -> None:
    explained = run("explain", "-f", OPENSHIFT, "-f", KUBE_DNS_POLICY, "-n", "shop", "web",
                    "openshift-dns/svc/dns-default", "53/UDP")
    assert explained.exit_code == 1 and "on 5353/UDP" in explained.stdout
    linted = run("lint", "-f", OPENSHIFT, "-f", KUBE_DNS_POLICY, "-o", "json")
    findings = {f["rule"]: f for f in json.loads(linted.stdout)["findings"]}
    assert "5353/UDP or 5353/TCP" in findings["PW203"]["message"]
    assert findings["PW203"]["fix"] == (
        f"podwall generate dns -n shop --dns-namespace openshift-dns --dns-selector {OPENSHIFT_SELECTOR} --dns-port 5353"
    )
    fixed = tmp_path / "allow-dns.yaml"
    fixed.write_text(run("generate", "dns", "-n", "shop", "-f", OPENSHIFT).stdout)
    again = run("lint", "-f", OPENSHIFT, "-f", str(fixed), "-o", "json")
    assert not [f for f in json.loads(again.stdout)["findings"] if f["rule"] in ("PW203", "PW204", "PW205")]
    allowed = run("explain", "-f", OPENSHIFT, "-f", str(fixed), "-n", "shop", "web", "openshift-dns/svc/dns-default", "53/UDP")
    assert allowed.exit_code == 0


def test_lint_dns_options_name_the_server() -> None:
    result = run("lint", "-f", OPENSHIFT, "--dns-namespace", "openshift-dns", "--dns-port", "5353",
                 "--dns-selector", OPENSHIFT_SELECTOR, "-o", "json")
    assert [f["rule"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "PW203"] == ["PW203"]
