"""The ``podwall`` command: argument parsing and exit codes, nothing else."""

from __future__ import annotations

from collections.abc import Sequence

import click

from podwall import __version__
from podwall.cli.commands.explain import explain_command
from podwall.cli.commands.generate import generate_command
from podwall.cli.commands.lab import lab_command
from podwall.cli.commands.lint import lint_command
from podwall.cli.commands.reach import reach_command
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.errors import InputErrors, PodwallError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="podwall")
def cli() -> None:
    """podwall: Kubernetes default-deny networking, made practical.

    Every verb reads manifests with -f (files, directories, - for stdin).
    Exit codes: 0 success, 1 denied (explain) or findings, 2 usage or input error.
    """


cli.add_command(reach_command)
cli.add_command(explain_command)
cli.add_command(generate_command)
cli.add_command(lab_command)
cli.add_command(lint_command)


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI and return its exit code; the only place argv and exit codes meet."""
    env = env or Environment()
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="podwall",
            standalone_mode=False,
            obj=env,
        )
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.UsageError as error:
        # One line, like every other input error: what is wrong, and where help is.
        command = error.ctx.command_path if error.ctx is not None else "podwall"
        env.err(f"podwall: {error.format_message()} (see '{command} --help')")
        return ExitStatus.ERROR
    except click.ClickException as error:
        env.err(f"podwall: {error.format_message()}")
        return ExitStatus.ERROR
    except click.exceptions.Abort:
        env.err("podwall: interrupted")
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        env.err("podwall: interrupted")
        return ExitStatus.INTERRUPTED
    except InputErrors as errors:
        for error in errors.errors:
            env.err(str(error))
        return ExitStatus.ERROR
    except PodwallError as error:
        env.err(str(error) if error.location else f"podwall: {error}")
        return ExitStatus.ERROR
    return int(result) if isinstance(result, int) else ExitStatus.SUCCESS
