"""The API server's syntax rules for names, label keys and values, and port names.

Each check returns ``None`` when the text is valid, else the reason (without the
offending text, which the caller quotes). The wording follows
k8s.io/apimachinery/pkg/util/validation so users recognise it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_IANA_SVC_NAME = re.compile(r"[-a-z0-9]+")
_HAS_LETTER = re.compile(r"[a-z]")

_REMEMBERED = 4096


def _remembering(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """``check``, remembering the texts it found valid (exact ``str`` only, at most 4,096): thousands of
    objects share a few port names, and workloads and policies their names across namespaces."""
    valid: set[str] = set()

    @functools.wraps(check)
    def remembering(text: str) -> str | None:
        if text in valid and text.__class__ is str:
            return None
        problem = check(text)
        if problem is None and text.__class__ is str:
            if len(valid) >= _REMEMBERED:
                valid.clear()
            valid.add(text)
        return problem

    return remembering


_NAME_CHARS = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"


@_remembering
def dns_label_problem(text: str) -> str | None:
    """RFC 1123 label (namespace names): at most 63 of ``a-z0-9-``, alphanumeric at both ends."""
    if len(text) > 63:
        return "must be no more than 63 characters"
    if not _DNS_LABEL.fullmatch(text):
        return (
            "must be a lowercase RFC 1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return None


def dns1035_label_problem(text: str) -> str | None:
    """RFC 1035 label (Service names): at most 63 of ``a-z0-9-``, starting with a letter."""
    if len(text) > 63:
        return "must be no more than 63 characters"
    if not _DNS1035_LABEL.fullmatch(text):
        return (
            "must be a lowercase RFC 1035 label: lowercase letters, digits and '-', "
            "starting with a letter and ending with a letter or digit"
        )
    return None


@_remembering
def dns_subdomain_problem(text: str) -> str | None:
    """RFC 1123 subdomain (most object names): dot-separated labels, at most 253 characters."""
    if len(text) > 253:
        return "must be no more than 253 characters"
    if not _DNS_SUBDOMAIN.fullmatch(text):
        return (
            "must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit"
        )
    return None


def label_key_problem(key: str) -> str | None:
    """A qualified name: optional DNS-subdomain prefix and ``/``, then a name of at most 63."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "prefix part must be non-empty"
        if "/" in prefix:
            return "must be a name with an optional DNS subdomain prefix and '/'"
        problem = dns_subdomain_problem(prefix)
        if problem is not None:
            return f"prefix part {problem}"
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED_NAME.fullmatch(name):
        return f"name part {_NAME_CHARS}"
    return None


def label_value_problem(value: str) -> str | None:
    """A label value: empty, or at most 63 of alphanumerics ``-_.``, alphanumeric at both ends."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _LABEL_VALUE.fullmatch(value):
        return f"must be empty or {_NAME_CHARS[5:]}"
    return None


@_remembering
def port_name_problem(name: str) -> str | None:
    """IANA_SVC_NAME: at most 15 of ``a-z0-9-``, a letter somewhere, no edge or double ``-``."""
    if not name:
        return "must not be empty"
    if len(name) > 15:
        return "must be no more than 15 characters"
    if not _IANA_SVC_NAME.fullmatch(name):
        return "must contain only lowercase letters, digits and '-'"
    if not _HAS_LETTER.search(name):
        return "must contain at least one letter"
    if name.startswith("-") or name.endswith("-"):
        return "must not begin or end with '-'"
    if "--" in name:
        return "must not contain '--'"
    return None
