"""The tutorial as a live cluster, a user holding exactly the shipped read-only and probe roles, a kubelet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from podwall.loader.cluster import ClusterSource, read_cluster
from podwall.model import Cluster
from tests.apiserver import world
from tests.apiserver.server import ApiServer, kubeconfig, rules_from_role, serving

ROOT = Path(__file__).resolve().parents[2]
ROLES = (ROOT / "deploy" / "rbac-readonly.yaml", ROOT / "deploy" / "rbac-probe.yaml")
TOKEN = "prober-token-0123456789"
PROBER = [rule for role in ROLES for rule in rules_from_role(role)]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiServer]:
    with serving(tmp_path / "api", world.tutorial(), "prober", PROBER, TOKEN) as server:
        yield server


@pytest.fixture
def config(api: ApiServer, tmp_path: Path) -> Path:
    return kubeconfig(api, tmp_path / "kubeconfig", user="prober", token=TOKEN, context="kind-kind")


@pytest.fixture
def cluster(config: Path) -> Cluster:
    """The cluster as podwall reads it (the reference network judges twins against its policies)."""
    return read_cluster(ClusterSource(str(config)))


def leftovers(api: ApiServer) -> list[str]:
    """Every object a probe run could have left behind."""
    pods = [f"pod {p['metadata']['namespace']}/{p['metadata']['name']}" for p in api.items("pods")
            if "podwall.io/probe" in (p["metadata"].get("labels") or {})]
    namespaces = [f"namespace {n['metadata']['name']}" for n in api.items("namespaces")
                  if n["metadata"]["name"].startswith("podwall-probe-")]
    return pods + namespaces
