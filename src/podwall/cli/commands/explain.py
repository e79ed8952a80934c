"""``podwall explain``: why one flow is allowed or denied."""

from __future__ import annotations

import click

from podwall.cli.common import ACROSS_OPTION, every_profile, input_options, judging, load_input
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.engine import Probe, explain
from podwall.engine.across import explain_across
from podwall.render.across import EXPLAIN_ACROSS_FORMATS
from podwall.render import EXPLAIN_FORMATS


@click.command("explain")
@input_options
@click.option("-o", "--output", type=click.Choice(sorted(EXPLAIN_FORMATS)), default="text", show_default=True)
@ACROSS_OPTION
@click.argument("source")
@click.argument("destination")
@click.argument("port", metavar="PORT[/PROTO]")
@click.pass_obj
def explain_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                    output, across_cnis, source, destination, port) -> int:
    """Why can (not) SOURCE reach DESTINATION on PORT?

    SOURCE and DESTINATION are NAMESPACE/POD, NAMESPACE/KIND/NAME (Deployment, StatefulSet, ...;
    a Service as destination) or an IP address. Exit code 0 if allowed, 1 if denied.
    """
    probe = Probe.parse(port)
    cluster = load_input(env, paths, namespace, lenient, verbose)
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    if across_cnis:
        across = explain_across(cluster, source, destination, probe, every_profile(choice, ipblock_ignores_pods),
                                choice.profile.name)
        env.err(choice.line())
        env.out(EXPLAIN_ACROSS_FORMATS[output](across))
        return ExitStatus.SUCCESS if across.base.allowed else ExitStatus.DENIED_OR_FINDINGS
    result = explain(cluster, source, destination, probe, options)
    env.err(choice.line())
    env.out(EXPLAIN_FORMATS[output](result))
    return ExitStatus.SUCCESS if result.allowed else ExitStatus.DENIED_OR_FINDINGS
