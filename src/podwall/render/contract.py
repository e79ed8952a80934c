"""The JSON documents podwall promises to keep: ``apiVersion`` and ``kind`` first, a JSON Schema each.

Schemas ship in ``podwall/render/schema/<kind>.schema.json`` and are checked in the
tests against real outputs; a new field is added to the schema in the same change.
"""

from __future__ import annotations

API_VERSION = "podwall.io/v1"

#: kind -> schema file name
KINDS = ("Reachability", "NamespaceSummary", "Explanation", "PortsExplanation", "LintReport", "LabResult")


def document(kind: str, body: dict[str, object]) -> dict[str, object]:
    """``{"apiVersion": "podwall.io/v1", "kind": kind, **body}``."""
    return {"apiVersion": API_VERSION, "kind": kind, **body}


def schema_text(kind: str) -> str:
    """The JSON Schema of one kind, as shipped in the package."""
    from importlib import resources  # 5 ms of imports that outputs without their schema do not need

    return (resources.files("podwall.render") / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
