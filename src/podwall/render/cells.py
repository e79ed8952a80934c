"""The matrix layout shared by the table and markdown views."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from podwall.engine import Probe, Reachability
from podwall.model import Protocol

NOTHING = "·"
EVERYTHING = "all"
SELF = "="

_SUFFIX = {Protocol.TCP: "", Protocol.UDP: "u", Protocol.SCTP: "s"}


def probe_label(probe: Probe) -> str:
    """Short cell label: TCP ports bare, ``53u`` for UDP, ``9s`` for SCTP."""
    return f"{probe.port}{_SUFFIX[probe.protocol]}"


@dataclass(frozen=True, slots=True)
class Grid:
    """Subjects grouped by namespace, numbered, with one cell text per pair."""

    groups: tuple[tuple[str, tuple[tuple[int, str, str], ...]], ...]  # ns -> (number, subject, short name)
    cells: dict[tuple[str, str], str]


def namespace_of(subject: str) -> str:
    """The namespace part of a subject key."""
    return subject.split("/", 1)[0]


def short_name(subject: str) -> str:
    """The subject without its namespace."""
    return subject.split("/", 1)[1]


#: Appended to a cell whose verdict depends on the network plugin (``--across-cnis``).
DEPENDS = "*"


def grid(result: Reachability, marks: Collection[tuple[str, str]] = ()) -> Grid:
    """Lay the matrix out: numbering follows sorted subjects, grouped by namespace; ``marks`` get DEPENDS."""
    allowed: dict[tuple[str, str], list[Probe]] = {}
    for src, dst, probe in result.allowed:
        allowed.setdefault((src, dst), []).append(probe)
    cells: dict[tuple[str, str], str] = {}
    for src in result.subjects:
        for dst in result.subjects:
            if src == dst:
                cells[src, dst] = SELF
                continue
            probes = sorted(allowed.get((src, dst), ()))
            if not probes:
                cells[src, dst] = NOTHING
            elif len(probes) == len(result.probes):
                cells[src, dst] = EVERYTHING
            else:
                cells[src, dst] = ",".join(probe_label(p) for p in probes)
            if (src, dst) in marks:
                cells[src, dst] += DEPENDS
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for number, subject in enumerate(result.subjects, start=1):
        groups.setdefault(namespace_of(subject), []).append((number, subject, short_name(subject)))
    return Grid(tuple((ns, tuple(rows)) for ns, rows in groups.items()), cells)


def legend(result: Reachability) -> list[str]:
    """The lines that say how to read a cell."""
    probes = ", ".join(str(p) for p in result.probes) or "none"
    return [
        f"Probes: {probes}.",
        f"Cell: the probes the row may reach the column on (TCP ports bare, u = UDP, s = SCTP); "
        f"{EVERYTHING} = every probe, {NOTHING} = nothing, {SELF} = itself (always allowed).",
    ]
