"""Names podwall writes or reads: RFC 1123 checks (as the API server words them) and slugs.

``generate`` may not import the loader, so the few syntax rules it needs live here.
"""

from __future__ import annotations

import json
import re

from podwall.errors import UsageError
from podwall.model.names import dns_label_problem, dns_subdomain_problem

_NOT_NAME = re.compile(r"[^a-z0-9.-]+")

#: Longest slug podwall derives from a selector or a CIDR, so that derived names stay readable.
SLUG_MAX = 30


def check_namespace(text: str, what: str = "namespace") -> str:
    """``text`` if it is a valid namespace name, else UsageError."""
    problem = dns_label_problem(text)
    if problem is not None:
        raise UsageError(f"invalid {what} {quote(text)}: {problem}")
    return text


def check_policy_name(text: str, what: str = "--name") -> str:
    """``text`` if it is a valid NetworkPolicy name, else UsageError."""
    problem = dns_subdomain_problem(text)
    if problem is not None:
        raise UsageError(f"invalid {what} {quote(text)}: {problem}")
    return text


def slug(text: str, fallback: str = "pods") -> str:
    """A fragment of a policy name: lowercase, ``[a-z0-9.-]``, at most SLUG_MAX characters."""
    cleaned = _NOT_NAME.sub("-", text.lower())
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    cleaned = cleaned[:SLUG_MAX].strip("-.")
    return cleaned or fallback


def quote(value: object) -> str:
    """A user value inside a message: double-quoted like the loader's, so it stays on one line."""
    return json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)
