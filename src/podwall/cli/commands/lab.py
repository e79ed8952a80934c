"""``podwall lab``: prove the policies with real packets (run, rules, clean).

Given intents (``kind: Intents`` documents among the -f input, or ``--intents
FILE``), ``lab run`` also says, for every probe, whether it is intended: the
intents are expanded as ``generate from-intents`` expands them, mapped here onto
the lab's subjects, external addresses and probes, and handed to the result as
plain data (the lab package never reads intents).
"""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

import click
import yaml

from podwall.cli.common import input_options, judging, load_input, namespaces_shown
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.engine import EngineOptions, External, Probe, View, evaluate, resolve, subject_of
from podwall.engine.conventions import view
from podwall.engine.match import port_matches  # not re-exported by podwall.engine (yet)
from podwall.errors import InputError, InputErrors, Location, PodwallError, UsageError
from podwall.generate import IntendedFlow, Intents, NetParty, PodParty, from_intents, parse_intents
from podwall.generate.dns import dns_intended
from podwall.generate.intents import KIND
from podwall.lab import LabResult, Observation, clean, plan_lab, run
from podwall.lab.nft import compile_rules, listing
from podwall.lab.plan import MAX_PROBES, MAX_SUBJECTS
from podwall.lab.result import ProbeKey
from podwall.loader.files import Source, Unreadable, read_all
from podwall.model import Cluster, Direction, Pod
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
    scan_stdin: TextIO | None = env.stdin
    if "-" in paths:  # read stdin once: the loader and the intents scan both need it
        text = env.stdin.read()
        env, scan_stdin = dataclasses.replace(env, stdin=io.StringIO(text)), io.StringIO(text)
    cluster = load_input(env, paths, namespace, lenient, verbose)
    default_namespace = namespace or "default"
    documents = intents_among(read_all(paths, scan_stdin), default_namespace)
    among = {os.path.realpath(name.rsplit(":", 1)[0]) for name, _ in documents}
    documents += [read_intents(env, path, default_namespace) for path in dict.fromkeys(intents_files)
                  if path == "-" or os.path.realpath(path) not in among]  # a file among -f counts once
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


@lab_command.command("rules")
@input_options
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


# -- intents: which probes of a lab are intended -------------------------------------------


def intents_among(items: Iterable[Source | Unreadable], default_namespace: str) -> list[tuple[str, Intents]]:
    """Every ``kind: Intents`` document of the -f input, parsed (the loader skips them).

    Each document is parsed alone, at its own lines, so problems are reported as
    ``FILE:LINE: field: message`` like ``generate from-intents`` reports them,
    those of every document at once.
    """
    found: list[tuple[str, Intents]] = []
    errors: list[PodwallError] = []
    for item in items:
        if not isinstance(item, Source) or KIND not in item.text:  # unreadable ones: the loader reported them
            continue
        for line, text in _intents_documents(item.text):
            try:
                found.append((f"{item.name}:{line}", parse_intents(text, item.name, default_namespace=default_namespace)))
            except InputErrors as problems:
                errors.extend(problems.errors)
    if errors:
        raise InputErrors(errors)
    return found


