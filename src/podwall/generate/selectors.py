"""Label selectors in kubectl syntax, both ways: ``app=web,tier in (db,cache),!canary``.

Grammar (k8s.io/apimachinery/pkg/labels, restricted to what a NetworkPolicy's
``metav1.LabelSelector`` can hold; ``>``/``<`` exist only for field selectors)::

    selector    := "" | requirement ("," requirement)*
    requirement := KEY                        -> Exists
                 | "!" KEY                    -> DoesNotExist
                 | KEY ("=" | "==") VALUE     -> matchLabels (VALUE may be empty)
                 | KEY "!=" VALUE             -> NotIn (VALUE); like kubectl, also matches an absent KEY
                 | KEY ("in" | "notin") "(" VALUE ("," VALUE)* ")"
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from podwall.errors import UsageError
from podwall.generate.names import quote, slug
from podwall.model import LabelSelector, Operator, Requirement
from podwall.model.manifest import selector_manifest  # noqa: F401 (re-exported: part of the selector helpers)
from podwall.model.names import label_key_problem, label_value_problem

_TOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|>|<|[^\s=!(),<>]+)")
_WORD_OPERATORS = {"in": Operator.IN, "notin": Operator.NOT_IN}

#: Label keys that name an application, most telling first (used to name policies).
NAME_KEYS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "app.kubernetes.io/component", "component")


class _Parser:
    """Recursive descent over the tokens of one selector; every error names the selector."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = []
        position = 0
        stripped = text.rstrip()
        while position < len(stripped):
            match = _TOKEN.match(stripped, position)
            assert match is not None  # the last alternative takes any other character run
            self.tokens.append(match.group(1))
            position = match.end()
        self.index = 0

    def fail(self, reason: str) -> UsageError:
        return UsageError(f"invalid selector {quote(self.text)}: {reason}")

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        if token is not None:
            self.index += 1
        return token

    def key(self, token: str | None) -> str:
        if token is None or token in ("=", "==", "!=", "!", "(", ")", ",", ">", "<"):
            got = "the end" if token is None else quote(token)
            raise self.fail(f"expected a label key, got {got}")
        problem = label_key_problem(token)
        if problem is not None:
            raise self.fail(f"label key {quote(token)}: {problem}")
        return token

    def value(self, token: str, key: str) -> str:
        problem = label_value_problem(token)
        if problem is not None:
            raise self.fail(f"value {quote(token)} of {key}: {problem}")
        return token

    def parse(self) -> LabelSelector:
        labels: dict[str, str] = {}
        requirements: list[Requirement] = []
        if not self.tokens:
            return LabelSelector()
        while True:
            self.requirement(labels, requirements)
            token = self.take()
            if token is None:
                break
            if token != ",":
                raise self.fail(f"expected ',' between requirements, got {quote(token)}")
        return LabelSelector(tuple(sorted(labels.items())), tuple(requirements))

    def requirement(self, labels: dict[str, str], requirements: list[Requirement]) -> None:
        token = self.take()
        if token == "!":
            self.add(requirements, Requirement(self.key(self.take()), Operator.DOES_NOT_EXIST))
            return
        key = self.key(token)
        op = self.peek()
        if op is None or op == ",":
            self.add(requirements, Requirement(key, Operator.EXISTS))
            return
        self.take()
        if op in ("=", "==", "!="):
            following = self.peek()
            given = "" if following in (None, ",") else self.take()
            value = self.value(given or "", key)
            if op == "!=":
                self.add(requirements, Requirement(key, Operator.NOT_IN, (value,)))
            elif labels.get(key, value) != value:
                raise self.fail(f"{key} is given twice ({key}={labels[key]} and {key}={value}), so it matches nothing")
            else:
                labels[key] = value
            return
        if op.lower() in _WORD_OPERATORS:
            self.add(requirements, Requirement(key, _WORD_OPERATORS[op.lower()], self.values(key, op)))
            return
        if op in (">", "<"):
            raise self.fail(f"operator {quote(op)} is not supported by label selectors (use =, ==, !=, in, notin, ! or a bare key)")
        raise self.fail(f"expected an operator (=, ==, !=, in, notin) or ',' after {quote(key)}, got {quote(op)}")

    def values(self, key: str, op: str) -> tuple[str, ...]:
        if self.take() != "(":
            raise self.fail(f"expected '(' after {quote(op)}")
        values: list[str] = []
        while True:
            token = self.take()
            if token is None:
                raise self.fail("missing ')'")
            if token in (",", ")"):
                raise self.fail(f"empty value in the list of {key} {op}")
            values.append(self.value(token, key))
            token = self.take()
            if token == ")":
                return tuple(sorted(set(values)))
            if token != ",":
                raise self.fail("missing ')'" if token is None else f"expected ',' or ')' in the list of {key} {op}, got {quote(token)}")

    @staticmethod
    def add(requirements: list[Requirement], requirement: Requirement) -> None:
        if requirement not in requirements:
            requirements.append(requirement)


