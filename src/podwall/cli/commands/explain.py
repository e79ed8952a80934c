"""``podwall explain``: why one flow is allowed or denied, named as kubectl names things."""

from __future__ import annotations

import click

from podwall.cli.common import ACROSS_OPTION, every_profile, file_options, judging, load_input, require_namespace
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.help import examples
from podwall.engine import explain
from podwall.engine.explaining import Subject, explain_ports, hypothetical, resolve
from podwall.errors import UsageError
from podwall.model.names import label_key_problem, label_value_problem
from podwall.render.explain_json import explain_json, explain_ports_json
from podwall.render.explain_text import explain_ports_text, explain_text

EXAMPLES = examples(
    "# frontend -> backend on 8080/TCP, names in the namespace production",
    "podwall explain -f manifests/ -n production frontend backend 8080",
    "",
    "# every port the pair may use",
    "podwall explain -f manifests/ -n production deploy/backend deploy/database",
    "",
    "# through a Service (judged at its targetPort), a named port, another namespace",
    "podwall explain -f manifests/ -n production frontend svc/backend http",
    "podwall explain -f manifests/ monitoring/deploy/prometheus backend.production 9090",
    "",
    "# a pod that does not exist yet, as kubectl run --labels would make it",
    "podwall explain -f manifests/ -n production --from-labels app=debug backend 8080",
)


def parse_labels(text: str) -> dict[str, str]:
    """``app=foo,tier=web`` -> labels, each key and value checked as the API server checks them."""
    labels: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"invalid --from-labels {text!r}: expected KEY=VALUE[,KEY=VALUE...], e.g. app=frontend")
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            raise UsageError(f"invalid --from-labels {item!r}: {problem}")
        labels[key] = value
    return labels


@click.command("explain", epilog=EXAMPLES, short_help="Why can (not) SOURCE reach DESTINATION (on PORT)?")
@file_options("Namespace of the subjects named without one, and of objects that name none (default: default).",
              all_namespaces=False)
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json (a stable contract: apiVersion podwall.io/v1, kind Explanation or "
                   "PortsExplanation).")
@click.option("--from-labels", "from_labels", metavar="KEY=VALUE[,...]", default=None,
              help="The source is a hypothetical pod with these labels in -n's namespace (it need not exist); "
                   "give only DESTINATION [PORT].")
@ACROSS_OPTION
@click.argument("names", nargs=-1, metavar="SOURCE DESTINATION [PORT[/PROTO]]")
@click.pass_obj
def explain_command(env: Environment, paths, namespace, lenient, verbose, ipblock_ignores_pods, cni,
                    output, from_labels, across_cnis, names) -> int:
    """Why can (not) SOURCE reach DESTINATION on PORT? Without PORT: on which ports, and why not the others.

    SOURCE and DESTINATION are named as kubectl names things, in the namespace of -n:
    NAME, KIND/NAME (deploy/web, sts/db, svc/web, pod/web-1), NAME.NAMESPACE,
    NAMESPACE/NAME, NAMESPACE/KIND/NAME, NAMESPACE/NAME[Kind] (connlist), an IP address,
    or ingress-controller. A Service as destination is judged at its targetPort (policies
    never see Service ports). PORT is a number or a port name of the destination, with
    an optional /TCP, /UDP or /SCTP.

    Exit code 0 if allowed (without PORT: on some port), 1 if denied, 2 for usage or input errors.
    """
    wanted = (1, 2) if from_labels is not None else (2, 3)
    if len(names) not in wanted:
        shape = "DESTINATION [PORT]" if from_labels is not None else "SOURCE DESTINATION [PORT]"
        raise click.UsageError(f"expected {shape}, got {len(names)} argument{'s' if len(names) != 1 else ''}")
    cluster = load_input(env, paths, namespace, lenient, verbose)
    require_namespace(cluster, namespace)
    choice, options = judging(cluster, cni, ipblock_ignores_pods)
    source: str | Subject
    if from_labels is not None:
        source = hypothetical(namespace or "default", parse_labels(from_labels))
        destination, port = names[0], (names[1] if len(names) > 1 else None)
    else:
        source, destination, port = names[0], names[1], (names[2] if len(names) > 2 else None)
    if across_cnis:
        if port is None:
            raise click.UsageError("--across-cnis compares one flow: give PORT")
        from podwall.engine.across import explain_across
        from podwall.render.across import EXPLAIN_ACROSS_FORMATS

        # names as the user typed them (-n, kubectl kinds), then as every profile reads them
        if not isinstance(source, Subject):
            source = resolve(cluster, source, namespace, others=(destination,)).name
        destination = resolve(cluster, destination, namespace, others=(source,)).name
        across = explain_across(cluster, source, destination, port, every_profile(choice, ipblock_ignores_pods),
                                choice.profile.name)
        env.err(choice.line())
        env.out(EXPLAIN_ACROSS_FORMATS[output](across))
        return ExitStatus.SUCCESS if across.base.allowed else ExitStatus.DENIED_OR_FINDINGS
    if port is None:
        every = explain_ports(cluster, source, destination, options, namespace=namespace)
        env.err(choice.line())
        env.out(explain_ports_json(every) if output == "json" else explain_ports_text(every, style=env.style))
        return ExitStatus.SUCCESS if every.allowed else ExitStatus.DENIED_OR_FINDINGS
    result = explain(cluster, source, destination, port, options, namespace=namespace)
    env.err(choice.line())
    env.out(explain_json(result) if output == "json" else explain_text(result, style=env.style))
    return ExitStatus.SUCCESS if result.allowed else ExitStatus.DENIED_OR_FINDINGS
