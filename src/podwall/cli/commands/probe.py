"""``podwall probe``: does the live cluster enforce what the policies say? Twins, probes, the engine."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from podwall.cli.common import CNI_OPTION, judging
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.live import live_options, live_requested
from podwall.cli.progress import ProgressBar
from podwall.engine import Probe
from podwall.errors import UsageError


def _options(func):  # type: ignore[no-untyped-def]
    for decorator in reversed(live_options()):
        func = decorator(func)
    return func


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C while twins exist, so the cleanup runs on both."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (a library caller's worker): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _confirm(env: Environment, question: str) -> bool:
    env.stderr.write(question + " [y/N] ")
    env.stderr.flush()
    answer = env.stdin.readline() if env.stdin is not None else ""
    return answer.strip().lower() in ("y", "yes")


@click.command("probe")
@_options
@click.option("-n", "--namespace", default=None, metavar="NS",
              help="Probe the workloads of NS (default: every namespace but the system ones).")
@click.option("--from", "sources", multiple=True, metavar="WORKLOAD",
              help="Source workload (NAME in -n's namespace, NS/NAME or NS/KIND/NAME). Repeatable. Default: all.")
@click.option("--to", "destinations", multiple=True, metavar="WORKLOAD",
              help="Destination workload, as --from. Repeatable. Default: all.")
@click.option("--probe", "probes", multiple=True, metavar="PORT[/PROTO]",
              help="Port to probe on every destination. Repeatable. Default: each destination's container ports.")
@click.option("--sample", type=click.IntRange(min=1), default=None, metavar="N",
              help="Probe N flows per source, half allowed and half denied by the policies where both exist.")
@click.option("--timeout", type=float, default=1.0, show_default=True, metavar="S",
              help="Seconds for each connection attempt (a denied flow takes this long).")
@click.option("--image", default=None, metavar="IMG", help="Twin image (agnhost-compatible: porter and connect).")
@click.option("--allow-selected-twins", is_flag=True,
              help="Also create twins that a PodDisruptionBudget or a Service with publishNotReadyAddresses selects "
                   "(refused by default: the twins would count in the budget, or receive real traffic).")
@click.option("--dry-run", is_flag=True, help="Print the plan and exit; create nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation before creating twins.")
@click.option("--clean", is_flag=True, help="Remove the leftovers of interrupted runs (pods and namespaces "
                                            "labelled podwall.io/probe) and exit.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--ipblock-ignores-pods", is_flag=True,
              help="Judge with ipBlocks that match only addresses outside the cluster (some plugins).")
@click.option("--lenient", is_flag=True, help="Skip invalid objects of the cluster with a warning.")
@click.option("-v", "--verbose", is_flag=True, help="Print each step.")
@CNI_OPTION
@click.pass_obj
def probe_command(env: Environment, namespace: str | None, sources: tuple[str, ...], destinations: tuple[str, ...],
                  probes: tuple[str, ...], sample: int | None, timeout: float, image: str | None,
                  allow_selected_twins: bool, dry_run: bool, yes: bool, clean: bool, output: str, ipblock_ignores_pods: bool, lenient: bool,
                  verbose: bool, cni: str | None) -> int:
    """Probe the live cluster with twins of its workloads and compare with the engine.

    For each workload under test a twin pod (same namespace, labels and container ports, owned by
    podwall, never Ready, no service-account token) listens or connects; every result is laid beside
    the engine's verdict on the twins. Exit code 0 when all agree, 1 on any mismatch or inconclusive
    probe, 2 for usage or cluster errors, 130 when interrupted (the twins are removed on every exit).

    \b
    Examples:
      podwall probe -n shop --dry-run
      podwall probe -n shop --from frontend --to backend --probe 8080/TCP --yes
      podwall probe --sample 6 -o json --yes > probe.json
      podwall probe --clean
    """
    from podwall.loader.cluster import ClusterSource, connect, read
    from podwall.probe import IMAGE, ProbeOptions, clean as clean_run, make_plan, new_run_id, run_probe
    from podwall.probe.safety import hazards, refuse
    from podwall.probe.twins import check_image
    from podwall.render.probe import plan_json, plan_text, probe_json, probe_text

    if timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds")
    image = check_image(image) if image is not None else IMAGE
    chosen = [Probe.parse(p) for p in probes] or None
    given = live_requested() or {}
    conn = connect(ClusterSource(kubeconfig=given.get("kubeconfig"), context=given.get("context")))
    try:
        if verbose:
            env.err(f"podwall: probing the live cluster: {conn.where}")
        if clean:
            cleaned = clean_run(conn)
            for problem in cleaned.problems:
                env.err(f"warning: {problem}")
            env.err(f"podwall: removed {len(cleaned.pods)} twin pods and {len(cleaned.namespaces)} owner namespaces")
            return ExitStatus.ERROR if cleaned.problems else ExitStatus.SUCCESS
        with ProgressBar(env, "reading the cluster") as bar:
            cluster = read(conn, lenient=lenient, namespace=namespace, progress=bar)
        for warning in cluster.warnings:
            env.err(warning if warning.startswith("warning:") else f"warning: {warning}")
        choice, engine = judging(cluster, cni, ipblock_ignores_pods)  # the cluster's own plugin, unless --cni
        env.err(choice.line())
        if not engine.conventions.enforces:
            env.err(f"podwall: {choice.profile.name} enforces no NetworkPolicy: the twins are judged as a plugin that "
                    "enforces the policies would judge them, to show whether this cluster does")
        plan = make_plan(cluster, namespace=namespace, sources=sources, destinations=destinations, probes=chosen,
                         sample=sample, options=engine)
        if not allow_selected_twins:
            plan = refuse(plan, hazards(conn, plan))  # twins a budget would count or a Service would route to
        run = new_run_id()
        if dry_run:
            env.out(plan_json(plan, image, run) if output == "json" else plan_text(plan, image))
            return ExitStatus.SUCCESS
        if not plan.flows:
            raise UsageError("nothing to probe: " + ("; ".join(plan.notes) or "no workload matches"))
        env.err(plan_text(plan, image).rstrip("\n"))
        if not yes and not _confirm(env, f"Create {len(plan.sources) + len(plan.destinations)} twin pods now?"):
            env.err("podwall: cancelled; nothing was created")
            return ExitStatus.INTERRUPTED
        options = ProbeOptions(image=image, timeout=timeout, run=run)
        say = env.err if verbose else None
        with _sigterm_interrupts(), ProgressBar(env, "probing") as bar:
            report = run_probe(conn, cluster, plan, options=options, engine_options=engine, plugin=choice.profile.name,
                               say=(lambda line: say(f"podwall: {line}")) if say else None, progress=bar)
    finally:
        conn.close()
    env.out(probe_json(report) if output == "json" else probe_text(report))
    return ExitStatus.DENIED_OR_FINDINGS if report.failed else ExitStatus.SUCCESS
