"""The connectivity matrix as the JSON contract of DESIGN.md."""

from __future__ import annotations

import json

from podwall.engine import Reachability


def reach_json(result: Reachability) -> str:
    """``{"subjects", "probes", "allowed"}``; only allowed tuples, sorted."""
    document = {
        "subjects": list(result.subjects),
        "probes": [{"port": p.port, "protocol": p.protocol.value} for p in result.probes],
        "allowed": [
            {"from": f.source, "to": f.destination, "port": f.probe.port, "protocol": f.probe.protocol.value}
            for f in result.flows()
        ],
    }
    return json.dumps(document, indent=2) + "\n"
