"""Golden output of every ``generate`` subcommand and option, each object validated against the
official Kubernetes schema (kubernetes-validate, strict).

``PODWALL_UPDATE_GOLDEN=1`` rewrites the expected files; on a mismatch the actual output
is written beside the expected one (``actual.*``, git-ignored) for diffing. Each case
directory holds ``expected.yaml`` / ``expected.json`` (stdout) and ``expected.stderr``
(notes and the verification table).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.harness import GOLDEN, compare_golden
from tests.generate._support import (
    DATA,
    INTENTS,
    SHOP,
    TUTORIAL,
    relative,
    run,
    validate_all,
)

OVERLAP = str(DATA / "overlap")
IPS = str(DATA / "ips")
HOSTNET = str(DATA / "hostnet")

INGRESS_ONLY_INTENTS = """\
apiVersion: podwall/v1alpha1
kind: Intents
namespaces: [production]
defaultDeny: ingress
workloads:
  frontend: app=frontend
  backend: app=backend
flows:
  - frontend -> backend:http
  - "* -> frontend:80,9090"
"""

EGRESS_ONLY_INTENTS = """\
apiVersion: podwall/v1alpha1
kind: Intents
defaultDeny: egress
dns: {namespace: dns, selector: "app=coredns,tier in (dns)", nodeLocal: true}
workloads:
  web: app=web
  worker: {selector: "app=worker,!canary"}
  db: app.kubernetes.io/name=db
flows:
  - web -> worker:8000-8100
  - worker -> db:5432/TCP,5433
  - worker -> 10.20.0.0/16:6379
  - worker -> fd00::/8:443
  - web -> internet
