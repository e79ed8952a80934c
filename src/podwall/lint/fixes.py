"""Building blocks of the fixes findings carry: ``podwall generate`` commands and YAML snippets."""

from __future__ import annotations

import shlex
from typing import Any

import yaml

from podwall.model import NAMESPACE_NAME_LABEL, IPBlockPeer, LabelSelector, Operator, Peer, PortSpec, Rule


def command(*words: str) -> str:
    """``podwall generate WORDS...``, each word quoted for a POSIX shell when it needs it."""
    return " ".join(["podwall", "generate", *(shlex.quote(w) for w in words)])


def selector_arg(selector: LabelSelector | None) -> str:
    """A selector in kubectl syntax (``app=web,tier in (a,b),!canary``); ``{}`` selects all."""
    if selector is None or selector.is_empty:
        return ""
    return str(selector)


def selector_dict(selector: LabelSelector | None) -> dict[str, Any]:
    """A selector as written in a manifest."""
    if selector is None or selector.is_empty:
        return {}
    out: dict[str, Any] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator.value, **({"values": list(r.values)} if r.operator in (Operator.IN, Operator.NOT_IN) else {})}
            for r in selector.match_expressions
        ]
    return out


def namespace_selector(name: str) -> dict[str, Any]:
    """The selector of exactly one namespace, by the label the API server sets."""
    return {"matchLabels": {NAMESPACE_NAME_LABEL: name}}


def port_dict(spec: PortSpec) -> dict[str, Any]:
    """A port entry as written in a manifest."""
    out: dict[str, Any] = {"protocol": spec.protocol.value}
    if spec.port is not None:
        out["port"] = spec.port
    if spec.end_port is not None:
        out["endPort"] = spec.end_port
    return out


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as kubectl and most style guides do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:  # noqa: D102
        super().increase_indent(flow, False)


def to_yaml(data: Any) -> str:
    """Block-style YAML, keys in the order given, without a trailing newline."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000).rstrip("\n")


def policy(name: str, namespace: str, pod_selector: LabelSelector | None, direction: str, rules: list[dict[str, Any]]) -> str:
    """A whole NetworkPolicy of one direction (``Ingress`` or ``Egress``) as YAML."""
    key = direction.lower()
    return to_yaml(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": dns_name(name), "namespace": namespace},
            "spec": {"podSelector": selector_dict(pod_selector), "policyTypes": [direction], key: rules},
        }
    )


def dns_name(text: str) -> str:
    """``text`` cut to a valid object name (at most 63 characters, no trailing ``-``)."""
    cleaned = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in text.lower())
    return cleaned[:63].strip("-") or "allow"


def peer_dict(peer: Peer) -> dict[str, Any]:
    """A ``from``/``to`` item as written in a manifest."""
    if isinstance(peer, IPBlockPeer):
        block: dict[str, Any] = {"cidr": str(peer.cidr)}
        if peer.excepts:
            block["except"] = [str(e) for e in peer.excepts]
        return {"ipBlock": block}
    out: dict[str, Any] = {}
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = selector_dict(peer.namespace_selector)
    if peer.pod_selector is not None:
        out["podSelector"] = selector_dict(peer.pod_selector)
    return out


def rule_dict(rule: Rule) -> dict[str, Any]:
    """An ingress or egress rule as written in a manifest."""
    out: dict[str, Any] = {}
    if rule.peers:
        out["from" if rule.direction.value == "Ingress" else "to"] = [peer_dict(p) for p in rule.peers]
    if rule.ports:
        out["ports"] = [port_dict(p) for p in rule.ports]
    return out
