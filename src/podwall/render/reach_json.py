"""The connectivity matrix as the JSON contract of DESIGN.md, streamable."""

from __future__ import annotations

import json
from collections.abc import Iterator

from podwall.engine import Reachability


def reach_json_chunks(result: Reachability) -> Iterator[str]:
    """``{"subjects", "probes", "allowed"}`` in pieces, one flow at a time (large pod-level output)."""
    subjects = json.dumps(list(result.subjects))
    probes = json.dumps([{"port": p.port, "protocol": p.protocol.value} for p in result.probes])
    yield f'{{"subjects": {subjects},\n "probes": {probes},\n "allowed": ['
    first = True
    for f in result.flows():
        flow = json.dumps(
            {"from": f.source, "to": f.destination, "port": f.probe.port, "protocol": f.probe.protocol.value}
        )
        yield ("\n  " if first else ",\n  ") + flow
        first = False
    yield "]}\n" if first else "\n ]}\n"


def reach_json(result: Reachability) -> str:
    """Only allowed tuples are listed, sorted by source, destination, probe."""
    return "".join(reach_json_chunks(result))
