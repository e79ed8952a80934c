"""``podwall lab run`` with intents: intended, predicted and observed, and the flows not as intended.

The mapping (intents -> the lab's probes) and the rendering need no root: they are
tested on a simulated lab, the real session code with a kernel that does exactly
what the engine says (goldens under tests/golden/lab-intents-*). One test runs the
real lab, as root, on the tutorial.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator

import pytest

import podwall
from podwall.cli.intents import (
    _intents_documents,
    expand_intents,
    intended_probes,
    intents_among,
)
from podwall.engine import EngineOptions, External, Probe, evaluate
from podwall.generate import parse_intents
from podwall.lab import LabResult, Observation, Outcome, plan_lab
from podwall.lab import plan as lab_plan
from podwall.lab import session as lab_session
from podwall.loader.files import Source
from podwall.model import Protocol
from podwall.render.lab_json import lab_json
from podwall.render.lab_text import lab_list
from tests.cli.harness import CNI_GENERIC, ROOT, TUTORIAL, compare_golden, run

INTENTS = str(ROOT / "examples" / "lab" / "tutorial-intents.yaml")
FRONTEND = "production/Deployment/frontend"
BACKEND = "production/Deployment/backend"
DATABASE = "production/Deployment/database"
PROMETHEUS = "monitoring/Deployment/prometheus"
COREDNS = "kube-system/Deployment/coredns"
INTERNET = "203.0.113.10"


# -- a simulated lab: the real session code, a kernel that does what the engine says ----------


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No namespaces, no agents, no root: every probe "observes" the engine's verdict."""

    def build(self) -> None:
        pass

    def apply(self, cluster, options=EngineOptions()) -> None:
        self._simulated = (self.plan.cluster(cluster), options)

    def teardown(self) -> None:
        self.timings.clear()  # no timings: the output is the same on every machine

    def probe(self, tasks, timeout):
        cluster, options = self._simulated
        pods = {s.key: s.pod for s in self.plan.subjects}

        def end(name: str):
            return pods[name] if name in pods else External(ipaddress.ip_address(name))

        verdicts = [evaluate(cluster, end(t.source), end(t.destination), t.probe, options) for t in tasks]
        return [(Outcome.ALLOWED.value if v.allowed else Outcome.DENIED.value, "") for v in verdicts]

    monkeypatch.setattr(lab_session.Lab, "build", build)
    monkeypatch.setattr(lab_session.Lab, "apply", apply)
    monkeypatch.setattr(lab_session.Lab, "teardown", teardown)
    monkeypatch.setattr(lab_session.Lab, "_run", probe)
    monkeypatch.setattr(lab_plan, "new_run_id", lambda: "pwl-000000")
    yield


# -- goldens ------------------------------------------------------------------------------------

ONE_FLOW = ["--by", "workload", "--from", "production/deploy/frontend", "--to", "production/deploy/backend",
            "--to", "kube-system/deploy/coredns", "--probe", "8080", "--probe", "53/UDP", "--probe", "53/SCTP"]

