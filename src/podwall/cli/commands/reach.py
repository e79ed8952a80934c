"""``podwall reach``: the connectivity matrix."""

from __future__ import annotations

import click

from podwall.cli.common import engine_options, input_options, load_input, namespaces_shown
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.engine import Probe, reach
from podwall.render import REACH_FORMATS


@click.command("reach")
@input_options
@click.option("--probe", "probes", multiple=True, metavar="PORT[/PROTO]",
              help="Port to probe, e.g. 8080/TCP or 53/UDP. Repeatable. Default: every declared container port.")
@click.option("--by", type=click.Choice(["pod", "workload"]), default="pod", show_default=True,
              help="Subjects are pods, or workloads (pods grouped under their Deployment, StatefulSet, ...).")
@click.option("-o", "--output", type=click.Choice(sorted(REACH_FORMATS)), default="table", show_default=True,
              help="Output format; json is the stable contract.")
@click.pass_obj
def reach_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods,
                  probes, by, output) -> int:
    """Who can talk to whom, on which ports: the connectivity matrix."""
    shown = namespaces_shown(namespace, all_namespaces)
    chosen = [Probe.parse(p) for p in probes] or None
    cluster = load_input(env, paths, namespace, lenient, verbose)
    result = reach(cluster, chosen, by=by, namespaces=shown, options=engine_options(ipblock_ignores_pods))
    env.out(REACH_FORMATS[output](result))
    return ExitStatus.SUCCESS
