"""What the CNI rules share: the profile in use, in words, and what it says about a feature."""

from __future__ import annotations

from podwall.cni import Choice, choose
from podwall.lint.context import Context


def choice_of(ctx: Context) -> Choice:
    """The CNI profile the run judges by (the runner sets it; a bare Context detects it)."""
    if ctx.cni is None:
        ctx.cni = choose(ctx.written)
    return ctx.cni


def plugin(choice: Choice) -> str:
    """``flannel (detected: DaemonSet kube-flannel/kube-flannel-ds, image ...)`` or ``cilium (--cni)``."""
    version = f" {choice.version}" if choice.version else ""
    return f"{choice.profile.name}{version} ({choice.reason})"


def supports(choice: Choice, topic: str) -> bool | None:
    """What the profile says about a feature at the detected version: True, False, or None when unknown."""
    detection = choice.detection
    value = choice.profile.statement(topic).value_at(detection.repository if choice.version else None, choice.version)
    return None if value == "unknown" else bool(value)
