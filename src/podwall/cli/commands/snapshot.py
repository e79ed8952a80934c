"""``podwall snapshot``: a live cluster as plain manifests, for CI, air-gapped review and bug reports."""

from __future__ import annotations

import click

from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.live import live_options, live_requested
from podwall.cli.progress import ProgressBar


def _options(func):  # type: ignore[no-untyped-def]
    for decorator in reversed(live_options()):
        func = decorator(func)
    return func


@click.command("snapshot")
@_options
@click.option("-o", "--output", required=True, metavar="FILE|DIR|-",
              help="A directory (existing, or ending in /) gets one YAML file per kind; FILE.json one JSON List; "
                   "any other FILE, or - for stdout, multi-document YAML.")
@click.option("--redact", is_flag=True,
              help="Replace names, label values and IPs with stable hashes; the analysis stays identical "
                   "(PODWALL_REDACT_KEY makes the hashes the same across snapshots).")
@click.option("-n", "--namespace", default=None, metavar="NS",
              help="If listing across all namespaces is forbidden, read namespace NS only (with a warning).")
@click.option("-v", "--verbose", is_flag=True, help="Say which cluster is read.")
@click.pass_obj
def snapshot_command(env: Environment, output: str, redact: bool, namespace: str | None, verbose: bool) -> int:
    """Everything podwall needs from the live cluster, as manifests every verb reads offline with -f.

    managedFields, status noise and annotations podwall does not use are stripped; Secrets and
    ConfigMaps are never read. Reads the current kubeconfig context unless --kubeconfig/--context say
    otherwise (or the in-cluster configuration inside a pod).

    \b
    Examples:
      podwall snapshot -o cluster.yaml
      podwall snapshot --context prod --redact -o snapshot/
      podwall snapshot -o - | podwall lint -f -
    """
    from podwall.cni import recognisable
    from podwall.loader.cluster import ClusterSource, connect
    from podwall.loader.cluster.snapshot import counts_text, snapshot

    given = live_requested() or {}
    conn = connect(ClusterSource(kubeconfig=given.get("kubeconfig"), context=given.get("context")))
    try:
        if verbose:
            env.err(f"podwall: reading the live cluster: {conn.where}")
        with ProgressBar(env, "reading the cluster") as bar:
            result = snapshot(conn, env.stdout if output == "-" else output, redact=redact,
                              keep=recognisable() if redact else None, namespace=namespace, progress=bar)
    finally:
        conn.close()
    for warning in result.warnings:
        env.err(warning)
    where = "stdout" if output == "-" else (output if len(result.files) == 1 else f"{len(result.files)} files in {output}")
    env.err(f"podwall: wrote {result.total} objects{' (redacted)' if redact else ''} to {where}: "
            f"{counts_text(result.objects)}")
    return ExitStatus.SUCCESS
