"""A test API server serving the tutorial as a live cluster, and kubeconfigs to reach it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apiserver import world
from tests.apiserver.server import ApiServer, kubeconfig, rules_from_role, serving

ROOT = Path(__file__).resolve().parents[2]
READONLY = ROOT / "deploy" / "rbac-readonly.yaml"
TOKEN = "reader-token-0123456789"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiServer]:
    """The tutorial on a two-node Calico cluster; user "reader" holds exactly the shipped read-only role."""
    with serving(tmp_path / "api", world.tutorial(), "reader", rules_from_role(READONLY), TOKEN) as server:
        yield server


@pytest.fixture
def config(api: ApiServer, tmp_path: Path) -> Path:
    """A kubeconfig whose current context "test" reaches ``api`` as "reader" with a bearer token."""
    return kubeconfig(api, tmp_path / "kubeconfig", token=TOKEN)
