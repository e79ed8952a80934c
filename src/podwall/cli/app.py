"""The ``podwall`` command: argument parsing and exit codes, nothing else.

Subcommands are imported only when they run (or when help lists them), so
``podwall --help`` and shell completion do not pay for every verb's imports.
Register a verb by adding its entry (module and one-line summary) to ``COMMANDS``.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click
from click.shell_completion import CompletionItem

from podwall import __version__
from podwall.cli.help import HelpGroup
from podwall.cli.env import Environment, wants_color
from podwall.cli.exit import ExitStatus
from podwall.errors import InputErrors, PodwallError

#: name -> ("module:attribute" of the click command, its one-line summary); the order is the order of
#: ``--help``. The summary is what ``--help`` and shell completion list without importing the verb;
#: tests/cli/test_help.py checks that it is the command's own ``short_help``.
COMMANDS: dict[str, tuple[str, str]] = {
    "reach": ("podwall.cli.commands.reach:reach_command",
              "Who can talk to whom, on which ports: the connectivity matrix."),
    "explain": ("podwall.cli.commands.explain:explain_command",
                "Why can (not) SOURCE reach DESTINATION (on PORT)?"),
    "lint": ("podwall.cli.commands.lint:lint_command",
             "What is wrong or risky: each finding with its rule, location and fix."),
    "diff": ("podwall.cli.commands.diff:diff_command", "What a change opens and closes, and why."),
    "generate": ("podwall.cli.commands.generate:generate_command",
                 "Write NetworkPolicies: default deny, DNS, allows, and a whole app from an intents file."),
    "lab": ("podwall.cli.commands.lab:lab_command",
            "Prove it with real packets: pods as network namespaces, policies as nftables."),
    "completion": ("podwall.cli.commands.completion:completion_command",
                   "Print the shell completion script for bash, zsh or fish."),
    "snapshot": ("podwall.cli.commands.snapshot:snapshot_command",
                 "Everything podwall needs from the live cluster, as manifests every verb reads offline with -f."),
    "probe": ("podwall.cli.commands.probe:probe_command",
              "Probe the live cluster with twins of its workloads and compare with the engine."),
    "rbac": ("podwall.cli.commands.rbac:rbac_command",
             "Print the read-only ClusterRole for --cluster and snapshot (deploy/rbac-readonly.yaml)."),
    "flows": ("podwall.cli.commands.flows:flows_command",
              "Observed traffic: what would break under a policy set, and least-privilege policies from it."),
    "cni": ("podwall.cli.commands.cni:cni_command", "Which network plugin is this, and what does it enforce?"),
    "render": ("podwall.cli.commands.render:render_command",
               "Draw who can talk to whom: Mermaid, Graphviz or an HTML report."),
}

REPORT_URL = "https://github.com/podwall/podwall/issues"

#: Verbs that keep Python's cyclic garbage collector on: they run for minutes, with threads, waiting on
#: packets and processes. Every other verb runs with it off (docs/performance.md): they allocate millions
#: of small acyclic objects, which the collector would rescan again and again for cycles there are none of.
COLLECTING = frozenset({"lab", "probe"})


class LazyGroup(HelpGroup):
    """A group whose subcommands are imported on first use.

    ``podwall --help`` and shell completion list every command with its first
    sentence, as ``COMMANDS`` says it, so listing costs no import.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS) + sorted(name for name in self.commands if name not in COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        self.commands[cmd_name] = command
        return command

    def command_summary(self, ctx: click.Context, name: str) -> str:
        """A command's first sentence, without importing it (``COMMANDS`` says it)."""
        if name not in self.commands and name in COMMANDS:
            return COMMANDS[name][1]
        command = self.get_command(ctx, name)
        return command.get_short_help_str(limit=10_000) if command is not None else ""

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names (with their first sentence) without importing the commands, then the group's options."""
        if incomplete.startswith("-"):
            return super().shell_complete(ctx, incomplete)
        return [CompletionItem(name, help=self.command_summary(ctx, name))
                for name in self.list_commands(ctx) if name.startswith(incomplete)]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="podwall")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the output: auto colours on a terminal unless NO_COLOR is set (FORCE_COLOR colours "
                   "pipes too).")
