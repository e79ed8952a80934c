"""The matrix layout shared by the table, list and Markdown views (and the lab's observed matrix)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Protocol as TypingProtocol

from podwall.engine import Probe, View
from podwall.engine.reach import EXTERNAL_PREFIX
from podwall.model import Protocol
from podwall.model.quick import frozen

NOTHING = "·"
EVERYTHING = "all"
SELF = "="
NOT_JUDGED = ""  # under -n, between two subjects outside the namespace

_SUFFIX = {Protocol.TCP: "", Protocol.UDP: "u", Protocol.SCTP: "s"}


class Matrix(TypingProtocol):
    """What the views read: ``podwall.engine.Reachability`` and the lab's observed matrix alike."""

    view: View
    subjects: tuple[str, ...]
    probes: tuple[Probe, ...]

    def reachable_from(self, source: str) -> set[tuple[str, Probe]]: ...


def probe_label(probe: Probe) -> str:
    """Short cell label: TCP ports bare, ``53u`` for UDP, ``9s`` for SCTP."""
    return f"{probe.port}{_SUFFIX[probe.protocol]}"


def namespace_of(subject: str) -> str:
    """The namespace part of a subject key."""
    return subject.split("/", 1)[0]


def short_name(subject: str) -> str:
    """The subject without its namespace."""
    return subject.split("/", 1)[1]


def scope_of(result: Matrix) -> frozenset[str] | None:
    """The namespaces ``-n`` asked for, or None (every subject is in scope)."""
    return getattr(result, "scope", None)


def in_scope(result: Matrix, subject: str) -> bool:
    """Whether a subject is one of the ``-n`` namespaces' (always, without ``-n``)."""
    scope = scope_of(result)
    return scope is None or (not subject.startswith(EXTERNAL_PREFIX) and namespace_of(subject) in scope)


def ordered(result: Matrix) -> list[str]:
    """Subjects in the order the views number them: the ``-n`` namespaces' first, then their peers."""
    return sorted(result.subjects, key=lambda s: (not in_scope(result, s), s))


@frozen
class Grid:
    """Subjects grouped by namespace, numbered, with one cell text per pair."""

    groups: tuple[tuple[str, tuple[tuple[int, str, str], ...]], ...]  # ns -> (number, subject, short name)
    cells: dict[tuple[str, str], str]

    @property
    def numbered(self) -> list[tuple[int, str]]:
        """(number, subject) in order."""
        return [(n, subject) for _, rows in self.groups for n, subject, _ in rows]


def probes_text(probes: list[Probe] | tuple[Probe, ...], every: int) -> str:
    """A cell: ``all`` when every probe, else the short labels."""
    if not probes:
        return NOTHING
    if len(probes) == every:
        return EVERYTHING
    return ",".join(probe_label(p) for p in sorted(probes))


#: Appended to a cell whose verdict depends on the network plugin (``--across-cnis``).
DEPENDS = "*"


def grid(result: Matrix, marks: Collection[tuple[str, str]] = ()) -> Grid:
    """Lay the matrix out: the ``-n`` namespaces' subjects first, then by name, grouped by namespace.

    ``marks`` are the (source, destination) pairs whose cell gets :data:`DEPENDS`.
    """
    subjects = ordered(result)
    allowed: dict[tuple[str, str], list[Probe]] = {}
    for src in subjects:
        for dst, probe in result.reachable_from(src):
            allowed.setdefault((src, dst), []).append(probe)
    cells: dict[tuple[str, str], str] = {}
    every = len(result.probes)
    for src in subjects:
        judged = in_scope(result, src)
        for dst in subjects:
            if src == dst:
                cells[src, dst] = SELF
            elif not judged and not in_scope(result, dst):
                cells[src, dst] = NOT_JUDGED
            else:
                cells[src, dst] = probes_text(allowed.get((src, dst), []), every)
                if (src, dst) in marks:
                    cells[src, dst] += DEPENDS
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for number, subject in enumerate(subjects, start=1):
        groups.setdefault(namespace_of(subject), []).append((number, subject, short_name(subject)))
    return Grid(tuple((ns, tuple(rows)) for ns, rows in groups.items()), cells)


def subjects_phrase(result: Matrix) -> str:
    """``5 workloads``, ``3 pods and 2 workloads``, ``4 workloads, 1 pod and 2 external ranges``."""
    counts: Counter[str] = Counter()
    for subject in result.subjects:
        if subject.startswith(EXTERNAL_PREFIX):
            counts["external range"] += 1
            continue
        parts = subject.split("/")
        if len(parts) == 2 or parts[1] == "Pod":
            counts["pod"] += 1
        else:
            counts["workload"] += 1
    words = [f"{counts[w]} {w}{'' if counts[w] == 1 else 's'}" for w in ("workload", "pod", "external range") if counts[w]]
    if not words:
        return "nothing"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def title(result: Matrix, what: str = "Connectivity") -> str:
    """The heading: what the rows and columns are, counted."""
    return f"{what} between {subjects_phrase(result)} (row -> column)"


def legend(result: Matrix) -> list[str]:
    """The lines that say how to read a cell, where the probes came from, and what -n kept."""
    probes = ", ".join(str(p) for p in result.probes) or "none"
    note = getattr(result, "probe_note", "")
    lines = [f"Probes: {probes}" + (f" ({note}; choose with --probe)." if note else ".")]
    lines.append(
        f"Cell: the probes the row may reach the column on (TCP ports bare, u = UDP, s = SCTP); "
        f"{EVERYTHING} = every probe, {NOTHING} = nothing, {SELF} = itself (always allowed)."
    )
    if any(len(s.split("/")) == 3 and s.split("/")[1] != "Pod" for s in result.subjects) and result.view is View.POD:
        lines.append("A workload whose pods are not in the input stands for them with its pod template.")
    scope = scope_of(result)
    if scope is not None:
        names = ", ".join(sorted(scope))
        peers = sum(1 for s in result.subjects if not in_scope(result, s))
        lines.append(
            f"-n {names}: {names}'s subjects first, then {peers} peer{'s' if peers != 1 else ''} elsewhere "
            f"that exchange some flow with them; between two peers nothing is judged (blank)."
        )
    return lines
