"""The ClusterRole ``podwall probe`` needs (``deploy/rbac-probe.yaml``, shipped in the package)."""

from __future__ import annotations

from importlib import resources


def probe_role() -> str:
    """The probe's ClusterRole manifest, as ``podwall rbac --probe`` prints it."""
    return resources.files("podwall.probe").joinpath("rbac-probe.yaml").read_text(encoding="utf-8")