@click.pass_context
def cli(ctx: click.Context, color: str) -> None:
    """podwall: Kubernetes default-deny networking, made practical.

    Every verb reads manifests with -f (files, directories, - for stdin), or a live
    cluster with --cluster, --kubeconfig or --context.
    Exit codes: 0 success, 1 a verdict or findings (explain DENIED, lint findings,
    diff --fail-on, lab or probe disagreement), 2 usage or input error, 3 internal error
    (a bug: please report it), 4 diff --fail-on: the change opens traffic from outside
    the cluster or across namespaces.
    """
    env = ctx.ensure_object(Environment)
    env.color = wants_color(color, env.stdout)
    if ctx.invoked_subcommand not in COLLECTING:
        env.quick_exit = True
        if gc.isenabled():
            gc.disable()
            # Restored when the verb is done, even by an exception, for a caller that goes on (tests, an
            # embedding program). Not when the process ends with the verb: the first allocation after
            # gc.enable() would trace every object the verb made, 8% of reach at 10,000 pods for nothing.
            if not env.process_ends:
                ctx.call_on_close(gc.enable)


def _verbose(argv: Sequence[str] | None) -> bool:
    import sys

    args = list(argv) if argv is not None else sys.argv[1:]
    return any(arg in ("-v", "--verbose") for arg in args)


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI and return its exit code; the only place argv and exit codes meet."""
    env = env or Environment()
    try:
        result: Any = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="podwall",
            standalone_mode=False,
            obj=env,
        )
        env.flush()
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
    except SystemExit as stop:  # click met EPIPE writing help itself: it wraps sys.stdout and exits 1, a verdict here
        import sys

        if stop.code == 1 and type(sys.stdout).__name__ == "_PacifyFlushWrapper":
            return ExitStatus.BROKEN_PIPE
        raise
    except BrokenPipeError:  # env drops output once the reader left; anything else that meets EPIPE
        return ExitStatus.BROKEN_PIPE
    except Exception as error:  # noqa: BLE001 - the last resort: never a traceback, never exit 0 or 1
        env.err(
            f"podwall: internal error: {type(error).__name__}: {error} "
            f"(a bug in podwall: please report it at {REPORT_URL}"
            + ("" if _verbose(argv) else "; run again with -v for the traceback")
            + ")"
        )
        if _verbose(argv):
            import traceback

            env.err("".join(traceback.format_exception(error)))
        return ExitStatus.INTERNAL
    return int(result) if isinstance(result, int) else ExitStatus.SUCCESS


def kubectl_main(argv: Sequence[str] | None = None) -> int:
    """``kubectl podwall ...``: as ``main``, and without -f the verbs read kubeconfig's current context."""
    return main(argv, Environment(kubectl_plugin=True))


def run(kubectl_plugin: bool = False) -> NoReturn:
    """The ``podwall`` program (and ``python -m podwall``): ``main``, then the process ends.

    After a verb that holds no threads, processes or namespaces (every verb but lab
    and probe), the process ends as soon as its output is flushed: Python's own
    teardown would free the whole model object by object, 9% of reach's CPU at
    10,000 pods for nothing (docs/performance.md). If flushing fails, or for lab and probe,
    the interpreter exits the usual way.
    """
    env = Environment(kubectl_plugin=kubectl_plugin, process_ends=True)
    code = main(None, env)
    if env.quick_exit:
        try:
            for stream in (sys.stdout, sys.stderr):  # None when the stream was closed before podwall started
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):
            pass  # the usual exit reports (or drops) what is still buffered, as it always did
        else:
            os._exit(code)
    sys.exit(code)


def kubectl_run() -> NoReturn:
    """The ``kubectl-podwall`` program: ``run`` as a kubectl plugin."""
    run(kubectl_plugin=True)
