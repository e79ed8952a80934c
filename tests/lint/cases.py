"""Reading the per-rule case files (``tests/lint/cases/PWxxx.yaml``), shared by the runner and the meta-test."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).resolve().parent / "cases"
WORLDS = yaml.safe_load((CASES / "_worlds.yaml").read_text())


@dataclass(frozen=True)
class Case:
    """One named input and the exact findings the rule must report for it."""

    rule: str
    name: str
    text: str
    findings: Any = field(default_factory=list)  # a list of expected findings
    cni: str | None = None  # the --cni profile (default: detected from the manifests, else generic)

    @property
    def id(self) -> str:
        return f"{self.rule}/{self.name}"


def case_files() -> list[Path]:
    """Every case file, sorted."""
    return sorted(p for p in CASES.glob("PW*.yaml"))


def read(path: Path) -> tuple[str, list[Case]]:
    """The rule a case file is for, and its cases."""
    data = yaml.safe_load(path.read_text())
    rule = data["rule"]
    cases = []
    for item in data["cases"]:
        unknown = set(item) - {"name", "manifests", "worlds", "findings", "cni"}
        assert not unknown, f"{path.name}: case {item.get('name')}: unknown keys {sorted(unknown)}"
        parts = [item.get("manifests", "")] + [WORLDS[w] for w in item.get("worlds", [])]
        text = "\n---\n".join(p.strip("\n") for p in parts if p.strip())
        found = item.get("findings")
        findings = found if isinstance(found, str) else list(found or [])
        cases.append(Case(rule, item["name"], text + "\n", findings, item.get("cni")))
    return rule, cases


def all_cases() -> list[Case]:
    """Every case of every file."""
    return [case for path in case_files() for case in read(path)[1]]
