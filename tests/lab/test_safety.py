"""What the lab hands to interpreters is checked and fails closed; agents run with bounded memory.

``check_script`` refuses anything the compiler does not write (so a bug can never
load a file or a rule the policies do not say), ``ip`` refuses any argument or
batch line outside podwall's vocabulary before it runs, and every agent's data
segment is capped (``RLIMIT_DATA``): past it the agent stops with a clear error.
"""

from __future__ import annotations

import dataclasses
import subprocess
import time

import pytest

import podwall
from podwall.lab import LabError, compile_subject, plan_lab, run
from podwall.lab import agents as lab_agents
from podwall.lab import netns as lab_netns
from podwall.lab import nft as lab_nft
from podwall.lab.nft import UnsafeScript, check_script, compile_rules

from tests.cli.harness import GOLDEN, TUTORIAL
from tests.cli.harness import run as cli
from tests.lab.conftest import fresh_run_id
from tests.lab.corpus import WORLD

TUTORIAL_SCRIPTS = (GOLDEN / "lab-rules-tutorial" / "expected.nft").read_text()


def a_script() -> str:
    cluster = podwall.load([TUTORIAL])
    return compile_subject(cluster, cluster.pods[0], cluster.pods)


@pytest.mark.parametrize(
    "line",
    [
        'include "/etc/hostname"',
        "define x = 1",
        "\t\tip saddr $x accept",
        '\t# a comment with a "quote"',
        "\t# a comment with a backslash \\",
        "\t\tgoto elsewhere",
        "\t\tip saddr @nowhere accept",
        "\t\ttcp dport { 70000 } accept",
        "\t\tmeta mark set 1 accept",
        "\t\tip saddr 10.0.0.1/33 accept",
        "\t\tip saddr 10.0.0.1 accept comment \"x\"",
        "\t# a NUL \x00",
        "\t# a carriage return \r accept",
        "\t# caf\u00e9",
    ],
)
def test_the_check_refuses_what_the_compiler_does_not_write(line: str) -> None:
    script = a_script()
    check_script(script)
    lines = script.split("\n")
    lines.insert(len(lines) - 3, line)  # inside the last chain
    with pytest.raises(UnsafeScript):
        check_script("\n".join(lines))


def test_the_check_accepts_every_golden_script() -> None:
    for chunk in TUTORIAL_SCRIPTS.split("\n# podwall lab: "):
        script = chunk if chunk.startswith("#") else "# podwall lab: " + chunk
        check_script(script, comment=lab_nft.LISTING_COMMENT)
        with pytest.raises(UnsafeScript):  # the legend's quoted names are for lab rules, never for a run
            check_script(script)


@pytest.mark.parametrize("table", ["", "Podwall", "pw; flush ruleset", "a" * 33, "pw\ninclude"])
def test_table_names_are_checked(table: str) -> None:
    cluster = podwall.load([TUTORIAL])
    with pytest.raises(ValueError, match="invalid nft table name"):
        compile_rules(cluster, cluster.pods[0], cluster.pods, table=table)


