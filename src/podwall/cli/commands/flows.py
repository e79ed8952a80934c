"""``podwall flows``: observed traffic replayed against policies (check), and least-privilege policies from it (advise)."""

from __future__ import annotations

from typing import Any

import click

from podwall.cli.common import input_options, judging, load_input, namespaces_shown, require_namespace
from podwall.cli.env import Environment
from podwall.cli.help import HelpGroup, examples
from podwall.cli.exit import ExitStatus
from podwall.cli.live import live_requested
from podwall.errors import InputError, UsageError, input_name
from podwall.flows import FORMATS, NothingToAdvise, Observation, advise, check, observed_world, read
from podwall.generate import render as render_policies
from podwall.model import Cluster
from podwall.render.flows_json import advise_json, check_json
from podwall.render.flows_md import check_md
from podwall.render.flows_text import advise_report, check_text, coverage_lines

CHECK_FORMATS = {"text": check_text, "json": check_json, "md": check_md}


def _flows_options(func: Any) -> Any:
    func = click.option("--flows-format", "flows_format", type=click.Choice(FORMATS), default=None,
                        help="The format of every --flows input (default: told from each file's content).")(func)
    func = click.option("--flows", "flows", multiple=True, required=True, metavar="FILE",
                        help="Observed flows: a file (.gz read as gzip) or - for stdin. Repeatable.")(func)
    return func


def _files(flows: tuple[str, ...]) -> str:
    """The --flows inputs as messages name them (standard input as <stdin>)."""
    return ", ".join(map(input_name, flows))


def _coverage(observation: Observation, judged: int) -> str:
    """The coverage summary on one line: the counts, then the first two reasons records were not judged."""
    counts, *reasons = (line.strip() for line in coverage_lines(observation, judged)[1:])
    more = [f"{len(reasons) - 2} more reasons"] if len(reasons) > 2 else []
    return "; ".join([counts, *reasons[:2], *more])


def _no_double_stdin(flows: tuple[str, ...], paths: tuple[str, ...]) -> None:
    if "-" in flows and "-" in paths:
        raise UsageError("--flows - and -f - cannot both read standard input")


@click.group("flows", cls=HelpGroup, epilog=examples(
    "podwall flows check -f manifests/ --flows hubble.jsonl --fail-on-break",
    "podwall flows advise -f manifests/ --flows hubble.jsonl > app.yaml",
))
def flows_command() -> None:
    """Observed traffic: what would break under a policy set, and least-privilege policies from it.

    Reads Cilium Hubble (hubble observe -o json), Calico flow logs, Inspektor Gadget's network
    trace, AWS VPC flow logs, conntrack -L and CSV (src_ip,dst_ip,dst_port,protocol[,count]).
    """


@flows_command.command("check", epilog=examples(
    "hubble observe -o json > hubble.jsonl",
    "podwall flows check -f manifests/ --flows hubble.jsonl --fail-on-break",
))
@input_options
@_flows_options
@click.option("-o", "--output", type=click.Choice(sorted(CHECK_FORMATS)), default="text", show_default=True)
@click.option("--fail-on-break", is_flag=True, help="Exit 1 when an observed flow would be denied (for CI).")
@click.option("--allow-empty", is_flag=True,
              help="Accept input where no flow can be judged (exit 0 with the empty report); without it that is "
                   "an input error, exit 2: an empty check is no all-clear.")
@click.pass_obj
def check_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                  flows, flows_format, output, fail_on_break, allow_empty) -> int:
    """Judge every observed flow against the policies in -f: what would break, and why.

    Flows the policies deny that the network let through are grouped by workload pair with
    the policies responsible and each flow explained; flows the network dropped although the
    policies allow them get their likely cause; coverage says what was read and judged.
    Exit 1 with --fail-on-break when something would break; exit 2 when no flow can be judged
    (unless --allow-empty).
    """
    _no_double_stdin(flows, paths)
    cluster = load_input(env, paths, namespace, lenient, verbose)
    shown = namespaces_shown(namespace, all_namespaces)
    require_namespace(cluster, namespace)
    choice, options = judging(cluster, cni, ipblock_ignores_pods)  # the CNI profile: --cni, detected, or generic
    report = check(cluster, read(flows, flows_format, env.stdin), options=options, namespaces=shown)
    if not report.judged and not allow_empty:
        where = f" with an end in namespace {namespace}" if namespace and report.observation.flows else ""
        raise InputError(f"{_files(flows)}: no observed flow{where} to judge, so no all-clear "
                         f"({_coverage(report.observation, 0)}); --allow-empty accepts that")
    env.err(choice.line())
    env.out(CHECK_FORMATS[output](report))
    if fail_on_break and not report.ok:
        return ExitStatus.DENIED_OR_FINDINGS
    return ExitStatus.SUCCESS


