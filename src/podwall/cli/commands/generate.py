"""``podwall generate``: write NetworkPolicies (recipes and intents), verified by the engine.

Policies go to stdout (so ``podwall generate ... | kubectl apply -f -`` works) or,
with ``-d DIR``, one file per policy; notes and the verification table go to
stderr. A failed verification writes nothing and exits 1.
"""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from podwall.cli.common import cni_option, dns_options, dns_settings, judging, load_input
from podwall.cli.live import live_options, live_requested
from podwall.cli.env import Environment
from podwall.cli.exit import ExitStatus
from podwall.cli.help import HelpGroup, examples
from podwall.errors import InputError, Location, UsageError, cannot_write, input_name
from podwall.generate import (
    DnsTarget,
    Generation,
    allow,
    allow_namespace,
    deny,
    dns,
    egress_cidr,
    env_references,
    files,
    from_intents,
    isolate_namespace,
    model_cluster,
    parse_cidr,
    parse_intents,
    parse_ports,
    parse_selector,
    render,
    scaffold_intents,
    schema_text,
    verify,
)
from podwall.generate.names import check_namespace, check_policy_name, quote
from podwall.loader.files import Source, read_all
from podwall.engine.dns import DnsSettings, dns_view
from podwall.model import Cluster, IPAddress, LabelSelector
from podwall.render.verify_text import verification_text

_SELECTOR_SYNTAX = re.compile(r"[=!(),]|\s(in|notin)\s", re.IGNORECASE)


@dataclass(frozen=True)
class _Options:
    """What every policy-writing subcommand shares."""

    namespace: str | None
    name: str | None
    output: str
    directory: str | None
    paths: tuple[str, ...]
    lenient: bool
    verify: bool
    ipblock_ignores_pods: bool
    cni: str | None

    @property
    def ns(self) -> str:
        return check_namespace(self.namespace or "default", "-n namespace")


def _common(
    name_help: str = "Policy name instead of the recipe's (a second policy gets a suffix).",
    verify_help: str = "Verify with the engine over the -f input (the default whenever -f is given): every intended "
                       "flow allowed, nothing else opened (with --cluster: over the live cluster); --no-verify skips it.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-n, --name, -o, -d, -f, --lenient, --verify/--no-verify, --ipblock-ignores-pods."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        decorators = [
            click.option("-n", "--namespace", default=None, metavar="NS",
                         help="Namespace of the policies (default: default); also of -f objects that name none."),
            click.option("--name", default=None, metavar="NAME", help=name_help),
            click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True),
            click.option("-d", "--dir", "directory", default=None, metavar="DIR",
                         help="Write one file per policy (NAMESPACE.NAME.yaml) into DIR, for kubectl apply -f DIR."),
            click.option("-f", "--filename", "paths", multiple=True, metavar="PATH",
                         help="Manifests giving context (file, directory or -). Repeatable."),
            *live_options(),
            click.option("--lenient", is_flag=True, help="Skip invalid objects of the -f input with a warning."),
            click.option("--verify/--no-verify", "verify_flag", default=None, help=verify_help),
            click.option("--ipblock-ignores-pods", is_flag=True,
                         help="For verification: ipBlocks match only addresses outside the cluster."),
            cni_option(help="For verification: judge as this network plugin does (default: the plugin recognised "
                            "in the -f input, else generic; see podwall cni --list)."),
        ]
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return wrap


def _options(kwargs: dict[str, Any], *, verify_default: bool = False) -> _Options:
    """``verify``: as asked, else whenever -f is given (and always for from-intents, which has a model)."""
    flag = kwargs.pop("verify_flag")
    paths = kwargs.pop("paths")
    return _Options(
        namespace=kwargs.pop("namespace"),
        name=check_policy_name(n) if (n := kwargs.pop("name")) is not None else None,
        output=kwargs.pop("output"),
        directory=kwargs.pop("directory"),
        paths=paths,
        lenient=kwargs.pop("lenient"),
        verify=flag if flag is not None else (bool(paths) or live_requested() is not None or verify_default),
        ipblock_ignores_pods=kwargs.pop("ipblock_ignores_pods"),
        cni=kwargs.pop("cni"),
    )


