"""Policy objects of other APIs that podwall reads but does not evaluate (Calico, Cilium, Antrea...)."""

from __future__ import annotations

from dataclasses import field

from podwall.errors import Location
from podwall.model.quick import frozen


@frozen
class UnevaluatedPolicy:
    """A policy podwall does not evaluate yet; ``namespace`` is ``""`` when cluster-scoped.

    Kept so that verbs can say so (lint's PW104) instead of ignoring it silently.
    """

    kind: str
    api_version: str
    namespace: str
    name: str
    location: Location | None = None
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
