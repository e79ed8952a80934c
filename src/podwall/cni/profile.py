"""A CNI profile: what one network plugin does where the NetworkPolicy API leaves a choice, each statement cited.

Profiles are data (``profiles/NAME.toml``, shipped in the package). Each
statement has a value, the source it was taken from (plugin docs, plugin
source, the plugin's conformance results) and optionally a note; a value
``"unknown"`` says the point could not be confirmed, and verdicts then use the
``generic`` profile's value for it (and say so). A statement may change at a
plugin version (``since``: the first version with ``value``; ``before``: the
value of earlier versions; ``unknown_after``: versions after this one and before
``since`` are not confirmed either way, so they are unknown), per image
repository when a plugin ships under several names. An image tag that is no
version (``latest``, ``stable``, ``main``) gets the newest statement.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import field
from functools import cache
from typing import Any

from podwall.errors import UsageError
from podwall.model import GENERIC, Conventions, HostNetwork
from podwall.model.conventions import ADMIN_V1ALPHA1, ADMIN_V1ALPHA2
from podwall.model.quick import frozen

UNKNOWN = "unknown"

#: The statements of a profile, in the order they are shown, with the words for them.
TOPICS: dict[str, str] = {
    "enforces": "enforces NetworkPolicy",
    "host_network": "host-network pods",
    "ipblock_matches_pods": "ipBlock matches pod IPs",
    "ipblock_matches_nodes": "ipBlock matches node addresses (host-network pods)",
    "node_to_local_pods": "node to its own pods always allowed (kubelet probes)",
    "end_port": "endPort (port ranges)",
    "admin_v1alpha1": "AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1)",
    "admin_v1alpha2": "ClusterNetworkPolicy (v1alpha2)",
    "external_source_preserved": "client address kept through NodePort/LoadBalancer (externalTrafficPolicy: Cluster)",
    "sctp": "SCTP in policies",
    "named_ports": "named ports in policies",
}

#: Statements that change verdicts (the rest are features lint checks policies against).
VERDICT_TOPICS = (
    "enforces",
    "host_network",
    "ipblock_matches_pods",
    "ipblock_matches_nodes",
    "node_to_local_pods",
    "end_port",
    "admin_v1alpha1",
    "admin_v1alpha2",
    "external_source_preserved",
)

_VALUES: dict[str, tuple[Any, ...]] = {"host_network": ("node", "pod")}

#: Tags that name a plugin's newest release: the newest statement, without doubt.
NEWEST_TAGS = frozenset({"latest", "stable"})


def version_known(version: str | None) -> bool:
    """Whether an image tag tells a version: numbers (``v3.28.0``, ``v20240813-c6f155d6``), ``latest`` or ``stable``.

    Other tags (``main``, ``master``, ``dev``) tell nothing: the newest statement
    is used, with that caveat.
    """
    return version is None or bool(version_key(version)) or version.strip().lower() in NEWEST_TAGS


@frozen
class Statement:
    """One cited statement about a plugin: ``value`` is True/False (``node``/``pod`` for host_network) or unknown."""

    topic: str
    value: Any
    source: str = ""
    note: str = ""
    since: dict[str, str] = field(default_factory=dict, hash=False)  # image repository ("" any) -> version
    before: Any = None
    unknown_after: dict[str, str] = field(default_factory=dict, hash=False)  # repository -> last version of ``before``

    @property
    def known(self) -> bool:
        """Whether the value was confirmed (else the generic profile's value is used)."""
        return self.value != UNKNOWN

    def value_at(self, repository: str | None, version: str | None) -> Any:
        """The value for a detected version (``None``, or a tag that is no version: the newest one)."""
        key = version_key(version) if version is not None else ()
        if not self.since or not key:
            return self.value
        first = self.since.get(repository or "", self.since.get("", None))
        if first is None or key >= version_key(first):
            return self.value
        doubt = self.unknown_after.get(repository or "", self.unknown_after.get("", None))
        if doubt is not None and key > version_key(doubt):
            return UNKNOWN
        return self.before


@frozen
class Detect:
    """How to recognise the plugin in the input."""

    namespaces: tuple[str, ...] = ()
    daemonsets: tuple[str, ...] = ()
    images: tuple[str, ...] = ()  # image repositories, matched by their trailing path components
    version_images: tuple[str, ...] = ()  # images that only tell the version (the name must match)
    node_annotations: tuple[str, ...] = ()
    require_args: tuple[str, ...] = ()  # some container of the workload has every one of these
    refuse_args: tuple[str, ...] = ()  # ... and none of these
    refines: tuple[str, ...] = ()  # profiles this one wins over when both are found


@frozen
class Profile:
    """A network plugin's answers, each statement cited."""

    name: str
    title: str
    summary: str
    statements: dict[str, Statement] = field(hash=False)
    detect: Detect = Detect()

    def statement(self, topic: str) -> Statement:
        """The statement about one topic."""
        return self.statements[topic]

    def resolved(self, topic: str, repository: str | None = None, version: str | None = None) -> Any:
        """The value verdicts use: this plugin's (at that version), or generic's where unknown."""
        value = self.statements[topic].value_at(repository, version)
        if value == UNKNOWN:
            return generic_value(topic)
        return value

    def conventions(self, repository: str | None = None, version: str | None = None) -> Conventions:
        """The engine's view of this plugin."""
        return conventions_of({topic: self.resolved(topic, repository, version) for topic in VERDICT_TOPICS})


_ADMIN_TOPICS = ((ADMIN_V1ALPHA1, "admin_v1alpha1"), (ADMIN_V1ALPHA2, "admin_v1alpha2"))


def conventions_of(values: dict[str, Any]) -> Conventions:
    """The ``Conventions`` that the verdict topics' values (``VERDICT_TOPICS``) make."""
    return Conventions(
        enforces=values["enforces"],
        host_network=HostNetwork(values["host_network"]),
        ipblock_matches_pods=values["ipblock_matches_pods"],
        ipblock_matches_nodes=values["ipblock_matches_nodes"],
        node_to_local_pods=values["node_to_local_pods"],
        end_port=values["end_port"],
        admin_apis=frozenset(api for api, topic in _ADMIN_TOPICS if values[topic]),
        external_source_preserved=values["external_source_preserved"],
    )


def topic_values(conventions: Conventions) -> dict[str, Any]:
    """The verdict topics' values of ``conventions`` (the inverse of ``conventions_of``)."""
    values: dict[str, Any] = {
        "enforces": conventions.enforces,
        "host_network": conventions.host_network.value,
        "ipblock_matches_pods": conventions.ipblock_matches_pods,
        "ipblock_matches_nodes": conventions.ipblock_matches_nodes,
        "node_to_local_pods": conventions.node_to_local_pods,
        "end_port": conventions.end_port,
        "external_source_preserved": conventions.external_source_preserved,
    }
    values.update({topic: api in conventions.admin_apis for api, topic in _ADMIN_TOPICS})
    return {topic: values[topic] for topic in VERDICT_TOPICS}


def convention_sets() -> list[tuple[tuple[str, ...], Conventions]]:
    """Every distinct set of conventions the shipped profiles resolve to (newest versions), with the profiles sharing it."""
    groups: dict[Conventions, list[str]] = {}
    for prof in profiles().values():
        groups.setdefault(prof.conventions(), []).append(prof.name)
    return [(tuple(names), conventions) for conventions, names in groups.items()]


def generic_value(topic: str) -> Any:
    """What the generic profile answers (the engine's defaults, the Kubernetes documentation's common case)."""
    return _GENERIC_VALUES[topic]


_GENERIC_VALUES: dict[str, Any] = {**topic_values(GENERIC), "sctp": True, "named_ports": True}


def version_key(text: str) -> tuple[int, ...]:
    """``v1.16.3-eksbuild.1`` -> (1, 16, 3); ``v20240813-c6f155d6`` -> (20240813,)."""
    found = re.match(r"v?(\d+(?:\.\d+)*)", text.strip())
    return tuple(int(p) for p in found.group(1).split(".")) if found else ()


# -- the shipped profiles ---------------------------------------------------------------


@cache
def profiles() -> dict[str, Profile]:
    """Every shipped profile by name, ``generic`` first, then alphabetical."""
    return {name: _built(name) for name in _names()}


@cache
def detections() -> dict[str, Detect]:
    """Every shipped profile's ``[detect]`` table by name, in the order of ``profiles``: all that detection reads.

    Each table is parsed alone, from its header to the next one: the sixteen whole profiles are 3.4 ms of
    TOML, and a command reads one or two of them (the one chosen and what it is based on).
    tests/cni/test_conventions.py holds each to the whole profile's.
    """
    found: dict[str, Detect] = {}
    for name in _names():
        text = _profile_texts()[f"{name}.toml"]
        header = _DETECT_HEADER.search(text)
        table: dict[str, Any] = {}
        if header is not None:
            after = _TABLE_HEADER.search(text, header.end())
            table = tomllib.loads(text[header.start() : after.start() if after else len(text)])["detect"]
        found[name] = _detect(name, table)
    return found


_DETECT_HEADER = re.compile(r"^\[detect\][ \t]*(?:#.*)?$", re.M)
_TABLE_HEADER = re.compile(r"^[ \t]*\[", re.M)


def _names() -> list[str]:
    return sorted((name.removesuffix(".toml") for name in _profile_texts()), key=lambda n: (n != "generic", n))


@cache
def _built(name: str) -> Profile:
    return _build(name, tomllib.loads(_profile_texts()[f"{name}.toml"]))


@cache
def _profile_texts() -> dict[str, str]:
    """Each ``profiles/*.toml`` file's text by file name (read once).

    Read from the package's folder when it is one (every pip install): ``importlib.resources`` costs
    every command 5 ms of imports (``tempfile``, ``shutil``...) for the same files. A package
    imported from a zip archive has no folder: then through ``importlib.resources``.
    """
    folder = os.path.join(os.path.dirname(__file__), "profiles")
    if not os.path.isdir(folder):
        return _packaged_profile_texts()
    texts = {}
    for name in os.listdir(folder):
        if name.endswith(".toml"):
            with open(os.path.join(folder, name), encoding="utf-8") as file:
                texts[name] = file.read()
    return texts


def _packaged_profile_texts() -> dict[str, str]:
    from importlib import resources

    root = resources.files("podwall.cni") / "profiles"
    return {entry.name: entry.read_text(encoding="utf-8") for entry in root.iterdir() if entry.name.endswith(".toml")}


def _build(name: str, data: dict[str, Any]) -> Profile:
    statements: dict[str, Statement] = {}
    base = data.get("based_on")
    if base is not None:
        statements.update(_built(base).statements)
    for topic in TOPICS:
        given = data.get(topic)
        if given is None:
            if topic not in statements:
                raise ValueError(f"CNI profile {name}: no statement about {topic}")
            continue
        statements[topic] = _statement(name, topic, given)
    return Profile(
        name=name,
        title=data["title"],
        summary=data.get("summary", ""),
        statements=statements,
        detect=_detect(name, data.get("detect", {})),
    )


def _detect(name: str, detect: dict[str, Any]) -> Detect:
    if (detect.get("daemonsets") or detect.get("images")) and not detect.get("namespaces"):
        raise ValueError(f"CNI profile {name}: detection by DaemonSet or image needs its namespaces")
    return Detect(**{k: tuple(v) for k, v in detect.items()})


def _statement(profile: str, topic: str, given: dict[str, Any]) -> Statement:
    value = given["value"]
    allowed = _VALUES.get(topic, (True, False))
    if value != UNKNOWN and value not in allowed:
        raise ValueError(f"CNI profile {profile}: {topic} = {value!r}, expected one of {allowed} or {UNKNOWN!r}")
    if value != UNKNOWN and not given.get("source"):
        raise ValueError(f"CNI profile {profile}: {topic} has no source")
    since = given.get("since", {})
    unknown_after = given.get("unknown_after", {})
    return Statement(
        topic=topic,
        value=value,
        source=given.get("source", ""),
        note=given.get("note", ""),
        since={"": since} if isinstance(since, str) else dict(since),
        before=given.get("before"),
        unknown_after={"": unknown_after} if isinstance(unknown_after, str) else dict(unknown_after),
    )


def profile(name: str) -> Profile:
    """The profile called ``name``; a UsageError naming the known ones otherwise."""
    known = _names()
    wanted = name.strip().lower()
    if wanted in known:
        return _built(wanted)
    close = [n for n in known if n.startswith(name[:3].lower())] if name else []
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UsageError(f"unknown CNI profile {name!r}{hint}: known profiles are {', '.join(known)}")