def _intents_documents(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each Intents document, the text padded so that its lines are the file's."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))  # pure loader: its marks index characters
    except (yaml.YAMLError, RecursionError):  # the loader already reported it (or skipped it with --lenient)
        return []
    documents: list[tuple[int, str]] = []
    for node in nodes:
        if not isinstance(node, yaml.MappingNode):
            continue
        fields = {k.value: v.value for k, v in node.value if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}
        if fields.get("kind") != KIND or not str(fields.get("apiVersion", "")).startswith("podwall/"):
            continue  # another podwall/ version is parsed, and refused with its line
        start, end = node.start_mark, node.end_mark
        documents.append((start.line + 1, "\n" * start.line + text[start.index - start.column : end.index]))
    return documents


def read_intents(env: Environment, path: str, default_namespace: str) -> tuple[str, Intents]:
    """``--intents FILE``: one intents document, as ``generate from-intents FILE`` reads it."""
    if path == "-":
        return "<stdin>", parse_intents(env.stdin.read(), "<stdin>", default_namespace=default_namespace)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise InputError("cannot read: not UTF-8 text", Location(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", Location(path)) from None
    return path, parse_intents(text, path, default_namespace=default_namespace)


@dataclass(frozen=True, slots=True)
class LabIntents:
    """Intents ready to be laid on a lab: where they came from, their flows, what they deny by default.

    ``flows`` are the intended flows as ``generate from-intents`` expands them
    (``*`` and named ports resolved against the input), plus DNS from every
    namespace of an app whose intents keep ``dns`` on. ``denied`` holds the
    (namespace, direction) pairs an app's default deny covers.
    """

    names: tuple[str, ...]
    flows: tuple[IntendedFlow, ...]
    denied: frozenset[tuple[str, Direction]]


def expand_intents(documents: Sequence[tuple[str, Intents]], cluster: Cluster) -> LabIntents:
    """Expand every intents document against the -f input (its workloads must select pods there)."""
    flows: dict[IntendedFlow, None] = {}
    denied: set[tuple[str, Direction]] = set()
    for _, intents in documents:
        for flow in from_intents(intents, cluster).intended:
            flows.setdefault(flow, None)
        for namespace in intents.namespaces:
            if intents.dns is not None:  # DNS is intended even where egress is not denied
                for flow in dns_intended(namespace, intents.dns):
                    flows.setdefault(flow, None)
            denied.update((namespace, direction) for direction in intents.default_deny)
    return LabIntents(tuple(dict.fromkeys(name for name, _ in documents)), tuple(flows), frozenset(denied))


_End = Pod | External


def _member(party: PodParty | NetParty, end: _End, namespace_labels: dict[str, dict[str, str]]) -> bool:
    """Whether a lab end belongs to one end of an intended flow.

    Pods by their namespace and labels; an external end (``internet``, a CIDR)
    only by the lab's external addresses: pods are never "the internet" here,
    whatever ipBlocks say about pod addresses.
    """
    if isinstance(party, PodParty):
        return (isinstance(end, Pod) and party.in_namespace(end.namespace, namespace_labels.get(end.namespace, {}))
                and party.pod_selector.matches(end.labels))
    return isinstance(end, External) and party.block.contains(end.address)


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


def intended_probes(
    lab: LabIntents, ends: dict[str, _End], keys: Iterable[ProbeKey], cluster: Cluster
) -> tuple[frozenset[ProbeKey], frozenset[ProbeKey], tuple[IntendedFlow, ...]]:
    """Which probes are intended, which the intents say something about, and the intended flows
    whose ends are probed, but on none of their ports.

    A probe is intended when some flow's source takes its source, its destination
    the destination and one of its ports the probe (named ports on the destination
    pod; no ports: every port). A probe the intents do not intend is judged (meant
    to be denied) when its source is a pod of an app namespace whose egress the
    intents deny, or its destination one whose ingress they deny; a subject to
    itself only when intended (a pod always reaches itself).
    """
    labels = {ns.name: dict(ns.labels) for ns in cluster.namespaces}
    by_source: dict[str, list[tuple[int, frozenset[str]]]] = {}  # source -> (flow, its destinations)
    for i, flow in enumerate(lab.flows):
        destinations = frozenset(k for k, e in ends.items() if _member(flow.destination, e, labels))
        for k, e in ends.items():
            if _member(flow.source, e, labels):
                by_source.setdefault(k, []).append((i, destinations))
    intended: set[ProbeKey] = set()
    judged: set[ProbeKey] = set()
    shown: set[int] = set()
    paired: set[int] = set()
    for key in keys:
        source, destination, probe = key
        src, dst = ends.get(source), ends.get(destination)
        if src is None or dst is None:
            continue
        for i, destinations in by_source.get(source, ()):
            if destination not in destinations:
                continue
            paired.add(i)
            flow = lab.flows[i]
            if not flow.ports or any(port_matches(spec, probe, dst) for spec in flow.ports):
                intended.add(key)
                judged.add(key)
                shown.add(i)
        if key in intended or source == destination:
            continue
        if (isinstance(src, Pod) and (src.namespace, Direction.EGRESS) in lab.denied) or (
            isinstance(dst, Pod) and (dst.namespace, Direction.INGRESS) in lab.denied
        ):
            judged.add(key)
    unseen = tuple(f for i, f in enumerate(lab.flows) if i in paired and i not in shown)
    return frozenset(intended), frozenset(judged), unseen


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
