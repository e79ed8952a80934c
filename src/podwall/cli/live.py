"""``--cluster``, ``--kubeconfig``, ``--context``: the live-cluster source on every verb that reads input.

The options are remembered in the click context (not passed as parameters), so every command that
uses the shared input options gets them without changing its signature; ``load_input`` asks
``live_source()`` whether the user wants the live cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from podwall.cli.env import Environment
from podwall.cli.progress import ProgressBar

if TYPE_CHECKING:  # imported when a cluster is read, not for --help
    from podwall.model import Cluster

_KEY = "podwall.live"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value not in (None, False):
        ctx.meta.setdefault(_KEY, {})[param.name] = value
    return value


def live_options() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """The decorators of the three options."""
    return [
        click.option("--cluster", "cluster", is_flag=True, expose_value=False, callback=_remember,
                     help="Read the live cluster (kubeconfig's current context, or the in-cluster configuration "
                          "inside a pod) instead of -f. Needs the podwall[cluster] extra."),
        click.option("--kubeconfig", "kubeconfig", metavar="PATH", expose_value=False, callback=_remember,
                     help="Kubeconfig file(s) for --cluster (default: $KUBECONFIG, else ~/.kube/config); implies "
                          "--cluster."),
        click.option("--context", "context", metavar="NAME", expose_value=False, callback=_remember,
                     help="Kubeconfig context for --cluster (default: the current one); implies --cluster."),
    ]


def live_requested() -> dict[str, Any] | None:
    """The live-cluster options given on this command line, or None."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    return ctx.meta.get(_KEY)


def read_live(env: Environment, options: dict[str, Any] | None, namespace: str | None, lenient: bool,
              verbose: bool) -> Cluster:
    """Read the live cluster; with no options (the kubectl plugin without -f) say which context on stderr."""
    from podwall.loader.cluster import ClusterError, ClusterSource, connect, read

    given = options or {}
    try:
        conn = connect(ClusterSource(kubeconfig=given.get("kubeconfig"), context=given.get("context")))
    except ClusterError as error:
        if options is not None:
            raise
        raise ClusterError(f"no -f given, and the live cluster cannot be read: {error}") from None
    try:
        if options is None or verbose:
            env.err(f"podwall: reading the live cluster: {conn.where}"
                    + ("; use -f to read manifests instead" if options is None else ""))
        with ProgressBar(env, "reading the cluster") as bar:
            return read(conn, lenient=lenient, namespace=namespace, progress=bar)
    finally:
        conn.close()
