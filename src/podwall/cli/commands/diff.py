"""``podwall diff``: which connections a change opens and closes, and why."""

from __future__ import annotations

import click

from podwall.cli.commands.lint import read_config
from podwall.cli.common import (
    _option,
    focus_of,
    focus_options,
    judging,
    load_options,
    max_input_bytes,
    namespaces_shown,
    report_load,
    resolve_focus,
)
from podwall.cli.env import Environment
from podwall.cli.help import examples
from podwall.cli.exit import ExitStatus
from podwall.diff import DiffReport, FailOn, compare
from podwall.errors import InputErrors, PodwallError
from podwall.loader import load, nothing_to_analyse
from podwall.loader.gitrev import load_revision, parse_source
from podwall.model import Cluster
from podwall.render.diff_connlist_csv import diff_connlist_csv
from podwall.render.diff_connlist_dot import diff_connlist_dot
from podwall.render.diff_connlist_md import diff_connlist_md
from podwall.render.diff_connlist_txt import diff_connlist_txt
from podwall.render.diff_html import diff_html
from podwall.render.diff_picture import diff_dot, diff_mermaid
from podwall.render.diff_json import diff_json
from podwall.render.diff_md import diff_md
from podwall.render.diff_text import diff_text
from podwall.render.diff_words import display

#: podwall's own reports (with reasons and the lint delta), then netpol-analyzer's formats.
REPORTS = {"text": diff_text, "md": diff_md, "json": diff_json}
CONNLIST = {"connlist": diff_connlist_txt, "connlist-csv": diff_connlist_csv, "connlist-md": diff_connlist_md,
            "connlist-dot": diff_connlist_dot, "mermaid": diff_mermaid, "dot": diff_dot}
SHOWN_PAIRS = 3  # pairs named in the --fail-on message


def _load(env: Environment, side: str, source: str, namespace: str | None, lenient: bool, verbose: bool) -> Cluster:
    """One side: a git revision, or files, a directory or ``-``; problems are reported under the side's name."""
    default_namespace = namespace or "default"
    git = parse_source(source)
    limit = max_input_bytes()
    if git is not None:
        cluster = load_revision(git[0], git[1], default_namespace=default_namespace, lenient=lenient, max_bytes=limit)
    else:
        cluster = load([source], default_namespace=default_namespace, lenient=lenient, stdin=env.stdin, max_bytes=limit,
                       render=_option("render", False))  # a git revision's charts cannot be rendered: gitrev says so
    report_load(env, cluster, verbose, side)
    # An empty side (a template step that printed nothing) would read as "everything removed", exit 0.
    nothing_to_analyse(cluster, (source,))
    return cluster


def _side(
    env: Environment, side: str, source: str, namespace: str | None, lenient: bool, verbose: bool
) -> Cluster | None:
    """One side loaded, or None after its problems were written, each line naming the side."""
    try:
        return _load(env, side, source, namespace, lenient, verbose)
    except InputErrors as errors:
        for error in errors.errors:
            env.err(f"{side}: {error}")
    except PodwallError as error:
        env.err(f"{side}: {error}" if error.location else f"podwall: {side}: {error}")
    return None


def _boundary_message(report: DiffReport) -> str:
    opened = report.boundary_openings
    outside = sum(p.from_outside for p in opened)
    across = sum(p.across_namespaces for p in opened)
    what = " and ".join(
        f"{where} ({n} pair{'s' if n != 1 else ''})"
        for n, where in ((outside, "from outside the cluster"), (across, "across namespaces"))
        if n
    )
    named = ", ".join(f"{display(p.source)} -> {display(p.destination)}" for p in opened[:SHOWN_PAIRS])
    more = f" and {len(opened) - SHOWN_PAIRS} more" if len(opened) > SHOWN_PAIRS else ""
    return f"podwall diff: this change opens traffic {what}: {named}{more}"


