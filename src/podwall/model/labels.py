"""Label selectors exactly as the API defines them (matchLabels AND matchExpressions)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from podwall.model.quick import frozen


Labels = Mapping[str, str]


class Operator(str, Enum):
    """The four selector operators; anything else is rejected by the loader."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


@frozen
class Requirement:
    """One ``matchExpressions`` term; ``values`` is sorted so equal terms compare equal."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        """Whether a label set satisfies this term (NotIn also matches an absent key)."""
        present = self.key in labels
        if self.operator is Operator.IN:
            return present and labels[self.key] in self.values
        if self.operator is Operator.NOT_IN:
            return not present or labels[self.key] not in self.values
        if self.operator is Operator.EXISTS:
            return present
        return not present

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        op = "in" if self.operator is Operator.IN else "notin"
        return f"{self.key} {op} ({','.join(self.values)})"


@frozen
class LabelSelector:
    """A selector; the empty selector matches everything.

    ``match_labels`` is a sorted tuple of pairs so selectors are hashable and can
    be used as cache keys by the engine.
    """

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @classmethod
    def from_labels(cls, labels: Labels) -> LabelSelector:
        """A selector with only matchLabels."""
        return cls(tuple(sorted(labels.items())))

    @property
    def is_empty(self) -> bool:
        """True for ``{}``, which selects every object."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Labels) -> bool:
        """Whether a label set satisfies every term of the selector."""
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        for req in self.match_expressions:  # a loop, not all(generator): called per candidate by the engine
            if not req.matches(labels):
                return False
        return True

    def __str__(self) -> str:
        if self.is_empty:
            return "{}"
        terms = [f"{k}={v}" for k, v in self.match_labels]
        terms += [str(r) for r in self.match_expressions]
        return ",".join(terms)
