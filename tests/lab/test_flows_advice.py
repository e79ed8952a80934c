"""The lab closes ``flows advise``'s loop with real packets: the advised policies, the observed flows as intents."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import ROOT, run

TUTORIAL = ROOT / "examples" / "tutorial"
HUBBLE = str(ROOT / "tests" / "flows" / "data" / "hubble.jsonl")


@pytest.mark.lab
def test_advised_policies_do_in_the_kernel_what_was_observed(tmp_path: Path) -> None:
    """The tutorial's workloads without its policies: advise, then probe every pair with nftables enforcing."""
    manifests = ["-f", str(TUTORIAL / "namespaces.yaml"), "-f", str(TUTORIAL / "workloads.yaml")]
    intents = run("flows", "advise", *manifests, "--flows", HUBBLE)
    policies = run("flows", "advise", *manifests, "--flows", HUBBLE, "-o", "yaml")
    assert intents.exit_code == 0 and policies.exit_code == 0, intents.stderr + policies.stderr
    (tmp_path / "intents.yaml").write_text(intents.stdout)
    (tmp_path / "policies.yaml").write_text(policies.stdout)
    result = run("lab", "run", *manifests, "-f", str(tmp_path / "policies.yaml"), "--by", "workload",
                 "--intents", str(tmp_path / "intents.yaml"), "--timeout", "0.5", "--fail-on-intent")
    out = result.stdout
    assert result.exit_code == 0, out + result.stderr
    assert "Kernel and engine agree on all" in out and "NOT AS INTENDED" not in out
    rows = {tuple(line.split()[:3]): line.split()[3:6] for line in out.splitlines() if line.startswith(("production/", "monitoring/"))}
    frontend, backend = "production/Deployment/frontend", "production/Deployment/backend"
    assert rows[(frontend, backend, "8080/TCP")] == ["ALLOWED", "ALLOWED", "ALLOWED"]
    assert rows[(backend, "production/Deployment/database", "5432/TCP")] == ["ALLOWED", "ALLOWED", "ALLOWED"]
    # frontend -> database was dropped every time it was observed: left out, so intended DENIED; the kernel
    # agrees with every intent (no NOT AS INTENDED), so it denied it too