@click.command("diff", epilog=examples(
    "podwall diff main:deploy/ deploy/            # a git revision against the working tree",
    "podwall diff before/ after/ -o md > comment.md",
    "podwall diff main:deploy/ deploy/ --fail-on added",
))
@click.argument("before", metavar="BEFORE")
@click.argument("after", metavar="AFTER")
@load_options
@click.option("-o", "--output", type=click.Choice([*REPORTS, "html", *CONNLIST]), default="text", show_default=True,
              help="text or md (a pull-request comment): the changes per namespace with the reasons on both sides "
                   "and the lint delta; json: the same as a versioned contract; html: a self-contained page (the render "
                   "report's graph, changed edges coloured; click a pair for its changes and reasons); connlist, connlist-csv, connlist-md, "
                   "connlist-dot: np-guard/netpol-analyzer's diff formats; mermaid, dot: the connections drawn, added green, "
                   "removed red, changed amber.")
@click.option("--fail-on", type=click.Choice([f.value for f in FailOn]), default=None,
              help="Exit 1 when the change opens a pair that had no connection (added), gives any pair a new "
                   "connection (widened), or changes anything (any); exit 4 instead when it opens traffic from "
                   "outside the cluster or across namespaces. Default: report only, exit 0.")
@focus_options()
@click.option("--lint/--no-lint", "with_lint", default=True, show_default=True,
              help="text, md, json, html: lint both sides and report the findings the change introduces and fixes.")
@click.option("--config", "config_path", metavar="PATH",
              help="Lint configuration for the lint delta (default: .podwall.yaml here or in the nearest parent).")
@click.pass_obj
def diff_command(env: Environment, before, after, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods,
                 cni, output, fail_on, focus_workloads, focus_peers, focus_direction, with_lint, config_path) -> int:
    """What a change opens and closes, and why.

    BEFORE and AFTER are each a file, a directory, - (stdin) or git:REV[:PATH]: the manifests
    at a git revision, PATH relative to the current directory, read with git without a checkout
    (podwall diff git:origin/main .).

    Both sides are judged under one CNI profile: --cni, else the plugin recognised in AFTER.

    Exit codes: 0, or with --fail-on 1 (the change reaches it) and 4 (it opens traffic from
    outside the cluster or across namespaces); 2 usage or input error.
    """
    shown = namespaces_shown(namespace, all_namespaces)
    if before == "-" and after == "-":
        raise click.UsageError("only one of BEFORE and AFTER can be - (standard input)")
    focus = focus_of(focus_workloads, focus_peers, focus_direction)
    focus = focus if focus.workloads else None
    ours = output in REPORTS or output == "html"
    config = read_config(config_path) if ours and with_lint else None
    old = _side(env, "before", before, namespace, lenient, verbose)
    new = _side(env, "after", after, namespace, lenient, verbose)  # both sides' problems in one run
    if old is None or new is None:
        return ExitStatus.ERROR
    focus = resolve_focus((old, new), focus, namespace) if focus is not None else None  # explain's resolver
    choice, options = judging(new, cni, ipblock_ignores_pods)  # both sides judged alike: as AFTER's plugin
    report = compare(old, new, options, namespaces=shown, focus=focus, explain=ours, lint=config, cni=choice)
    if output == "html":
        env.out(diff_html(report, old, new, sides=(before, after)))
    else:
        env.out((REPORTS | CONNLIST)[output](report))
    env.err(choice.line())
    if fail_on is None:
        return ExitStatus.SUCCESS
    if report.boundary_openings:  # whatever the level: what security reviewers want to hear first
        env.err(_boundary_message(report))
        return ExitStatus.OPENS_BOUNDARY
    if report.fails(FailOn(fail_on)):
        env.err(f"podwall diff: the change reaches --fail-on {fail_on}")
        return ExitStatus.DENIED_OR_FINDINGS
    return ExitStatus.SUCCESS
