"""The nft compiler: golden scripts (no root needed), its address and port arithmetic,
and, as root, that every golden script loads into a real kernel twice in a row."""

from __future__ import annotations

import ipaddress
import subprocess

import pytest

import podwall
from podwall.engine import EngineOptions
from podwall.lab import compile_subject
from podwall.lab.nft import _ranges, collapse, ipblock_networks
from podwall.model import IPBlockPeer
from tests.cli.harness import CNI_GENERIC, GOLDEN, ROOT, TUTORIAL, compare_golden, run
from tests.lab.conftest import fresh_run_id

FEATURES = str(GOLDEN / "lab-rules-features" / "input.yaml")
STORY = str(ROOT / "examples" / "lab" / "tutorial-story")

CASES = {
    # case directory: arguments of ``podwall``
    "lab-rules-tutorial": ["lab", "rules", "-f", TUTORIAL, "--by", "workload"],
    "lab-rules-features": ["lab", "rules", "-f", FEATURES],
    "lab-rules-features-ipblock-ignores-pods": ["lab", "rules", "-f", FEATURES, "--ipblock-ignores-pods",
                                                "--subject", "shop/web"],
    # the sample of docs/lab.md
    "lab-rules-doc": ["lab", "rules", "-f", f"{TUTORIAL}/namespaces.yaml", "-f", f"{TUTORIAL}/workloads.yaml",
                      "-f", f"{STORY}/1-default-deny-all.yaml", "-f", f"{STORY}/2-allow-dns.yaml",
                      "--by", "workload", "--subject", "production/deploy/frontend"],
    "lab-rules-admin-tiers": ["lab", "rules", "-f", str(ROOT / "examples" / "admin-tiers"),
                              "--by", "workload", "--subject", "shop/deploy/web"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    result = run(*CASES[case])
    assert (result.exit_code, result.stderr) == (0, CNI_GENERIC)
    compare_golden(case, "expected.nft", result.stdout)


def test_compiler_is_pure_and_deterministic() -> None:
    cluster = podwall.load([TUTORIAL])
    pods = cluster.pods
    first = [compile_subject(cluster, pod, pods, table="t") for pod in pods]
    again = [compile_subject(cluster, pod, tuple(reversed(pods)), table="t") for pod in pods]
    assert first == again


def net(text: str):
    return ipaddress.ip_network(text)


@pytest.mark.parametrize(
    ("cidr", "excepts", "expected"),
    [
        ("10.0.0.0/24", (), ["10.0.0.0/24"]),
        ("10.0.0.0/30", ("10.0.0.1/32",), ["10.0.0.0/32", "10.0.0.2/31"]),
        ("10.0.0.0/24", ("10.0.0.0/25", "10.0.0.0/26"), ["10.0.0.128/25"]),
        ("10.0.0.0/24", ("10.0.0.0/24",), []),
        ("fd00::/126", ("fd00::3/128",), ["fd00::/127", "fd00::2/128"]),
    ],
)
def test_ipblock_networks(cidr: str, excepts: tuple[str, ...], expected: list[str]) -> None:
    block = IPBlockPeer(net(cidr), tuple(net(e) for e in excepts))
    assert sorted(str(n) for n in ipblock_networks(block)) == expected


def test_collapse_merges_overlaps_per_family() -> None:
    merged = collapse([net("10.0.0.0/25"), net("10.0.0.128/25"), net("10.0.0.5/32"), net("fd00::1/128")])
    assert {v: [str(n) for n in nets] for v, nets in merged.items()} == {4: ["10.0.0.0/24"], 6: ["fd00::1/128"]}


def test_port_ranges_merge() -> None:
    assert _ranges([(81, 81), (80, 80), (79, 85), (90, 90), (86, 89)]) == ["79-90"]
    assert _ranges([(53, 53), (80, 81)]) == ["53", "80-81"]


def _set_networks(script: str) -> list:
    """Every network listed in the script's interval sets."""
    nets = []
    for line in script.splitlines():
        if "elements = {" in line and " . " not in line:
            nets += [ipaddress.ip_network(e.strip()) for e in line.split("{", 1)[1].rstrip("} ").split(",")]
    return nets


@pytest.mark.parametrize("matches_pods", [True, False])
def test_ipblock_and_pod_addresses(matches_pods: bool) -> None:
    """ipBlock 10.244.0.0/24 on y's ingress: with --ipblock-ignores-pods the x pods' addresses leave the set."""
    from podwall.lab import plan_lab
    from tests.lab.corpus import POLICY_SETS, WORLD

    base = podwall.load_text(WORLD + POLICY_SETS["ingress-ipblock-matches-pods"])
    plan = plan_lab(base, internet=False, run_id="pwl-000000")
    cluster = plan.cluster(base)
    subject = plan.subject("y/b").pod
    script = compile_subject(cluster, subject, cluster.pods, options=EngineOptions(ipblock_matches_pods=matches_pods))
    nets = _set_networks(script)
    x_pods = [ipaddress.ip_address(a) for a in ("10.244.0.2", "10.244.0.3")]
    assert all(any(a in n for n in nets) for a in x_pods) is matches_pods
    assert not any(ipaddress.ip_address("10.244.0.1") in n for n in nets)  # the except
    assert any(ipaddress.ip_address("10.244.0.200") in n for n in nets)  # an external address in the block


@pytest.mark.lab
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_scripts_load_into_the_kernel(case: str) -> None:
    """``nft -f`` accepts each table, twice in a row (the apply is idempotent), in a scratch namespace."""
    scripts = (GOLDEN / case / "expected.nft").read_text().split("\n# podwall lab: ")
    name = f"{fresh_run_id()}-nftcheck"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        for script in scripts:
            text = script if script.startswith("#") else "# podwall lab: " + script
            for _ in range(2):
                done = subprocess.run(["ip", "netns", "exec", name, "nft", "-f", "-"], input=text, text=True,
                                      capture_output=True)
                assert done.returncode == 0, done.stderr
        listed = subprocess.run(["ip", "netns", "exec", name, "nft", "list", "tables"], capture_output=True, text=True)
        assert listed.stdout.strip() == "table inet podwall"
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
