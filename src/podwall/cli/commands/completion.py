"""``podwall completion bash|zsh|fish``: the shell's completion script, from click's completion machinery."""

from __future__ import annotations

import click

from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.help import examples

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_PODWALL_COMPLETE"

EXAMPLES = examples(
    "# bash: this shell, or every new one",
    'eval "$(podwall completion bash)"',
    "podwall completion bash > ~/.local/share/bash-completion/completions/podwall",
    "",
    "# zsh (a directory on $fpath) and fish",
    "podwall completion zsh > ~/.zfunc/_podwall",
    "podwall completion fish > ~/.config/fish/completions/podwall.fish",
)


@click.command("completion", epilog=EXAMPLES, short_help="Print the shell completion script for bash, zsh or fish.")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion_command(ctx: click.Context, shell: str) -> int:
    """Print the completion script for SHELL (bash 4.4+, zsh, fish) on stdout.

    The script asks podwall for completions as you type (commands, options, choices
    such as -o formats); commands are not imported to list them, so it answers fast.
    """
    from click.shell_completion import get_completion_class

    env: Environment = ctx.obj
    root = ctx.find_root().command
    completion = get_completion_class(shell)
    assert completion is not None  # every name in SHELLS is one click knows
    env.out(completion(root, {}, "podwall", COMPLETE_VAR).source() + "\n")
    return ExitStatus.SUCCESS
