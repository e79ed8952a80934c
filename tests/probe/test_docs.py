"""The outputs docs/probe.md shows, produced here (``examples/probe/shop.yaml`` on a test API server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from podwall.loader.cluster import ClusterSource, read_cluster
from tests.apiserver import world
from tests.apiserver.server import ApiServer, kubeconfig, serving
from tests.cli.harness import ROOT, compare_golden
from tests.probe.conftest import PROBER, TOKEN, leftovers
from tests.probe.kubelet import Kubelet, enforcing, everything_connects
from tests.probe.test_probe import cli, stable

SHOP = ROOT / "examples" / "probe" / "shop.yaml"
DOC = ROOT / "docs" / "probe.md"


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[ApiServer, Path]]:
    objects = [*world.nodes(), *world.live(world.documents(SHOP.read_text()))]
    with serving(tmp_path / "api", objects, "kind-user", PROBER, TOKEN) as server:
        yield server, kubeconfig(server, tmp_path / "kubeconfig", user="kind-user", token=TOKEN, context="kind-kind")


def shown(name: str, text: str) -> None:
    compare_golden("probe-shop", name, text)
    assert text in DOC.read_text(), f"docs/probe.md does not show tests/golden/probe-shop/{name}"


def test_plan_shown_in_the_docs(shop: tuple[ApiServer, Path]) -> None:
    api, config = shop
    result = cli("probe", "--kubeconfig", str(config), "-n", "shop", "--dry-run")
    assert result.exit_code == 0
    shown("plan.txt", result.stdout)


def test_enforcing_cluster_shown_in_the_docs(shop: tuple[ApiServer, Path]) -> None:
    api, config = shop
    api.kubelet = Kubelet(enforcing(read_cluster(ClusterSource(str(config)))))
    result = cli("probe", "--kubeconfig", str(config), "-n", "shop", "--yes")
    assert result.exit_code == 0
    shown("enforcing.txt", stable(result.stdout))
    assert leftovers(api) == []


def test_unenforcing_cluster_shown_in_the_docs(shop: tuple[ApiServer, Path]) -> None:
    api, config = shop
    api.kubelet = Kubelet(everything_connects)
    result = cli("probe", "--kubeconfig", str(config), "-n", "shop", "--yes")
    assert result.exit_code == 1
    shown("unenforcing.txt", stable(result.stdout))
