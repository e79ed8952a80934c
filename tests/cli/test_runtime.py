"""The CLI process: the cyclic garbage collector is off while a batch verb runs, and restored after."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from podwall.cli.app import COLLECTING, cli, main
from podwall.cli.env import Environment
from tests.cli.harness import TUTORIAL, run


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it as it found it."""
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def _recorder(name: str, seen: list[bool]) -> click.Command:
    @click.command(name)
    def command() -> None:
        seen.append(gc.isenabled())

    return command


@pytest.mark.parametrize(("verb", "keeps"), [("reach", False), ("lint", False), ("lab", True), ("probe", True)])
def test_the_collector_is_off_for_batch_verbs_only_and_restored(
    verb: str, keeps: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    monkeypatch.setitem(cli.commands, verb, _recorder(verb, seen))
    assert gc.isenabled()
    assert main([verb]) == 0
    assert seen == [keeps] and (verb in COLLECTING) == keeps
    assert gc.isenabled()


@pytest.mark.parametrize(("verb", "keeps"), [("reach", False), ("lab", True)])
def test_the_collector_stays_off_when_the_process_ends_with_the_verb(
    verb: str, keeps: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cli.app.run: turning it back on would make the next allocation trace every object the verb made.
    seen: list[bool] = []
    monkeypatch.setitem(cli.commands, verb, _recorder(verb, seen))
    assert main([verb], Environment(process_ends=True)) == 0
    assert seen == [keeps]
    assert gc.isenabled() == keeps


def test_the_collector_is_restored_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command("reach")
    def failing() -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.commands, "reach", failing)
    assert main(["reach"]) == 3
    assert gc.isenabled()


def test_the_collector_is_restored_when_the_group_is_invoked_without_main(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setitem(cli.commands, "reach", _recorder("reach", seen))
    assert CliRunner().invoke(cli, ["reach"]).exit_code == 0
    assert seen == [False] and gc.isenabled()


# --- the process: it ends once the output is flushed (no teardown), with its exit code and every byte ---

_PROGRAM = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('teardown ran\\n'))\n"
    "sys.argv = ['podwall', *sys.argv[1:]]\n"
    "from podwall.cli.app import run\n"
    "run()\n"
)


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _PROGRAM, *args], capture_output=True, text=True, check=False)


def test_a_batch_verb_ends_without_teardown_and_writes_everything() -> None:
    done = _process("reach", "-f", TUTORIAL, "--by", "pod", "-o", "json")
    assert done.returncode == 0
    assert "teardown ran" not in done.stderr
    assert done.stdout == run("reach", "-f", TUTORIAL, "--by", "pod", "-o", "json").stdout  # every byte, as in-process
    assert json.loads(done.stdout)["apiVersion"] == "podwall.io/v1"


def test_a_batch_verb_keeps_its_exit_code_and_its_messages() -> None:
    denied = _process("explain", "-f", TUTORIAL, "-n", "production", "frontend", "database", "5432")
    expected = run("explain", "-f", TUTORIAL, "-n", "production", "frontend", "database", "5432")
    assert (denied.returncode, denied.stdout) == (expected.exit_code, expected.stdout)
    assert expected.exit_code == 1 and expected.stdout.startswith("DENIED: ")
    wrong = _process("reach", "-f", "/nonexistent/podwall")
    assert wrong.returncode == 2 and wrong.stderr.endswith(": no such file or directory\n") and "teardown ran" not in wrong.stderr


@pytest.mark.parametrize("args", [("lab", "--help"), ("--help",), ("--version",)])
def test_lab_probe_and_help_exit_the_usual_way(args: tuple[str, ...]) -> None:
    done = _process(*args)
    assert done.returncode == 0 and done.stdout
    assert done.stderr == "teardown ran\n"


def test_reach_imports_no_other_verb() -> None:
    program = (
        "import sys\n"
        "from podwall.cli.app import main\n"
        "code = main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in (['podwall', 'lab'], ['podwall', 'lint'],"
        " ['podwall', 'generate'], ['podwall', 'diff'], ['podwall', 'flows'])), code, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program, "reach", "-f", TUTORIAL, "-o", "json"],
                          capture_output=True, text=True, check=False)
    assert done.stderr.splitlines()[-1] == "[] 0"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_reach_on_json_imports_and_compiles_only_what_it_reads(tmp_path: Path, fmt: str) -> None:
    # JSON input that the fast path reads needs no YAML composer, reach needs no explanation, and the YAML
    # scalar, timestamp and rare-text patterns are compiled when first used (docs/performance.md).
    source = tmp_path / f"cluster.{fmt}"
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "labels": {"app": "web"}, "creationTimestamp": "2024-01-02T03:04:05Z"},
           "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]}}
    source.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [pod]}, indent=4) if fmt == "json"
                      else "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n"
                           "  metadata: {name: web, labels: {app: web}, creationTimestamp: 2024-01-02T03:04:05Z}\n"
                           "  spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}\n")
    program = (
        "import sys\n"
        "from podwall.cli.app import main\n"
        "from podwall.loader import decode, lazyjson, meta\n"
        "code = main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m in ('yaml', 'podwall.loader.composer', 'podwall.engine.explaining',"
        " 'podwall.engine.connlist')), file=sys.stderr)\n"
        "names = [(decode, '_SEPARATOR'), (decode, '_GO_INT'), (lazyjson, '_LONG_KEY'), (meta, '_RFC3339')]\n"
        "print([type(getattr(module, name)).__name__ for module, name in names], code, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program, "reach", "-f", str(source), "-o", "json"],
                          capture_output=True, text=True, check=False)
    expected = ["[]", "['Later', 'Later', 'Later', 'Pattern'] 0"] if fmt == "json" else \
        ["['podwall.loader.composer', 'yaml']", "['Pattern', 'Pattern', 'Later', 'Pattern'] 0"]
    assert done.stderr.splitlines()[-2:] == expected


# --- what is made on first use (podwall._runtime.Later) ---


def test_a_later_pattern_takes_its_place_in_the_module_on_first_use() -> None:
    import re

    from podwall._runtime import Later, later_module, later_pattern

    namespace: dict[str, object] = {}
    namespace["_PATTERN"] = later_pattern(r"a+", "_PATTERN", namespace, re.IGNORECASE)
    stand_in = namespace["_PATTERN"]
    assert isinstance(stand_in, Later)
    assert stand_in.pattern == "a+"  # type: ignore[attr-defined]  # the pattern's own attribute, not the stand-in's
    assert namespace["_PATTERN"] == re.compile(r"a+", re.IGNORECASE)
    assert namespace["_PATTERN"].fullmatch("AaA") is not None  # type: ignore[attr-defined]
    namespace["math"] = later_module("math", "math", namespace)
    assert namespace["math"].pi > 3 and namespace["math"] is sys.modules["math"]  # type: ignore[attr-defined]
