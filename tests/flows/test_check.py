"""``podwall flows check``: the tutorial's story, goldens, the JSON contract, exit codes and errors."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import jsonschema
import pytest

import podwall
from podwall.flows import check, read
from podwall.lint import lint
from podwall.render.flows_json import schema_text
from tests.cli.harness import ROOT, compare_golden, run
from tests.flows.conftest import HUBBLE, PODS, TUTORIAL

FRONTEND = "production/Deployment/frontend"
BACKEND = "production/Deployment/backend"


def _lint_fix(tmp_path: Path) -> str:
    """The YAML of the fix lint proposes for the tutorial's one-sided allow (PW210), made by running it."""
    findings = lint(podwall.load([TUTORIAL])).findings
    fix = next(f.fix for f in findings if f.rule == "PW210")
    args = shlex.split(fix)
    assert args[:3] == ["podwall", "generate", "allow"], fix
    made = run(*args[1:], "-f", TUTORIAL)
    assert made.exit_code == 0, made.stderr
    path = tmp_path / "fix.yaml"
    path.write_text(made.stdout)
    return str(path)


def test_the_tutorial_breaks_frontend_to_backend_on_its_egress_and_the_lint_fix_mends_it(tmp_path: Path) -> None:
    """Traffic observed before default-deny: frontend -> backend 8080 would break, because of frontend's egress."""
    report = check(podwall.load([TUTORIAL]), read([HUBBLE]))
    group = next(g for g in report.breaks if (g.source, g.destination) == (FRONTEND, BACKEND))
    assert [(j.flow.port, j.flow.protocol.value, j.flow.count) for j in group.flows] == [(8080, "TCP", 2)]
    (side,) = group.sides
    assert (side.direction, side.subject, side.policies) == (
        "egress", FRONTEND, ("production/allow-dns", "production/default-deny-all"))
    explanation = group.flows[0].explanation
    assert not explanation.verdict.egress.allowed and explanation.verdict.ingress.allowed
    assert not report.ok

    fixed = check(podwall.load([TUTORIAL, _lint_fix(tmp_path)]), read([HUBBLE]))
    assert all((g.source, g.destination) != (FRONTEND, BACKEND) for g in fixed.breaks)
    assert next(j for j in fixed.judged if j.flow.key == (FRONTEND, BACKEND, 8080, "TCP")).allowed


def test_cli_fail_on_break_and_the_fixed_tutorial(tmp_path: Path) -> None:
    broken = run("flows", "check", "-f", TUTORIAL, "--flows", HUBBLE, "--fail-on-break")
    assert broken.exit_code == 1 and broken.stdout.startswith("WOULD BREAK: 2 observed flows")
    assert run("flows", "check", "-f", TUTORIAL, "--flows", HUBBLE).exit_code == 0
    fixed = run("flows", "check", "-f", TUTORIAL, "-f", _lint_fix(tmp_path), "--flows", HUBBLE, "--fail-on-break")
    assert f"{FRONTEND} -> {BACKEND}\n" not in fixed.stdout
    compare_golden("flows-check-tutorial-fixed", "expected.txt", fixed.stdout.replace(str(tmp_path), "TMP"))


