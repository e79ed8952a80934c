"""The rule reference under ``docs/rules/``, generated from the rules' docstrings.

Run ``python -m podwall.lint.docs`` to rewrite it, ``python -m podwall.lint.docs
--check`` to verify that it is up to date (a test does the latter).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from podwall.lint.finding import Severity
from podwall.lint.registry import SECTIONS, Rule, all_rules

DEFAULT_DIR = "docs/rules"
_GENERATED = "<!-- Generated from the rule's docstring by `python -m podwall.lint.docs`; do not edit. -->"
_FAMILY = {
    "source": "PW1xx: reads one manifest at a time",
    "engine": "PW2xx: asks the engine about the whole input",
}


def rule_markdown(rule: type[Rule]) -> str:
    """One rule's page."""
    sections = rule.sections()
    lines = [
        f"# {rule.code} `{rule.name}`",
        "",
        _GENERATED,
        "",
        rule.summary(),
        "",
        "| | |",
        "|---|---|",
        f"| Default severity | {rule.severity.value} |",
        f"| Family | {_FAMILY[rule.family()]} |",
        f"| Enabled by default | {'yes' if rule.enabled_by_default else 'no (`--enable ' + rule.code + '`)'} |",
        f"| Silence | `--disable {rule.code}`, `lint: {{disable: [{rule.code}]}}` in `.podwall.yaml`, "
        f"or the annotation `podwall.io/ignore: \"{rule.code}\"` on the object |",
        "",
    ]
    for heading in SECTIONS:
        lines += [f"## {heading}", "", sections[heading], ""]
    return "\n".join(lines)


def index_markdown(rules: Sequence[type[Rule]]) -> str:
    """The table of every rule."""
    lines = [
        "# podwall lint rules",
        "",
        _GENERATED,
        "",
        "PW1xx rules read one manifest at a time; PW2xx rules ask the engine about the whole input.",
        "See [the lint guide](../lint.md) for the command, configuration and suppression.",
        "",
        "| Code | Name | Severity | What it finds |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        lines.append(f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.severity.value} | {rule.summary()} |")
    counts = {s: sum(1 for r in rules if r.severity is s) for s in Severity}
    words = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
    parts = [f"{n} {words[s]}{'s' if n != 1 and s is not Severity.INFO else ''}" for s, n in counts.items()]
    lines += ["", f"{len(rules)} rules: {', '.join(parts)}.", ""]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """File name -> content of every page."""
    rules = all_rules()
    result = {f"{rule.code}.md": rule_markdown(rule) for rule in rules}
    result["README.md"] = index_markdown(rules)
    return result


def stale(directory: Path) -> list[str]:
    """Pages missing or different on disk, and pages on disk that no rule has."""
    wanted = pages()
    found = []
    for name, text in sorted(wanted.items()):
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            found.append(name)
    if directory.is_dir():
        found += sorted(p.name for p in directory.glob("*.md") if p.name not in wanted)
    return found


def write(directory: Path) -> list[str]:
    """Rewrite the pages that changed and remove pages of rules that no longer exist."""
    changed = stale(directory)
    wanted = pages()
    directory.mkdir(parents=True, exist_ok=True)
    for name in changed:
        if name in wanted:
            (directory / name).write_text(wanted[name], encoding="utf-8")
        else:
            (directory / name).unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m podwall.lint.docs [--check] [DIR]``: 0 when up to date (or rewritten), 1 when --check finds drift."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    directory = Path(rest[0] if rest else DEFAULT_DIR)
    if check:
        drift = stale(directory)
        if drift:
            sys.stderr.write(f"{directory}: out of date: {', '.join(drift)}; run python -m podwall.lint.docs\n")
            return 1
        return 0
    for name in write(directory):
        sys.stderr.write(f"wrote {directory / name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
