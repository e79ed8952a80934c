"""Near misses: ``app=frontnd: did you mean app=frontend, which 2 pods have?``."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping

from podwall.model import LabelSelector
from podwall.model.quick import frozen


@frozen
class NearMiss:
    """A corrected selector and the sentence that proposes it."""

    selector: LabelSelector
    text: str


def near_miss(
    selector: LabelSelector,
    label_sets: Iterable[Mapping[str, str]],
    count: Callable[[LabelSelector], int],
    noun: tuple[str, str] = ("pod", "pods"),
) -> NearMiss | None:
    """A correction for the first ``matchLabels`` term no label set satisfies, if a close one exists.

    A close value of the same key is preferred, then a close key with the same
    value; a correction is kept only if the corrected selector matches
    something (``count`` says how many).
    """
    sets = list(label_sets)
    for key, value in selector.match_labels:
        if any(labels.get(key) == value for labels in sets):
            continue
        values = sorted({labels[key] for labels in sets if key in labels})
        keys = sorted({k for labels in sets for k, v in labels.items() if v == value})
        candidates = [(key, v) for v in difflib.get_close_matches(value, values, n=3, cutoff=0.6)]
        candidates += [(k, value) for k in difflib.get_close_matches(key, keys, n=3, cutoff=0.6)]
        for new_key, new_value in candidates:
            terms = tuple(sorted((new_key, new_value) if (k, v) == (key, value) else (k, v) for k, v in selector.match_labels))
            fixed = LabelSelector(terms, selector.match_expressions)
            n = count(fixed)
            if n:
                verb = "has" if n == 1 else "have"
                what = noun[0] if n == 1 else noun[1]
                return NearMiss(fixed, f"{key}={value}: did you mean {new_key}={new_value}, which {n} {what} {verb}?")
    return None
