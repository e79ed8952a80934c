"""``podwall lab``: prove the policies with real packets (run, rules, clean).

Given intents (``kind: Intents`` documents among the -f input, or ``--intents
FILE``), ``lab run`` also says, for every probe, whether it is intended: the
intents are expanded as ``generate from-intents`` expands them, mapped here onto
the lab's subjects, external addresses and probes, and handed to the result as
plain data (the lab package never reads intents).
"""

from __future__ import annotations

import dataclasses
import ipaddress

import click

from podwall.cli.common import file_options, judging, load_input, namespaces_shown, require_namespace
from podwall.cli.env import Environment
from podwall.cli.intents import LabIntents, _End, expand_intents, gather_intents, intended_probes, split_stdin
from podwall.cli.exit import ExitStatus
from podwall.cli.help import HelpGroup, examples
from podwall.engine import EngineOptions, External, Probe, View, evaluate, resolve, subject_of
from podwall.engine.conventions import view
from podwall.errors import UsageError
from podwall.lab import LabResult, Observation, clean, plan_lab, run
from podwall.lab.nft import compile_rules, listing
from podwall.lab.plan import MAX_PROBES, MAX_SUBJECTS
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


@click.group("lab", cls=HelpGroup, epilog=examples(
    "# sudo resets PATH: name the venv's podwall (make demo's: .venv/bin/podwall, or \"$(command -v podwall)\")",
    "sudo .venv/bin/podwall lab run -f examples/tutorial",
    "sudo .venv/bin/podwall lab run -f manifests/ --by pod --probe 8080 --intents app.yaml --fail-on-intent",
    "podwall lab rules -f manifests/ --subject shop/deploy/web",
    "sudo .venv/bin/podwall lab clean",
), short_help="Prove it with real packets: pods as network namespaces, policies as nftables.")
def lab_command() -> None:
    """Prove it with real packets: pods as network namespaces, policies as nftables, real probes.

    Needs root, ip (iproute2) and nft (nftables). Nothing touches the host's network:
    every namespace, interface, table and process a run makes carries the run's
    pwl-<hex>- prefix and is removed when it ends (lab clean removes leftovers of a crash).
    """


@lab_command.command("run", epilog=examples(
    "# sudo resets PATH: name the venv's podwall (make demo's: .venv/bin/podwall, or \"$(command -v podwall)\")",
    "sudo .venv/bin/podwall lab run -f examples/tutorial",
    "sudo .venv/bin/podwall lab run -f manifests/ --from shop/deploy/web --probe 8080 -o list",
    "sudo .venv/bin/podwall lab run -f manifests/ --intents app.yaml --fail-on-intent",
), short_help="Build the lab, enforce the policies, probe every flow, compare with the engine (root).")
@file_options("Namespace for objects that name none (default: default); also builds only NS's subjects.",
              all_help="Build the subjects of every namespace (the default when -n is not given).")
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
@click.option("--intents", "intents_files", multiple=True, metavar="FILE",
              help="An intents file (as for generate from-intents; - for stdin): show what is intended next to "
                   "the engine and the kernel. Intents documents among the -f input count too. Repeatable.")
@click.option("--fail-on-intent", is_flag=True,
              help="Also exit 1 when the engine's verdict is not what the intents ask for somewhere.")
@click.option("--max-subjects", type=click.IntRange(1), default=MAX_SUBJECTS, show_default=True, metavar="N",
              help="Refuse to build more subjects (one network namespace and agent each; the input decides "
                   "how many, and the lab runs as root).")
@click.option("--max-probes", type=click.IntRange(1), default=MAX_PROBES, show_default=True, metavar="N",
              help="Refuse to send more probes (subjects x subjects x ports, and the internet's).")
@click.pass_obj
def run_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                probes, by, sources, destinations, timeout, no_internet, output, intents_files, fail_on_intent,
                max_subjects, max_probes) -> int:
    """Build the lab, enforce the policies, probe every flow, compare with podwall's verdicts.

    Exit code 0 when the kernel and the engine agree on every probe, 1 when they
    disagree anywhere or a probe failed (each is listed), 2 on usage, input or lab errors.
    With intents, flows whose verdict is not as intended are listed too; they change
    the exit code only with --fail-on-intent.
    """
    shown = namespaces_shown(namespace, all_namespaces)
    chosen = [Probe.parse(p) for p in probes] or None
    if "-" in intents_files and "-" in paths:
        raise UsageError("--intents and -f cannot both be - (stdin)")
    env, scan_stdin = split_stdin(env, paths)
    cluster = load_input(env, paths, namespace, lenient, verbose)
    require_namespace(cluster, namespace)
    documents = gather_intents(env, paths, intents_files, namespace or "default", scan_stdin)
    if fail_on_intent and not documents:
        raise UsageError("--fail-on-intent needs intents: a kind: Intents document among -f, or --intents FILE")
    lab_intents = expand_intents(documents, cluster) if documents else None
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    result = run(
        cluster,
        chosen,
        by=by,
        namespaces=shown,
        sources=_subjects(cluster, sources, by, "--from"),
        destinations=_subjects(cluster, destinations, by, "--to"),
        internet=not no_internet,
        options=options,
        timeout=timeout,
        progress=env.err if env.stderr_isatty or verbose else None,  # -v: the lab's steps, on stderr
        max_subjects=max_subjects,
        max_probes=max_probes,
    )
    if lab_intents is not None:
        result = with_intents(result, lab_intents, cluster, options)
    env.err(choice.line())
    env.out(LAB_FORMATS[output](result))
    if not result.ok or (fail_on_intent and result.not_as_intended):
        return ExitStatus.DENIED_OR_FINDINGS
    return ExitStatus.SUCCESS


