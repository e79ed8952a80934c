"""``podwall lint`` through the real ``main``: exit codes, options, configuration, suppression, colour."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment
from tests.cli.harness import CNI_GENERIC, ROOT, TUTORIAL, Run, run

BROKEN = str(ROOT / "tests" / "lint" / "data" / "broken")
FIXED = str(ROOT / "tests" / "lint" / "data" / "tutorial-fixed")
KEYS = ["rule", "name", "severity", "object", "message", "fix", "file", "line", "field", "peer"]


def findings(result: Run) -> list[dict]:
    return json.loads(result.stdout)["findings"]


def codes(result: Run) -> list[str]:
    return [f["rule"] for f in findings(result)]


# -- exit codes --------------------------------------------------------------------------------------


def test_findings_at_the_default_fail_on_exit_1() -> None:
    result = run("lint", "-f", TUTORIAL, "-o", "json")
    assert result.exit_code == 1
    assert codes(result) == ["PW201", "PW202", "PW210", "PW213"]


def test_fail_on_error_exits_0_when_only_warnings() -> None:
    assert run("lint", "-f", TUTORIAL, "--fail-on", "error").exit_code == 0


def test_fail_on_info_counts_info_findings() -> None:
    result = run("lint", "-f", TUTORIAL, "--disable", "PW201,PW210", "--disable", "service.unreachable", "-o", "json")
    assert codes(result) == ["PW202"]
    assert result.exit_code == 0
    assert run("lint", "-f", TUTORIAL, "--disable", "PW201,PW210,PW213", "--fail-on", "info").exit_code == 1


def test_a_correct_default_deny_setup_exits_0_with_no_finding() -> None:
    result = run("lint", "-f", FIXED, "--fail-on", "info")
    assert result.exit_code == 0
    assert result.stdout == "0 findings (0 errors, 0 warnings, 0 info) from 26 rules\n"
    assert result.stderr == CNI_GENERIC


def test_input_error_exits_2_with_the_location(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {ingres: []}\n"
    )
    result = run("lint", "-f", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f'{tmp_path}/bad.yaml:4: NetworkPolicy x/p: spec: unknown field "ingres" (did you mean "ingress"?)\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--disable", "PW999"], "podwall: --disable: unknown rule 'PW999' (did you mean PW209?)\n"),
        (["--enable", "dns.blokced"], "podwall: --enable: unknown rule 'dns.blokced' (did you mean dns.blocked?)\n"),
        (["--disable", "PW101", "--enable", "peer.and-or-trap"], "podwall: PW101 cannot be both enabled and disabled\n"),
    ],
)
def test_bad_rule_options_exit_2(args: list[str], message: str) -> None:
    result = run("lint", "-f", TUTORIAL, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_bad_fail_on_is_a_usage_error() -> None:
    result = run("lint", "-f", TUTORIAL, "--fail-on", "fatal")
    assert result.exit_code == 2
    assert "Invalid value for '--fail-on'" in result.stderr


# -- output ------------------------------------------------------------------------------------------


def test_json_is_the_contract() -> None:
    result = run("lint", "-f", BROKEN, "-o", "json")
    document = json.loads(result.stdout)
    assert list(document) == ["apiVersion", "kind", "findings", "groups", "counts", "summary"]
    for finding in document["findings"]:
        assert list(finding) == KEYS
        assert finding["rule"].startswith("PW") and finding["severity"] in ("error", "warning", "info")
        parts = finding["object"].split("/")
        assert len(parts) == 3 or (len(parts) == 2 and parts[0] in ("Namespace",) or parts[0].endswith("Policy"))
        assert isinstance(finding["file"], str) and isinstance(finding["line"], int)


def test_stdin_input_is_named_in_locations() -> None:
    text = (ROOT / "examples" / "tutorial" / "policies.yaml").read_text()
    text += "---\n" + (ROOT / "examples" / "tutorial" / "workloads.yaml").read_text()
    result = run("lint", "-f", "-", "-o", "json", "--disable", "PW201,PW202,PW213", stdin=text)
    (finding,) = findings(result)
    assert finding["rule"] == "PW210"
    assert (finding["file"], finding["line"]) == ("<stdin>", 43)


def test_namespace_option_keeps_that_namespace_only() -> None:
    result = run("lint", "-f", TUTORIAL, "-n", "production", "-o", "json")
    assert codes(result) == ["PW210", "PW213"]
    assert {f["object"].split("/")[0] for f in findings(result)} == {"production"}


def test_text_groups_by_namespace_with_file_and_line() -> None:
    result = run("lint", "-f", TUTORIAL, "--disable", "PW202,PW213")
    lines = result.stdout.splitlines()
    assert lines[0] == "== namespace monitoring =="
    assert lines[1].startswith(f"{TUTORIAL}/namespaces.yaml:6: warning PW201 [default-deny.ingress-missing] Namespace/monitoring: ")
    assert lines[2] == "    fix: podwall generate deny --ingress -n monitoring"
    assert lines[3:5] == ["", "== namespace production =="]
    assert lines[5].startswith(f"{TUTORIAL}/policies.yaml:43: warning PW210 ")
    assert lines[-1] == "2 findings (0 errors, 2 warnings, 0 info) from 24 rules"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_on_terminal(*args: str) -> str:
    env = Environment(stdin=io.StringIO(), stdout=_Terminal(), stderr=io.StringIO())
    main(list(args), env)
    return env.stdout.getvalue()


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    coloured = _run_on_terminal("lint", "-f", TUTORIAL)
    assert "\033[33mwarning\033[0m" in coloured and "\033[1m== namespace production ==\033[0m" in coloured
    assert "\033[" not in run("lint", "-f", TUTORIAL).stdout
    assert "\033[" not in _run_on_terminal("lint", "-f", TUTORIAL, "--color", "never")
    assert "\033[" in run("lint", "-f", TUTORIAL, "--color", "always").stdout
    assert "\033[" not in _run_on_terminal("lint", "-f", TUTORIAL, "-o", "json")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in _run_on_terminal("lint", "-f", TUTORIAL)


# -- suppression -------------------------------------------------------------------------------------


def test_ignore_annotation_on_the_object_and_on_its_namespace(tmp_path: Path) -> None:
    workloads = (ROOT / "examples" / "tutorial" / "workloads.yaml").read_text()
    policies = (ROOT / "examples" / "tutorial" / "policies.yaml").read_text()
    policies = policies.replace(
        "  name: allow-frontend-to-backend\n", "  name: allow-frontend-to-backend\n  annotations: {podwall.io/ignore: \"flow.ingress-without-egress\"}\n"
    )
    namespaces = (ROOT / "examples" / "tutorial" / "namespaces.yaml").read_text()
    namespaces = namespaces.replace("  name: monitoring\n", "  name: monitoring\n  annotations: {podwall.io/ignore: \"PW201, PW202\"}\n")
    for name, text in (("w.yaml", workloads), ("p.yaml", policies), ("n.yaml", namespaces)):
        (tmp_path / name).write_text(text)
    result = run("lint", "-f", str(tmp_path))
    assert result.stdout.splitlines()[-1] == "1 finding (0 errors, 1 warning, 0 info) from 26 rules; 3 suppressed by podwall.io/ignore"
    assert "PW213" in result.stdout


def test_ignore_all_on_a_workload_template(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: b}\n"
        "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n---\n"
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: b}\nspec:\n  template:\n"
        "    metadata: {labels: {app: j}, annotations: {podwall.io/ignore: all}}\n"
        "    spec: {containers: [{name: c, image: x}]}\n"
    )
    result = run("lint", "-f", str(tmp_path), "-o", "json")
    assert codes(result) == []
    assert result.exit_code == 0


# -- configuration -----------------------------------------------------------------------------------


def test_config_file_is_found_from_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".podwall.yaml").write_text(
        "lint:\n  fail-on: error\n  disable: [PW201]\n  severity:\n    PW202: warning\n    flow.ingress-without-egress: error\n"
    )
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = run("lint", "-f", TUTORIAL, "-o", "json")
    assert [(f["rule"], f["severity"]) for f in findings(result)] == [
        ("PW202", "warning"), ("PW210", "error"), ("PW213", "warning"),
    ]
    assert result.exit_code == 1  # PW210 is an error now
    # the command line wins over the file
    result = run("lint", "-f", TUTORIAL, "-o", "json", "--enable", "PW201", "--disable", "PW210", "--fail-on", "warning")
    assert codes(result) == ["PW201", "PW202", "PW213"]
    assert result.exit_code == 1


def test_explicit_config_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "lint.yaml"
    good.write_text("lint:\n  disable: PW201, PW202, PW213\n")
    result = run("lint", "-f", TUTORIAL, "--config", str(good), "-o", "json")
    assert codes(result) == ["PW210"]
    for text, message in [
        ("lint:\n  disabel: [PW201]\n", "lint: unknown key 'disabel' (did you mean 'disable'?)"),
        ("lint:\n  severity: {PW201: fatal}\n", "lint.severity.PW201: invalid severity 'fatal': must be one of error, warning, info"),
        ("lint:\n  enable: [PW777]\n", "lint.enable: unknown rule 'PW777'"),
        ("lint: [a\n", "invalid YAML"),
        ("- lint\n", "must be a mapping with a 'lint' section"),
    ]:
        good.write_text(text)
        result = run("lint", "-f", TUTORIAL, "--config", str(good))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"{good}") and message in result.stderr, result.stderr
    missing = run("lint", "-f", TUTORIAL, "--config", str(tmp_path / "nope.yaml"))
    assert (missing.exit_code, missing.stderr) == (2, f"{tmp_path / 'nope.yaml'}: no such configuration file\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("disable: [PW101]\n", "unknown key 'disable' (did you mean lint.disable? lint settings go under 'lint:')"),
        ("lnt:\n  disable: [PW101]\n", "unknown key 'lnt' (did you mean 'lint'?)"),
        ("lint:\n  disable: [PW101]\nrender: {}\n", "unknown key 'render' (known: lint)"),
    ],
)
@pytest.mark.parametrize("verb", [["lint", "-f", TUTORIAL], ["render", "-f", TUTORIAL, "-o", "html"],
                                  ["diff", TUTORIAL, TUTORIAL]])
def test_unknown_top_level_keys_are_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verb: list[str],
                                                    text: str, message: str) -> None:
    """Found from the current directory by every verb that lints, never ignored (docs/lint.md shows the first)."""
    (tmp_path / ".podwall.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    result = run(*verb)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f".podwall.yaml: {message}\n")


def test_rule_disabled_by_default_can_be_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    from podwall.lint.rules.PW202_no_default_deny_egress import NoDefaultDenyEgress

    monkeypatch.setattr(NoDefaultDenyEgress, "enabled_by_default", False)
    assert "PW202" not in codes(run("lint", "-f", TUTORIAL, "-o", "json"))
    assert "PW202" in codes(run("lint", "-f", TUTORIAL, "-o", "json", "--enable", "PW202"))
