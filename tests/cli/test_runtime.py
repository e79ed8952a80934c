"""The CLI process: the cyclic garbage collector is off while a batch verb runs, and restored after."""

from __future__ import annotations

import gc

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from podwall.cli.app import COLLECTING, cli, main


@pytest.fixture(autouse=True)
def collecting() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it as it found it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _recorder(name: str, seen: list[bool]) -> click.Command:
    @click.command(name)
    def command() -> None:
        seen.append(gc.isenabled())

    return command


@pytest.mark.parametrize(("verb", "collecting"), [("reach", False), ("lint", False), ("lab", True), ("probe", True)])
def test_the_collector_is_off_for_batch_verbs_only_and_restored(
    verb: str, collecting: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    monkeypatch.setitem(cli.commands, verb, _recorder(verb, seen))
    assert gc.isenabled()
    assert main([verb]) == 0
    assert seen == [collecting] and (verb in COLLECTING) == collecting
    assert gc.isenabled()


def test_the_collector_is_restored_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command("reach")
    def failing() -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.commands, "reach", failing)
    assert main(["reach"]) == 3
    assert gc.isenabled()


def test_the_collector_is_restored_when_the_group_is_invoked_without_main(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setitem(cli.commands, "reach", _recorder("reach", seen))
    assert CliRunner().invoke(cli, ["reach"]).exit_code == 0
    assert seen == [False] and gc.isenabled()
