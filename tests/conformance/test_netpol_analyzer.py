"""Conformance with np-guard/netpol-analyzer on the corpus in ../shared/corpus.

Every expected file of the corpus is a case: podwall runs through its CLI with the
options in the scenario's ``cases.json`` and the outputs are compared after the
README's normalisations (``normalise.py``). Cases podwall does not match are
visible xfails with their reason, never skips: features not built (multi-network,
pod-level maps), and places where podwall keeps its own answer
because SEMANTICS.md says otherwise (each names the rule). The corpus lives
beside the repository in CI; a fresh clone without it skips with that reason.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import podwall
from podwall.engine.connlist import connlist
from tests.cli.harness import ROOT, run
from tests.conformance import normalise

#: Beside the repository; PODWALL_CORPUS names another place (a worktree's ../shared is elsewhere).
CORPUS = Path(os.environ.get("PODWALL_CORPUS", ROOT.parent / "shared" / "corpus")) / "netpol-analyzer"

if not CORPUS.is_dir():
    pytest.skip(f"netpol-analyzer corpus not found at {CORPUS} (CI provides ../shared)", allow_module_level=True)

HOST_NETWORK = (
    "pods with hostNetwork: true; SEMANTICS.md 'Which pods a policy selects': host-network pods are never "
    "selected (their traffic is node traffic), upstream treats them as ordinary pods "
    "(test_only_host_network_differs proves it is the only difference; with --cni npa they match)"
)
NOT_BUILT_NETWORKS = "multi-network analysis (UDN/NAD sections) is not built in podwall yet"
NOT_BUILT_PODMAP = "the pod-level all-pairs map of upstream's eval package is not a podwall output"

#: Expected files podwall does not reproduce, by file name, with the reason.
KNOWN = {
    "ipblockstest_connlist_output.txt": HOST_NETWORK,
    "ipblockstest_2_connlist_output.txt": HOST_NETWORK,
    "ipblockstest_4_connlist_output.txt": HOST_NETWORK,
    "multiple_topology_resources_1_connlist_output.txt": HOST_NETWORK,
    "semanticDiff-same-topologies-old1_connlist_output.txt": HOST_NETWORK,
    "minikube_resources_connlist_output.txt": (
        "two Job pods in phase Succeeded: podwall leaves finished pods out (they have no network), "
        "upstream still lists their Jobs (README, 'Semantics')"
    ),
    "netpol_named_port_test_connlist_output.txt": (
        "a container port without containerPort: the API server rejects it (required field), so podwall stops "
        "with an input error; upstream ignores the entry"
    ),
    "example_pods_w_same_owner_and_labels_gap_with_good_match_expression_connlist_output.txt": (
        "policy name use_common_labels_same_values is not a DNS-1123 subdomain: the API server rejects it, so "
        "podwall stops with an input error"
    ),
    "anp_test_1_deny_traffic_at_cluster_level_connlist_output.txt": (
        "Deployment sensitive-ns/sensitive selects app=sensitive but its template is labelled app=bar: the API "
        "server rejects it (selector does not match template labels), so podwall stops with an input error "
        "(test_selector_not_matching_its_template)"
    ),
    "anp_test_2_allow_traffic_at_cluster_level_connlist_output.txt": (
        "Deployment monitoring-ns/monitoring's selector does not match its template labels: the API server "
        "rejects it, so podwall stops with an input error (test_selector_not_matching_its_template)"
    ),
    "document_with_syntax_error_connlist_output.txt": (
        "podwall stops on the broken document (exit 2), or with --lenient keeps every valid document of the file; "
        "upstream silently drops the documents after the broken one (test_document_with_syntax_error)"
    ),
}


def _cases() -> list[pytest.param]:
    params = []
    for index in sorted(CORPUS.glob("*/cases.json")):
        scenario = json.loads(index.read_text())
        for entry in scenario["expected"]:
            if entry["format"] == "errors-json":
                continue  # bad_netpols: test_bad_netpols
            name = Path(entry["file"]).name
            reason = KNOWN.get(name)
            if entry["format"] == "pod-map-txt":
                reason = NOT_BUILT_PODMAP
            elif scenario["scenario"] in ("udn_test_2", "nad_test_3"):
                reason = NOT_BUILT_NETWORKS
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            params.append(pytest.param(scenario["scenario"], entry, id=name, marks=marks))
    return params


def _args(scenario: str, entry: dict) -> list[str]:
    options = entry["options"]
    output = "connlist-json" if entry["format"] == "json" else "connlist"
    args = ["reach", "-f", str(CORPUS / scenario / "input"), "-o", output]
    for workload in options["focus_workloads"]:
        args += ["--focus-workload", workload]
    for peer in options["focus_workload_peers"]:
        args += ["--focus-workload-peer", peer]
    if options["focus_direction"]:
        args += ["--focus-direction", options["focus_direction"]]
    if options["focus_conn"]:
        args += ["--focus-conn", options["focus_conn"]]
    if options.get("exposure"):
        args.append("--exposure")
    return args


def _rows(text: str, fmt: str) -> frozenset:
    rows = normalise.from_json(text) if fmt == "json" else normalise.from_text(text)
    return normalise.records(rows)


def _exposure(text: str, fmt: str) -> dict:
    sections = normalise.exposure_from_json(text) if fmt == "json" else normalise.exposure_from_text(text)
    return normalise.exposure_records(sections)


@pytest.mark.parametrize(
    ("scenario", "workload"),
    [
        ("anp_test_1_deny_traffic_at_cluster_level", "sensitive-ns/sensitive"),
        ("anp_test_2_allow_traffic_at_cluster_level", "monitoring-ns/monitoring"),
    ],
)
def test_selector_not_matching_its_template(scenario: str, workload: str) -> None:
    result = run("reach", "-f", str(CORPUS / scenario / "input"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{CORPUS / scenario / 'input' / 'deployments.yaml'}:128: Deployment {workload}: "
                                    "spec.template.metadata.labels: selector does not match template labels (selector ")


@pytest.mark.parametrize(("scenario", "entry"), _cases())
def test_expected_output(scenario: str, entry: dict) -> None:
    expected = (CORPUS / scenario / entry["file"]).read_text()
    result = run(*_args(scenario, entry))
    assert result.exit_code == 0, result.stderr
    if entry["options"].get("exposure"):
        assert _exposure(result.stdout, entry["format"]) == _exposure(expected, entry["format"])
    else:
        assert _rows(result.stdout, entry["format"]) == _rows(expected, entry["format"])


def _host_network_cases() -> list[pytest.param]:
    return [
        pytest.param(*p.values, id=p.id) for p in _cases() if KNOWN.get(Path(p.values[1]["file"]).name) == HOST_NETWORK
    ]


@pytest.mark.parametrize(("scenario", "entry"), _host_network_cases())
def test_host_network_cases_under_the_npa_profile(scenario: str, entry: dict) -> None:
    """``--cni npa`` treats host-network pods as pods, as netpol-analyzer does: its outputs, line for line."""
    expected = (CORPUS / scenario / entry["file"]).read_text()
    result = run(*_args(scenario, entry), "--cni", "npa")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("podwall: CNI profile npa (--cni")
    assert _rows(result.stdout, entry["format"]) == _rows(expected, entry["format"])


@pytest.mark.parametrize(
    "scenario",
    ["ipblockstest", "ipblockstest_2", "multiple_topology_resources_1", "semanticDiff-same-topologies-old1"],
)
def test_only_host_network_differs(scenario: str) -> None:
    """With the host-network convention neutralised, podwall's answer is upstream's, line for line."""
    cluster = podwall.load([str(CORPUS / scenario / "input")])
    assert any(p.host_network for p in cluster.pods)
    ordinary = dataclasses.replace(
        cluster, pods=tuple(dataclasses.replace(p, host_network=False) for p in cluster.pods)
    )
    text = "".join(f"{line.source} => {line.destination} : {line.conns}\n" for line in connlist(ordinary))
    assert text == (CORPUS / scenario / "expected" / f"{scenario}_connlist_output.txt").read_text()


BAD = json.loads((CORPUS / "bad_netpols" / "expected" / "expected_errors.json").read_text())["cases"]
#: podwall's one-line error for each invalid policy of bad_netpols (file relative to the subdir).
BAD_ERRORS = {
    "input/subdir1": 'netpols.yaml:22: NetworkPolicy default/shippingservice-netpol: spec.ingress[2].from[0].ipBlock.cidr: invalid CIDR "A"',
    "input/subdir2": 'netpols.yaml:22: NetworkPolicy default/shippingservice-netpol: spec.podSelector.matchLabels: invalid label key "app@b"',
    "input/subdir3": "netpols.yaml:9: NetworkPolicy default/shippingservice-netpol: spec.ingress[0].from[0]: must specify exactly one of podSelector/namespaceSelector (together or alone) or ipBlock",
    "input/subdir4": "netpols.yaml:9: NetworkPolicy default/shippingservice-netpol: spec.ingress[0].from[0]: must specify exactly one of podSelector/namespaceSelector (together or alone) or ipBlock",
    "input/subdir7": 'resources.yaml:158: NetworkPolicy default/frontend-netpol: spec.egress[0].to[0].podSelector.matchLabels: invalid label value "$backendservice" for "app"',
}


@pytest.mark.parametrize("case", BAD, ids=[c["input"].rsplit("/", 1)[-1] for c in BAD])
def test_bad_netpols(case: dict) -> None:
    """Each invalid policy stops podwall with one located line, exit 2 (as upstream stops fatally)."""
    directory = CORPUS / "bad_netpols" / case["input"]
    result = run("reach", "-f", str(directory), "-o", "connlist")
    if case["input"] == "input/subdir6":
        # The API server accepts a named port with ipBlock peers; podwall evaluates it and says it
        # can match no external address (SEMANTICS.md 'Ports': a named port never matches one).
        assert result.exit_code == 0
        assert "named port 'abc' with only ipBlock peers matches no external address" in result.stderr
        return
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{directory}/{BAD_ERRORS[case['input']]}")


def test_document_with_syntax_error() -> None:
    """Strict: stop with the parser's line and column. Lenient: keep every valid document, warn."""
    directory = CORPUS / "document_with_syntax_error" / "input"
    strict = run("reach", "-f", str(directory), "-o", "connlist")
    assert strict.exit_code == 2
    assert strict.stdout == ""
    assert strict.stderr == (
        f"{directory}/document_with_syntax_error.yaml:225:30: invalid YAML: found character that cannot start any token "
        # The broken line is a Helm template's: "{{ printf ... }}" (render hint, loader.render.template_syntax).
        "(the file holds Helm template syntax {{ }}: a Helm chart, not manifests: render it, helm template CHART | "
        "podwall ... -f -, or add --render to let podwall run helm)\n"
    )
    lenient = run("reach", "-f", str(directory), "-o", "connlist", "--lenient")
    assert lenient.exit_code == 0
    assert "warning: skipped document" in lenient.stderr
    upstream = normalise.from_text(
        (CORPUS / "document_with_syntax_error" / "expected" / "document_with_syntax_error_connlist_output.txt").read_text()
    )
    ours = normalise.from_text(lenient.stdout)
    assert set(upstream) < set(ours)  # everything upstream kept, plus the documents after the broken one
