"""Help written for each command: Examples, whole first sentences, no options a command cannot use; fast to list."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from click.testing import CliRunner

from podwall.cli.app import COMMANDS, cli
from tests.cli.harness import ROOT, run


def help_of(*path: str) -> str:
    """What ``podwall PATH --help`` prints (click writes help to the real stdout)."""
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output

#: Every command and subcommand podwall has, as typed.
def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _paths(command, (*prefix, name))
    return found


COMMAND_PATHS = _paths(cli)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_has_examples(path: tuple[str, ...]) -> None:
    text = help_of(*path)
    assert "\n  Examples:\n" in text
    assert "podwall " in text.split("Examples:", 1)[1]


def test_the_command_list_shows_whole_first_sentences() -> None:
    assert "..." not in help_of().split("Commands:", 1)[1]
    for group in {path[0] for path in COMMAND_PATHS if len(path) == 2}:
        assert "..." not in help_of(group).split("Commands:", 1)[1]


def test_the_listed_summaries_are_the_commands_own() -> None:
    ctx = click.Context(cli)
    for name, (_, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        assert summary == command.get_short_help_str(limit=10_000), name


def test_help_and_completion_import_no_verb() -> None:
    """``podwall --help`` and completing a command name import neither the engine nor the loader."""
    code = (
        "import sys\n"
        "from podwall.cli.app import main\n"
        "main(['--help'])\n"
        "heavy = [m for m in sys.modules if m.startswith(('podwall.engine', 'podwall.loader', 'podwall.cli.commands.'))]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "HEAVY []" in done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    result = run("completion", shell)
    assert result.exit_code == 0 and "_PODWALL_COMPLETE" in result.stdout


def test_completion_answers_commands_and_choices() -> None:
    """What the shell gets back while typing ``podwall re<TAB>`` and ``podwall reach -o <TAB>``."""
    env = {**os.environ, "_PODWALL_COMPLETE": "bash_complete"}
    words = subprocess.run([sys.executable, "-m", "podwall"], capture_output=True, text=True, cwd=ROOT, check=False,
                           env={**env, "COMP_WORDS": "podwall rea", "COMP_CWORD": "1"})
    assert words.stdout.split() == ["plain,reach"]
    formats = subprocess.run([sys.executable, "-m", "podwall"], capture_output=True, text=True, cwd=ROOT, check=False,
                             env={**env, "COMP_WORDS": "podwall reach -o ", "COMP_CWORD": "3"})
    assert "plain,connlist-json" in formats.stdout.split()


@pytest.mark.parametrize(("path", "absent"), [(("explain",), "--all-namespaces"), (("generate", "deny"), "--all-namespaces")])
def test_options_a_command_cannot_use_are_not_offered(path: tuple[str, ...], absent: str) -> None:
    assert absent not in help_of(*path)


def test_the_input_cap_default_is_the_loaders() -> None:
    from podwall.cli.common import MAX_INPUT_MB
    from podwall.loader.files import MAX_BYTES

    assert MAX_INPUT_MB << 20 == MAX_BYTES
