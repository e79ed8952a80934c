"""Intents laid on a matrix: which (source, destination, probe) an app's intents ask for, shared by lab and reach.

Intents come as ``kind: Intents`` documents among the -f input or as ``--intents
FILE``; they are expanded as ``generate from-intents`` expands them, and mapped onto
subjects and probes as plain data (the lab and the engine never read intents).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from typing import TextIO

import yaml

from podwall.cli.env import Environment
from podwall.engine import External, Reachability, subject_of
from podwall.engine.match import port_matches  # not re-exported by podwall.engine (yet)
from podwall.errors import STDIN_NAME, InputError, InputErrors, Location, PodwallError, UsageError
from podwall.generate import IntendedFlow, Intents, NetParty, PodParty, from_intents, parse_intents
from podwall.generate.dns import dns_intended
from podwall.generate.intents import KIND
from podwall.lab.result import ProbeKey
from podwall.loader.files import Source, Unreadable, read_all
from podwall.model import Cluster, Direction, Pod
from podwall.model.quick import frozen
from podwall.render.intents_text import IntentReport, IntentRow




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
        return STDIN_NAME, parse_intents(env.stdin.read(), STDIN_NAME, default_namespace=default_namespace)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise InputError("cannot read: not UTF-8 text", Location(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", Location(path)) from None
    return path, parse_intents(text, path, default_namespace=default_namespace)


@frozen
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


def gather_intents(
    env: Environment, paths: tuple[str, ...], intents_files: tuple[str, ...], default_namespace: str,
    stdin: TextIO | None,
) -> list[tuple[str, Intents]]:
    """Intents among the -f input plus ``--intents`` files (a file given both ways counts once)."""
    if "-" in intents_files and "-" in paths:
        raise UsageError("--intents and -f cannot both be - (stdin)")
    documents = intents_among(read_all(paths, stdin), default_namespace)
    among = {os.path.realpath(name.rsplit(":", 1)[0]) for name, _ in documents}
    documents += [read_intents(env, path, default_namespace) for path in dict.fromkeys(intents_files)
                  if path == "-" or os.path.realpath(path) not in among]
    return documents


def split_stdin(env: Environment, paths: tuple[str, ...]) -> tuple[Environment, TextIO | None]:
    """Read stdin once when -f - is given: the loader and the intents scan both need it."""
    if "-" not in paths:
        return env, env.stdin
    import dataclasses

    text = env.stdin.read()
    return dataclasses.replace(env, stdin=io.StringIO(text)), io.StringIO(text)


def check_intents(lab: LabIntents, result: Reachability, cluster: Cluster) -> IntentReport:
    """``reach --intents``: what the intents ask for on each probe of the matrix, beside the engine's verdict.

    Subjects stand for their first pod (as in the lab); only subjects some intended
    flow names, or in a namespace whose default deny the intents set, are compared.
    """
    ends: dict[str, _End] = {}
    for pod in cluster.pods:
        key = subject_of(pod, result.view)
        if key in result.subjects:
            ends.setdefault(key, pod)
    labels = {ns.name: dict(ns.labels) for ns in cluster.namespaces}
    denied = {namespace for namespace, _ in lab.denied}
    relevant = [
        k for k, e in ends.items()
        if (isinstance(e, Pod) and e.namespace in denied)
        or any(_member(f.source, e, labels) or _member(f.destination, e, labels) for f in lab.flows)
    ]
    keys = [(s, d, p) for s in relevant for d in relevant for p in result.probes if s != d]
    intended, judged, unseen = intended_probes(lab, {k: ends[k] for k in relevant}, keys, cluster)
    rows = tuple(
        IntentRow(s, d, p, (s, d, p) in intended, result.allows(s, d, p)) for s, d, p in keys if (s, d, p) in judged
    )
    return IntentReport(lab.names, rows, tuple(dict.fromkeys(f.text for f in unseen)))
