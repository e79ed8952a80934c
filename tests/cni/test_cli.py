"""The CNI features through the CLI: podwall cni, --cni, --across-cnis; outputs are goldens shown in docs/cni.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podwall.render.cni import profiles_reference
from tests.cli.harness import ROOT, compare_golden, run

EXAMPLE = str(ROOT / "examples" / "cni")
DATA = Path(__file__).parent / "data"
GENERIC = "podwall: CNI profile generic (no network plugin recognised in the input; --cni NAME picks one)\n"

#: case -> (args, exit code, golden file, stderr)
CASES = {
    "cni-reach-across": (["reach", "-f", EXAMPLE, "--across-cnis"], 0, "expected.txt", GENERIC),
    "cni-reach-across-json": (["reach", "-f", EXAMPLE, "--across-cnis", "-o", "json"], 0, "expected.json", GENERIC),
    "cni-reach-across-csv": (["reach", "-f", EXAMPLE, "--across-cnis", "-o", "csv"], 0, "expected.csv", GENERIC),
    "cni-reach-across-md": (["reach", "-f", EXAMPLE, "--across-cnis", "-o", "md"], 0, "expected.md", GENERIC),
    "cni-explain-across": (
        ["explain", "-f", EXAMPLE, "sandbox/tester", "shop/cache", "6379", "--across-cnis"], 1, "expected.txt", GENERIC
    ),
    "cni-explain-across-json": (
        ["explain", "-f", EXAMPLE, "sandbox/tester", "shop/cache", "6379", "--across-cnis", "-o", "json"],
        1, "expected.json", GENERIC,
    ),
    "cni-explain-cilium": (
        ["explain", "-f", EXAMPLE, "--cni", "cilium", "shop/web", "shop/db", "5432"], 1, "expected.txt",
        "podwall: CNI profile cilium (--cni)\n",
    ),
    "cni-explain-flannel-detected": (
        ["explain", "-f", EXAMPLE, "-f", str(DATA / "flannel.yaml"), "sandbox/tester", "shop/cache", "6379"],
        0, "expected.txt",
        "podwall: CNI profile flannel v0.25.5 (detected: DaemonSet kube-flannel/kube-flannel-ds, "
        "image docker.io/flannel/flannel:v0.25.5)\n",
    ),
    "cni-lint-cilium": (
        ["lint", "-f", EXAMPLE, "--cni", "cilium", "--disable", "PW201,PW202,PW210,PW211,PW212"], 1, "expected.txt",
        "podwall: CNI profile cilium (--cni)\n",
    ),
    "cni-detect": (["cni", "-f", str(DATA / "cilium.yaml")], 0, "expected.txt", ""),
    "cni-detect-json": (["cni", "-f", str(DATA / "aws-vpc-cni-netpol.yaml"), "-o", "json"], 0, "expected.json", ""),
    "cni-profile-antrea": (["cni", "--cni", "antrea"], 0, "expected.txt", ""),
    "cni-list": (["cni", "--list"], 0, "expected.txt", ""),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    args, code, name, stderr = CASES[case]
    result = run(*args)
    assert (result.exit_code, result.stderr) == (code, stderr)
    compare_golden(case, name, result.stdout.replace(str(ROOT) + "/", ""))


def test_json_outputs_parse() -> None:
    data = json.loads(run("reach", "-f", EXAMPLE, "--across-cnis", "-o", "json").stdout)
    assert data["cni"] == "generic" and "cilium" in data["profiles"] and "flannel" not in data["profiles"]
    first = data["depends_on_cni"][0]
    assert set(first) == {"from", "to", "port", "protocol", "allowed_in", "denied_in"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cni"], "podwall: give -f PATH (or --cluster) to recognise the plugin, --cni NAME to show a profile, or --list"),
        (["cni", "--list", "--cni", "calico"], "podwall: --list shows every profile: -f and --cni do not apply"),
        (["reach", "-f", EXAMPLE, "--cni", "calcio"],
         "podwall: unknown CNI profile 'calcio' (did you mean calico?): known profiles are generic, antrea, "
         "aws-vpc-cni, aws-vpc-cni-netpol, azure-npm, calico, canal, cilium, flannel, gke-dataplane-v2, kindnet, "
         "kube-network-policies, kube-router, npa, ovn-kubernetes, weave"),
        (["reach", "-f", EXAMPLE, "--across-cnis", "--summary"],
         "podwall: --across-cnis compares the probe matrix: -o table, md, json or csv, not with --summary, "
         "--external or --intents"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_profiles_reference_is_current() -> None:
    """docs/cni-profiles.md is generated from the profiles: python -m podwall.render.cni rewrites it."""
    assert (ROOT / "docs" / "cni-profiles.md").read_text() == profiles_reference()


def test_docs_show_the_goldens() -> None:
    """Every output shown in docs/cni.md is a golden file (a marker line names it)."""
    text = (ROOT / "docs" / "cni.md").read_text()
    shown = text.split("<!-- golden: ")[1:]
    assert len(shown) >= 6
    for block in shown:
        name, _, rest = block.partition(" -->\n```text\n")
        body = rest.split("\n```\n", 1)[0] + "\n"
        assert body == (ROOT / "tests" / "golden" / name).read_text(), name
