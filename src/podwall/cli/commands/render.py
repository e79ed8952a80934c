"""``podwall render``: Mermaid, Graphviz DOT/SVG/PNG, or a self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import click

from podwall.cli.commands.lint import read_config
from podwall.cli.common import (
    input_arguments, input_options, judging, load_input, namespaces_shown, resolve_focus, split_names,
)
from podwall.cli.env import Environment
from podwall.cli.help import examples
from podwall.cli.exit import ExitStatus
from podwall.engine.connlist import Focus
from podwall.errors import cannot_write
from podwall.lint import lint
from podwall.render.pictures import RENDER_FORMATS, render


@click.command("render", epilog=examples(
    "podwall render -f manifests/ > flows.mmd             # a Mermaid flowchart for Markdown",
    "podwall render -f manifests/ -o html > report.html   # one self-contained report",
    "podwall render -f manifests/ -o svg > flows.svg      # drawn by Graphviz's dot",
))
@input_options
@click.option("-o", "--output", type=click.Choice(RENDER_FORMATS), default="mermaid", show_default=True,
              help="mermaid: a flowchart for Markdown; dot: Graphviz source; svg, png: drawn by Graphviz's dot "
                   "program; html: one self-contained interactive report (graph, matrix, explanations, lint).")
@click.option("--by", type=click.Choice(["workload", "namespace"]), default=None,
              help="Draw workloads, or namespaces with connection counts on edges. Default: workloads for small "
                   "inputs, namespaces for large ones (the HTML report opens namespaces on click).")
@click.option("--focus-workload", "focus_workloads", multiple=True, metavar="NAME",
              help="Keep connections with this workload at either end (any spelling podwall prints: name, ns/name, "
                   "Kind/name, ns/name[Kind]). Repeatable or comma-separated.")
@click.option("--output-file", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Write to FILE instead of stdout (needed for png on a terminal).")
@click.option("--config", "config_path", default=None, metavar="FILE",
              help="html: the lint configuration (default: .podwall.yaml found from the current directory).")
@click.option("--title", default="podwall report", show_default=True, help="html: the report's title.")
@click.pass_obj
def render_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                   output, by, focus_workloads, output_file, config_path, title) -> int:
    """Draw who can talk to whom: Mermaid, Graphviz or an HTML report."""
    shown = namespaces_shown(namespace, all_namespaces)
    if output != "html":
        for flag, given in (("--config", config_path), ("--title", title != "podwall report")):
            if given:
                raise click.UsageError(f"{flag} applies to -o html only")
    if output == "png" and output_file is None and (env.stdout.isatty() or not hasattr(env.stdout, "buffer")):
        raise click.UsageError("-o png writes binary data: give --output-file FILE or redirect stdout")
    config = read_config(config_path) if output == "html" else None
    cluster = load_input(env, paths, namespace, lenient, verbose)
    focus = resolve_focus(cluster, Focus(workloads=split_names(focus_workloads)), namespace) if focus_workloads else None
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    report = lint(cluster, config, options, namespaces=shown) if config is not None else None
    source = input_arguments(paths, namespace, lenient, cni, ipblock_ignores_pods)
    result = render(cluster, output, by=by, namespaces=shown, focus=focus, options=options, inputs=paths,
                    source=source, lint_report=report, title=title)  # fmt: skip
    content = result.content
    if output_file is not None:
        target = Path(output_file)
        try:
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        except OSError as error:
            raise cannot_write(output_file, error) from None
    elif isinstance(content, bytes):
        env.out_bytes(content)
    else:
        env.out(content)
    for note in result.notes:
        env.err(f"note: {note}")
    env.err(choice.line())  # once the answer is written, so an error stays one line
    return ExitStatus.SUCCESS