CASES = {
    "flows-check-tutorial": (["-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE], "expected.txt"),
    "flows-check-tutorial-md": (["-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE, "-o", "md"], "expected.md"),
    "flows-check-tutorial-json": (["-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE, "-o", "json"], "expected.json"),
    "flows-check-vpc": (["-f", TUTORIAL, "-f", PODS, "--flows", "tests/flows/data/vpc.log"], "expected.txt"),
    "flows-check-calico-namespace": (
        ["-f", TUTORIAL, "-f", PODS, "--flows", "tests/flows/data/calico.jsonl", "-n", "monitoring"], "expected.txt"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    args, name = CASES[case]
    result = run("flows", "check", *args)
    assert result.exit_code == 0, result.stderr
    compare_golden(case, name, result.stdout)


def test_json_is_a_contract_with_a_schema() -> None:
    result = run("flows", "check", "-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE, "-o", "json")
    document = json.loads(result.stdout)
    jsonschema.validate(document, json.loads(schema_text("FlowsCheck")))
    assert (document["apiVersion"], document["kind"], document["ok"]) == ("podwall.io/v1", "FlowsCheck", False)
    pair = next(g for g in document["would_break"] if g["destination"] == BACKEND)
    assert pair["sides"] == [{"direction": "egress", "subject": FRONTEND,
                              "policies": ["production/allow-dns", "production/default-deny-all"]}]
    assert pair["flows"][0]["explanation"]["egress"]["basis"] == "no-rule"


def test_dropped_but_allowed_gets_a_likely_cause(tmp_path: Path) -> None:
    """The network dropped backend -> database although the policies allow it."""
    line = json.loads(Path(HUBBLE).read_text().splitlines()[5])
    line["flow"]["verdict"] = "DROPPED"
    line["flow"]["drop_reason_desc"] = "POLICY_DENIED"
    other = json.loads(json.dumps(line))
    other["flow"]["verdict"] = "DROPPED"
    other["flow"]["drop_reason_desc"] = "CT_MAP_INSERTION_FAILED"
    other["flow"]["l4"]["TCP"]["destination_port"] = 9090
    path = tmp_path / "dropped.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(other) + "\n")
    open_cluster = podwall.load([str(ROOT / TUTORIAL / "workloads.yaml"), str(ROOT / TUTORIAL / "namespaces.yaml")])
    report = check(open_cluster, read([str(path)]))
    causes = {d.judged.flow.port: d.cause for d in report.dropped_but_allowed}
    assert causes[5432].startswith("stale snapshot: the cluster's policies are not the ones given with -f")
    assert causes[9090] == "not a policy drop (CT_MAP_INSERTION_FAILED): the network itself, not the policies"
    assert report.ok  # dropped is not "would break": the policies allow it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--flows", "-", "-f", "-"], "podwall: --flows - and -f - cannot both read standard input"),
        (["--flows", "tests/flows/data/missing.jsonl", "-f", TUTORIAL],
         "tests/flows/data/missing.jsonl: cannot read flows: No such file or directory"),
        (["--flows", "README.md", "-f", TUTORIAL], "README.md:1: cannot tell the flows format from '# podwall'"),
        (["-f", TUTORIAL], "Missing option '--flows'"),
    ],
)
def test_input_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    result = run("flows", "check", *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_unknown_namespace_is_one_line_with_a_did_you_mean() -> None:
    result = run("flows", "check", "-f", TUTORIAL, "-f", PODS, "--flows", HUBBLE, "-n", "prodution")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", (
        "podwall: -n prodution: did you mean production? no namespace 'prodution' in the input "
        "(namespaces: kube-system, monitoring, production)\n"))


def test_nothing_judged_is_no_all_clear(tmp_path: Path) -> None:
    """Only a Hubble node_status line: no flow, so exit 2 naming the file and why; --allow-empty accepts it."""
    path = tmp_path / "status.jsonl"
    path.write_text(Path(HUBBLE).read_text().splitlines()[0] + "\n")
    result = run("flows", "check", "-f", TUTORIAL, "--flows", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", (
        f"podwall: {path}: no observed flow to judge, so no all-clear (1 line read, 1 record of their format, "
        "0 flow records; 0 records attributed (0 replies turned round), folded into 0 flows; 0 flows judged; "
        f"not flows: 1 record: a Hubble response that is not a flow (first at {path}:1)); --allow-empty accepts that\n"))
    accepted = run("flows", "check", "-f", TUTORIAL, "--flows", str(path), "--allow-empty")
    assert accepted.exit_code == 0
    assert accepted.stdout.startswith("Nothing observed would break (0 flows judged, all allowed).\n")


def test_no_flow_in_the_namespace_is_no_all_clear(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: quiet\n")
    result = run("flows", "check", "-f", TUTORIAL, "-f", PODS, "-f", str(quiet), "-n", "quiet", "--flows", HUBBLE)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", (
        "podwall: tests/flows/data/hubble.jsonl: no observed flow with an end in namespace quiet to judge, so no "
        "all-clear (13 lines read, 13 records of their format, 12 flow records; 11 records attributed (3 replies "
        "turned round), folded into 6 flows; 0 flows judged; not flows: 1 record: a Hubble response that is not a "
        "flow (first at tests/flows/data/hubble.jsonl:1); not judged: 1 record: ICMPv4 without a port: "
        "NetworkPolicy rules name ports of TCP, UDP and SCTP (first at tests/flows/data/hubble.jsonl:13)); "
        "--allow-empty accepts that\n"))


def test_stdin_with_a_given_format() -> None:
    result = run("flows", "check", "-f", TUTORIAL, "-f", PODS, "--flows", "-", "--flows-format", "csv",
                 stdin=Path("tests/flows/data/flows.csv").read_text())
    # CSV has no verdict: frontend -> database, dropped in the other fixtures, would break here too
    assert result.exit_code == 0 and "WOULD BREAK: 3 observed flows" in result.stdout