"""


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    code: int = 0
    stdin: str = ""

    @property
    def suffix(self) -> str:
        return "json" if "json" in self.args else "yaml"


def case(*args: str, code: int = 0, stdin: str = "") -> Case:
    return Case(("generate", *args), code, stdin)


CASES = {
    # deny
    "generate-deny-all": case("deny", "-n", "production"),
    "generate-deny-ingress": case("deny", "--ingress", "-n", "production"),
    "generate-deny-egress-allow-dns": case("deny", "--egress", "--allow-dns", "-n", "production"),
    "generate-deny-name-json": case("deny", "--allow-dns", "--name", "lockdown", "-o", "json"),
    "generate-deny-verify": case("deny", "--allow-dns", "-n", "production", "-f", TUTORIAL, "--verify"),
    # dns
    "generate-dns": case("dns", "-n", "production"),
    "generate-dns-custom": case(
        "dns", "-n", "shop", "--dns-namespace", "dns", "--dns-selector", "app=coredns,tier in (dns)",
        "--node-local-dns", "10.0.0.10", "--name", "resolve",
    ),
    "generate-dns-any-namespace": case("dns", "-n", "production", "--any-namespace", "--node-local-dns"),
    "generate-dns-newly-isolates": case("dns", "-n", "monitoring", "-f", TUTORIAL, "--verify"),
    # allow
    "generate-allow": case("allow", "--from", "app=frontend", "--to", "app=backend", "--port", "8080", "-n", "production"),
    "generate-allow-tutorial-verify": case(
        "allow", "--from", "app=frontend", "--to", "app=backend", "--port", "8080/TCP", "-n", "production",
        "-f", TUTORIAL, "--verify",
    ),
    "generate-allow-client-not-isolated": case(
        "allow", "--from", "app=prometheus", "--from-namespace", "monitoring", "--to", "app=backend",
        "--to-namespace", "production", "--port", "metrics", "-f", TUTORIAL, "--verify",
    ),
    "generate-allow-namespace-selector-ingress-only": case(
        "allow", "--from", "app=prometheus", "--from-namespace", "kubernetes.io/metadata.name in (monitoring)",
        "--to", "tier in (api,web),!canary", "-n", "production", "--port", "9090", "--port", "8000-8080/TCP",
        "--ingress-only",
    ),
    "generate-allow-egress-only-json": case(
        "allow", "--from", "app=backend", "--to", "app=database", "--port", "5432,5433/TCP", "-n", "production",
        "--egress-only", "--name", "backend-to-db", "-o", "json",
    ),
    "generate-allow-every-port": case("allow", "--from", "role=client", "--to", "role=server,env!=prod"),
    # isolate-namespace
    "generate-isolate-namespace": case("isolate-namespace", "-n", "production"),
    # the tutorial denies egress too: an ingress allow alone does not give the flows, and verify says so
    "generate-isolate-namespace-verify-egress-half": case(
        "isolate-namespace", "-n", "production", "-f", TUTORIAL
    ),
    # allow-namespace
    "generate-allow-namespace": case("allow-namespace", "monitoring", "--port", "9090", "-n", "production"),
    "generate-allow-namespace-options": case(
        "allow-namespace", "monitoring", "logging", "--port", "9090", "--port", "metrics", "--to", "tier in (api,web)",
        "--from", "app=prometheus", "-n", "production", "--name", "scrapers",
    ),
    "generate-allow-namespace-verify": case(
        "allow-namespace", "monitoring", "--port", "9090", "--from", "app=prometheus", "-n", "production",
        "-f", TUTORIAL, "--verify",
    ),
    # egress-cidr
    "generate-egress-cidr": case(
        "egress-cidr", "0.0.0.0/0", "--except", "10.0.0.0/8", "--except", "172.16.0.0/12", "--except", "192.168.0.0/16",
        "--port", "443", "-n", "production",
    ),
    "generate-egress-cidr-public-internet": case(
        "egress-cidr", "--public-internet", "--port", "443", "--from", "app=backend", "-n", "production",
        "-f", TUTORIAL, "--verify",
    ),
    "generate-egress-cidr-several-json": case(
        "egress-cidr", "10.20.0.0/16", "fd00::/8", "--except", "10.20.5.0/24", "--port", "5432", "--port", "6379",
        "-n", "production", "-o", "json",
    ),
    "generate-egress-cidr-pod-addresses-lenient": case(
        "egress-cidr", "10.1.0.0/16", "--except", "10.1.0.6/32", "--port", "80", "--from", "app=cache", "-n", "demo",
        "-f", IPS, "--lenient", "--verify",
    ),
    "generate-egress-cidr-ipblock-ignores-pods": case(
        "egress-cidr", "10.1.0.0/16", "--port", "80", "--from", "app=cache", "-n", "demo", "-f", IPS, "--lenient",
        "--verify", "--ipblock-ignores-pods",
    ),
    # from-intents
    "generate-from-intents-tutorial": case("from-intents", INTENTS, "-f", TUTORIAL),
    "generate-from-intents-model": case("from-intents", INTENTS),
    "generate-from-intents-prefix-json": case("from-intents", INTENTS, "--name", "shop", "-o", "json"),
    "generate-from-intents-no-verify": case("from-intents", INTENTS, "--no-verify"),
    "generate-from-intents-ingress-only": case("from-intents", "-", "-f", TUTORIAL, stdin=INGRESS_ONLY_INTENTS),
    "generate-from-intents-egress-only": case("from-intents", "-", "-n", "apps", stdin=EGRESS_ONLY_INTENTS),
    "generate-from-intents-selector-overlap": case("from-intents", f"{OVERLAP}/intents.yaml", "-f", OVERLAP),
    "generate-from-intents-host-network-fails": case("from-intents", f"{HOSTNET}/intents.yaml", "-f", HOSTNET, code=1),
    # intents (scaffold)
    "generate-intents-tutorial": case("intents", "-f", TUTORIAL),
    "generate-intents-shop": case("intents", "-f", SHOP, "--name", "shop"),
    "generate-intents-default-namespace-lenient": case(
        "intents", "-f", "-", "-n", "web", "--lenient",
        stdin="apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: site}\nspec:\n  selector: {matchLabels: {app: site}}\n"
        "  template:\n    metadata: {labels: {app: site}}\n    spec: {containers: [{name: c, image: i}]}\n---\nkind: Oops\n",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    c = CASES[name]
    result = run(*c.args, stdin=c.stdin)
    assert result.exit_code == c.code, result.stderr
    compare_golden(name, f"expected.{c.suffix}", relative(result.stdout))
    compare_golden(name, "expected.stderr", relative(result.stderr))


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.args[1] != "intents"))  # scaffolds are not policies
def test_golden_policies_pass_the_kubernetes_schema(name: str) -> None:
    c = CASES[name]
    expected = (GOLDEN / name / f"expected.{c.suffix}").read_text()
    if c.code != 0:
        assert expected == ""  # a failed verification writes nothing
        return
    assert validate_all(expected) >= 1


def test_every_subcommand_has_a_golden_case() -> None:
    from podwall.cli.commands.generate import generate_command

    covered = {c.args[1] for c in CASES.values()}
    assert covered == set(generate_command.commands)


def test_dir_writes_one_valid_file_per_policy(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("generate", "from-intents", INTENTS, "-f", TUTORIAL, "-d", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    case = "generate-from-intents-dir"
    written = sorted(p.name for p in out.iterdir())
    compare_golden(case, "expected.stderr", relative(result.stderr.replace(str(out), "DIR")))
    assert sorted(line.rpartition("/")[2] for line in result.stderr.splitlines() if line.startswith("wrote ")) == written
    for file in written:
        text = (out / file).read_text()
        assert validate_all(text) == 1
        compare_golden(case, f"expected.{file}", text)
