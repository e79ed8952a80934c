"""Options every verb that reads manifests shares, and the load step behind them.

Light on purpose: command modules import this to declare their options, and
``podwall --help`` or shell completion import every command module; the loader and
the engine are imported when a command runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from podwall.cli.env import Environment
from podwall.cli.live import live_options, live_requested, read_live
from podwall.errors import UsageError

if TYPE_CHECKING:
    from podwall.cni import Choice
    from podwall.engine import EngineOptions, Probe
    from podwall.engine.connlist import Focus
    from podwall.engine.dns import DnsSettings
    from podwall.model import Cluster


def _cni_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--cni ""`` (or blanks) names no profile: a usage error, not generic in disguise."""
    if value is not None and not value.strip():
        from podwall.cni import profiles  # here, not at the top: declaring the option imports no engine

        raise click.BadParameter(f"{value!r} names no CNI profile: known profiles are {', '.join(profiles())}",
                                 ctx=ctx, param=param)
    return value


def cni_option(help: str = "Judge as this network plugin does (a CNI profile, see podwall cni --list). "
                           "Default: the plugin recognised in the input, else generic.") -> Any:
    """``--cni NAME``, the one declaration every verb uses (``help`` says what it judges)."""
    return click.option("--cni", default=None, metavar="NAME", callback=_cni_name, help=help)


CNI_OPTION = cni_option()

ACROSS_OPTION = click.option(
    "--across-cnis", is_flag=True,
    help="Judge under every CNI profile too and show where the verdict depends on the network plugin "
         "(cells marked *, the flows listed with the profiles on each side).")


#: loader.files.MAX_BYTES in MB, written here so that declaring the option imports no loader (a test checks).
MAX_INPUT_MB = 256

NAMESPACE_HELP = "Namespace for objects that name none (default: default); also limits the subjects shown to NS and their peers."


