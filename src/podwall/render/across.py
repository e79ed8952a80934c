"""``--across-cnis``: the verdicts of the profile in use, and where other network plugins would answer otherwise."""

from __future__ import annotations

import csv
import io
import json

from podwall.engine.across import Dependence, ExplainAcross, ReachAcross
from podwall.render.cells import DEPENDS
from podwall.render.explain_json import explain_data
from podwall.render.explain_text import explain_text
from podwall.render.reach_md import reach_md
from podwall.render.reach_table import reach_table


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "none"


def _section(result: ReachAcross, bullet: str) -> list[str]:
    count = len(result.variants)
    if not result.depends:
        return ["", f"Depends on the network plugin: nothing; the {count} profiles give every flow the same verdict."]
    lines = [
        "",
        f"Depends on the network plugin ({DEPENDS} in the matrix): {len(result.depends)} flows; the matrix is "
        f"{result.base_name}'s, {count} profiles that enforce NetworkPolicy compared.",
    ]
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Dependence]] = {}
    for d in result.depends:
        groups.setdefault((d.allowed_in, d.denied_in), []).append(d)
    for (yes, no), flows in sorted(groups.items()):
        lines.append(f"{bullet}allowed with {_names(yes)}; denied with {_names(no)}:")
        lines.extend(f"  {bullet}{d.source} -> {d.destination} {d.probe}" for d in flows)
    return lines


def across_table(result: ReachAcross) -> str:
    """The matrix of the profile in use, cells that depend on the plugin marked, then the flows one per line."""
    return reach_table(result.base, result.pairs) + "\n".join(_section(result, "  ")) + "\n"


def across_md(result: ReachAcross) -> str:
    """The same in Markdown."""
    return reach_md(result.base, result.pairs) + "\n".join(_section(result, "- ")) + "\n"


def _flow(source: str, destination: str, probe) -> dict[str, object]:
    return {"from": source, "to": destination, "port": probe.port, "protocol": probe.protocol.value}


def across_json(result: ReachAcross) -> str:
    """The reach contract (subjects, probes, allowed: the profile in use) plus ``cni``, ``profiles`` and ``depends_on_cni``."""
    base = result.base
    data = {
        "subjects": list(base.subjects),
        "probes": [{"port": p.port, "protocol": p.protocol.value} for p in base.probes],
        "allowed": [_flow(f.source, f.destination, f.probe) for f in base.flows()],
        "cni": result.base_name,
        "profiles": list(result.variants),
        "depends_on_cni": [
            {**_flow(d.source, d.destination, d.probe), "allowed_in": list(d.allowed_in), "denied_in": list(d.denied_in)}
            for d in result.depends
        ],
    }
    return json.dumps(data, indent=1) + "\n"


def across_csv(result: ReachAcross) -> str:
    """Flows allowed by the profile in use or by some other: ``allowed`` under the profile in use, and where they differ."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["from", "to", "port", "protocol", "allowed", "depends_on_cni", "allowed_in", "denied_in"])
    depends = {(d.source, d.destination, d.probe): d for d in result.depends}
    rows = set(result.base.allowed) | set(depends)
    for source, destination, probe in sorted(rows):
        d = depends.get((source, destination, probe))
        allowed = (source, destination, probe) in result.base.allowed
        writer.writerow([
            source, destination, probe.port, probe.protocol.value, "yes" if allowed else "no",
            "yes" if d else "no", " ".join(d.allowed_in) if d else "", " ".join(d.denied_in) if d else "",
        ])
    return out.getvalue()


ACROSS_FORMATS = {"table": across_table, "md": across_md, "json": across_json, "csv": across_csv}


def _reasons(text: str) -> list[str]:
    """The reason lines of an explanation (its headline dropped), for an indented block."""
    return [line for line in text.splitlines()[1:] if line.strip()]


def explain_across_text(result: ExplainAcross) -> str:
    """The explanation of the profile in use, then each other answer (grouped by its reasons) with its profiles."""
    text = explain_text(result.base)
    count = sum(len(names) for names, _ in result.verdicts)
    if not result.depends:
        word = "ALLOWED" if result.base.allowed else "DENIED"
        return text + f"Across network plugins: {word} with all {count} profiles that enforce NetworkPolicy.\n"
    groups: dict[tuple[bool, tuple[str, ...]], list[str]] = {}
    for names, explanation in result.verdicts:
        groups.setdefault((explanation.allowed, tuple(_reasons(explain_text(explanation)))), []).extend(names)
    base_key = (result.base.allowed, tuple(_reasons(text)))
    lines = [f"Across network plugins: depends on the CNI ({count} profiles that enforce NetworkPolicy compared)."]
    for (allowed, reasons), names in sorted(groups.items(), key=lambda g: (g[0] != base_key, sorted(g[1]))):
        word = "ALLOWED" if allowed else "DENIED"
        if (allowed, reasons) == base_key:
            lines.append(f"  {word}, as above, with {', '.join(sorted(names))}.")
            continue
        lines.append(f"  {word} with {', '.join(sorted(names))}:")
        lines.extend(f"  {line}" for line in reasons)
    return text + "\n".join(lines) + "\n"


def explain_across_json(result: ExplainAcross) -> str:
    """The explanation of the profile in use, plus ``across_cnis``: every group of profiles and its verdict."""
    data = explain_data(result.base)
    data["cni"] = result.base_name
    data["across_cnis"] = {
        "depends_on_cni": result.depends,
        "allowed_in": list(result.allowed_in),
        "denied_in": list(result.denied_in),
        "verdicts": [{"profiles": list(names), **explain_data(e)} for names, e in result.verdicts],
    }
    return json.dumps(data, indent=2) + "\n"


EXPLAIN_ACROSS_FORMATS = {"text": explain_across_text, "json": explain_across_json}
