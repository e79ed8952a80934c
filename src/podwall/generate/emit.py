"""Generated policies as Kubernetes manifests: YAML with a comment per document, or JSON.

Output is deterministic: keys in the order ``kubectl`` users read them
(apiVersion, kind, metadata, spec{podSelector, policyTypes, ingress, egress}),
policy types Ingress before Egress, rules and peers in the order the recipe built
them. Each policy's description is the annotation ``podwall.io/description`` in
YAML and JSON alike (it survives ``kubectl apply``; ``podwall.io`` is podwall's one
annotation domain, as in ``podwall.io/ignore``); YAML also shows it as a comment.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

from podwall.errors import UsageError
from podwall.loader import yaml_writer
from podwall.generate.names import quote
from podwall.generate.policies import Generated
from podwall.model.manifest import selector_manifest
from podwall.model import Direction
from podwall.model.manifest import rule_manifest

API_VERSION = "networking.k8s.io/v1"
DESCRIPTION = "podwall.io/description"
FORMATS = ("yaml", "json")
_COMMENT_WIDTH = 100


def manifest(generated: Generated, *, description: bool = True) -> dict[str, Any]:
    """The NetworkPolicy object; with ``description`` the comment goes into the annotation too."""
    pol = generated.policy
    metadata: dict[str, Any] = {"name": pol.name, "namespace": pol.namespace}
    if generated.labels:
        metadata["labels"] = dict(generated.labels)
    annotations = dict(pol.annotations)
    if description:
        annotations[DESCRIPTION] = generated.comment
    if annotations:
        metadata["annotations"] = annotations
    spec: dict[str, Any] = {
        "podSelector": selector_manifest(pol.pod_selector),
        "policyTypes": [d.value for d in (Direction.INGRESS, Direction.EGRESS) if d in pol.policy_types],
    }
    if pol.ingress:
        spec["ingress"] = [rule_manifest(r) for r in pol.ingress]
    if pol.egress:
        spec["egress"] = [rule_manifest(r) for r in pol.egress]
    return {"apiVersion": API_VERSION, "kind": "NetworkPolicy", "metadata": metadata, "spec": spec}


def comment_lines(text: str) -> str:
    """A comment wrapped at 100 columns, each line starting with ``# ``."""
    lines = textwrap.wrap(yaml_writer.comment(text), _COMMENT_WIDTH - 2, break_long_words=False, break_on_hyphens=False)
    return "".join(f"# {line}\n" for line in lines)


def yaml_document(generated: Generated) -> str:
    """One policy: its comment, then the object."""
    body = yaml_writer.dump(manifest(generated))
    return comment_lines(generated.comment) + body


def to_yaml(policies: Sequence[Generated]) -> str:
    """Every policy as one multi-document YAML stream (``---`` between documents)."""
    return "---\n".join(yaml_document(g) for g in policies)


def to_json(policies: Sequence[Generated]) -> str:
    """One policy as an object, several as a ``v1`` List (``kubectl apply`` takes both)."""
    objects = [manifest(g, description=True) for g in policies]
    data: Any = objects[0] if len(objects) == 1 else {"apiVersion": "v1", "kind": "List", "items": objects}
    return json.dumps(data, indent=2) + "\n"


def render(policies: Sequence[Generated], output: str) -> str:
    """The whole output in ``yaml`` or ``json``."""
    if output == "yaml":
        return to_yaml(policies)
    if output == "json":
        return to_json(policies)
    raise UsageError(f"invalid output format {quote(output)}: must be yaml or json")


def files(policies: Sequence[Generated], output: str) -> list[tuple[str, str]]:
    """One ``(file name, text)`` per policy for ``kubectl apply -f DIR``.

    Names are ``NAMESPACE.NAME.yaml``: stable across runs (no sequence numbers, so
    re-generating changes only what changed) and unambiguous, since a namespace
    name has no dot.
    """
    if output not in FORMATS:
        raise UsageError(f"invalid output format {quote(output)}: must be yaml or json")
    result = []
    for g in policies:
        text = render([g], output)
        result.append((f"{g.policy.namespace}.{g.policy.name}.{output}", text))
    return result