def _sneak(monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiler bug: one line of manifest text slips into every script."""
    real = lab_nft._Compiler.script
    monkeypatch.setattr(lab_nft._Compiler, "script", lambda self: real(self) + 'include "/etc/hostname"\n')


def test_lab_rules_prints_nothing_when_a_script_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    _sneak(monkeypatch)
    result = cli("lab", "rules", "-f", TUTORIAL)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.startswith("podwall: internal error") and "word podwall does not write" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.lab
def test_lab_run_loads_nothing_when_a_script_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    _sneak(monkeypatch)
    run_id = fresh_run_id()
    with pytest.raises(UnsafeScript):
        run(podwall.load_text(WORLD), run_id=run_id, internet=False)
    assert lab_netns.list_namespaces(run_id) == []


# -- ip -----------------------------------------------------------------------------------


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"a subprocess ran: {args}")

    monkeypatch.setattr(lab_netns.subprocess, "run", refuse)
    monkeypatch.setattr(lab_agents.subprocess, "Popen", refuse)


@pytest.mark.parametrize("arg", ["a b", "a\nb", 'a"b', "a#b", "a;b", "$x", "", "a\x00b"])
def test_ip_refuses_words_outside_its_vocabulary(nothing_runs: None, arg: str) -> None:
    with pytest.raises(LabError, match="refusing to run ip"):
        lab_netns.ip("link", "show", arg)
    if " " not in arg:  # words of a batch line are separated by spaces
        with pytest.raises(LabError, match="refusing to run ip"):
            lab_netns.ip(batch=[f"link set {arg} up"])


@pytest.mark.parametrize("name", ["-n", "pwl-abcdef", "pwl-ABCDEF-s0", "pwl-abcdef-s0 x", "pwl-abcdef-s0\nnetns add y",
                                  "other-abcdef-s0", "pwl-abcdef-" + "s" * 17])
def test_namespace_names_are_checked(nothing_runs: None, name: str) -> None:
    with pytest.raises(LabError, match="refusing network namespace name"):
        lab_netns.checked_namespace(name)
    with pytest.raises(LabError, match="refusing network namespace name"):
        lab_netns.ip("link", "show", netns=name)
    with pytest.raises(LabError, match="refusing network namespace name"):
        lab_agents.Agent("x", name, {})


def test_names_the_lab_does_not_make_are_never_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = "pwl-abcdef-s0 (id: 3)\npwl-abcdef-s0;x\npwl-abcdef-hub\npwl-abcdef-\"a\"\n-pwl-abcdef-s1\nother\n"
    monkeypatch.setattr(lab_netns.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, listed, ""))
    assert lab_netns.list_namespaces() == ["pwl-abcdef-hub", "pwl-abcdef-s0"]


@pytest.mark.parametrize("change", [{"link": "s0 type dummy"}, {"mac": "02:70:77:00:00:01 x"}, {"netns": "pwl-abcdef-s 0"}])
def test_build_refuses_a_plan_it_did_not_make(nothing_runs: None, change: dict) -> None:
    plan = plan_lab(podwall.load_text(WORLD), run_id="pwl-abcdef", internet=False)
    plan = dataclasses.replace(plan, subjects=(dataclasses.replace(plan.subjects[0], **change), *plan.subjects[1:]))
    with pytest.raises(LabError, match="refusing"):
        lab_netns.build(plan)


# -- the agents' memory ---------------------------------------------------------------------


@pytest.fixture
def scratch():
    name = f"{fresh_run_id()}-agent"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    yield name
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _agent(netns: str, **kwargs) -> lab_agents.Agent:
    config = {"addresses": [], "tcp": [], "udp": [], "dns": [], "nft": "nft"}
    agent = lab_agents.Agent("test", netns, config, **kwargs)
    assert agent.receive(time.monotonic() + 30) == {"ready": True, "listeners": 0}
    return agent


@pytest.mark.lab
def test_an_agent_runs_with_its_data_segment_capped(scratch: str) -> None:
    agent = _agent(scratch)
    try:
        limits = open(f"/proc/{agent.pid}/limits").read()
        row = next(line for line in limits.splitlines() if line.startswith("Max data size"))
        assert row.split()[3:5] == [str(lab_agents.MEMORY)] * 2 == ["268435456"] * 2
    finally:
        agent.stop()


@pytest.mark.lab
def test_an_agent_past_its_memory_stops_with_a_clear_error(scratch: str) -> None:
    """A command too big for the cap (here 64 MiB: half a million probes) ends the agent, with a message."""
    agent = _agent(scratch, memory=64 << 20)
    try:
        probes = [["192.0.2.1", 80, "TCP", None]] * 500_000
        agent.send({"op": "probe", "timeout": 0.01, "probes": probes})
        with pytest.raises(LabError, match=r"^test: out of memory: a lab agent may use 64 MiB"):
            agent.receive(time.monotonic() + 60)
        assert agent.process.wait(timeout=30) == 0
    finally:
        agent.stop()
