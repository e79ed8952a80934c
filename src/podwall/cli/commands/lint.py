"""``podwall lint``: find the mistakes that break or expose clusters, each with a fix."""

from __future__ import annotations

import os
from pathlib import Path

import click

from podwall.cli.common import dns_options, dns_settings, file_options, judging, load_input, namespaces_shown, require_namespace
from podwall.cli.env import Environment, wants_color
from podwall.cli.progress import ProgressBar
from podwall.cli.exit import ExitStatus
from podwall.cli.help import examples
from podwall.errors import Location, UsageError
from podwall.lint import CONFIG_FILE, LintConfig, lint, parse_config
from podwall.render import LINT_FORMATS
from podwall.render.lint_json import lint_json_chunks
from podwall.render.lint_text import lint_text


def find_config(start: Path) -> Path | None:
    """``.podwall.yaml`` in ``start`` or the nearest parent directory that has one."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def read_config(given: str | None) -> LintConfig:
    """The configuration named by ``--config``, else the one found from the current directory, else defaults."""
    path = Path(given) if given else find_config(Path.cwd())
    if path is None:
        return LintConfig()
    shown = os.path.relpath(path) if not given else given
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("no such configuration file", Location(shown)) from None
    except OSError as error:
        raise UsageError(f"cannot read: {(error.strerror or str(error)).lower()}", Location(shown)) from None
    return parse_config(text, shown)


@click.command("lint", epilog=examples(
    "podwall lint -f .",
    "podwall lint -f manifests/ -o sarif > podwall.sarif",
    "podwall lint -f manifests/ --fail-on error --disable PW201,PW202",
    "podwall lint -f cluster.json --max-findings 20   # large inputs: the first 20 groups",
    "podwall lint -f cluster.json --summary           # only the count per rule",
), short_help="What is wrong or risky: each finding with its rule, location and fix.")
@file_options("Namespace for objects that name none (default: default); also reports only the findings about NS's "
              "objects (every rule still sees the whole input).",
              all_help="Report the findings of every namespace (the default when -n is not given).")
@click.option("-o", "--output", type=click.Choice(sorted(LINT_FORMATS)), default="text", show_default=True,
              help="text for people, json (a stable contract) or sarif (GitHub code scanning).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 when a finding is at or above this severity (default: warning, or the config's).")
@click.option("--disable", "disabled", multiple=True, metavar="RULES",
              help="Rules not to run, by code or name, comma-separated. Repeatable.")
@click.option("--enable", "enabled", multiple=True, metavar="RULES",
              help="Rules to run although the configuration or their default turns them off. Repeatable.")
@click.option("--config", "config_path", metavar="PATH",
              help=f"Configuration file (default: {CONFIG_FILE} in the current directory or the nearest parent).")
@dns_options
@click.option("--max-findings", type=click.IntRange(min=0), default=0, metavar="N",
              help="Print at most N groups of findings (a group: one rule, one object, one of its rules, every peer "
                   "it concerns); 0: all. The exit code still counts every finding.")
@click.option("--summary", is_flag=True, help="Print only the count per rule and the total.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default=None, hidden=True,
              help="Same as podwall --color (kept here for scripts that put it after lint).")
@click.pass_obj
def lint_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                 output, fail_on, disabled, enabled, config_path, dns_namespace, dns_selector, dns_port, max_findings,
                 summary, color) -> int:
    """What is wrong or risky: each finding with its rule, location and fix.

    Exit code 1 when a finding is at or above --fail-on, 0 otherwise, 2 for usage or input errors.
    Silence a rule on one object with the annotation podwall.io/ignore: "PW201,PW203".
    """
    shown = namespaces_shown(namespace, all_namespaces)
    config = read_config(config_path).override(disable=disabled, enable=enabled, fail_on=fail_on)
    cluster = load_input(env, paths, namespace, lenient, verbose)
    require_namespace(cluster, namespace)
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    with ProgressBar(env, "linting") as bar:
        report = lint(cluster, config, options, namespaces=shown, progress=bar, cni=choice,
                      dns=dns_settings(dns_namespace, dns_selector, dns_port))
    env.err(choice.line())
    if output == "text":
        if color is not None:
            env.color = wants_color(color, env.stdout)
        env.out(lint_text(report, style=env.style, max_groups=max_findings, summary=summary))
    elif output == "json":
        for chunk in lint_json_chunks(report, max_groups=max_findings):  # streamed: 145 MB at 100,000 pods
            env.out(chunk)
    else:
        env.out(LINT_FORMATS[output](report))
    return ExitStatus.DENIED_OR_FINDINGS if report.failed else ExitStatus.SUCCESS
