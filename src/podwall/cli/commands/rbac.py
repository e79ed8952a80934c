"""``podwall rbac``: the ClusterRole podwall needs, ready for ``kubectl apply -f -``."""

from __future__ import annotations

import click

from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus


@click.command("rbac")
@click.option("--probe", "for_probe", is_flag=True,
              help="The role podwall probe needs on top (create and delete its own pods and namespace, read logs).")
@click.pass_obj
def rbac_command(env: Environment, for_probe: bool) -> int:
    """Print the read-only ClusterRole for --cluster and snapshot (deploy/rbac-readonly.yaml).

    \b
    Examples:
      podwall rbac | kubectl apply -f -
      kubectl create clusterrolebinding podwall-alice --clusterrole=podwall-readonly --user=alice
      podwall rbac --probe | kubectl apply -f -
    """
    if for_probe:
        from podwall.probe.rbac import probe_role

        env.out(probe_role())
    else:
        from podwall.loader.cluster.rbac import readonly_role

        env.out(readonly_role())
    return ExitStatus.SUCCESS
