"""``--cni`` is declared once (cli.common.cni_option): an empty or blank name is a usage error on every verb."""

from __future__ import annotations

import click
import pytest

from podwall.cli.app import COMMANDS, cli
from podwall.cni import profiles
from tests.cli.harness import run


def _with_cni(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            found += _with_cni(command, ctx, (*prefix, name))
        elif any(p.name == "cni" for p in command.params):
            found.append((*prefix, name))
    return found


VERBS = _with_cni(cli, click.Context(cli))


def test_every_verb_that_judges_takes_cni() -> None:
    assert {verb[0] for verb in VERBS} >= {"reach", "explain", "lint", "generate", "flows", "diff", "cni"}
    assert ("generate", "from-intents") in VERBS and ("flows", "advise") in VERBS
    assert set(COMMANDS) >= {verb[0] for verb in VERBS}


@pytest.mark.parametrize("value", ["", " ", "\t"])
@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_an_empty_cni_is_a_usage_error_naming_the_profiles(verb: tuple[str, ...], value: str) -> None:
    result = run(*verb, "--cni", value)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"podwall: Invalid value for '--cni': {value!r} names no CNI profile: known profiles are "
                             f"{', '.join(profiles())} (see 'podwall {' '.join(verb)} --help')\n")
