"""Shared helpers for the generate tests: paths, running the CLI, schema validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.cli.harness import ROOT, TUTORIAL, Run, run

DATA = Path(__file__).resolve().parent / "data"
INTENTS = str(DATA / "tutorial.intents.yaml")
SHOP = str(DATA / "shop")
K8S_VERSION = "1.30"

__all__ = ["DATA", "INTENTS", "ROOT", "SHOP", "TUTORIAL", "Run", "documents", "relative", "run", "validate_all"]


def relative(text: str) -> str:
    """Output with the checkout's absolute path removed, so goldens hold on any machine."""
    return text.replace(str(ROOT) + "/", "")


def documents(text: str) -> list[dict[str, Any]]:
    """The Kubernetes objects in YAML or JSON output (a List is unwrapped)."""
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        return list(data["items"]) if data.get("kind") == "List" else [data]
    return [d for d in yaml.safe_load_all(text) if d is not None]


def validate_all(text: str) -> int:
    """Validate every object against the official schema (strict: no unknown fields); return the count."""
    objects = documents(text)
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    return len(objects)
