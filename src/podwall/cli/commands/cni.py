"""``podwall cni``: which network plugin the input shows, and what its profile says."""

from __future__ import annotations

import click

from podwall.cli.common import CNI_OPTION, load_input
from podwall.cli.live import live_options, live_requested
from podwall.cli.env import Environment
from podwall.cli.help import examples
from podwall.cli.exit import ExitStatus
from podwall.cni import Choice, choose, detect, profile
from podwall.model import Cluster
from podwall.render.cni import cni_json, cni_text, profiles_table


def _live(func):
    for decorator in reversed(live_options()):
        func = decorator(func)
    return func


@click.command("cni", epilog=examples(
    "podwall cni -f manifests/          # which plugin, with the evidence",
    "podwall cni --cni cilium           # what a profile says, with sources",
    "podwall cni --list -o md",
    "podwall reach -f manifests/ --across-cnis",
))
@click.option("-f", "--filename", "paths", multiple=True, metavar="PATH",
              help="Manifests (or a snapshot) to recognise the plugin in: DaemonSets, their images, node annotations. "
                   "Repeatable.")
@_live
@click.option("-n", "--namespace", default=None, metavar="NS", help="Namespace for objects that name none.")
@click.option("--lenient", is_flag=True, help="Skip invalid objects with a warning instead of stopping.")
@CNI_OPTION
@click.option("--list", "listing", is_flag=True, help="Every profile against every statement, one row each.")
@click.option("-o", "--output", type=click.Choice(["text", "json", "md"]), default="text", show_default=True,
              help="text or json (with each statement's source); md for --list.")
@click.pass_obj
def cni_command(env: Environment, paths, namespace, lenient, cni, listing, output) -> int:
    """Which network plugin is this, and what does it enforce?

    With -f (or --cluster), recognises the plugin (and says from what); with --cni NAME,
    shows that profile; with --list, every profile. Every statement has a source: -o json,
    or docs/cni-profiles.md.
    """
    live = live_requested()
    if listing:
        if paths or cni or live:
            raise click.UsageError("--list shows every profile: -f and --cni do not apply")
        if output == "json":
            raise click.UsageError("--list prints text or md; for data use --cni NAME -o json")
        env.out(profiles_table(markdown=output == "md"))
        return ExitStatus.SUCCESS
    if output == "md":
        raise click.UsageError("-o md applies to --list")
    if not paths and not live and not cni:
        raise click.UsageError(
            "give -f PATH (or --cluster) to recognise the plugin, --cni NAME to show a profile, or --list"
        )
    if paths or live:
        cluster = load_input(env, paths, namespace, lenient, False)
        choice = choose(cluster, cni)
    else:
        choice = Choice(profile(cni), detect(Cluster()), chosen=True)
    env.out(cni_json(choice) if output == "json" else cni_text(choice))
    return ExitStatus.SUCCESS
