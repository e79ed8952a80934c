"""Which rules run, at which severity, and what fails the run: from ``.podwall.yaml`` and the command line.

``.podwall.yaml`` (the ``lint`` section, the only one so far; any other top-level key is an error)::

    lint:
      fail-on: warning          # error | warning | info
      disable: [PW101, peer.and-or-trap]
      enable: [PW202]
      severity:
        PW202: warning

Rules are named by code or name. The command line wins over the file:
``--enable`` turns on a rule the file disables, ``--disable`` the reverse.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

import yaml

from podwall.errors import Location, UsageError
from podwall.lint.finding import Severity
from podwall.lint.registry import Rule, all_rules, rule_for
from podwall.model.quick import frozen

CONFIG_FILE = ".podwall.yaml"
#: The file's top-level sections (every other key is an error: nothing the user writes is silently ignored).
SECTIONS = ("lint",)
_KEYS = ("fail-on", "disable", "enable", "severity")
_SEVERITIES = ", ".join(s.value for s in Severity)


@frozen
class LintConfig:
    """The choices of one run; empty sets and maps mean "rule defaults"."""

    disable: frozenset[str] = frozenset()
    enable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING

    def override(
        self,
        *,
        disable: Iterable[str] = (),
        enable: Iterable[str] = (),
        fail_on: str | Severity | None = None,
    ) -> LintConfig:
        """This configuration with command-line choices applied on top."""
        off = codes(disable, "--disable")
        on = codes(enable, "--enable")
        both = sorted(off & on)
        if both:
            raise UsageError(f"{', '.join(both)} cannot be both enabled and disabled")
        return LintConfig(
            disable=(self.disable - on) | off,
            enable=(self.enable - off) | on,
            severity=self.severity,
            fail_on=severity(fail_on, "--fail-on") if fail_on is not None else self.fail_on,
        )

    def enabled(self, rule: type[Rule]) -> bool:
        """Whether ``rule`` runs."""
        if rule.code in self.disable:
            return False
        return rule.enabled_by_default or rule.code in self.enable

    def severity_of(self, rule: type[Rule]) -> Severity:
        """The configured severity of ``rule``, else its default."""
        return self.severity.get(rule.code, rule.severity)


def severity(value: str | Severity, where: str) -> Severity:
    """``error``, ``warning`` or ``info``; UsageError otherwise."""
    if isinstance(value, Severity):
        return value
    try:
        return Severity(str(value).strip().lower())
    except ValueError:
        raise UsageError(f"{where}: invalid severity {value!r}: must be one of {_SEVERITIES}") from None


def codes(items: Iterable[str], where: str) -> frozenset[str]:
    """Rule codes from codes or names, comma-separated or not; UsageError for unknown ones."""
    found: set[str] = set()
    for item in items:
        for part in str(item).split(","):
            text = part.strip()
            if not text:
                continue
            rule = rule_for(text)
            if rule is None:
                raise UsageError(f"{where}: unknown rule {text!r}{_suggest(text)}")
            found.add(rule.code)
    return frozenset(found)


def _suggest(text: str) -> str:
    rules = all_rules()
    choices = [r.code for r in rules] + [r.name for r in rules]
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]}?)"
    return f" (rules are {rules[0].code}..{rules[-1].code}; see docs/rules/)"


def parse_config(text: str, path: str) -> LintConfig:
    """Read the ``lint`` section of a ``.podwall.yaml``; problems raise UsageError naming ``path``."""
    where = Location(path)
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise UsageError(f"invalid YAML: {getattr(error, 'problem', None) or error}", Location(path, line)) from None
    if data is None:
        return LintConfig()
    if not isinstance(data, dict):
        raise UsageError("must be a mapping with a 'lint' section", where)
    for key in data:
        if key not in SECTIONS:
            raise UsageError(f"unknown key {key!r}{_section_hint(str(key))}", where)
    section = data.get("lint")
    if section is None:
        return LintConfig()
    if not isinstance(section, dict):
        raise UsageError("lint: must be a mapping", where)
    for key in section:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(_KEYS)})"
            raise UsageError(f"lint: unknown key {key!r}{hint}", where)

    def listed(key: str) -> frozenset[str]:
        value = section.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise UsageError(f"lint.{key}: must be a list of rule codes or names", where)
        return _located(lambda: codes(value, f"lint.{key}"), where)

    levels: dict[str, Severity] = {}
    given = section.get("severity") or {}
    if not isinstance(given, dict):
        raise UsageError("lint.severity: must map rule codes or names to error, warning or info", where)
    for key, value in given.items():
        for code in _located(lambda k=key: codes([str(k)], "lint.severity"), where):
            levels[code] = _located(lambda v=value, k=key: severity(v, f"lint.severity.{k}"), where)
    fail_on = section.get("fail-on")
    return LintConfig(
        disable=listed("disable"),
        enable=listed("enable"),
        severity=levels,
        fail_on=_located(lambda: severity(fail_on, "lint.fail-on"), where) if fail_on is not None else Severity.WARNING,
    )


def _section_hint(key: str) -> str:
    """`` (did you mean 'lint'?)``, or for a lint setting written at the top: where it belongs."""
    if key in _KEYS:
        return f" (did you mean lint.{key}? lint settings go under 'lint:')"
    close = difflib.get_close_matches(key, SECTIONS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(SECTIONS)})"


def _located(make: Any, where: Location) -> Any:
    """Run ``make``; a UsageError it raises gets the config file as its location."""
    try:
        return make()
    except UsageError as error:
        raise UsageError(error.message, where) from None
