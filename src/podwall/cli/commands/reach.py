"""``podwall reach``: the connectivity matrix, or connection lists over every port."""

from __future__ import annotations

import click

from podwall.cli.common import (
    ACROSS_OPTION,
    every_profile,
    focus_of,
    focus_options,
    input_options,
    judging,
    load_input,
    namespaces_shown,
)
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.progress import ProgressBar
from podwall.engine import Probe, reach
from podwall.engine.across import reach_across
from podwall.render.across import ACROSS_FORMATS
from podwall.engine.summary import summarize
from podwall.engine.connlist import connlist, parse_focus_conn
from podwall.engine.exposure_analysis import ExposureReport, exposure_analysis
from podwall.render import REACH_FORMATS
from podwall.render.connlist import connlist_json, connlist_text, exposure_json, exposure_text
from podwall.render.reach_json import reach_json_chunks
from podwall.render.summary import SUMMARY_FORMATS

CONNLIST_FORMATS = {"connlist": connlist_text, "connlist-json": connlist_json}
EXPOSURE_FORMATS = {"connlist": exposure_text, "connlist-json": exposure_json}


@click.command("reach")
@input_options
@click.option("--probe", "probes", multiple=True, metavar="PORT[/PROTO]",
              help="Port to probe, e.g. 8080/TCP or 53/UDP. Repeatable. Default: every declared container port.")
@click.option("--by", type=click.Choice(["pod", "workload"]), default=None,
              help="Subjects are pods (default), or workloads (pods grouped under their Deployment, StatefulSet, ...).")
@click.option("-o", "--output", type=click.Choice(sorted(REACH_FORMATS) + sorted(CONNLIST_FORMATS)), default="table",
              show_default=True,
              help="table, json (the stable contract), csv or md: the probe matrix. connlist, connlist-json: "
                   "allowed connections over every port per workload pair and external range, in "
                   "np-guard/netpol-analyzer's format.")
@click.option("--external", is_flag=True,
              help="Add the addresses outside the cluster as subjects: ranges cut by every ipBlock, merged where "
                   "every pod treats them alike, named (external)/first-last[,...].")
@click.option("--summary", is_flag=True,
              help="Aggregate by namespace: for each pair of namespaces, how many subject pairs may connect "
                   "(on any probe), instead of listing subjects (large clusters).")
@focus_options("connlist")
@click.option("--focus-conn", metavar="PROTO-PORT", default=None,
              help="connlist: only pairs allowed on this connection, e.g. udp-52; lines then carry no connection part.")
@click.option("--exposure", is_flag=True,
              help="connlist: then what each workload is exposed to beyond the input's pods: representative peers "
                   "(entire-cluster, ns/[all pods], [namespace with {k=v}]/[pod with {k=v}]), external ranges, and "
                   "the workloads no policy protects (netpol-analyzer's --exposure). --focus-workload-peer does not "
                   "filter exposure lines.")
@ACROSS_OPTION
@click.pass_obj
def reach_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                  probes, by, output, external, summary, focus_workloads, focus_peers, focus_direction, focus_conn,
                  exposure, across_cnis) -> int:
    """Who can talk to whom, on which ports: the connectivity matrix."""
    shown = namespaces_shown(namespace, all_namespaces)
    chosen = [Probe.parse(p) for p in probes] or None
    focused = focus_workloads or focus_peers or focus_direction or focus_conn
    if across_cnis and (output in CONNLIST_FORMATS or summary or external):
        raise click.UsageError("--across-cnis compares the probe matrix: not with -o connlist*, --summary or --external")
    if output in CONNLIST_FORMATS:
        if by == "pod":
            raise click.UsageError(f"-o {output} lists workloads: use --by workload (or leave --by out)")
        if probes:
            raise click.UsageError(f"-o {output} covers every port: --probe does not apply (use --focus-conn)")
        if external:
            raise click.UsageError(f"-o {output} always lists external ranges: --external does not apply")
        if summary:
            raise click.UsageError(f"-o {output} lists workload pairs: --summary does not apply")
        focus = focus_of(focus_workloads, focus_peers, focus_direction,
                         parse_focus_conn(focus_conn) if focus_conn else None)
        cluster = load_input(env, paths, namespace, lenient, verbose)
        choice, options = judging(cluster, cni, ipblock_ignores_pods)
        every = connlist(cluster, options)
        lines = tuple(line for line in every if focus.keeps(line))
        if shown is not None:
            lines = tuple(line for line in lines if _in_namespaces(line.source, line.destination, shown))
        env.err(choice.line())
        if not exposure:
            env.out(CONNLIST_FORMATS[output](lines, focus.conn))
            return ExitStatus.SUCCESS
        report = exposure_analysis(cluster, every, focus, options)
        if shown is not None:
            report = _exposure_in(report, shown)
        env.out(EXPOSURE_FORMATS[output](lines, report, focus.conn))
        return ExitStatus.SUCCESS
    if exposure:
        raise click.UsageError("--exposure applies to -o connlist and -o connlist-json")
    if focused:
        raise click.UsageError("--focus-* options apply to -o connlist and -o connlist-json")
    if summary and output not in SUMMARY_FORMATS:
        raise click.UsageError(f"--summary prints table, json or md, not {output}")
    cluster = load_input(env, paths, namespace, lenient, verbose)
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    if across_cnis:
        across = reach_across(cluster, every_profile(choice, ipblock_ignores_pods), choice.profile.name, chosen,
                              by=by or "pod", namespaces=shown)
        env.err(choice.line())
        env.out(ACROSS_FORMATS[output](across))
        return ExitStatus.SUCCESS
    with ProgressBar(env, "probing") as bar:
        result = reach(
            cluster,
            chosen,
            by=by or "pod",
            namespaces=shown,
            options=options,
            external=external,
            progress=bar,
        )
    env.err(choice.line())
    if summary:
        env.out(SUMMARY_FORMATS[output](summarize(result)))
        return ExitStatus.SUCCESS
    if output == "json":
        for chunk in reach_json_chunks(result):  # streamed: pod-level output of large clusters
            env.out(chunk)
    else:
        env.out(REACH_FORMATS[output](result))
    return ExitStatus.SUCCESS


def _exposure_in(report: ExposureReport, namespaces: set[str]) -> ExposureReport:
    """Under -n, the exposure of that namespace's workloads only."""
    def ours(workload: str) -> bool:
        return workload.split("/", 1)[0] in namespaces

    return ExposureReport(
        egress=tuple(x for x in report.egress if ours(x.workload)),
        ingress=tuple(x for x in report.ingress if ours(x.workload)),
        unprotected=tuple(u for u in report.unprotected if ours(u[0])),
    )


def _in_namespaces(source: str, destination: str, namespaces: set[str]) -> bool:
    """A line is shown under -n when either end is a workload of that namespace."""
    return any(end.split("/", 1)[0] in namespaces for end in (source, destination) if "[External]" not in end)
