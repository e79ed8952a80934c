"""Lab tests: skip with a visible reason unless root with ``ip`` and ``nft``; count what was compared."""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess

import pytest

def fresh_run_id() -> str:
    """A run id no other test (or concurrent test run) uses."""
    return f"pwl-{secrets.token_hex(3)}"


#: Filled by the lab tests, printed at the end of the run (the figures the issue asks for).
STATS: dict[str, float] = {}


@functools.cache
def lab_unavailable() -> str | None:
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "podwall lab needs root (network namespaces, nftables)"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None and not any(os.access(f"{d}/{tool}", os.X_OK) for d in ("/usr/sbin", "/sbin")):
            return f"podwall lab needs {tool} (apt-get install iproute2 nftables)"
    probe = f"pwl-{secrets.token_hex(3)}-probe"  # unique: other test runs may share this machine
    try:
        made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, timeout=30)
        if made.returncode != 0:
            return f"cannot create network namespaces here: {made.stderr.strip()}"
        inside = subprocess.run(["ip", "netns", "exec", probe, "nft", "list", "tables"], capture_output=True,
                                text=True, timeout=30)
        if inside.returncode != 0:
            return f"cannot run nft inside a network namespace here: {inside.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30)
    return None




def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``@pytest.mark.lab`` tests with the concrete reason when the lab cannot run."""
    reason = None
    for item in items:
        if item.get_closest_marker("lab") is None:
            continue
        reason = reason or lab_unavailable() or ""
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter) -> None:
    """Report the lab's figures: policy sets, probes compared, the 30-subject timing."""
    if not STATS:
        return
    terminalreporter.section("podwall lab")
    if "sets" in STATS:
        terminalreporter.write_line(
            f"differential: {int(STATS['sets'])} policy sets, {int(STATS['compared'])} probes compared, "
            f"kernel == engine on every one"
        )
    if "scale_total" in STATS:
        terminalreporter.write_line(
            f"30 subjects x 4 ports: {int(STATS['scale_probes'])} probes; build {STATS['scale_build']:.2f} s, "
            f"probe {STATS['scale_probe']:.2f} s, teardown {STATS['scale_teardown']:.2f} s, "
            f"total {STATS['scale_total']:.2f} s"
        )
