"""The comparison the corpus README prescribes: records, not text.

Lines become (source, destination, connections) records; connection strings become
sets of port intervals per protocol; external ranges are merged into one interval
set per (workload, direction, connections), so two tools that cut the address
space differently still compare equal when they allow the same addresses.
Exposure outputs are split on their section headers first (connection list,
egress exposure, ingress exposure, unprotected workloads) and each section is
normalised on its own.
"""

from __future__ import annotations

import ipaddress
import json
import re

PROTOCOLS = ("SCTP", "TCP", "UDP")
ALL = frozenset((p, ((1, 65535),)) for p in PROTOCOLS)

Conn = frozenset[tuple[str, tuple[tuple[int, int], ...]]]


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


def parse_conn(text: str) -> Conn:
    """``All Connections`` / ``TCP 1-79,81-65535,UDP 53`` -> per-protocol interval sets."""
    text = text.strip()
    if text == "All Connections":
        return ALL
    if text in ("", "No Connections"):
        return frozenset()
    ports: dict[str, list[tuple[int, int]]] = {}
    current = None
    for item in text.split(","):
        item = item.strip()
        if " " in item:
            current, item = item.split(" ", 1)
        lo, _, hi = item.partition("-")
        ports.setdefault(current, []).append((int(lo), int(hi or lo)))  # type: ignore[arg-type]
    return frozenset((p, _merge(v)) for p, v in ports.items())


def _external(name: str) -> list[tuple[int, int]] | None:
    """``a-b[External]`` (or bare ``a-b``, or a comma-separated list) -> address intervals."""
    bare = name.removesuffix("[External]")
    if "/" in bare or bare.startswith("{"):
        return None
    found = []
    for part in bare.split(","):
        lo, sep, hi = part.partition("-")
        try:
            found.append((int(ipaddress.ip_address(lo)), int(ipaddress.ip_address(hi if sep else lo))))
        except ValueError:
            return None
    return found


def records(rows: list[tuple[str, str, str | None]]) -> frozenset:
    """Normalised records; external ranges merged per (workload, direction, connections)."""
    plain: set[tuple] = set()
    ranges: dict[tuple, list[tuple[int, int]]] = {}
    for src, dst, conn in rows:
        parsed = parse_conn(conn) if conn is not None else None
        src_ext, dst_ext = _external(src), _external(dst)
        if src_ext is not None:
            ranges.setdefault((dst, "in", parsed), []).extend(src_ext)
        elif dst_ext is not None:
            ranges.setdefault((src, "out", parsed), []).extend(dst_ext)
        else:
            plain.add((src, dst, parsed))
    merged = {(key, _merge(v)) for key, v in ranges.items()}
    return frozenset(plain) | frozenset(merged)


def from_text(text: str) -> list[tuple[str, str, str | None]]:
    """Rows of ``src => dst : conn`` (or ``src => dst`` under a focus-connection header)."""
    rows = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line or line.startswith("Permitted connections on"):
            continue
        src, _, rest = line.partition(" => ")
        if " : " in rest:
            dst, _, conn = rest.rpartition(" : ")
            rows.append((src.strip(), dst.strip(), conn))
        else:
            rows.append((src.strip(), rest.strip(), None))
    return rows


def from_json(text: str) -> list[tuple[str, str, str | None]]:
    """Rows of a JSON array of ``{"src", "dst"[, "conn"]}``."""
    return [(r["src"], r["dst"], r.get("conn")) for r in json.loads(text or "[]")]


# -- exposure outputs (``--exposure``): sections first, then the steps above inside each -----------

EXPOSURE_RESULT = "Exposure Analysis Result"
EXPOSURE_SECTIONS = {
    "Egress Exposure:": "egress",
    "Ingress Exposure:": "ingress",
    "Workloads not protected by network policies:": "unprotected",
}
_EXPOSURE_LINE = re.compile(r"^(?P<workload>\S+)\s+(?P<arrow>=>|<=)\s+(?P<rest>.+)$")
_UNPROTECTED = re.compile(r"^(?P<workload>\S+) is not protected on (?P<direction>Ingress|Egress)$")


def _exposure_row(line: str) -> tuple[str, str, str | None]:
    """``w \\t=> \\tpeer : conn`` -> (w, peer, conn); ``w \\t<= \\tpeer`` -> (peer, w, None): source first."""
    found = _EXPOSURE_LINE.match(line)
    if found is None:
        raise ValueError(f"not an exposure line: {line!r}")
    peer, sep, conn = found["rest"].rpartition(" : ")
    if not sep:  # a focus-connection line: no connection part
        peer, conn = found["rest"], None
    peer = peer.strip()
    if found["arrow"] == "=>":
        return found["workload"], peer, conn
    return peer, found["workload"], conn


def exposure_from_text(text: str) -> dict:
    """Sections of an exposure output: ``connlist`` rows, the ``result`` header line, ``egress`` and
    ``ingress`` rows (source first, like connlist rows) and ``unprotected`` (workload, direction) pairs."""
    before, sep, after = text.partition(EXPOSURE_RESULT)
    if not sep:
        raise ValueError("no 'Exposure Analysis Result' header")
    header, _, body = (EXPOSURE_RESULT + after).partition("\n")
    sections: dict = {"connlist": from_text(before), "result": header.strip(), "egress": [], "ingress": [],
                      "unprotected": []}
    current = None
    for line in body.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line in EXPOSURE_SECTIONS:
            current = EXPOSURE_SECTIONS[line]
        elif current == "unprotected":
            found = _UNPROTECTED.match(line)
            if found is None:
                raise ValueError(f"not an unprotected-workload line: {line!r}")
            sections["unprotected"].append((found["workload"], found["direction"]))
        elif current is not None:
            sections[current].append(_exposure_row(line))
        else:
            raise ValueError(f"exposure line before a section header: {line!r}")
    return sections


def exposure_from_json(text: str) -> dict:
    """The same sections from the JSON object (``null`` lists are empty; JSON has no unprotected list)."""
    document = json.loads(text)
    focused = "exposure_conn_focus_results" in document
    connections = document["connlist_conn_focus_results" if focused else "connlist_results"] or []
    exposure = document["exposure_conn_focus_results" if focused else "exposure_results"]
    rows = {direction: [(r["src"], r["dst"], r.get("conn")) for r in exposure[f"{direction}_exposure"] or []]
            for direction in ("egress", "ingress")}
    return {
        "connlist": [(r["src"], r["dst"], r.get("conn")) for r in connections],
        "result": "conn-focus" if focused else "all",
        **rows,
        "unprotected": None,
    }


def exposure_records(sections: dict) -> dict:
    """Each section normalised on its own: rows as records (external ranges merged), pairs as a set."""
    return {
        "connlist": records(sections["connlist"]),
        "result": sections["result"],
        "egress": records(sections["egress"]),
        "ingress": records(sections["ingress"]),
        "unprotected": None if sections["unprotected"] is None else frozenset(sections["unprotected"]),
    }
