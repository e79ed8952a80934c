"""The ClusterRole that grants what podwall reads (``deploy/rbac-readonly.yaml``, shipped in the package)."""

from __future__ import annotations

from importlib import resources

READONLY_FILE = "rbac-readonly.yaml"


def readonly_role() -> str:
    """The read-only ClusterRole manifest, as ``podwall rbac`` prints it."""
    return resources.files("podwall.loader.cluster").joinpath(READONLY_FILE).read_text(encoding="utf-8")