@lab_command.command("rules", epilog=examples(
    "podwall lab rules -f manifests/ --subject shop/deploy/web",
), short_help="Print the nftables rules the lab would load (no root needed).")
@file_options("Namespace for objects that name none (default: default); also builds only NS's subjects.",
              all_help="Build the subjects of every namespace (the default when -n is not given).")
@_probe_options
@click.option("--subject", "subjects", multiple=True, metavar="SUBJECT",
              help="Print only this pod's or workload's rules (repeatable).")
@click.pass_obj
def rules_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                  probes, by, subjects) -> int:
    """Print the nftables rules the lab would load, one table per subject (needs no root).

    Each script is what lab run loads (there the table is named pwl_<hex>): its comments
    name policies by podwall's identifiers (p0, a0); the lines after the first say
    what they stand for, the input's names as quoted, escaped literals.
    """
    shown = namespaces_shown(namespace, all_namespaces)
    chosen = [Probe.parse(p) for p in probes] or None
    cluster = load_input(env, paths, namespace, lenient, verbose)
    require_namespace(cluster, namespace)
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    cluster = view(cluster, options.conventions)  # the rules the network plugin would enforce
    plan = plan_lab(cluster, chosen, by=by, namespaces=shown, internet=False, run_id="pwl-000000")
    wanted = _subjects(cluster, subjects, by, "--subject")
    lab_cluster = plan.cluster(cluster)
    texts = [listing(s.key, compile_rules(lab_cluster, s.pod, lab_cluster.pods, options=options))
             for s in plan.subjects if wanted is None or s.key in wanted]
    env.err(choice.line())
    env.out("\n".join(texts))
    return ExitStatus.SUCCESS


@lab_command.command("clean", epilog=examples(
    "# sudo resets PATH: name the venv's podwall (make demo's: .venv/bin/podwall, or \"$(command -v podwall)\")",
    "sudo .venv/bin/podwall lab clean",
    "sudo .venv/bin/podwall lab clean --run pwl-3f9a1c --force",
), short_help="Remove what crashed lab runs left behind.")
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


# -- intents: which probes of a lab are intended (the mapping lives in cli/intents.py) ---------


def lab_ends(result: LabResult, cluster: Cluster) -> dict[str, _End]:
    """Every end of the lab's probes: the pod each subject stands for (with its lab addresses), each address."""
    wanted = set(result.subjects)
    ends: dict[str, _End] = {}
    for pod in cluster.pods:  # the first pod of a subject is the one the lab builds (one replica)
        key = subject_of(pod, result.view)
        if key in wanted and key not in ends:
            ends[key] = pod
    addresses = dict(result.addresses)
    for key, end in list(ends.items()):
        if isinstance(end, Pod) and addresses.get(key):  # the engine judges ipBlocks on the lab's addresses
            ends[key] = dataclasses.replace(end, ips=tuple(ipaddress.ip_address(a) for a in addresses[key].split(", ")))
    for address in result.externals:
        ends[address] = External(ipaddress.ip_address(address))
    return ends


def with_intents(result: LabResult, lab: LabIntents, cluster: Cluster, options: EngineOptions) -> LabResult:
    """``result`` with what the intents say about each probe, the engine's reasons where it differs."""
    ends = lab_ends(result, cluster)
    keys = [(o.source, o.destination, o.probe) for o in result.observations]
    intended, judged, unseen = intended_probes(lab, ends, keys, cluster)
    result = dataclasses.replace(result, intents=lab.names, intended=intended, judged=judged)
    lab_cluster = dataclasses.replace(cluster, pods=tuple(e for e in ends.values() if isinstance(e, Pod)))
    labels = {ns.name: ns.labels for ns in lab_cluster.namespaces}
    differ = {id(o) for o in result.not_as_intended if o.verdict is None}

    def explained(o: Observation) -> Observation:
        if id(o) not in differ:
            return o
        verdict = evaluate(lab_cluster, ends[o.source], ends[o.destination], o.probe, options, labels=labels)
        return dataclasses.replace(o, verdict=verdict)

    notes = result.notes
    if unseen:
        texts = ", ".join(dict.fromkeys(f.text for f in unseen))
        notes += (f"intended flows on ports this lab does not probe (see --probe): {texts}",)
    return dataclasses.replace(result, observations=tuple(explained(o) for o in result.observations), notes=notes)
