"""The connectivity matrix as the JSON contract of DESIGN.md, streamable."""

from __future__ import annotations

import json
from collections.abc import Iterator

from podwall.engine import Reachability
from podwall.render.contract import document

#: Flows per chunk written: few writes, and a bounded string however large the output.
BATCH = 2000


#: ``json.dumps`` of a string (what it applies to a str, with ensure_ascii).
quoted = json.encoder.encode_basestring_ascii


def reach_json_chunks(result: Reachability, extra: dict[str, object] | None = None) -> Iterator[str]:
    """``{"apiVersion", "kind": "Reachability", "view", "namespaces", "subjects", "probes", "allowed"}`` in pieces.

    Flows are written one at a time (large pod-level output). ``namespaces`` is the
    ``-n`` scope (null without): then only flows with at least one end in it are
    listed, and ``subjects`` holds its subjects and their peers. ``extra`` keys
    (``intents``) follow ``allowed``.
    """
    head = document("Reachability", {"view": result.view.value,
                                     "namespaces": sorted(result.scope) if result.scope is not None else None})
    subjects = json.dumps(list(result.subjects))
    probes = json.dumps([{"port": p.port, "protocol": p.protocol.value} for p in result.probes])
    opening = json.dumps(head)[:-1]
    yield f'{opening},\n "subjects": {subjects},\n "probes": {probes},\n "allowed": ['
    first = True
    # Each flow is ``json.dumps({"from", "to", "port", "protocol"})``, spelled here from pieces encoded
    # once (a probe's tail, a source's head), and written in batches rather than one string per flow.
    tails = {p: f', "port": {p.port}, "protocol": {quoted(p.protocol.value)}}}' for p in result.probes}
    batch: list[str] = []
    for src in result.subjects:
        head = f'{{"from": {quoted(src)}, "to": '
        for dst, probes in result.destinations(src):
            to = head + quoted(dst)
            batch += [to + tails[p] for p in probes]
            if len(batch) >= BATCH:
                yield ("\n  " if first else ",\n  ") + ",\n  ".join(batch)
                first = False
                batch = []
    if batch:
        yield ("\n  " if first else ",\n  ") + ",\n  ".join(batch)
        first = False
    tail = "".join(f",\n {json.dumps(key)}: {json.dumps(value)}" for key, value in (extra or {}).items())
    yield ("]" if first else "\n ]") + tail + "}\n"


def reach_json(result: Reachability) -> str:
    """Only allowed tuples are listed, sorted by source, destination, probe."""
    return "".join(reach_json_chunks(result))