def file_options(
    namespace_help: str = NAMESPACE_HELP,
    *,
    all_namespaces: bool = True,
    all_help: str = "Show subjects of every namespace (the default when -n is not given).",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-f`` (or ``--cluster``, ``--kubeconfig``, ``--context``), ``-n`` (with this command's meaning), ``-A``
    (only where subjects are shown), ``--lenient``, ``-v`` and the engine switches."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        decorators = [
            click.option("-f", "--filename", "paths", multiple=True, metavar="PATH",
                         help="Manifest file, directory (walked recursively for *.yaml, *.yml, *.json) or - for stdin. "
                              "Repeatable."),
            *live_options(),
        ]
        func = load_options(namespace_help=namespace_help, all_namespaces=all_namespaces, all_help=all_help)(func)
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return wrap


def load_options(
    func: Callable[..., Any] | None = None,
    *,
    namespace_help: str = NAMESPACE_HELP,
    all_namespaces: bool = True,
    all_help: str = "Show subjects of every namespace (the default when -n is not given).",
) -> Any:
    """``-n``, ``-A``, ``--lenient``, ``-v`` and the engine switches: for verbs that name their inputs otherwise.

    ``@load_options`` applies them as they are; ``@load_options(namespace_help=...)`` with this command's words.
    """

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        decorators = [click.option("-n", "--namespace", default=None, metavar="NS", help=namespace_help)]
        if all_namespaces:
            decorators.append(click.option("-A", "--all-namespaces", is_flag=True, help=all_help))
        decorators += [
            click.option("--lenient", is_flag=True,
                         help="Skip invalid objects with a warning instead of stopping."),
            click.option("-v", "--verbose", is_flag=True,
                         help="List the objects that were skipped, by kind (and tracebacks of internal errors)."),
            click.option("--ipblock-ignores-pods", is_flag=True,
                         help="ipBlocks match only addresses outside the cluster, never pod IPs (some CNIs)."),
            CNI_OPTION,
            click.option("--max-input-mb", type=click.IntRange(1), default=MAX_INPUT_MB, show_default=True,
                         expose_value=False, callback=_remember, metavar="MB",
                         help="Refuse any one input (file, pipe, stdin) larger than this."),
            click.option("--render", is_flag=True, expose_value=False, callback=_remember,
                         help="Render Helm charts and kustomize folders in -f (helm template, kubectl kustomize)."),
        ]
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return wrap(func) if func is not None else wrap


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep an input option that commands do not take as an argument; ``load_input`` reads it."""
    ctx.meta[f"podwall.{param.name}"] = value
    return value


def _option(name: str, default: Any) -> Any:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(f"podwall.{name}", default) if ctx is not None else default


def max_input_bytes() -> int:
    """``--max-input-mb`` of the running command, in bytes."""
    return _option("max_input_mb", MAX_INPUT_MB) << 20


#: The options every verb that reads manifests and shows subjects shares.
input_options = file_options()


def load_input(env: Environment, paths: tuple[str, ...], namespace: str | None, lenient: bool, verbose: bool) -> Cluster:
    """Load manifests (or the live cluster) and report warnings (and, with -v, what was skipped) on stderr."""
    from podwall.loader import load, nothing_to_analyse

    live = live_requested()
    if paths and live:
        raise click.UsageError("-f and --cluster/--kubeconfig/--context exclude each other: read files or a cluster")
    if paths:
        cluster = load(
            paths,
            default_namespace=namespace or "default",
            lenient=lenient,
            stdin=env.stdin,
            max_bytes=max_input_bytes(),
            render=_option("render", False),
        )
        report_load(env, cluster, verbose)  # first: what --lenient skipped explains an empty input
        nothing_to_analyse(cluster, paths)
    elif live or env.kubectl_plugin:
        cluster = read_live(env, live, namespace, lenient, verbose)
        report_load(env, cluster, verbose)
    else:
        raise click.UsageError("no input: give -f PATH (a file, a directory or - for stdin) or --cluster")
    return cluster


def input_arguments(
    paths: tuple[str, ...], namespace: str | None, lenient: bool, cni: str | None, ipblock_ignores_pods: bool
) -> tuple[str, ...]:
    """The arguments that load and judge this input again, for the commands a report suggests.

    ``-f PATH`` for each path, else the live-cluster options as given
    (``--cluster`` when none was, as for the kubectl plugin); then ``--render``,
    ``-n``, ``--lenient``, ``--max-input-mb``, ``--ipblock-ignores-pods`` and
    ``--cni`` when given, so the suggested ``podwall explain`` sees what the report saw.
    """
    args: list[str] = [a for path in paths for a in ("-f", path)]
    if not paths:
        live = live_requested() or {}
        args += [a for key in ("kubeconfig", "context") if live.get(key) for a in (f"--{key}", str(live[key]))]
        args = args or ["--cluster"]
    if _option("render", False):
        args.append("--render")
    args += ["-n", namespace] if namespace else []
    args += ["--lenient"] if lenient else []
    limit = _option("max_input_mb", MAX_INPUT_MB)
    args += ["--max-input-mb", str(limit)] if limit != MAX_INPUT_MB else []
    args += ["--ipblock-ignores-pods"] if ipblock_ignores_pods else []
    args += ["--cni", cni] if cni else []
    return tuple(args)


def report_load(env: Environment, cluster: Cluster, verbose: bool, side: str = "") -> None:
    """Warnings (and, with -v, what was skipped) on stderr, each line after ``side`` when given."""
    lead = f"{side}: " if side else ""
    for warning in cluster.warnings:
        env.err(lead + (f"warning: {warning}" if not warning.startswith("warning:") else warning))
    if verbose:
        for kind, count in sorted(cluster.skipped.items()):
            env.err(f"{lead}skipped: {count} {kind} object{'s' if count != 1 else ''} (not used by podwall)")
        for reason, count in cluster.passed.items():
            env.err(f"{lead}skipped in directory walks: {reason}: {count}")


def judging(cluster: Cluster, cni: str | None, ipblock_ignores_pods: bool) -> tuple[Choice, EngineOptions]:
    """The CNI profile (``--cni``, else detected, else generic) and the engine switches it sets.

    Verbs name the profile on stderr (``choice.line()``) once their answer is
    ready, so a usage error stays one line.
    """
    from podwall.cni import choose
    from podwall.engine import EngineOptions

    choice = choose(cluster, cni)
    return choice, EngineOptions(ipblock_matches_pods=False if ipblock_ignores_pods else None, conventions=choice.conventions)


def every_profile(choice: Choice, ipblock_ignores_pods: bool) -> dict[str, EngineOptions]:
    """``--across-cnis``: engine switches per CNI profile (the one in use at its detected version).

    Profiles that enforce nothing are left out (unless in use): every denied flow
    would depend on them, which lint's PW106 says once.
    """
    from podwall.cni import profiles
    from podwall.engine import EngineOptions

    flag = False if ipblock_ignores_pods else None
    chosen: dict[str, EngineOptions] = {}
    for p in profiles().values():
        conventions = choice.conventions if p is choice.profile else p.conventions()
        if conventions.enforces or p is choice.profile:
            chosen[p.name] = EngineOptions(flag, conventions)
    return chosen


def namespaces_shown(namespace: str | None, all_namespaces: bool) -> set[str] | None:
    """``-n`` limits the subjects; ``-A`` (or neither) shows every namespace."""
    if namespace and all_namespaces:
        raise click.UsageError("-n and -A cannot be used together")
    return {namespace} if namespace else None


def require_namespace(cluster: Cluster, namespace: str | None) -> None:
    """``-n NS`` must name a namespace of the input (declared, or holding some object): exit 2 with a did-you-mean."""
    if namespace is None:
        return
    names = sorted({ns.name for ns in cluster.namespaces})
    if namespace in names:
        return
    close = difflib.get_close_matches(namespace, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    known = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "") if names else "none"
    raise UsageError(f"-n {namespace}: {hint}no namespace {namespace!r} in the input (namespaces: {known})")


def dns_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--dns-namespace``, ``--dns-selector``, ``--dns-port``: where DNS is, when recognition is not enough."""
    decorators = [
        click.option("--dns-namespace", default=None, metavar="NS",
                     help="Namespace of the DNS server pods (default: recognised from the input's DNS Service, "
                          "else kube-system)."),
        click.option("--dns-selector", default=None, metavar="SELECTOR",
                     help="Labels of the DNS server pods, kubectl syntax (default: recognised, else k8s-app=kube-dns)."),
        click.option("--dns-port", type=click.IntRange(1, 65535), default=None, metavar="PORT",
                     help="Port the DNS pods listen on, the Service's targetPort (default: recognised, else 53; "
                          "OpenShift: 5353)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def dns_settings(namespace: str | None, selector: str | None, port: int | None) -> DnsSettings:
    """The ``--dns-*`` options as engine settings (selector syntax as kubectl's)."""
    from podwall.engine.dns import DnsSettings
    from podwall.generate import parse_selector  # the one selector parser (kubectl syntax)
    from podwall.generate.names import check_namespace as valid_namespace

    return DnsSettings(
        valid_namespace(namespace, "--dns-namespace") if namespace is not None else None,
        parse_selector(selector) if selector is not None else None,
        port,
    )


def focus_options(scope: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--focus-workload``, ``--focus-workload-peer`` and ``--focus-direction``; ``scope`` starts each help text."""
    lead = f"{scope}: " if scope else ""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        decorators = [
            click.option("--focus-workload", "focus_workloads", multiple=True, metavar="NAME",
                         help=f"{lead}keep lines with this workload at either end (any spelling podwall prints: name, "
                              "ns/name, Kind/name, ns/name[Kind]). "
                              "Repeatable or comma-separated."),
            click.option("--focus-workload-peer", "focus_peers", multiple=True, metavar="NAME",
                         help=f"{lead}with --focus-workload, the other end must be this workload. "
                              "Repeatable or comma-separated."),
            click.option("--focus-direction", type=click.Choice(["ingress", "egress"]), default=None,
                         help=f"{lead}with --focus-workload, only traffic into (ingress) or out of (egress) it."),
        ]
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return decorate


def split_names(values: tuple[str, ...], option: str = "--focus-workload") -> tuple[str, ...]:
    """Repeatable options that also take comma-separated lists; a value naming nothing is a usage error."""
    names = tuple(item.strip() for value in values for item in value.split(",") if item.strip())
    if values and not names:
        raise click.UsageError(f"{option} {values[0]!r} names no workload")
    return names


def focus_of(workloads: tuple[str, ...], peers: tuple[str, ...], direction: str | None, conn: Probe | None = None) -> Focus:
    """The connection-list filters from the focus options."""
    from podwall.engine.connlist import Focus
    from podwall.model import Direction

    if (peers or direction) and not workloads:
        raise click.UsageError("--focus-workload-peer and --focus-direction need --focus-workload")
    return Focus(
        workloads=split_names(workloads),
        peers=split_names(peers, "--focus-workload-peer"),
        direction=Direction(direction.capitalize()) if direction else None,
        conn=conn,
    )


def resolve_focus(clusters: Cluster | tuple[Cluster, ...], focus: Focus, namespace: str | None) -> Focus:
    """The focus names as the connection-list names of what they name, read by explain's resolver.

    Every spelling podwall prints for a subject is accepted (``web``,
    ``Deployment/web``, ``shop/Deployment/web``, ``shop/web-7d9f8b6c5d[ReplicaSet]``,
    ``rs/web-7d9f8b6c5d``, ``ns/name``); a name that names nothing (in any of
    ``clusters``: diff's two sides) is exit 2 with a did-you-mean (netpol-analyzer
    errors too).
    """
    from dataclasses import replace

    from podwall.engine.explaining import subject_nodes

    sides = clusters if isinstance(clusters, tuple) else (clusters,)

    def named(value: str, option: str) -> list[str]:
        found: list[str] = []
        failed: UsageError | None = None
        for cluster in sides:
            try:
                found += subject_nodes(cluster, value, namespace, lead=f"{option} {value}")
            except UsageError as error:
                failed = failed or error
        if not found and failed is not None:
            raise failed
        return found

    def nodes(values: tuple[str, ...], option: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for v in values for n in named(v, option)))

    return replace(focus, workloads=nodes(focus.workloads, "--focus-workload"),
                   peers=nodes(focus.peers, "--focus-workload-peer"))