def _context(env: Environment, options: _Options) -> Cluster | None:
    if not options.paths and not live_requested():
        if options.verify:
            raise UsageError("--verify needs -f: the manifests to verify the policies against")
        return None
    return load_input(env, options.paths, options.namespace, options.lenient, False)


def _selector(text: str | None) -> LabelSelector | None:
    return None if text is None else parse_selector(text)


def _namespace_ref(text: str | None, option: str) -> str | LabelSelector | None:
    """A namespace name, or a namespace selector when the text uses selector syntax (= ! , ( in notin)."""
    if text is None:
        return None
    if _SELECTOR_SYNTAX.search(text):
        return parse_selector(text)
    return check_namespace(text.strip(), option)


def _finish(env: Environment, options: _Options, generation: Generation, world: Cluster | None, world_name: str) -> int:
    """Notes, verification, then the policies (stdout or files); 1 and nothing written on failure."""
    for note in generation.notes:
        env.err(note)
    if options.verify and world is not None:
        choice, judged = judging(world, options.cni, options.ipblock_ignores_pods)
        result = verify(world, generation, options=judged, world=world_name)
        env.err(choice.line())  # before the verification table it qualifies
        env.stderr.write(verification_text(result, style=env.err_style))
        if not result.ok:
            env.err("nothing written: the policies do not do what was intended")
            return ExitStatus.DENIED_OR_FINDINGS
    if not generation.policies:
        env.err("nothing to write: no policy is needed")
        return ExitStatus.SUCCESS
    if options.directory is None:
        env.out(render(generation.policies, options.output))
        return ExitStatus.SUCCESS
    try:
        os.makedirs(options.directory, exist_ok=True)
        for name, text in files(generation.policies, options.output):
            path = os.path.join(options.directory, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            env.err(f"wrote {path}")
    except OSError as error:
        raise cannot_write(options.directory, error) from None
    return ExitStatus.SUCCESS


def _run(env: Environment, options: _Options, build: Callable[[Cluster | None], Generation]) -> int:
    context = _context(env, options)
    return _finish(env, options, build(context), context, "the -f input")


@click.group("generate", cls=HelpGroup, epilog=examples(
    "podwall generate deny -n shop --allow-dns -f manifests/ | kubectl apply -f -",
    "podwall generate allow --from app=web --to app=api --port 8080 -n shop -f manifests/",
    "podwall generate from-intents app.yaml -f manifests/ -d policies/",
), short_help="Write NetworkPolicies: default deny, DNS, allows, and a whole app from an intents file.")
def generate_command() -> None:
    """Write NetworkPolicies: default deny, DNS, allows, and a whole app from an intents file.

    Policies go to stdout (pipe them to kubectl apply -f -) or, with -d DIR, one file each.
    With -f, podwall knows the pods: it warns when a policy would newly isolate some, and
    --verify checks with the engine that every intended flow is allowed and nothing else
    is opened (a failed check writes nothing and exits 1).
    """


@generate_command.command("deny", epilog=examples(
    "podwall generate deny -n shop --allow-dns -f manifests/",
    "podwall generate deny --ingress -n shop",
), short_help="Default deny for every pod of a namespace (ingress, egress or both).")
@click.option("--ingress", is_flag=True, help="Deny ingress (with --egress, or neither: both).")
@click.option("--egress", is_flag=True, help="Deny egress (with --ingress, or neither: both).")
@click.option("--allow-dns", is_flag=True,
              help="Also allow DNS egress to the cluster DNS (recognised in the -f input; see generate dns).")
@dns_options
@_common()
@click.pass_obj
def deny_command(env: Environment, ingress: bool, egress: bool, allow_dns: bool, dns_namespace: str | None,
                 dns_selector: str | None, dns_port: int | None, **kwargs: Any) -> int:
    """Default deny for every pod of the namespace: default-deny-all, -ingress or -egress."""
    options = _options(kwargs)
    both = not (ingress or egress)
    settings = dns_settings(dns_namespace, dns_selector, dns_port)
    if settings.given and not allow_dns:
        raise UsageError("--dns-namespace, --dns-selector and --dns-port say where DNS is: they need --allow-dns")
    return _run(env, options, lambda context: deny(
        options.ns, ingress=ingress or both, egress=egress or both, allow_dns=allow_dns,
        dns=_dns_target(settings, context), name=options.name, context=context,
    ))


def _dns_target(settings: DnsSettings, context: Cluster | None, node_local: IPAddress | None = None,
                any_namespace: bool = False) -> DnsTarget:
    """Where DNS is: as the --dns-* options say, else as the -f input runs it (engine.dns), else kube-dns."""
    if settings.given or any_namespace:
        return DnsTarget(settings.namespace or "kube-system", settings.selector, node_local, any_namespace,
                         settings.port or 53)
    if context is not None:
        view = dns_view(context)
        if view.primary is not None:
            recognised = DnsTarget.recognised(view)
            return recognised if node_local is None else dataclasses.replace(recognised, node_local=node_local)
    return DnsTarget(node_local=node_local)


@generate_command.command("dns", epilog=examples(
    "podwall generate dns -n shop -f manifests/   # the DNS the input runs",
    "podwall generate dns -n shop --dns-namespace openshift-dns \\",
    "    --dns-selector dns.operator.openshift.io/daemonset-dns=default --dns-port 5353",
    "podwall generate dns -n shop --node-local-dns",
), short_help="Allow DNS egress to the cluster DNS (recognised by its Service).")
@dns_options
@click.option("--node-local-dns", "node_local", is_flag=False, flag_value="169.254.20.10", default=None, metavar="[IP]",
              help="Also allow NodeLocal DNSCache at IP (default 169.254.20.10; recognised in the -f input).")
@click.option("--any-namespace", is_flag=True,
              help="Looser, the tutorial's form: port 53 of any pod in any namespace (namespaceSelector: {}).")
@_common()
@click.pass_obj
def dns_command(env: Environment, dns_namespace: str | None, dns_selector: str | None, dns_port: int | None,
                node_local: str | None, any_namespace: bool, **kwargs: Any) -> int:
    """Allow DNS egress (UDP and TCP) to the cluster DNS: recognised in the -f input, else kube-dns in kube-system.

    DNS is recognised by its Service: kube-dns and CoreDNS (port 53), OpenShift's
    openshift-dns/dns-default (pods listening on 5353), NodeLocal DNSCache (an ipBlock
    for its address). --dns-namespace, --dns-selector and --dns-port say it instead.
    """
    options = _options(kwargs)
    if any_namespace and dns_namespace is not None:
        raise UsageError("--any-namespace allows DNS servers in every namespace: drop --dns-namespace")
    address = None
    if node_local is not None:
        try:
            address = ipaddress.ip_address(node_local)
        except ValueError:
            raise UsageError(f"invalid --node-local-dns {quote(node_local)}: expected an IP address") from None
    settings = dns_settings(dns_namespace, dns_selector, dns_port)
    return _run(env, options, lambda context: dns(
        options.ns, _dns_target(settings, context, address, any_namespace), name=options.name, context=context
    ))


@generate_command.command("allow", epilog=examples(
    "podwall generate allow --from app=web --to app=api --port 8080 -n shop -f manifests/",
    "podwall generate allow --from app=prometheus --from-namespace monitoring --to app=api --port metrics -n shop",
), short_help="Allow one flow: the ingress half on the server, the egress half on the client.")
@click.option("--from", "source", required=True, metavar="SELECTOR", help="Client pods, kubectl syntax: app=frontend.")
@click.option("--from-namespace", default=None, metavar="NAME|SELECTOR", help="Clients' namespace (default: -n).")
@click.option("--to", "destination", required=True, metavar="SELECTOR", help="Server pods, kubectl syntax: app=backend.")
@click.option("--to-namespace", default=None, metavar="NAME|SELECTOR", help="Servers' namespace (default: -n).")
@click.option("--port", "ports", multiple=True, metavar="PORT[/PROTO]",
              help="8080, 8080/TCP, 53/UDP, a named port or a range 8000-8080. Repeatable. Default: every port.")
@click.option("--ingress-only", is_flag=True, help="Write only the ingress half (on the servers).")
@click.option("--egress-only", is_flag=True, help="Write only the egress half (on the clients).")
@_common()
@click.pass_obj
def allow_command(env: Environment, source: str, from_namespace: str | None, destination: str,
                  to_namespace: str | None, ports: tuple[str, ...], ingress_only: bool, egress_only: bool,
                  **kwargs: Any) -> int:
    """Allow one flow: the ingress half on the server and the matching egress half on the client.

    With -f the egress half is written only where the clients are already egress-isolated
    (elsewhere it would isolate them); without -f both halves are written.
    """
    options = _options(kwargs)
    if ingress_only and egress_only:
        raise UsageError("--ingress-only and --egress-only exclude each other; give neither for both halves")
    halves = "ingress" if ingress_only else "egress" if egress_only else "auto"
    client, server = parse_selector(source), parse_selector(destination)
    client_ns = _namespace_ref(from_namespace, "--from-namespace")
    server_ns = _namespace_ref(to_namespace, "--to-namespace")
    port_specs = parse_ports(ports)
    return _run(env, options, lambda context: allow(
        client, server, port_specs, namespace=options.ns, source_namespace=client_ns,
        destination_namespace=server_ns, halves=halves, name=options.name, context=context,
    ))


@generate_command.command("isolate-namespace", epilog=examples(
    "podwall generate isolate-namespace -n shop -f manifests/",
), short_help="Allow ingress from the same namespace only (with its egress half).")
@_common()
@click.pass_obj
def isolate_command(env: Environment, **kwargs: Any) -> int:
    """Allow ingress from the same namespace only (every pod, every port)."""
    options = _options(kwargs)
    return _run(env, options, lambda context: isolate_namespace(options.ns, name=options.name, context=context))


@generate_command.command("allow-namespace", epilog=examples(
    "podwall generate allow-namespace monitoring --port 9090 -n shop -f manifests/",
    "podwall generate allow-namespace ingress-nginx --to app=web --port 8080 -n shop",
), short_help="Allow ingress from whole namespaces, chosen by name.")
@click.argument("sources", nargs=-1, required=True, metavar="NAMESPACE...")
@click.option("--port", "ports", multiple=True, metavar="PORT[/PROTO]", help="Repeatable. Default: every port.")
@click.option("--to", "destination", default=None, metavar="SELECTOR", help="Only these pods of -n (default: every pod).")
@click.option("--from", "source", default=None, metavar="SELECTOR", help="Only these pods of the source namespaces.")
@_common()
@click.pass_obj
def allow_namespace_command(env: Environment, sources: tuple[str, ...], ports: tuple[str, ...],
                            destination: str | None, source: str | None, **kwargs: Any) -> int:
    """Allow ingress from whole namespaces, by kubernetes.io/metadata.name (e.g. monitoring --port 9090)."""
    options = _options(kwargs)
    port_specs = parse_ports(ports)
    pods = _selector(destination) or LabelSelector()
    clients = _selector(source)
    return _run(env, options, lambda context: allow_namespace(
        sources, port_specs, namespace=options.ns, pods=pods, source_pods=clients, name=options.name, context=context
    ))


@generate_command.command("egress-cidr", epilog=examples(
    "podwall generate egress-cidr --public-internet --port 443 -n shop",
    "podwall generate egress-cidr 10.20.0.0/16 --except 10.20.5.0/24 --port 5432 --from app=api -n shop",
), short_help="Allow egress to networks outside the cluster.")
@click.argument("cidrs", nargs=-1, metavar="CIDR...")
@click.option("--except", "excepts", multiple=True, metavar="CIDR", help="A range to leave out (inside a CIDR). Repeatable.")
@click.option("--public-internet", is_flag=True,
              help="0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and 169.254.0.0/16 (cloud metadata).")
@click.option("--port", "ports", multiple=True, metavar="PORT[/PROTO]", help="Repeatable. Default: every port.")
@click.option("--from", "source", default=None, metavar="SELECTOR", help="Only these pods of -n (default: every pod).")
@_common()
@click.pass_obj
def egress_cidr_command(env: Environment, cidrs: tuple[str, ...], excepts: tuple[str, ...], public_internet: bool,
                        ports: tuple[str, ...], source: str | None, **kwargs: Any) -> int:
    """Allow egress to networks outside the cluster, e.g. 0.0.0.0/0 --except 10.0.0.0/8 --port 443."""
    options = _options(kwargs)
    networks = [parse_cidr(c) for c in cidrs]
    left_out = [parse_cidr(e, "--except") for e in excepts]
    port_specs = parse_ports(ports)
    pods = _selector(source) or LabelSelector()
    return _run(env, options, lambda context: egress_cidr(
        networks, port_specs, excepts=left_out, public_internet=public_internet, namespace=options.ns, pods=pods,
        name=options.name, context=context,
    ))


@generate_command.command("from-intents", epilog=examples(
    "podwall generate from-intents app.yaml -f manifests/ -d policies/",
    "podwall generate from-intents app.yaml -o json | kubectl apply -f -",
), short_help="The least-privilege policies of an app from its intents file, verified.")
@click.argument("intents_file", metavar="FILE")
@_common("Put NAME- before every policy name.",
         "Verify with the engine (the default): over the -f input, or without -f over a model built from the "
         "intents; --no-verify skips it.")
@click.pass_obj
def from_intents_command(env: Environment, intents_file: str, **kwargs: Any) -> int:
    """The least-privilege policies of an app described by an intents FILE, verified.

    Writes default deny and DNS per namespace of the app and one policy per workload and
    direction with all its peers. The result is verified by the engine over the -f input,
    or without -f over a model built from the intents; --name is a prefix for every name.
    """
    options = _options(kwargs, verify_default=True)
    if intents_file == "-" and "-" in options.paths:
        raise UsageError("the intents FILE and -f cannot both be - (stdin)")
    text = _read(env, intents_file)
    intents = parse_intents(text, input_name(intents_file), default_namespace=options.ns)
    given = options.paths or live_requested()
    context = load_input(env, options.paths, options.namespace, options.lenient, False) if given else None
    generation = from_intents(intents, context, prefix=options.name)
    if context is not None:
        return _finish(env, options, generation, context, "the -f input")
    return _finish(env, options, generation, model_cluster(intents), "a model of the intents (no -f)")


def _read(env: Environment, path: str) -> str:
    if path == "-":
        return env.stdin.read()
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise InputError("cannot read: not UTF-8 text", Location(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", Location(path)) from None


@generate_command.command("intents", epilog=examples(
    "podwall generate intents -f manifests/ --name shop > app.yaml",
    "podwall generate intents --schema > intents.schema.json",
), short_help="Scaffold an intents file from the workloads and Services of the input.")
@click.option("-f", "--filename", "paths", multiple=True, metavar="PATH",
              help="Manifests of the app (file, directory or -). Repeatable. Required unless --schema.")
@click.option("-n", "--namespace", default=None, metavar="NS", help="Namespace of -f objects that name none.")
@click.option("--name", default=None, metavar="NAME", help="The app's name (written as name:).")
@click.option("--lenient", is_flag=True, help="Skip invalid objects of the -f input with a warning.")
@click.option("--schema", "print_schema", is_flag=True, help="Print the JSON Schema of intents files instead.")
@click.pass_obj
def intents_command(env: Environment, paths: tuple[str, ...], namespace: str | None, name: str | None,
                    lenient: bool, print_schema: bool) -> int:
    """Scaffold an intents file from the Deployments, StatefulSets, ... and Services of the input.

    Flows are left as commented suggestions (from Services and the environment variables
    that name them): uncomment what the app really does, then run generate from-intents.
    """
    if print_schema:
        env.out(schema_text())
        return ExitStatus.SUCCESS
    if not paths:
        raise UsageError("generate intents needs -f: the manifests of the app (or --schema)")
    if name is not None:
        check_namespace(name, "--name")
    stdin = env.stdin
    if "-" in paths:  # read stdin once: the loader and the environment scan both need it
        text = env.stdin.read()
        env, stdin = dataclasses.replace(env, stdin=io.StringIO(text)), io.StringIO(text)
    cluster = load_input(env, paths, namespace, lenient, False)
    texts = [(item.name, item.text) for item in read_all(paths, stdin) if isinstance(item, Source)]
    env.out(scaffold_intents(cluster, env_references(texts, namespace or "default"), name=name))
    return ExitStatus.SUCCESS
