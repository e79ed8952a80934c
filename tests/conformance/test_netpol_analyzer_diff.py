"""Conformance with np-guard/netpol-analyzer's ``diff`` on the corpus in ../shared/corpus/netpol-analyzer-diff.

Every expected txt, csv, md and dot file is a case: ``podwall diff BEFORE AFTER -o
connlist|connlist-csv|connlist-md|connlist-dot`` must print it byte for byte. Cases
podwall does not reproduce are visible xfails with their reason, each a convention
that SEMANTICS.md or the README documents; the tests after the table prove, for each
kind of reason, that it is the only difference. Without ../shared the module is
skipped with that reason.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import podwall
from podwall.diff import compare
from podwall.model import Cluster
from podwall.render.diff_connlist_dot import diff_connlist_dot
from podwall.render.diff_connlist_txt import diff_connlist_txt
from tests.cli.harness import run
from tests.diff._shared import CORPUS

DIFF = CORPUS / "netpol-analyzer-diff"

if not DIFF.is_dir():
    pytest.skip(f"netpol-analyzer diff corpus not found at {DIFF} (CI provides ../shared)", allow_module_level=True)

OUTPUTS = {"txt": "connlist", "csv": "connlist-csv", "md": "connlist-md", "dot": "connlist-dot"}
CASES = json.loads((DIFF / "cases.json").read_text())["cases"]

HOST_NETWORK = (
    "pods with hostNetwork: true; SEMANTICS.md 'Which pods a policy selects': host-network pods are never "
    "selected (their traffic is node traffic), upstream treats them as ordinary pods "
    "(test_only_host_network_differs proves it is the only difference; with --cni npa they match)"
)
STRICT = (
    "two Services named payments/visa-processor-service: the API server keeps one object per name, so podwall "
    "stops with an input error (defined twice); with --lenient it matches exactly (test_lenient_matches)"
)
NETWORKS = "multi-network analysis (UDN/NAD) is not built in podwall yet: without it the sides connect alike"
INGRESS_PORT = (
    "the new Ingress rule names port 8080 of Service default/unicorn, whose only port is 5000 (targetPort 8080): "
    "an Ingress backend port is a Service port (networking.k8s.io/v1 ServiceBackendPort), so podwall routes nothing "
    "there; upstream also matches a Service's targetPort (test_only_ingress_port_differs)"
)

#: Cases podwall does not reproduce, by case name, with the reason.
KNOWN = {
    "diff_between_ipblockstest_2_and_ipblockstest": HOST_NETWORK,
    "diff_between_ipblockstest_4_and_ipblockstest": HOST_NETWORK,
    "diff_between_semanticDiff-different-topologies-policy-a_and_semanticDiff-same-topologies-old1": HOST_NETWORK,
    "diff_between_semanticDiff-same-topologies-new1_and_semanticDiff-same-topologies-old1": HOST_NETWORK,
    "diff_between_semanticDiff-same-topologies-new1a_and_semanticDiff-same-topologies-old1": HOST_NETWORK,
    "diff_between_semanticDiff-same-topologies-new2_and_semanticDiff-same-topologies-old2": HOST_NETWORK,
    "diff_between_acs-security-demos-added-workloads_and_acs-security-demos": STRICT,
    "diff_between_udn_test_1_and_only_pods_test": NETWORKS,
    "diff_between_k8s_ingress_test_new_and_k8s_ingress_test": INGRESS_PORT,
}


def _params() -> list:
    params = []
    for case in CASES:
        for fmt, file in sorted(case["expected"].items()):
            if fmt not in OUTPUTS:
                continue
            reason = KNOWN.get(case["name"])
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            params.append(pytest.param(case, fmt, id=Path(file).name, marks=marks))
    return params


def test_every_case_and_format_is_covered() -> None:
    """33 cases; every txt, csv, md and dot file is a parameter."""
    assert len(CASES) == 33
    assert all(set(c["expected"]) <= set(OUTPUTS) for c in CASES)
    assert len(_params()) == sum(1 for c in CASES for fmt in c["expected"] if fmt in OUTPUTS)
    assert set(KNOWN) <= {c["name"] for c in CASES}


@pytest.mark.parametrize(("case", "fmt"), _params())
def test_expected_output(case: dict, fmt: str) -> None:
    result = run("diff", str(CORPUS / case["before"]), str(CORPUS / case["after"]), "-o", OUTPUTS[fmt])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (DIFF / case["expected"][fmt]).read_text()


def _case(name: str) -> dict:
    return next(c for c in CASES if c["name"] == name)


def _load(case: dict, **kwargs) -> tuple[Cluster, Cluster]:
    return podwall.load([str(CORPUS / case["before"])], **kwargs), podwall.load([str(CORPUS / case["after"])], **kwargs)


@pytest.mark.parametrize("name", sorted(n for n, reason in KNOWN.items() if reason is HOST_NETWORK))
def test_only_host_network_differs(name: str) -> None:
    """With the host-network convention neutralised on both sides, podwall prints upstream's diff byte for byte."""
    case = _case(name)
    before, after = _load(case)
    assert any(p.host_network for p in before.pods + after.pods)

    def ordinary(cluster: Cluster) -> Cluster:
        return dataclasses.replace(cluster, pods=tuple(dataclasses.replace(p, host_network=False) for p in cluster.pods))

    report = compare(ordinary(before), ordinary(after), explain=False)
    assert diff_connlist_txt(report) == (DIFF / case["expected"]["txt"]).read_text()


