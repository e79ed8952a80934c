"""``podwall lab``: prove the policies with real packets (run, rules, clean)."""

from __future__ import annotations

import click

from podwall.cli.common import engine_options, input_options, load_input, namespaces_shown
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.engine import Probe, View, resolve, subject_of
from podwall.errors import UsageError
from podwall.lab import clean, compile_lab, plan_lab, run
from podwall.model import Cluster, Pod
from podwall.render import LAB_FORMATS


def _probe_options(func):
    func = click.option("--by", type=click.Choice(["pod", "workload"]), default="pod", show_default=True,
                        help="Subjects are pods, or workloads (one replica each).")(func)
    func = click.option("--probe", "probes", multiple=True, metavar="PORT[/PROTO]",
                        help="Port to probe, e.g. 8080/TCP or 53/UDP. Repeatable. Default: every declared container port.")(func)
    return func


def _subjects(cluster: Cluster, names: tuple[str, ...], view: str, flag: str) -> set[str] | None:
    """Subject keys for ``--from``/``--to`` names (``ns/pod``, ``ns/deploy/name``, a Service)."""
    if not names:
        return None
    keys: set[str] = set()
    for name in names:
        subject = resolve(cluster, name)
        pods = [e for e in subject.endpoints if isinstance(e, Pod)]
        if not pods:
            raise UsageError(f"{flag} {name}: the lab probes pods and workloads; the internet takes part when {flag} is not given")
        keys.update(subject_of(p, View(view)) for p in pods)
    return keys


@click.group("lab")
def lab_command() -> None:
    """Prove it with real packets: pods as network namespaces, policies as nftables, real probes.

    Needs root, ip (iproute2) and nft (nftables). Nothing touches the host's network:
    every namespace, interface, table and process a run makes carries the run's
    pwl-<hex>- prefix and is removed when it ends (lab clean removes leftovers of a crash).
    """


@lab_command.command("run")
@input_options
@_probe_options
@click.option("--from", "sources", multiple=True, metavar="SUBJECT",
              help="Probe only from this pod or workload (repeatable); the internet is then not a source.")
@click.option("--to", "destinations", multiple=True, metavar="SUBJECT",
              help="Probe only to this pod or workload (repeatable); the internet is then not a destination.")
@click.option("--timeout", type=click.FloatRange(0.05, 30.0), default=1.0, show_default=True, metavar="SECONDS",
              help="How long a probe waits for an answer before it counts as denied.")
@click.option("--no-internet", is_flag=True, help="Do not build the namespace that plays external addresses.")
@click.option("-o", "--output", type=click.Choice(sorted(LAB_FORMATS)), default="table", show_default=True,
              help="table: observed matrix; list: one line per probe; json: every probe.")
@click.pass_obj
def run_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods,
                probes, by, sources, destinations, timeout, no_internet, output) -> int:
    """Build the lab, enforce the policies, probe every flow, compare with podwall's verdicts.

    Exit code 0 when the kernel and the engine agree on every probe, 1 when they
    disagree anywhere or a probe failed (each is listed), 2 on usage, input or lab errors.
    """
    shown = namespaces_shown(namespace, all_namespaces)
    chosen = [Probe.parse(p) for p in probes] or None
    cluster = load_input(env, paths, namespace, lenient, verbose)
    result = run(
        cluster,
        chosen,
        by=by,
        namespaces=shown,
        sources=_subjects(cluster, sources, by, "--from"),
        destinations=_subjects(cluster, destinations, by, "--to"),
        internet=not no_internet,
        options=engine_options(ipblock_ignores_pods),
        timeout=timeout,
        progress=env.err if env.stderr_isatty else None,
    )
    env.out(LAB_FORMATS[output](result))
    return ExitStatus.SUCCESS if result.ok else ExitStatus.DENIED_OR_FINDINGS


@lab_command.command("rules")
@input_options
@_probe_options
@click.option("--subject", "subjects", multiple=True, metavar="SUBJECT",
              help="Print only this pod's or workload's rules (repeatable).")
@click.pass_obj
def rules_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods,
                  probes, by, subjects) -> int:
    """Print the nftables rules the lab would load, one table per subject (needs no root)."""
    shown = namespaces_shown(namespace, all_namespaces)
    chosen = [Probe.parse(p) for p in probes] or None
    cluster = load_input(env, paths, namespace, lenient, verbose)
    plan = plan_lab(cluster, chosen, by=by, namespaces=shown, internet=False, run_id="pwl-000000")
    wanted = _subjects(cluster, subjects, by, "--subject")
    lab_cluster = plan.cluster(cluster)
    scripts = compile_lab(lab_cluster, lab_cluster.pods, options=engine_options(ipblock_ignores_pods))
    texts = [scripts[s.pod.key] for s in plan.subjects if wanted is None or s.key in wanted]
    env.out("\n".join(texts))
    return ExitStatus.SUCCESS


@lab_command.command("clean")
@click.option("--force", is_flag=True, help="Also remove runs that seem to be in progress.")
@click.option("--run", "runs", multiple=True, metavar="RUN_ID", help="Only this run (pwl-<6 hex>). Repeatable.")
@click.pass_obj
def clean_command(env: Environment, force: bool, runs: tuple[str, ...]) -> int:
    """Remove the namespaces (and their interfaces, tables, processes) of crashed lab runs."""
    report = clean(force=force, runs=set(runs) if runs else None)
    for run_id, pid in report.live:
        why = f"pid {pid} is alive" if pid is not None else "it is being built"
        env.err(f"left alone: {run_id} is in progress ({why}); use --force to remove it anyway")
    if report.removed:
        env.out(f"removed {len(report.removed)} network namespaces of {len(report.runs)} run(s): "
                f"{', '.join(report.runs)}\n")
    else:
        env.out("nothing to clean\n")
    return ExitStatus.SUCCESS