CASES = {
    # case directory: (arguments of ``podwall``, exit code, expected file name)
    "lab-intents-table": (["lab", "run", "-f", TUTORIAL, "--by", "workload", "--intents", INTENTS], 0, "expected.txt"),
    "lab-intents-list": (["lab", "run", "-f", TUTORIAL, "--intents", INTENTS, *ONE_FLOW, "-o", "list"], 0,
                         "expected.txt"),
    "lab-intents-json": (["lab", "run", "-f", TUTORIAL, "--intents", INTENTS, *ONE_FLOW, "-o", "json"], 0,
                         "expected.json"),
    "lab-intents-among-f-fail-on-intent": (
        ["lab", "run", "-f", TUTORIAL, "-f", INTENTS, *ONE_FLOW, "--fail-on-intent"], 1, "expected.txt"
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, simulated: None) -> None:
    args, code, name = CASES[case]
    result = run(*args)
    assert result.stderr == CNI_GENERIC
    assert result.exit_code == code
    compare_golden(case, name, result.stdout.replace(str(ROOT) + "/", ""))


def test_without_intents_the_output_keeps_two_columns(simulated: None) -> None:
    listed = run("lab", "run", "-f", TUTORIAL, *ONE_FLOW, "-o", "list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines()[1].split() == ["ALLOWED", FRONTEND, "->", COREDNS, "53/UDP", "engine", "ALLOWED"]
    assert "INTENDED" not in listed.stdout and "intended" not in listed.stdout
    document = json.loads(run("lab", "run", "-f", TUTORIAL, *ONE_FLOW, "-o", "json").stdout)
    assert "intents" not in document and "not_as_intended" not in document["summary"]
    assert all("intended" not in r for r in document["results"])
    table = run("lab", "run", "-f", TUTORIAL, "--by", "workload")
    assert "Intended, predicted and observed" not in table.stdout and "NOT AS INTENDED" not in table.stdout


# -- exit codes and errors ---------------------------------------------------------------------


def test_fail_on_intent_makes_intent_mismatches_exit_1(simulated: None) -> None:
    args = ["lab", "run", "-f", TUTORIAL, "--intents", INTENTS, "--by", "workload",
            "--from", "production/deploy/frontend", "--to", "production/deploy/backend", "--probe", "8080"]
    assert run(*args).exit_code == 0  # kernel and engine agree: intents alone do not fail the run
    failed = run(*args, "--fail-on-intent")
    assert failed.exit_code == 1
    assert "NOT AS INTENDED: the engine's verdict differs from the intents on 1 of 1 probes" in failed.stdout
    as_intended = run("lab", "run", "-f", TUTORIAL, "--intents", INTENTS, "--by", "workload", "--fail-on-intent",
                      "--from", "production/deploy/backend", "--to", "production/deploy/database", "--probe", "5432")
    assert as_intended.exit_code == 0
    assert "As intended: the engine's verdict is what the intents ask for on all 1 probes they speak about." in (
        as_intended.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on-intent"], "podwall: --fail-on-intent needs intents: a kind: Intents document among -f"),
        (["-f", "-", "--intents", "-"], "podwall: --intents and -f cannot both be - (stdin)"),
        (["--intents", "/nonexistent/app.yaml"], "/nonexistent/app.yaml: cannot read: No such file or directory"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run("lab", "run", "-f", TUTORIAL, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_broken_intents_document_among_f_is_reported_at_its_line(tmp_path) -> None:
    """Before anything is built (so without root): FILE:LINE of the file, not of the document."""
    text = (ROOT / "examples" / "lab" / "tutorial-intents.yaml").read_text().replace("backend:8080", "backnd:8080")
    bad = tmp_path / "all.yaml"
    bad.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n---\n" + text)
    bad.write_text(bad.read_text() + "---\n" + text.replace("defaultDeny: all", "defaultDeny: none"))
    lines = [i + 1 for i, text in enumerate(bad.read_text().splitlines())
             if text in ("  - frontend -> backnd:8080/TCP", "defaultDeny: none")]
    result = run("lab", "run", "-f", TUTORIAL, "-f", str(bad))
    assert result.exit_code == 2
    got = result.stderr.splitlines()
    assert got[0].startswith(f"{bad}:{lines[0]}: flows[1]: unknown workload \"backnd\"")  # every document's problems
    assert got[1].startswith(f"{bad}:{lines[1]}: defaultDeny: must be all, ingress or egress")
    assert got[2].startswith(f"{bad}:{lines[2]}: flows[1]: unknown workload \"backnd\"")


def test_intents_documents_are_found_among_manifests_with_their_lines() -> None:
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
        "---\n# a comment\napiVersion: podwall/v1alpha1\nkind: Intents\nnamespaces: [a]\n"
        "---\n--- {\"apiVersion\": \"podwall/v1alpha1\", \"kind\": \"Intents\"}\n"
        "---\nkind: Intents\napiVersion: other.example/v1\n"
    )
    documents = _intents_documents(text)
    assert [line for line, _ in documents] == [6, 10]
    assert documents[0][1].splitlines()[5:] == ["apiVersion: podwall/v1alpha1", "kind: Intents", "namespaces: [a]"]
    found = intents_among([Source("app.yaml", text)], "b")
    assert [(name, intents.namespaces) for name, intents in found] == [("app.yaml:6", ("a",)), ("app.yaml:10", ("b",))]
    assert _intents_documents("kind: Intents\n: : :\n") == []  # malformed: the loader reports it


# -- the mapping, pure ----------------------------------------------------------------------------


def mapping(intents_text: str, probes: list[Probe], *, external: str = INTERNET):
    """(intended, judged, flows no probe shows) over every probe of a tutorial lab, plus one external address."""
    cluster = podwall.load([TUTORIAL])
    plan = plan_lab(cluster, probes, by="workload", internet=False, run_id="pwl-000000")
    ends: dict = {s.key: s.pod for s in plan.subjects}
    ends[external] = External(ipaddress.ip_address(external))
    keys = [(s, d, p) for s in ends for d in ends for p in plan.probes if s != external or d != external]
    lab = expand_intents([("app.yaml", parse_intents(intents_text, "app.yaml"))], cluster)
    return intended_probes(lab, ends, keys, cluster)


TUTORIAL_INTENTS = (ROOT / "examples" / "lab" / "tutorial-intents.yaml").read_text()
PROBES = [Probe(53, Protocol.UDP), Probe(53), Probe(80), Probe(443), Probe(5432), Probe(8080), Probe(9090)]


def test_flows_named_ports_dns_and_the_internet_map_onto_the_lab() -> None:
    intended, judged, unseen = mapping(TUTORIAL_INTENTS, PROBES)
    assert {(s, d, p) for s, d, p in intended if s != INTERNET and d != INTERNET and d != COREDNS} == {
        (FRONTEND, BACKEND, Probe(8080)),
        (BACKEND, DATABASE, Probe(5432)),
        # prometheus -> *:metrics: the port named metrics on every other workload (9090 on each)
        (PROMETHEUS, FRONTEND, Probe(9090)),
        (PROMETHEUS, BACKEND, Probe(9090)),
        (PROMETHEUS, DATABASE, Probe(9090)),
    }
    # dns: true: every pod of the app's namespace to the cluster DNS, on 53/UDP and 53/TCP
    assert {(s, p) for s, d, p in intended if d == COREDNS} == {
        (w, p) for w in (FRONTEND, BACKEND, DATABASE) for p in (Probe(53, Protocol.UDP), Probe(53))
    }
    # internet -> frontend:80 and backend -> internet:443, played by the lab's external address
    assert {(s, d, p) for s, d, p in intended if INTERNET in (s, d)} == {
        (INTERNET, FRONTEND, Probe(80)), (BACKEND, INTERNET, Probe(443))
    }
    assert intended <= judged and unseen == ()


def test_what_the_intents_speak_about() -> None:
    _, judged, _ = mapping(TUTORIAL_INTENTS, PROBES)
    assert (FRONTEND, PROMETHEUS, Probe(53)) in judged  # the app's egress is denied by default
    assert (COREDNS, FRONTEND, Probe(80)) in judged  # and so is its ingress
    assert (INTERNET, BACKEND, Probe(443)) in judged
    assert (COREDNS, PROMETHEUS, Probe(9090)) not in judged  # neither end is the app's
    assert (PROMETHEUS, INTERNET, Probe(443)) not in judged
    assert (FRONTEND, FRONTEND, Probe(80)) not in judged  # a subject to itself: always allowed


def test_default_deny_ingress_leaves_egress_unjudged_and_dns_false_intends_no_dns() -> None:
    text = TUTORIAL_INTENTS.replace("defaultDeny: all", "defaultDeny: ingress").replace("dns: true", "dns: false")
    intended, judged, _ = mapping(text, PROBES)
    assert not any(d == COREDNS for _, d, _ in intended)
    assert (FRONTEND, PROMETHEUS, Probe(53)) not in judged
    assert (COREDNS, FRONTEND, Probe(80)) in judged


def test_internet_as_a_destination_is_the_public_internet_only() -> None:
    intended, judged, _ = mapping(TUTORIAL_INTENTS, PROBES, external="10.1.2.3")
    assert (BACKEND, "10.1.2.3", Probe(443)) not in intended
    assert (BACKEND, "10.1.2.3", Probe(443)) in judged  # meant to be denied: a private address
    assert ("10.1.2.3", FRONTEND, Probe(80)) in intended  # as a source, internet is every address


def test_intended_flows_on_ports_the_lab_does_not_probe_are_returned() -> None:
    _, _, unseen = mapping(TUTORIAL_INTENTS, [Probe(8080), Probe(9090)])
    assert list(dict.fromkeys(f.text for f in unseen)) == [
        "production/* -> DNS kube-system/k8s-app=kube-dns", "internet -> frontend:80", "backend -> database:5432",
        "backend -> internet:443",
    ]
    cluster = podwall.load([TUTORIAL])
    lab = expand_intents([("app.yaml", parse_intents(TUTORIAL_INTENTS, "app.yaml"))], cluster)
    frontend = plan_lab(cluster, by="workload", run_id="pwl-000000").subject(FRONTEND).pod
    ends = {FRONTEND: frontend, INTERNET: External(ipaddress.ip_address(INTERNET))}
    _, _, unseen = intended_probes(lab, ends, [(FRONTEND, INTERNET, Probe(80))], cluster)
    assert unseen == ()  # ends the lab does not probe together: nothing to say


def test_marks_for_errors_disagreements_and_intents() -> None:
    view = plan_lab(podwall.load([TUTORIAL]), run_id="pwl-000000").view
    wrong = Observation(FRONTEND, BACKEND, Probe(8080), Outcome.ALLOWED, False)  # kernel and engine differ
    broken = Observation(FRONTEND, DATABASE, Probe(5432), Outcome.ERROR, False, "connection refused")
    fine = Observation(BACKEND, DATABASE, Probe(5432), Outcome.ALLOWED, True)
    keys = {(o.source, o.destination, o.probe) for o in (wrong, broken, fine)}
    result = LabResult("pwl-000000", view, (BACKEND, DATABASE, FRONTEND), (), (Probe(8080), Probe(5432)),
                       (fine, broken, wrong), intents=("app.yaml",),
                       intended=frozenset({(FRONTEND, BACKEND, Probe(8080)), (BACKEND, DATABASE, Probe(5432))}),
                       judged=frozenset(keys))
    lines = lab_list(result).splitlines()
    assert lines[0].split() == ["INTENDED", "PREDICTED", "OBSERVED", "PROBE"]
    assert lines[1].split() == ["ALLOWED", "ALLOWED", "ALLOWED", BACKEND, "->", DATABASE, "5432/TCP"]
    assert lines[2].split()[:3] == ["DENIED", "DENIED", "ERROR"]
    assert lines[2].split("5432/TCP")[1].strip() == "<< not compared  (connection refused)"
    assert lines[3].split()[:3] == ["ALLOWED", "DENIED", "ALLOWED"]
    assert lines[3].split("8080/TCP")[1].strip() == "<< DISAGREES, NOT AS INTENDED"
    assert (result.ok, [o.probe for o in result.not_as_intended]) == (False, [Probe(8080)])
    document = json.loads(lab_json(result))
    assert [(r["intended"], r["as_intended"]) for r in document["results"]] == [
        ("allowed", True), ("denied", True), ("allowed", False)
    ]
    assert document["summary"]["not_as_intended"] == 1 and document["summary"]["judged_by_intents"] == 3


def test_a_result_without_intents_judges_nothing() -> None:
    o = Observation(FRONTEND, BACKEND, Probe(8080), Outcome.DENIED, False)
    plain = LabResult("pwl-000000", plan_lab(podwall.load([TUTORIAL]), run_id="pwl-000000").view, (FRONTEND, BACKEND),
                      (), (Probe(8080),), (o,))
    assert (plain.has_intents, plain.intent(o), plain.not_as_intended) == (False, None, ())
    assert "INTENDED" not in lab_list(plain) and '"intended"' not in lab_json(plain)


# -- the real lab, as root ---------------------------------------------------------------------------


@pytest.mark.lab
def test_the_tutorial_with_its_intents_in_three_columns() -> None:
    """frontend -> backend 8080 is intended; the tutorial's policies deny it, and the kernel agrees."""
    result = run("lab", "run", "-f", TUTORIAL, "--by", "workload", "--intents", INTENTS, "--timeout", "0.5",
                 "--fail-on-intent")
    assert result.exit_code == 1, result.stdout + result.stderr
    out = result.stdout
    assert "Kernel and engine agree on all 210 probes compared." in out  # exit 1 only for --fail-on-intent
    header = next(line for line in out.splitlines() if line.startswith("FROM "))
    assert header.split() == ["FROM", "TO", "PROBE", "INTENDED", "PREDICTED", "OBSERVED"]
    rows = {tuple(line.split()[:3]): line.split()[3:] for line in out.splitlines()}
    assert rows[FRONTEND, BACKEND, "8080/TCP"] == ["ALLOWED", "DENIED", "DENIED", "<<", "NOT", "AS", "INTENDED"]
    assert rows[BACKEND, DATABASE, "5432/TCP"] == ["ALLOWED", "ALLOWED", "ALLOWED"]
    assert rows[FRONTEND, COREDNS, "53/UDP"] == ["ALLOWED", "ALLOWED", "ALLOWED"]
    assert rows[FRONTEND, PROMETHEUS, "53/UDP"] == ["DENIED", "ALLOWED", "ALLOWED", "<<", "NOT", "AS", "INTENDED"]
    assert "NOT AS INTENDED: the engine's verdict differs from the intents on 8 of 144 probes they speak about:" in out
    assert (f"  {FRONTEND} -> {BACKEND} 8080/TCP: intended ALLOWED, engine DENIED, kernel DENIED\n"
            f"    DENIED: {FRONTEND} -> {BACKEND} on 8080/TCP\n"
            f"    Egress from {FRONTEND}: DENIED\n"
            f"      isolated for egress by 2 policies") in out
    assert "Note: intended flows on ports this lab does not probe (see --probe): backend -> internet:443." in out
