"""Which network plugin runs this cluster: recognised from its agents and node annotations in the input.

Evidence, strongest first: a DaemonSet (or its pods) in one of the plugin's
namespaces, by name or by an image of the plugin's (``docker.io/calico/node``
matches ``calico/node``); then annotations the plugin writes on Nodes. When
several plugins are found, one that refines another wins (Canal over Calico
and Flannel), then a plugin that enforces NetworkPolicy (at the version found)
wins over one whose enforcement is unknown, which wins over one that enforces
nothing (Calico's policy agent beside Flannel's networking, or beside an old
kindnetd); if several remain, the answer is ambiguous and the user chooses.
"""

from __future__ import annotations


from podwall._runtime import later_pattern
from podwall.cni.profile import NEWEST_TAGS, UNKNOWN, Detect, Profile, detections, profile, version_known
from podwall.model import Cluster, Container, Conventions
from podwall.model.quick import frozen


@frozen
class Evidence:
    """One thing in the input that points at a plugin, in words, with the image's version if it told one."""

    profile: str
    text: str
    repository: str | None = None
    version: str | None = None


@frozen
class Detection:
    """What the input says about its network plugin.

    ``profile`` is None when nothing was recognised or several enforcing plugins
    were (``found`` then names them all).
    """

    profile: Profile | None
    evidence: tuple[Evidence, ...] = ()
    found: tuple[str, ...] = ()

    @property
    def version(self) -> str | None:
        """The plugin's version, from the tag of an image that identified it."""
        return next((e.version for e in self.evidence if e.version), None)

    @property
    def repository(self) -> str | None:
        """The image repository that told the version."""
        return next((e.repository for e in self.evidence if e.version), None)

    @property
    def ambiguous(self) -> bool:
        """Several plugins that enforce NetworkPolicy were found."""
        return self.profile is None and len(self.found) > 1


