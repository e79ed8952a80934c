"""The CLI shell of ``generate``: determinism, files, stdin, usage errors; output the loader reads back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwall import load, load_text
from podwall.cli.app import cli
from podwall.generate import from_intents, parse_intents
from podwall.model import NetworkPolicy, Rule
from tests.generate._support import INTENTS, SHOP, TUTORIAL, run, validate_all
from tests.generate.test_golden import CASES, GOLDEN


def _plain(policy: NetworkPolicy) -> NetworkPolicy:
    def rule(r: Rule) -> Rule:
        return replace(r, location=None)

    return replace(
        policy, location=None, ingress=tuple(map(rule, policy.ingress)), egress=tuple(map(rule, policy.egress))
    )


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.code == 0 and c.args[1] != "intents"))
def test_the_loader_reads_every_golden_back_strictly(name: str) -> None:
    c = CASES[name]
    text = (GOLDEN / name / f"expected.{c.suffix}").read_text()
    cluster = load_text(text, f"out.{c.suffix}")
    assert cluster.warnings == () and cluster.skipped == {}
    assert len(cluster.policies) == validate_all(text)


def test_loaded_output_is_the_generated_model() -> None:
    context = load([TUTORIAL])
    generation = from_intents(parse_intents(Path(INTENTS).read_text()), context)
    text = run("generate", "from-intents", INTENTS, "-f", TUTORIAL).stdout
    loaded = sorted(load_text(text, "out.yaml").policies, key=lambda p: p.key)
    assert [_plain(p) for p in loaded] == sorted((g.policy for g in generation.policies), key=lambda p: p.key)


@pytest.mark.parametrize(
    "args",
    [
        ["from-intents", INTENTS, "-f", TUTORIAL],
        ["from-intents", INTENTS, "-o", "json"],
        ["allow", "--from", "a=b,c in (z,y,x)", "--to", "!d,e", "--port", "http,80/udp,9000-9100"],
        ["intents", "-f", SHOP],
    ],
)
def test_output_is_byte_identical_across_runs(args: list[str]) -> None:
    first, second = run("generate", *args), run("generate", *args)
    assert first.exit_code == 0 and (first.stdout, first.stderr) == (second.stdout, second.stderr)


def test_dir_json_and_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "policies"
    (out).mkdir()
    (out / "keep.txt").write_text("mine")
    (out / "production.allow-dns.json").write_text("stale")
    result = run("generate", "deny", "--allow-dns", "-n", "production", "-o", "json", "-d", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt", "production.allow-dns.json", "production.default-deny-all.json"]
    for file in ("production.allow-dns.json", "production.default-deny-all.json"):
        text = (out / file).read_text()
        assert validate_all(text) == 1 and '"podwall.io/description"' in text


def test_dir_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("generate", "deny", "-d", str(blocker / "sub"))
    assert result.exit_code == 2 and result.stderr.startswith(f"podwall: cannot write {blocker / 'sub'}: ")
    assert len(result.stderr.splitlines()) == 1


def test_from_intents_reads_stdin() -> None:
    text = Path(INTENTS).read_text()
    assert run("generate", "from-intents", "-", stdin=text).stdout == run("generate", "from-intents", INTENTS).stdout


def test_scaffold_reads_stdin_once_for_objects_and_environment() -> None:
    manifests = "".join(f"---\n{p.read_text()}" for p in sorted(Path(SHOP).iterdir()))
    from_stdin = run("generate", "intents", "-f", "-", stdin=manifests)
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout == run("generate", "intents", "-f", SHOP).stdout
    assert "env API_URL of web names Service shop/api" in from_stdin.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deny", "--verify"], "podwall: --verify needs -f: the manifests to verify the policies against"),
        (["allow", "--from", "a=b", "--to", "c=d", "--ingress-only", "--egress-only"],
         "podwall: --ingress-only and --egress-only exclude each other; give neither for both halves"),
        (["allow", "--from", "a in (b", "--to", "c=d"], "podwall: invalid selector \"a in (b\": missing ')'"),
        (["allow", "--from", "a=b", "--to", "c=d", "--from-namespace", "Team"],
         "podwall: invalid --from-namespace \"Team\": must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"),
        (["allow", "--from", "a=b", "--to", "c=d", "--port", "0"], 'podwall: invalid port "0": 0 is not in 1-65535'),
        (["dns", "--any-namespace", "--dns-namespace", "x"],
         "podwall: --any-namespace allows DNS servers in every namespace: drop --dns-namespace"),
        (["dns", "--node-local-dns", "nope"], 'podwall: invalid --node-local-dns "nope": expected an IP address'),
        (["egress-cidr"], "podwall: give at least one CIDR, or --public-internet"),
        (["egress-cidr", "10.0.0.0"], 'podwall: invalid CIDR "10.0.0.0": expected ADDRESS/PREFIX, e.g. 10.0.0.0/8'),
        (["egress-cidr", "10.0.0.0/8", "--except", "10.0.0.0/8"],
         "podwall: --except 10.0.0.0/8 is not strictly inside any CIDR given (10.0.0.0/8)"),
        (["egress-cidr", "10.0.0.0/8", "--public-internet"],
         "podwall: --public-internet is 0.0.0.0/0 with its own excepts: give it without CIDRs or --except"),
        (["allow-namespace", "Monitoring"],
         "podwall: invalid namespace \"Monitoring\": must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"),
        (["deny", "-n", "a_b"],
         "podwall: invalid -n namespace \"a_b\": must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"),
        (["deny", "--name", "No"],
         "podwall: invalid --name \"No\": must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"),
        (["from-intents", "-", "-f", "-"], "podwall: the intents FILE and -f cannot both be - (stdin)"),
        (["intents"], "podwall: generate intents needs -f: the manifests of the app (or --schema)"),
        (["allow", "--from", "app=frontend", "--to", "app=backend", "-n", "production", "-f", TUTORIAL, "--port", "metricz"],
         "podwall: --port metricz/TCP: no pod of --to app=backend declares a container port named metricz (TCP)"),
        (["allow", "--from", "app=frontend", "--to", "app=backend", "-n", "production", "-f", TUTORIAL, "--from-namespace", "nope"],
         "podwall: --from app=frontend matches no pod in nope of the -f input"),
    ],
)
def test_usage_errors_one_line_exit_2(args: list[str], message: str) -> None:
    result = run("generate", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == message + "\n"


def test_bad_input_manifests_are_reported_like_other_verbs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\n")
    result = run("generate", "deny", "-f", str(bad))
    assert result.exit_code == 2 and result.stderr == f'{bad}:1: Pod: missing required field "apiVersion"\n'


def test_an_intents_file_can_live_among_the_manifests(tmp_path: Path) -> None:
    (tmp_path / "app.intents.yaml").write_text(Path(INTENTS).read_text())
    for source in Path(TUTORIAL).iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    result = run("generate", "from-intents", str(tmp_path / "app.intents.yaml"), "-f", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == run("generate", "from-intents", INTENTS, "-f", TUTORIAL).stdout


def test_help_lists_every_subcommand() -> None:
    text = CliRunner().invoke(cli, ["generate", "--help"]).output
    for name in ("deny", "dns", "allow", "isolate-namespace", "allow-namespace", "egress-cidr", "from-intents", "intents"):
        assert f"  {name} " in text


def test_yaml_and_json_carry_the_same_description_annotation() -> None:
    """One annotation domain: podwall.io/description, in YAML (beside the comment) and JSON alike."""
    import yaml

    as_yaml = list(yaml.safe_load_all(run("generate", "deny", "-n", "shop", "--allow-dns").stdout))
    as_json = json.loads(run("generate", "deny", "-n", "shop", "--allow-dns", "-o", "json").stdout)["items"]
    assert [d["metadata"]["annotations"] for d in as_yaml] == [d["metadata"]["annotations"] for d in as_json]
    assert all(list(d["metadata"]["annotations"]) == ["podwall.io/description"] for d in as_yaml)
