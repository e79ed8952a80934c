"""The one error the lab adds: the machine cannot build or run a lab."""

from __future__ import annotations

from podwall.errors import PodwallError


class LabError(PodwallError):
    """The lab cannot run here (not root, ``ip``/``nft`` missing) or the kernel refused a step.

    An environment failure, not a mistake in the user's manifests; the CLI prints
    it in one line and exits 2, like every ``PodwallError``.
    """