@pytest.mark.parametrize("name", sorted(n for n, reason in KNOWN.items() if reason is HOST_NETWORK))
def test_host_network_cases_under_the_npa_profile(name: str) -> None:
    """``--cni npa`` treats host-network pods as pods, as netpol-analyzer does: its diff, byte for byte."""
    case = _case(name)
    result = run("diff", str(CORPUS / case["before"]), str(CORPUS / case["after"]), "-o", "connlist", "--cni", "npa")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("podwall: CNI profile npa (--cni")
    assert result.stdout == (DIFF / case["expected"]["txt"]).read_text()


def test_strict_validation_stops_and_names_the_side() -> None:
    case = _case("diff_between_acs-security-demos-added-workloads_and_acs-security-demos")
    result = run("diff", str(CORPUS / case["before"]), str(CORPUS / case["after"]), "-o", "connlist")
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"after: {CORPUS / case['after']}/payments/visa-processor-v2/deployment.yaml:62: ")
    assert line.endswith("Service payments/visa-processor-service: defined twice (first at "
                         f"{CORPUS / case['after']}/payments/visa-processor/deployment.yaml:81)")


@pytest.mark.parametrize("fmt", ["txt", "csv", "md", "dot"])
def test_lenient_matches(fmt: str) -> None:
    """--lenient keeps the first of the two Services, as upstream does: then every format matches exactly."""
    case = _case("diff_between_acs-security-demos-added-workloads_and_acs-security-demos")
    result = run("diff", str(CORPUS / case["before"]), str(CORPUS / case["after"]), "-o", OUTPUTS[fmt], "--lenient")
    assert result.exit_code == 0
    assert "after: warning: skipped object: " in result.stderr
    assert result.stdout == (DIFF / case["expected"][fmt]).read_text()


def test_only_ingress_port_differs() -> None:
    """Name the Service's port (5000) in the new Ingress rule, as Kubernetes expects: then podwall matches upstream."""
    case = _case("diff_between_k8s_ingress_test_new_and_k8s_ingress_test")
    before, after = _load(case)
    [unicorn] = [e for e in after.exposures if e.service == "unicorn"]
    assert unicorn.port == 8080 and [sp.port for s in after.services if s.name == "unicorn" for sp in s.ports] == [5000]
    fixed = dataclasses.replace(
        after, exposures=tuple(dataclasses.replace(e, port=5000) if e is unicorn else e for e in after.exposures)
    )
    report = compare(before, fixed, explain=False)
    assert diff_connlist_txt(report) == (DIFF / case["expected"]["txt"]).read_text()
    assert diff_connlist_dot(report) == (DIFF / case["expected"]["dot"]).read_text()
