"""Colour as roles: renderers mark what a piece of text is, the CLI decides how (or whether) it looks.

A renderer never writes terminal codes itself: it calls ``style(text, role)``
with one of the roles below, and the CLI passes a style that colours (on a
terminal, or with ``--color always``) or the plain one. Padding is always
computed on the plain text, so colour never moves a column.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``style(text, role) -> text``: how a renderer asks for emphasis.
Style = Callable[[str, str], str]

ALLOWED = "allowed"  # a verdict that lets traffic through
DENIED = "denied"  # a verdict that blocks it
ERROR = "error"  # lint severities, disagreements, failed checks
WARNING = "warning"
INFO = "info"
HEADING = "heading"  # titles, table headers, group headings
DIM = "dim"  # what matters less: "·", "=", locations
CODE = "code"  # rule codes, commands to type

ROLES = (ALLOWED, DENIED, ERROR, WARNING, INFO, HEADING, DIM, CODE)


def plain(text: str, role: str) -> str:
    """The style of pipes and files: text unchanged."""
    return text


def verdict_role(allowed: bool) -> str:
    """``ALLOWED`` or ``DENIED`` as a role."""
    return ALLOWED if allowed else DENIED