def parse_selector(text: str) -> LabelSelector:
    """Parse a kubectl-syntax selector; the empty string selects everything.

    Raises UsageError (one line, naming the selector) on bad syntax, bad keys or
    values, and on ``k=a,k=b``, which can never match.
    """
    return _Parser(text).parse()


def selector_text(selector: LabelSelector) -> str:
    """A selector in kubectl syntax (``{}`` for the empty one); ``parse_selector`` reads it back."""
    if selector.is_empty:
        return "{}"
    terms = [f"{k}={v}" for k, v in selector.match_labels]
    for r in selector.match_expressions:
        if r.operator is Operator.NOT_IN and len(r.values) == 1:
            terms.append(f"{r.key}!={r.values[0]}")
        else:
            terms.append(str(r))
    return ",".join(terms)


def pods_text(selector: LabelSelector) -> str:
    """``every pod`` or ``pods app=web``, for comments."""
    return "every pod" if selector.is_empty else f"pods {selector_text(selector)}"


def sample_labels(selector: LabelSelector) -> dict[str, str] | None:
    """Labels that ``selector`` matches (few and plain), or None when nothing can match.

    Each key's constraints are independent, so each key is settled alone: absent
    when allowed, else the first value every constraint on it admits.
    """
    keys = [k for k, _ in selector.match_labels] + [r.key for r in selector.match_expressions]
    labels: dict[str, str] = {}
    for key in dict.fromkeys(keys):
        fixed = [v for k, v in selector.match_labels if k == key]
        terms = [r for r in selector.match_expressions if r.key == key]
        need = bool(fixed) or any(r.operator in (Operator.IN, Operator.EXISTS) for r in terms)
        if not need:
            if all(r.matches({}) for r in terms):
                continue
            return None  # pragma: no cover - NotIn/DoesNotExist alone always admit absence
        candidates = fixed[:1] or next((list(r.values) for r in terms if r.operator is Operator.IN), None)
        if candidates is None:
            candidates = ["x", "y", "z"] + [f"x{i}" for i in range(len(terms) + 1)]
        chosen = next((c for c in candidates if all(r.matches({key: c}) for r in terms)), None)
        if chosen is None:
            return None
        labels[key] = chosen
    return labels if selector.matches(labels) else None


def selector_slug(selector: LabelSelector) -> str:
    """A short name for the pods a selector picks: ``app=web,tier=x`` -> ``web``; ``{}`` -> ``all-pods``."""
    if selector.is_empty:
        return "all-pods"
    labels = dict(selector.match_labels)
    for key in NAME_KEYS:
        if labels.get(key):
            return slug(labels[key])
    if labels:
        return slug("-".join(v or k.rpartition("/")[2] for k, v in selector.match_labels))
    first = selector.match_expressions[0]
    if first.operator is Operator.IN and len(first.values) == 1:
        return slug(first.values[0])
    return slug(selector_text(selector).replace("!=", "-not-").replace("!", "not-"))


def labels_text(labels: Mapping[str, str]) -> str:
    """``a=1,b=2`` for messages."""
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
