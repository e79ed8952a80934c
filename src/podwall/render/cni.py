"""``podwall cni``: what was recognised, and what the profile says, with its sources."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from podwall.cni import TOPICS, UNKNOWN, Choice, Profile, Statement, profiles
from podwall.cni.profile import generic_value


def _word(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def statement_words(profile: Profile, statement: Statement, choice: Choice | None = None) -> str:
    """``yes``, ``no (before 1.16.0)``, ``unknown (judged as generic: yes)``."""
    version = choice.version if choice is not None and choice.profile is profile else None
    repository = choice.detection.repository if version else None
    value = statement.value_at(repository, version)
    text = _word(value)
    if value == UNKNOWN:
        doubt = "not confirmed at this version; " if statement.value != UNKNOWN else ""
        text += f" ({doubt}judged as generic: {_word(generic_value(statement.topic))})"
    elif statement.since and version is not None and choice is not None and (choice.version_unknown or choice.newest):
        doubt = "" if choice.newest else "version unknown, "
        text += f" ({doubt}tag {version}: the newest statement)"
    elif statement.since and version is None:
        firsts = ", ".join(f"{repo} {v}" if repo else v for repo, v in statement.since.items())
        doubts = "".join(f"; unknown after {repo + ' ' if repo else ''}{v}" for repo, v in statement.unknown_after.items())
        text += f" (from {firsts}; {_word(statement.before)} before{doubts})"
    return text


def cni_text(choice: Choice) -> str:
    """What was found, then each statement of the profile in use, one line each, then where the sources are."""
    detection = choice.detection
    lines: list[str] = []
    if detection.profile is not None:
        version = f" {detection.version}" if detection.version else ""
        if choice.version_unknown and choice.profile is detection.profile:
            version += " (version unknown: the image tag is no version)"
        lines.append(f"network plugin: {detection.profile.name}{version}")
        lines.extend(f"  found: {e.text}" for e in detection.evidence)
    elif detection.ambiguous:
        lines.append(f"network plugin: ambiguous ({', '.join(detection.found)})")
        lines.extend(f"  found: {e.text}" for e in detection.evidence)
    else:
        lines.append("network plugin: unknown (no DaemonSet, image or node annotation of a known plugin in the input)")
    prof = choice.profile
    lines.append(f"profile used: {prof.name} ({'--cni' if choice.chosen else 'detected' if detection.profile else 'default'})")
    lines.append(f"  {prof.summary}")
    width = max(len(t) for t in TOPICS.values())
    for topic, words in TOPICS.items():
        lines.append(f"  {words:<{width}}  {statement_words(prof, prof.statement(topic), choice)}")
    lines.append(f"sources: podwall cni --cni {prof.name} -o json, or docs/cni-profiles.md")
    return "\n".join(lines) + "\n"


def _statement_data(profile: Profile, statement: Statement, choice: Choice | None) -> dict[str, Any]:
    version = choice.version if choice is not None and choice.profile is profile else None
    repository = choice.detection.repository if version else None
    value = statement.value_at(repository, version)
    data: dict[str, Any] = {"value": value, "known": value != UNKNOWN}
    if value == UNKNOWN:
        data["judged_as"] = generic_value(statement.topic)
    if statement.since:
        data["since"] = statement.since
        data["before"] = statement.before
    if statement.unknown_after:
        data["unknown_after"] = statement.unknown_after
    data["source"] = statement.source
    data["note"] = statement.note
    return data


def profile_data(profile: Profile, choice: Choice | None = None) -> dict[str, Any]:
    """A profile as data: its statements with values, sources and notes."""
    return {
        "name": profile.name,
        "title": profile.title,
        "summary": profile.summary,
        "statements": {t: _statement_data(profile, profile.statement(t), choice) for t in TOPICS},
    }


def cni_json(choice: Choice) -> str:
    """``{"apiVersion", "detected": {...} | null, "profile": {...}}``."""
    detection = choice.detection
    detected = None
    if detection.profile is not None or detection.found:
        detected = {
            "profile": detection.profile.name if detection.profile else None,
            "version": detection.version,
            "found": list(detection.found),
            "evidence": [{"profile": e.profile, "text": e.text} for e in detection.evidence],
        }
    data = {
        "apiVersion": "podwall.io/v1",
        "kind": "CniReport",
        "detected": detected,
        "chosen": choice.chosen,
        "profile": profile_data(choice.profile, choice),
    }
    return json.dumps(data, indent=2) + "\n"


def _cell(statement: Statement) -> str:
    text = _word(statement.value)
    if statement.since:
        text += "*"
    return text


def profiles_table(chosen: Iterable[Profile] | None = None, markdown: bool = False) -> str:
    """Every profile (or ``chosen``) against every statement: yes / no / node / pod / unknown (* changes by version)."""
    shown = list(chosen) if chosen is not None else list(profiles().values())
    topics = list(TOPICS)
    header = ["profile", *topics]
    rows = [[p.name, *(_cell(p.statement(t)) for t in topics)] for p in shown]
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out) + "\n"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    out.append("(* the value changes at a plugin version: podwall cni --cni NAME)")
    return "\n".join(out) + "\n"


def profiles_reference() -> str:
    """Every profile's statements with their sources, as Markdown (docs/cni-profiles.md is this text)."""
    out = [
        "# CNI profiles: every statement and its source",
        "",
        "<!-- Generated from src/podwall/cni/profiles/*.toml by `python -m podwall.render.cni`; do not edit. -->",
        "",
        profiles_table(markdown=True).rstrip("\n"),
        "",
        "`*`: the value changes at a plugin version (see the statement). `unknown`: not confirmed; verdicts use",
        "the generic profile's value for it.",
    ]
    for prof in profiles().values():
        out += ["", f"## {prof.name}: {prof.title}", "", prof.summary, ""]
        out += ["| statement | value | source | note |", "|---|---|---|---|"]
        for topic, words in TOPICS.items():
            st = prof.statement(topic)
            source = f"[{_short(st.source)}]({st.source})" if st.source else ""
            note = st.note.replace("|", "\\|")
            out.append(f"| {words} | {statement_words(prof, st)} | {source} | {note} |")
        rules = prof.detect
        found = [f"DaemonSets {', '.join(rules.daemonsets)}" if rules.daemonsets else "",
                 f"images {', '.join(rules.images)}" if rules.images else "",
                 f"node annotations {', '.join(rules.node_annotations)}" if rules.node_annotations else "",
                 f"in namespaces {', '.join(rules.namespaces)}" if rules.namespaces else "",
                 f"with container args {', '.join(rules.require_args)}" if rules.require_args else "",
                 f"without container args {', '.join(rules.refuse_args)}" if rules.refuse_args else "",
                 f"wins over {', '.join(rules.refines)}" if rules.refines else ""]
        words = "; ".join(w for w in found if w)
        out += ["", f"Detected by: {words}." if words else "Never detected: choose it with `--cni`."]
    return "\n".join(out) + "\n"


def _short(url: str) -> str:
    """A link's visible text: host and path, shortened."""
    text = url.split("://", 1)[-1]
    return text if len(text) <= 60 else text[:57] + "..."


def main() -> None:
    """Write docs/cni-profiles.md from the shipped profiles (run from the repository root)."""
    from pathlib import Path

    target = Path("docs") / "cni-profiles.md"
    target.write_text(profiles_reference(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
