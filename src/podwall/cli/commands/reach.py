"""``podwall reach``: the connectivity matrix, or connection lists over every port."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    require_namespace,
    resolve_focus,
)
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.help import examples

if TYPE_CHECKING:  # the engine and the renderers are imported when the command runs, not for --help
    from podwall.engine.exposure_analysis import ExposureReport

CONNLIST = ("connlist", "connlist-json")
LAYOUTS = {"matrix": "matrix", "list": "list"}  # -o matrix / -o list: the table view, one layout forced
OUTPUTS = ["table", "matrix", "list", "json", "csv", "md", *CONNLIST]
SUMMARY_OUTPUTS = ("table", "json", "md")
EXAMPLES = examples(
    "# the matrix of a folder (workloads; every declared container port)",
    "podwall reach -f manifests/",
    "",
    "# a live cluster, as kubectl prints it",
    "kubectl get ns,pods,deploy,sts,ds,rs,job,cronjob,svc,ing,netpol -A -o json | podwall reach -f -",
    "",
    "# one namespace and its peers, chosen ports, as JSON",
    "podwall reach -f manifests/ -n shop --probe 8080 --probe 53/UDP -o json",
    "",
    "# netpol-analyzer's connection list, focused; compare with an app's intents",
    "podwall reach -f manifests/ -o connlist --focus-workload shop/web",
    "podwall reach -f manifests/ --intents app.yaml --fail-on-intent",
)


@click.command("reach", epilog=EXAMPLES, short_help="Who can talk to whom, on which ports: the connectivity matrix.")
@input_options
@click.option("--probe", "probes", multiple=True, metavar="PORT[/PROTO]",
              help="Port to probe, e.g. 8080/TCP or 53/UDP. Repeatable. Default: every declared container port.")
@click.option("--by", type=click.Choice(["pod", "workload"]), default=None,
              help="Subjects are workloads (default: pods grouped under their Deployment, StatefulSet, ...), or pods.")
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table", show_default=True,
              help="table: the matrix up to 25 subjects (and as wide as the terminal), one block per source beyond; "
                   "matrix or list force one of them; json (the stable contract), csv or md. connlist, "
                   "connlist-json: allowed connections over every port per workload pair and external range, in "
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
@click.option("--intents", "intents_files", multiple=True, metavar="FILE",
              help="An app's intents (as for generate from-intents; kind: Intents documents among -f count too): "
                   "compare what they ask for with the engine's verdict on every probe they speak about. Repeatable.")
@click.option("--fail-on-intent", is_flag=True,
              help="With intents: exit 1 when the engine's verdict differs from them on some probe (no root, "
                   "no packets: the engine-only form of lab run --fail-on-intent).")
@ACROSS_OPTION
@click.pass_obj
def reach_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                  probes, by, output, external, summary, focus_workloads, focus_peers, focus_direction, focus_conn,
                  exposure, intents_files, fail_on_intent, across_cnis) -> int:
    """Who can talk to whom, on which ports: the connectivity matrix.

    Subjects are workloads (--by pod for pods). Exit code 0, or 1 with --fail-on-intent when
    the engine's verdict is not what the intents ask for; 2 for usage or input errors.
    """
    # Each branch imports what it uses, when it runs (a plain reach does not import connlist, intents, ...).
    from podwall.engine import Probe

    shown = namespaces_shown(namespace, all_namespaces)
    wants_intents = bool(intents_files) or fail_on_intent
    if across_cnis:
        from podwall.render.across import ACROSS_FORMATS
    if across_cnis and (output not in ACROSS_FORMATS or summary or external or wants_intents):
        raise click.UsageError("--across-cnis compares the probe matrix: -o table, md, json or csv, "
                               "not with --summary, --external or --intents")
    if wants_intents and (output in CONNLIST or output in ("csv", "md") or summary):
        raise click.UsageError("--intents prints with -o table, matrix, list or json (not with --summary)")
    chosen = [Probe.parse(p) for p in probes] or None
    focused = focus_workloads or focus_peers or focus_direction or focus_conn
    if output in CONNLIST:
        from podwall.engine.connlist import connlist, parse_focus_conn
        from podwall.render.connlist import connlist_json, connlist_text, exposure_json, exposure_text

        connlist_formats = {"connlist": connlist_text, "connlist-json": connlist_json}
        exposure_formats = {"connlist": exposure_text, "connlist-json": exposure_json}
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
        require_namespace(cluster, namespace)
        focus = resolve_focus(cluster, focus, namespace)
        choice, options = judging(cluster, cni, ipblock_ignores_pods)
        every = connlist(cluster, options)
        lines = tuple(line for line in every if focus.keeps(line))
        if shown is not None:
            lines = tuple(line for line in lines if _in_namespaces(line.source, line.destination, shown))
        env.err(choice.line())
        if not exposure:
            env.out(connlist_formats[output](lines, focus.conn))
            return ExitStatus.SUCCESS
        from podwall.engine.exposure_analysis import exposure_analysis

        report = exposure_analysis(cluster, every, focus, options)
        if shown is not None:
            report = _exposure_in(report, shown)
        env.out(exposure_formats[output](lines, report, focus.conn))
        return ExitStatus.SUCCESS
    if exposure:
        raise click.UsageError("--exposure applies to -o connlist and -o connlist-json")
    if focused:
        raise click.UsageError("--focus-* options apply to -o connlist and -o connlist-json")
    if summary and output not in SUMMARY_OUTPUTS:
        raise click.UsageError(f"--summary prints table, json or md, not {output}")
    if wants_intents:
        from podwall.cli.intents import check_intents, expand_intents, gather_intents, split_stdin
        from podwall.render.intents_text import intents_json, intents_text
    env, scan_stdin = split_stdin(env, paths) if wants_intents else (env, None)
    cluster = load_input(env, paths, namespace, lenient, verbose)
    require_namespace(cluster, namespace)
    documents = gather_intents(env, paths, intents_files, namespace or "default", scan_stdin) if wants_intents else []
    if fail_on_intent and not documents:
        raise click.UsageError("--fail-on-intent needs intents: a kind: Intents document among -f, or --intents FILE")
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    if across_cnis:
        from podwall.engine.across import reach_across

        across = reach_across(cluster, every_profile(choice, ipblock_ignores_pods), choice.profile.name, chosen,
                              by=by or "workload", namespaces=shown)
        env.err(choice.line())
        env.out(ACROSS_FORMATS[output](across))
        return ExitStatus.SUCCESS
    from podwall.cli.progress import ProgressBar
    from podwall.engine import reach

    with ProgressBar(env, "probing") as bar:
        result = reach(
            cluster,
            chosen,
            by=by or "workload",
            namespaces=shown,
            options=options,
            external=external,
            progress=bar,
        )
    env.err(choice.line())
    if summary:
        from podwall.engine.summary import summarize
        from podwall.render.summary import SUMMARY_FORMATS, summary_table

        overview = summarize(result)
        env.out(summary_table(overview, style=env.style) if output == "table" else SUMMARY_FORMATS[output](overview))
        return ExitStatus.SUCCESS
    checked = check_intents(expand_intents(documents, cluster), result, cluster) if documents else None
    if output == "json":
        from podwall.render.reach_json import reach_json_chunks

        extra = {"intents": intents_json(checked)} if checked is not None else None
        for chunk in reach_json_chunks(result, extra):  # streamed: pod-level output of large clusters
            env.out(chunk)
    elif output in ("table", *LAYOUTS):
        from podwall.render.reach_table import reach_table

        env.out(reach_table(result, style=env.style, width=env.width, layout=LAYOUTS.get(output, "auto")))
        if checked is not None:
            env.out(intents_text(checked, style=env.style))
    else:
        from podwall.render import REACH_FORMATS

        env.out(REACH_FORMATS[output](result))
    if fail_on_intent and checked is not None and checked.not_as_intended:
        return ExitStatus.DENIED_OR_FINDINGS
    return ExitStatus.SUCCESS


def _exposure_in(report: ExposureReport, namespaces: set[str]) -> ExposureReport:
    """Under -n, the exposure of that namespace's workloads only."""
    from podwall.engine.exposure_analysis import ExposureReport

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
