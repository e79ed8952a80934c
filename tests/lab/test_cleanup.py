"""A lab leaves nothing behind: on errors, on Ctrl-C and SIGTERM; ``lab clean`` removes by prefix only.

"Nothing" is checked three ways: no network namespace of the run (``ip netns
list``), the host's interfaces and nft tables unchanged, and no agent process
of the test left alive. Other test runs may share the machine, so every check
looks only at what this test made: its run id, and a token in the environment
its agents inherit.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

import podwall
from podwall.lab import Lab, LabError, plan_lab, run
from podwall.lab import netns as lab_netns
from podwall.lab import session as lab_session
from tests.cli.harness import ROOT, TUTORIAL
from tests.cli.harness import run as cli
from tests.lab.conftest import fresh_run_id

pytestmark = pytest.mark.lab

DENY_ALL = ROOT / "examples" / "lab" / "tutorial-story" / "1-default-deny-all.yaml"
TOKEN = "PODWALL_LAB_TEST_TOKEN"


def processes_with(token: str) -> list[int]:
    """Live processes whose environment carries ``token`` (the agents of one test)."""
    needle = f"{TOKEN}={token}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def namespaces(prefix: str) -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return sorted(n for n in (line.split(" ")[0] for line in listed.splitlines()) if n.startswith(prefix))


def host() -> tuple[list[str], str]:
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    return sorted(line.split(":")[1].strip() for line in links.splitlines()), tables


def read_until(stream: IO[str], marker: str) -> str:
    """Block on a child's output until a line containing ``marker`` (or end of output)."""
    seen = []
    for line in stream:
        seen.append(line)
        if marker in line:
            break
    return "".join(seen)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A token every agent started by this test inherits."""
    value = secrets.token_hex(8)
    monkeypatch.setenv(TOKEN, value)
    return value


def test_a_kernel_error_leaves_nothing(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    """nft rejects the rules mid-run: LabError, and every namespace and agent is gone."""
    before, run_id = host(), fresh_run_id()
    monkeypatch.setattr(lab_session, "compile_lab", lambda cluster, pods, **kw: {p.key: "table bogus {" for p in pods})
    with pytest.raises(LabError, match="syntax error|Error"):
        run(podwall.load([TUTORIAL]), by="workload", timeout=0.3, run_id=run_id)
    assert (namespaces(run_id), processes_with(token), host()) == ([], [], before)


def test_a_failure_while_building_leaves_nothing(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    """The topology is half made when something fails: what exists is still removed."""
    before, run_id = host(), fresh_run_id()
    real_build = lab_session.netns.build

    def half_build(plan):
        real_build(plan)
        assert namespaces(run_id)
        raise LabError("simulated failure after the namespaces were made")

    monkeypatch.setattr(lab_session.netns, "build", half_build)
    with pytest.raises(LabError, match="simulated failure"):
        run(podwall.load([TUTORIAL]), by="workload", timeout=0.3, run_id=run_id)
    assert (namespaces(run_id), processes_with(token), host()) == ([], [], before)


def _run_of(pid: int) -> str | None:
    """The run whose bridge records ``pid`` as its builder."""
    for name in namespaces("pwl-"):
        if name.endswith("-hub") and lab_netns.owner_pid(name[:-4]) == pid:
            return name[:-4]
    return None


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_leaves_nothing(sig: signal.Signals, token: str) -> None:
    """Interrupt ``podwall lab run`` while its probes wait for denied answers."""
    before = host()
    process = subprocess.Popen(
        [sys.executable, "-m", "podwall", "lab", "run", "-f", f"{TUTORIAL}/namespaces.yaml",
         "-f", f"{TUTORIAL}/workloads.yaml", "-f", str(DENY_ALL), "--timeout", "20", "-v"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        # A test run started in the background inherits an ignored SIGINT; a terminal's Ctrl-C is not ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    run_id = None
    try:
        # -v prints the lab's steps on stderr; probing starts once every agent runs.
        started = read_until(process.stderr, " probes")
        assert process.poll() is None, started + process.communicate()[1]
        assert len(processes_with(token)) >= 6  # 5 subjects + the internet
        run_id = _run_of(process.pid)
        assert run_id is not None
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert (namespaces(run_id), processes_with(token), host()) == ([], [], before)


def _make_namespace(name: str) -> None:
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)


def _delete_namespace(name: str) -> None:
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _mark(run_id: str, pid: int) -> None:
    """What a run records: its hub's bridge names the builder's pid."""
    hub = f"{run_id}-hub"
    subprocess.run(["ip", "-n", hub, "link", "add", "lab0", "type", "bridge"], check=True)
    subprocess.run(["ip", "-n", hub, "link", "set", "lab0", "alias", f"podwall-lab pid={pid}"], check=True)


def test_a_run_id_in_use_is_never_touched() -> None:
    """Two runs cannot share an id; the second fails without deleting the first's namespaces."""
    run_id = fresh_run_id()
    _make_namespace(f"{run_id}-hub")
    try:
        with pytest.raises(LabError, match="already exist"):
            with Lab(plan_lab(podwall.load([TUTORIAL]), run_id=run_id)):
                pass
        assert namespaces(run_id) == [f"{run_id}-hub"]
    finally:
        _delete_namespace(f"{run_id}-hub")


def test_clean_removes_crashed_runs_by_prefix_only() -> None:
    run_id = fresh_run_id()
    crashed = [f"{run_id}-hub", f"{run_id}-s0"]
    bystanders = [f"pwl-keep-{secrets.token_hex(3)}", f"podwall-bystander-{secrets.token_hex(3)}"]
    for name in crashed + bystanders:
        _make_namespace(name)
    dead = subprocess.Popen(["true"])
    dead.wait()
    _mark(run_id, dead.pid)  # the builder is gone: a crashed run
    leftover = subprocess.Popen(
        ["ip", "netns", "exec", f"{run_id}-s0", "sh", "-c", "echo ready; exec sleep 300"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert leftover.stdout is not None and "ready" in read_until(leftover.stdout, "ready")
        assert lab_netns.namespace_pids(f"{run_id}-s0") != []
        result = cli("lab", "clean")
        assert result.exit_code == 0, result.stderr
        assert run_id in result.stdout
        assert namespaces(run_id) == []
        assert all(namespaces(n) == [n] for n in bystanders)
        leftover.wait(timeout=10)  # killed with its namespace
    finally:
        if leftover.poll() is None:
            leftover.kill()
        for name in crashed + bystanders:
            _delete_namespace(name)


def test_clean_leaves_runs_in_progress_alone_unless_forced() -> None:
    live, starting = fresh_run_id(), fresh_run_id()
    builder = subprocess.Popen(["sleep", "300"])
    try:
        _make_namespace(f"{live}-hub")
        _mark(live, builder.pid)
        _make_namespace(f"{starting}-s0")  # just created, no mark yet: being built
        kept = cli("lab", "clean", "--run", live, "--run", starting)
        assert (kept.exit_code, kept.stdout) == (0, "nothing to clean\n")
        assert f"left alone: {live} is in progress (pid {builder.pid} is alive)" in kept.stderr
        assert f"left alone: {starting} is in progress (it is being built)" in kept.stderr
        forced = cli("lab", "clean", "--force", "--run", live, "--run", starting)
        assert forced.exit_code == 0 and live in forced.stdout and starting in forced.stdout
        assert namespaces(live) == namespaces(starting) == []
    finally:
        builder.kill()
        builder.wait()
        _delete_namespace(f"{live}-hub")
        _delete_namespace(f"{starting}-s0")

