"""Building blocks of the fixes findings carry: ``podwall generate`` commands and YAML snippets."""

from __future__ import annotations

import shlex
from typing import Any

from podwall.loader.yaml_writer import dump, scalar
from podwall.model import NAMESPACE_NAME_LABEL, LabelSelector
from podwall.model.manifest import peer_manifest as peer_dict
from podwall.model.manifest import port_manifest as port_dict
from podwall.model.manifest import rule_manifest as rule_dict
from podwall.model.manifest import selector_manifest as selector_dict

#: The manifest helpers are the model's (shared with generate), under the names the rules use.
__all__ = ["command", "dns_name", "namespace_selector", "peer_dict", "policy", "port_dict", "port_list", "rule_dict",
           "scalar", "selector_arg", "selector_dict", "to_yaml"]

#: A fix lists at most this many ports of a range.
LISTED_PORTS = 8


def port_list(protocol: str, first: int, last: int) -> str:
    """``ports:`` with one entry per port of ``first..last`` (the first few, then a comment)."""
    shown = min(last, first + LISTED_PORTS - 1)
    fix = "ports:\n" + "\n".join(f"  - {{protocol: {protocol}, port: {n}}}" for n in range(first, shown + 1))
    if shown < last:
        fix += f"\n  # ... one entry per port up to {last}"
    return fix


def command(*words: str) -> str:
    """``podwall generate WORDS...``, each word quoted for a POSIX shell when it needs it."""
    return " ".join(["podwall", "generate", *(shlex.quote(w) for w in words)])


def selector_arg(selector: LabelSelector | None) -> str:
    """A selector in kubectl syntax (``app=web,tier in (a,b),!canary``); ``{}`` selects all."""
    if selector is None or selector.is_empty:
        return ""
    return str(selector)


def namespace_selector(name: str) -> dict[str, Any]:
    """The selector of exactly one namespace, by the label the API server sets."""
    return {"matchLabels": {NAMESPACE_NAME_LABEL: name}}


def to_yaml(data: Any) -> str:
    """Block-style YAML, keys in the order given, without a trailing newline."""
    return dump(data, width=1000).rstrip("\n")


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