#: What an image reference may contain (the distribution reference grammar, loosely): anything else,
#: such as terminal escapes in a manifest, is never echoed.
_IMAGE = later_pattern(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,511}", "_IMAGE", globals())
#: A tag, as the distribution reference grammar allows it.
_TAG = later_pattern(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", "_TAG", globals())


def image_parts(image: str) -> tuple[str, str | None]:
    """``docker.io/calico/node:v3.28.0@sha256:..`` -> (``calico/node``, ``v3.28.0``): registry and digest dropped.

    A tag that is not a valid tag is no version (``None``).
    """
    name = image.split("@", 1)[0]
    tag = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.fullmatch(tag):
            tag = None
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(parts), tag


def _image_matches(repository: str, pattern: str) -> bool:
    return repository == pattern or repository.endswith("/" + pattern)


def _workload_evidence(
    plugin: str, rules: Detect, what: str, namespace: str, name: str, containers: tuple[Container, ...],
    owner: str | None,
) -> Evidence | None:
    if rules.namespaces and namespace not in rules.namespaces:
        return None
    by_name = name in rules.daemonsets or (owner is not None and owner in rules.daemonsets)
    image_hit: tuple[str, str, str | None] | None = None
    patterns = rules.images + (rules.version_images if by_name else ())
    for container in containers:
        repository, tag = image_parts(container.image)
        if any(_image_matches(repository, p) for p in patterns):
            image_hit = (container.image, repository, tag)
            break
    if not (by_name or image_hit):  # version-only images count once the name matched
        return None
    if rules.require_args and not any(all(a in c.args for a in rules.require_args) for c in containers):
        return None
    if any(a in c.args for c in containers for a in rules.refuse_args):
        return None
    text = f"{what} {namespace}/{name}"
    if image_hit is None:
        return Evidence(plugin, text)
    image, repository, tag = image_hit
    shown = image if _IMAGE.fullmatch(image) else repository  # never echo what a reference cannot contain
    return Evidence(plugin, f"{text}, image {shown}", repository, tag)


@frozen
class Recognisable:
    """What detection reads in an input, so that a redacted snapshot is recognised as the original is.

    ``names``: the plugins' agents (DaemonSets) and namespaces; ``args``: the container
    arguments detection tests; ``image``: the part of an agent's image detection reads
    (``repository:tag``, registry and digest dropped), None for any other image;
    ``annotation``: the words of a Node annotation's value detection tests, "" for the rest.
    """

    names: frozenset[str]
    args: frozenset[str]
    patterns: tuple[str, ...]
    refused: dict[str, tuple[str, ...]]

    def image(self, image: str) -> str | None:
        """``calico/node:v3.28.0`` for ``docker.io/calico/node:v3.28.0@sha256:...``; None when no plugin's."""
        repository, tag = image_parts(image)
        if not _IMAGE.fullmatch(image) or not any(_image_matches(repository, p) for p in self.patterns):
            return None
        return f"{repository}:{tag}" if tag else repository

    def annotation(self, key: str, value: str) -> str | None:
        """The words of ``value`` detection tests for ``key`` ("" when none occurs); None for other keys."""
        words = self.refused.get(key)
        if words is None:
            return None
        return " ".join(w for w in words if w in value)


def recognisable() -> Recognisable:
    """Everything detection reads, from every shipped profile."""
    rules = list(detections().values())
    refused: dict[str, list[str]] = {}
    for rule in rules:
        for wanted in rule.node_annotations:
            key, _, word = wanted.partition("!")
            if word:
                refused.setdefault(key, []).append(word)
    return Recognisable(
        names=frozenset(n for r in rules for n in (*r.daemonsets, *r.namespaces)),
        args=frozenset(a for r in rules for a in (*r.require_args, *r.refuse_args)),
        patterns=tuple(sorted({p for r in rules for p in (*r.images, *r.version_images)})),
        refused={k: tuple(v) for k, v in refused.items()},
    )


def _annotation_evidence(plugin: str, rules: Detect, cluster: Cluster) -> list[Evidence]:
    """``key`` (present), or ``key!text`` (present, and its value does not contain ``text``)."""
    found: list[Evidence] = []
    for node in cluster.nodes:
        for wanted in rules.node_annotations:
            key, _, refused = wanted.partition("!")
            value = node.annotations.get(key)
            if value is None or (refused and refused in value):
                continue
            found.append(Evidence(plugin, f"Node {node.name}, annotation {key}"))
            break
    return found


def detect(cluster: Cluster) -> Detection:
    """Recognise the network plugin from the input's DaemonSets, pods and node annotations."""
    evidence: dict[str, list[Evidence]] = {}
    agents = {str(w.ref) for w in cluster.workloads if w.ref.kind == "DaemonSet"}
    places = {ns for rules in detections().values() for ns in rules.namespaces}  # one pass to narrow
    daemonsets = [w for w in cluster.workloads if w.ref.kind == "DaemonSet" and w.ref.namespace in places]
    pods = [p for p in cluster.pods if p.namespace in places and not p.template]
    for plugin, rules in detections().items():
        if not (rules.daemonsets or rules.images or rules.node_annotations):
            continue
        hits: list[Evidence] = []
        for workload in daemonsets:
            ref = workload.ref
            hit = _workload_evidence(plugin, rules, "DaemonSet", ref.namespace, ref.name, workload.containers, None)
            if hit is not None:
                hits.append(hit)
        for pod in pods:
            owner = pod.controller
            if owner is not None and str(owner) in agents:
                continue  # its DaemonSet already spoke
            name = owner.name if owner is not None and owner.kind == "DaemonSet" else None
            hit = _workload_evidence(plugin, rules, "Pod", pod.namespace, pod.name, pod.containers, name)
            if hit is not None:
                hits.append(hit)
        hits.extend(_annotation_evidence(plugin, rules, cluster))
        if hits:
            evidence[plugin] = hits
    return _decide(evidence)


def _enforces(name: str, evidence: list[Evidence]) -> object:
    """What the plugin's ``enforces`` statement says at the version its evidence told (True, False or unknown)."""
    told = next((e for e in evidence if e.version), None)
    statement = profile(name).statement("enforces")
    return statement.value_at(told.repository, told.version) if told is not None else statement.value


def _decide(evidence: dict[str, list[Evidence]]) -> Detection:
    found = sorted(evidence)
    refined = {r for name in found for r in profile(name).detect.refines}
    left = [name for name in found if name not in refined]
    enforces = {name: _enforces(name, evidence[name]) for name in left}
    enforcing = [name for name in left if enforces[name] is True]
    maybe = [name for name in left if enforces[name] == UNKNOWN]
    candidates = enforcing or maybe or left
    if len(candidates) == 1:
        name = candidates[0]
        return Detection(profile(name), tuple(evidence[name]), tuple(found))
    return Detection(None, tuple(e for name in candidates for e in evidence[name]), tuple(candidates))


@frozen
class Choice:
    """The profile a verb judges by, and why: ``--cni``, detected, or the default."""

    profile: Profile
    detection: Detection
    chosen: bool = False

    @property
    def version(self) -> str | None:
        """The detected version, when the detected plugin is the one used."""
        if self.detection.profile is not None and self.detection.profile.name == self.profile.name:
            return self.detection.version
        return None

    @property
    def version_unknown(self) -> bool:
        """The plugin's image tag tells no version (``main``, ``dev``): its newest statements are used."""
        return self.version is not None and not version_known(self.version)

    @property
    def newest(self) -> bool:
        """The tag names the newest release (``latest``, ``stable``)."""
        return self.version is not None and self.version.strip().lower() in NEWEST_TAGS

    @property
    def conventions(self) -> Conventions:
        """What the engine is told."""
        repository = self.detection.repository if self.version else None
        return self.profile.conventions(repository, self.version)

    @property
    def reason(self) -> str:
        """Why this profile, in words."""
        detection = self.detection
        if self.chosen:
            if detection.profile is not None and detection.profile.name != self.profile.name:
                return f"--cni; the input looks like {detection.profile.name}: {detection.evidence[0].text}"
            return "--cni"
        if detection.profile is not None:
            return "detected: " + "; ".join(e.text for e in detection.evidence[:2])
        if detection.ambiguous:
            return f"several network plugins found: {', '.join(detection.found)}; --cni NAME picks one"
        return "no network plugin recognised in the input; --cni NAME picks one"

    def line(self) -> str:
        """The one line every verb prints on stderr."""
        version = f" {self.version}" if self.version else ""
        if self.version_unknown:
            version += " (version unknown: the newest statements)"
        return f"podwall: CNI profile {self.profile.name}{version} ({self.reason})"


def choose(cluster: Cluster, name: str | None = None) -> Choice:
    """The profile to judge by: ``name`` if given, else the detected one, else ``generic``."""
    detection = detect(cluster)
    if name:
        return Choice(profile(name), detection, chosen=True)
    if detection.profile is not None:
        return Choice(detection.profile, detection)
    return Choice(profile("generic"), detection)
