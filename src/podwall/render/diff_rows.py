"""The rows of netpol-analyzer's diff formats: fields per differing pair, in its order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from podwall.diff import NodeKind, PairDiff
from podwall.diff.connections import kind_of
from podwall.engine.connset import ConnSet
from podwall.model.quick import frozen

#: netpol-analyzer's default names of the two sides (``--dir1`` and ``--dir2``).
REF1, REF2 = "ref1", "ref2"
HEADER = ("diff-type", "source", "destination", REF1, REF2, "workloads-diff-info")


@frozen
class Row:
    """One differing pair in netpol-analyzer's words."""

    diff_type: str
    source: str
    destination: str
    ref1: str
    ref2: str
    info: str  # "workload X added", "workload X and Y removed", or ""

    @property
    def fields(self) -> tuple[str, str, str, str, str, str]:
        """The six columns, in header order."""
        return (self.diff_type, self.source, self.destination, self.ref1, self.ref2, self.info)


def _conns(conns: ConnSet) -> str:
    return str(conns)  # "No Connections" when empty


def _info(pair: PairDiff) -> str:
    """Which end is a workload that exists on one side only."""
    ends = [n for n, new in ((pair.source, pair.new_source), (pair.destination, pair.new_destination)) if new]
    return f"workload {' and '.join(ends)} {pair.change.value}" if ends else ""


def ordered_lines(pairs: Sequence[PairDiff], line: Callable[[Row], str]) -> list[str]:
    """Formatted lines: changed, added, removed; then the ingress controller's, in the same order.

    Inside each group the formatted lines are sorted as strings, as netpol-analyzer
    sorts them, so the order follows each format's own punctuation.
    """
    groups: dict[tuple[bool, int], list[str]] = {}
    for pair in pairs:
        row = Row(pair.change.value, pair.source, pair.destination, _conns(pair.before), _conns(pair.after), _info(pair))
        key = (kind_of(pair.source) is NodeKind.INGRESS_CONTROLLER, pair.change.rank)
        groups.setdefault(key, []).append(line(row))
    return [text for key in sorted(groups) for text in sorted(groups[key])]