@flows_command.command("advise", epilog=examples(
    "podwall flows advise -f manifests/ --flows hubble.jsonl --app shop > app.yaml",
    "podwall generate from-intents app.yaml -f manifests/ -d policies/",
))
@input_options
@_flows_options
@click.option("-o", "--output", type=click.Choice(["intents", "yaml", "json"]), default="intents", show_default=True,
              help="intents: podwall's intents file (review intent, not YAML); yaml: the NetworkPolicies "
                   "generate from-intents writes; json: both with the proof.")
@click.option("--min-count", type=int, default=1, show_default=True,
              help="Leave out flows seen fewer times (one-off probes, scans).")
@click.option("--external-prefix", type=int, default=24, show_default=True,
              help="Fold addresses outside the cluster into CIDRs of this prefix length (IPv4).")
@click.option("--external-prefix6", type=int, default=64, show_default=True, help="The same for IPv6.")
@click.option("--app", "app", default=None, metavar="NAME", help="The app's name: label app.kubernetes.io/part-of, and the prefix of every policy name "
                   "(generate from-intents --name NAME writes the same), so none replaces a policy of the input.")
@click.pass_obj
def advise_command(env: Environment, paths, namespace, all_namespaces, lenient, verbose, ipblock_ignores_pods, cni,
                   flows, flows_format, output, min_count, external_prefix, external_prefix6, app) -> int:
    """Least-privilege intents (or policies) from observed flows, proven before they are printed.

    Workloads are selected by their stable labels (never pod-template-hash or pod names);
    addresses outside the cluster are folded into CIDRs. The engine then checks that every
    kept observed flow is allowed and nothing else is opened; the proof is printed with the
    result (as # comments). Without -f, workloads come from the records (Hubble, Calico,
    Inspektor Gadget name pods); address-only formats need -f. Exit 1, nothing printed on
    stdout, if the proof fails.
    """
    _no_double_stdin(flows, paths)
    if all_namespaces and namespace:
        raise UsageError("-n and -A cannot be used together")
    given = paths or live_requested()
    cluster = load_input(env, paths, namespace, lenient, verbose) if given else None
    if cluster is not None:
        require_namespace(cluster, namespace)
    choice, options = judging(cluster if cluster is not None else Cluster(), cni, ipblock_ignores_pods)
    try:
        result = advise(read(flows, flows_format, env.stdin), cluster, namespaces=[namespace] if namespace else (),
                        min_count=min_count, external_prefix=external_prefix, external_prefix6=external_prefix6,
                        name=app, options=options)
    except NothingToAdvise as error:  # an advice from nothing would deny everything: never printed
        if cluster is None:  # -n NS among the observed workloads' namespaces, with a did-you-mean
            require_namespace(observed_world(error.observation.flows), namespace)
        raise InputError(f"{_files(flows)}: {error.message} ({_coverage(error.observation, 0)})") from None
    env.err(choice.line())
    for note in result.generation.notes:
        env.err(note)
    if not result.ok:
        env.stderr.write(advise_report(result))
        env.err("nothing printed: the advice does not do what was observed")
        return ExitStatus.DENIED_OR_FINDINGS
    if output == "json":
        env.out(advise_json(result))
    elif output == "yaml":
        text = render_policies(result.generation.policies, "yaml") if result.generation.policies else ""
        env.out(text + advise_report(result))
    else:
        env.out(result.text + advise_report(result))
    return ExitStatus.SUCCESS
