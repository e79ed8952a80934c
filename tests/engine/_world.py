"""Small YAML worlds for the engine's semantic tables, and the glue to judge them.

A *world* is YAML text (namespaces and pods, written by the helpers below) to which
a scenario appends its NetworkPolicies, written as users write them. Scenarios are
expanded into one ``pytest.param`` per check, with an id like
``peer/podSelector-only: y/b -> x/a 80/TCP = deny``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import textwrap
from dataclasses import dataclass

import pytest
import yaml

from podwall.model import Cluster, Pod


class _Dumper(yaml.SafeDumper):
    """Quotes y, Y, n and N: kubectl reads them unquoted as booleans (YAML 1.1, as go-yaml does); PyYAML does not."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))


def namespace(name: str, **labels: str) -> str:
    """A Namespace manifest."""
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = labels
    return yaml.dump({"apiVersion": "v1", "kind": "Namespace", "metadata": meta}, Dumper=_Dumper, sort_keys=False)


def pod(
    key: str,
    labels: dict[str, str] | None = None,
    ports: tuple[str, ...] = (),
    ip: str | tuple[str, ...] | None = None,
    host_network: bool = False,
) -> str:
    """A Pod manifest; ``key`` is ``ns/name``, ports are ``[name:]port[/PROTO]``."""
    ns, name = key.split("/")
    container_ports = []
    for text in ports:
        port_name, _, rest = text.rpartition(":")
        number, _, proto = rest.partition("/")
        entry: dict = {"containerPort": int(number)}
        if port_name:
            entry["name"] = port_name
        if proto:
            entry["protocol"] = proto
        container_ports.append(entry)
    container: dict = {"name": "main", "image": "registry.example/app:1"}
    if container_ports:
        container["ports"] = container_ports
    spec: dict = {"containers": [container]}
    if host_network:
        spec["hostNetwork"] = True
    doc: dict = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": spec,
    }
    if ip is not None:
        ips = (ip,) if isinstance(ip, str) else ip
        doc["status"] = {"phase": "Running", "podIP": ips[0], "podIPs": [{"ip": a} for a in ips]}
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False)


def netpol(key: str, spec: str) -> str:
    """A NetworkPolicy manifest; ``spec`` is the YAML body of ``spec:``."""
    ns, name = key.split("/")
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    return (
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        f"metadata:\n  name: {name}\n  namespace: \"{ns}\"\n"
        f"spec:\n{body}\n"
    )


def join(*docs: str) -> str:
    """A multi-document YAML stream."""
    return "".join(d if d.startswith("---") else "---\n" + d for d in docs)


# The default world: three namespaces, three pods in each (cyclonus' x/y/z, a/b/c).
#   x: team=alpha env=prod      pods 10.0.1.1-3
#   y: team=beta  env=dev       pods 10.0.2.1-3
#   z: (only its name label)    pods 10.0.3.1-3
#   a: app=a tier=web    b: app=b tier=db    c: app=c (no tier)
# Every pod declares http:80/TCP and dns:53/UDP.
_POD_LABELS = {"a": {"app": "a", "tier": "web"}, "b": {"app": "b", "tier": "db"}, "c": {"app": "c"}}
_NS_NET = {"x": 1, "y": 2, "z": 3}

WORLD = join(
    namespace("x", team="alpha", env="prod"),
    namespace("y", team="beta", env="dev"),
    namespace("z"),
    *(
        pod(
            f"{ns}/{name}",
            labels,
            ports=("http:80/TCP", "dns:53/UDP"),
            ip=f"10.0.{net}.{i + 1}",
        )
        for ns, net in _NS_NET.items()
        for i, (name, labels) in enumerate(_POD_LABELS.items())
    ),
)


@functools.cache
def load(text: str) -> Cluster:
    """Load YAML through the real loader (skip while it does not exist yet)."""
    loader = pytest.importorskip("podwall.loader")
    if not hasattr(loader, "load_text"):
        pytest.skip("podwall.loader.load_text not available yet")
    return loader.load_text(text, "<test>")


def endpoint(cluster: Cluster, name: str):
    """``ns/name`` -> that Pod; an IP address -> ``engine.External``."""
    engine = pytest.importorskip("podwall.engine")
    if "/" in name:
        matches = [p for p in cluster.pods if p.key == name]
        assert len(matches) == 1, f"no single pod {name!r} in {[p.key for p in cluster.pods]}"
        return matches[0]
    return engine.External(ipaddress.ip_address(name))


@dataclass(frozen=True)
class Check:
    """One flow of a scenario and whether it must be allowed."""

    src: str
    dst: str
    probe: str
    allowed: bool
    ipblock_matches_pods: bool = True


def allow(src: str, dst: str, probe: str = "80/TCP", *, ipblock_matches_pods: bool = True) -> Check:
    return Check(src, dst, probe, True, ipblock_matches_pods)


def deny(src: str, dst: str, probe: str = "80/TCP", *, ipblock_matches_pods: bool = True) -> Check:
    return Check(src, dst, probe, False, ipblock_matches_pods)


def scenario(name: str, policies: str | tuple[str, ...], checks: list[Check], *, world: str = WORLD, marks=()):
    """One pytest.param per check: (yaml text, check)."""
    docs = (policies,) if isinstance(policies, str) else policies
    text = join(world, *docs) if docs and docs[0] else world
    params = []
    for c in checks:
        verdict = "allow" if c.allowed else "deny"
        switch = "" if c.ipblock_matches_pods else " [ipblock-ignores-pods]"
        params.append(
            pytest.param(text, c, id=f"{name}: {c.src} -> {c.dst} {c.probe} = {verdict}{switch}", marks=marks)
        )
    return params


def judge(text: str, check: Check) -> None:
    """Assert the reference, ``evaluate`` and (for pod pairs) ``reach`` all give the table's answer."""
    from reference import reference_allowed

    engine = pytest.importorskip("podwall.engine")
    cluster = load(text)
    src = endpoint(cluster, check.src)
    dst = endpoint(cluster, check.dst)
    probe = engine.Probe.parse(check.probe)
    options = engine.EngineOptions(ipblock_matches_pods=check.ipblock_matches_pods)

    assert reference_allowed(cluster, src, dst, probe, check.ipblock_matches_pods) is check.allowed, "reference"
    verdict = engine.evaluate(cluster, src, dst, probe, options)
    assert verdict.allowed is check.allowed, f"engine.evaluate: {verdict}"
    if isinstance(src, Pod) and isinstance(dst, Pod):
        matrix = engine.reach(cluster, [probe], options=options)
        listed = src.key == dst.key or (src.key, dst.key, probe) in matrix.allowed
        assert listed is check.allowed, "engine.reach"
