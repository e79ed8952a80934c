"""The connectivity matrix as the JSON contract of DESIGN.md, streamable."""

from __future__ import annotations

import json
from collections.abc import Iterator

from podwall.engine import Reachability
from podwall.render.contract import document


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
    for f in result.flows():
        flow = json.dumps(
            {"from": f.source, "to": f.destination, "port": f.probe.port, "protocol": f.probe.protocol.value}
        )
        yield ("\n  " if first else ",\n  ") + flow
        first = False
    tail = "".join(f",\n {json.dumps(key)}: {json.dumps(value)}" for key, value in (extra or {}).items())
    yield ("]" if first else "\n ]") + tail + "}\n"


def reach_json(result: Reachability) -> str:
    """Only allowed tuples are listed, sorted by source, destination, probe."""
    return "".join(reach_json_chunks(result))
