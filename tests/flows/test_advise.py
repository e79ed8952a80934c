"""``podwall flows advise``: least-privilege intents from observed flows, proven; goldens and the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import podwall
from podwall.flows import advise, read
from podwall.generate import parse_intents
from podwall.render.flows_json import schema_text
from tests.cli.harness import ROOT, compare_golden, run
from tests.flows.conftest import HUBBLE, PODS, TUTORIAL




CASES = {
    "flows-advise-tutorial-intents": (["-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE], "expected.yaml"),
    "flows-advise-tutorial-yaml": (["-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE, "-o", "yaml"], "expected.yaml"),
    "flows-advise-no-manifests": (["--flows", "tests/flows/data/gadget.jsonl", "--app", "shop"], "expected.yaml"),
    "flows-advise-vpc-namespace": (
        ["-f", TUTORIAL, "-f", PODS, "--flows", "tests/flows/data/vpc.log", "-n", "production", "--external-prefix", "16"],
        "expected.yaml",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    args, name = CASES[case]
    result = run("flows", "advise", *args)
    assert result.exit_code == 0, result.stderr
    compare_golden(case, name, result.stdout)
    assert "# ok: every kept observed flow is allowed and nothing else is opened\n" in result.stdout


def test_the_intents_read_back_and_select_by_stable_labels_only() -> None:
    """Pods carry pod-template-hash; the advice never selects by it, nor by pod names."""
    result = advise(read([HUBBLE]), podwall.load([TUTORIAL, PODS]))
    assert result.ok
    intents = parse_intents(result.text, "advice.yaml")
    selectors = {w.name: dict(w.selector.match_labels) for w in intents.workloads}
    assert selectors == {"prometheus": {"app": "prometheus"}, "backend": {"app": "backend"},
                         "database": {"app": "database"}, "frontend": {"app": "frontend"}}
    assert "pod-template-hash" not in result.text and "7d9c5b8f6" not in result.text
    flows = [f.text for f in intents.flows]
    assert flows == ["203.0.113.0/24 -> frontend:80/TCP", "prometheus -> frontend:9090/TCP",
                     "backend -> database:5432/TCP", "frontend -> backend:8080/TCP"]
    reasons = {(left.flow.destination.name, left.flow.port): left.reason for left in result.left_out}
    assert reasons == {
        ("kube-system/Deployment/coredns", 53): "DNS to the cluster's DNS server: allowed by dns: true",
        ("production/Deployment/database", 5432): "the network dropped every record: only traffic that got through is advised",
    }
    assert {j.flow.key for j in result.replay.judged} == {f.key for f in result.kept}
    assert all(j.allowed for j in result.replay.judged) and result.verification.ok


def test_min_count_and_external_prefix() -> None:
    result = advise(read([HUBBLE]), podwall.load([TUTORIAL, PODS]), min_count=2, external_prefix=8)
    assert [f.text for f in parse_intents(result.text).flows] == ["frontend -> backend:8080/TCP"]  # 2 connections
    left = {left.flow.source.name: left.reason for left in result.left_out if "min-count" in left.reason}
    assert left == {"203.0.0.0/8": "seen 1 time, fewer than --min-count 2",
                    "monitoring/Deployment/prometheus": "seen 1 time, fewer than --min-count 2",
                    "production/Deployment/backend": "seen 1 time, fewer than --min-count 2",
                    "production/Deployment/frontend": "seen 1 time, fewer than --min-count 2"}


def test_json_is_a_contract_with_a_schema() -> None:
    result = run("flows", "advise", "-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE, "-o", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, json.loads(schema_text("FlowsAdvice")))
    assert (document["apiVersion"], document["kind"], document["ok"]) == ("podwall.io/v1", "FlowsAdvice", True)
    assert document["policies"]["kind"] == "List" and document["verification"]["opened"] == []
    compare_golden("flows-advise-tutorial-json", "expected.json", result.stdout)


def test_address_only_records_without_manifests_name_nothing() -> None:
    result = run("flows", "advise", "--flows", "tests/flows/data/flows.csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "podwall: tests/flows/data/flows.csv: nothing to advise: no flow of the 7 flow records names a workload "
        "(7 unattributed, e.g. source: 10.244.1.11: without manifests (-f) an address names no workload); "
        "address-only formats (VPC, conntrack, CSV) need the manifests with -f (8 lines read, 8 records of their "
        "format, 7 flow records; 0 records attributed (0 replies turned round), folded into 0 flows; 0 flows judged; "
        "not flows: 1 record: the header line (first at tests/flows/data/flows.csv:1); unattributed: 3 records: "
        "source: 10.244.1.11: without manifests (-f) an address names no workload (first at "
        "tests/flows/data/flows.csv:2); 4 more reasons)\n")


NAMESPACES = "(namespaces: kube-system, monitoring, production)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", TUTORIAL, "-f", PODS, "-n", "prodution"],
         f"podwall: -n prodution: did you mean production? no namespace 'prodution' in the input {NAMESPACES}"),
        (["-n", "prodution"],  # without -f: the namespaces of the observed workloads
         f"podwall: -n prodution: did you mean production? no namespace 'prodution' in the input {NAMESPACES}"),
        (["-f", TUTORIAL, "-f", PODS, "-n", "nosuch"],
         f"podwall: -n nosuch: no namespace 'nosuch' in the input {NAMESPACES}"),
        (["-f", TUTORIAL, "-f", PODS, "-n", "monitoring", "--min-count", "3"],
         "podwall: tests/flows/data/hubble.jsonl: nothing to advise in monitoring: none of the 6 observed flows is kept "
         "(5 flows: seen 1 time, fewer than --min-count 3; 1 flow: seen 2 times, fewer than --min-count 3) "
         "(13 lines read, 13 records of their format, 12 flow records; 11 records attributed (3 replies turned round), "
         "folded into 6 flows; 0 flows judged; not flows: 1 record: a Hubble response that is not a flow (first at "
         "tests/flows/data/hubble.jsonl:1); not judged: 1 record: ICMPv4 without a port: NetworkPolicy rules name "
         "ports of TCP, UDP and SCTP (first at tests/flows/data/hubble.jsonl:13))"),
    ],
)
def test_nothing_to_advise_is_an_error_never_an_empty_advice(args: list[str], message: str) -> None:
    """An empty intents file would deny everything in the namespace: exit 2, one line, nothing on stdout."""
    result = run("flows", "advise", "--flows", HUBBLE, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--external-prefix", "33"], "podwall: --external-prefix must be 0-32 (and --external-prefix6 0-128)"),
        (["--min-count", "0"], "podwall: --min-count must be 1 or more"),
        (["-n", "a", "-A"], "podwall: -n and -A cannot be used together"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run("flows", "advise", "--flows", HUBBLE, *args)
    assert (result.exit_code, result.stderr.strip()) == (2, message)
