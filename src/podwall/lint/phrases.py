"""How findings name fields and list things, so every rule words them alike."""

from __future__ import annotations

from collections.abc import Sequence

from podwall.model import Direction, Rule


def rule_field(rule: Rule) -> str:
    """``spec.ingress[0]``."""
    return f"spec.{rule.direction.value.lower()}[{rule.index}]"


def peers_key(direction: Direction) -> str:
    """``from`` for ingress, ``to`` for egress."""
    return "from" if direction is Direction.INGRESS else "to"


def peer_field(rule: Rule, position: int) -> str:
    """``spec.ingress[0].from[1]``."""
    return f"{rule_field(rule)}.{peers_key(rule.direction)}[{position}]"


def port_field(rule: Rule, position: int) -> str:
    """``spec.ingress[0].ports[1]``."""
    return f"{rule_field(rule)}.ports[{position}]"


def listing(items: Sequence[str], limit: int = 3) -> str:
    """``a, b and c``; past ``limit`` items, ``a, b, c and 4 more``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) <= limit:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 pod``, ``2 pods``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
