"""``podwall rbac``: the ClusterRole podwall needs, ready for ``kubectl apply -f -``."""

from __future__ import annotations

import click

from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus


@click.command("rbac")
@click.pass_obj
def rbac_command(env: Environment) -> int:
    """Print the read-only ClusterRole for --cluster and snapshot (deploy/rbac-readonly.yaml).

    \b
    Examples:
      podwall rbac | kubectl apply -f -
      kubectl create clusterrolebinding podwall-alice --clusterrole=podwall-readonly --user=alice
    """
    from podwall.loader.cluster.rbac import readonly_role

    env.out(readonly_role())
    return ExitStatus.SUCCESS
