"""Errors a user can cause, each able to say where in their input it happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: How messages name standard input (``-`` appears only in command lines podwall suggests).
STDIN_NAME = "<stdin>"


def input_name(path: str) -> str:
    """A path as messages name it: ``-`` is standard input."""
    return STDIN_NAME if path == "-" else path


@dataclass(frozen=True, slots=True, eq=False)
class Location:
    """A place in the user's input.

    ``line`` and ``column`` are 1-based, ``None`` when unknown; ``document`` is the
    0-based index of the YAML document in its file, ``None`` when unknown. A
    location made by ``deferred`` finds its line only when first asked for it;
    it is equal to (and hashes as) the plain location it then is.
    """

    path: str
    line: int | None = None
    column: int | None = None
    document: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def at(self, line: int | None) -> Location:
        """The same place at ``line`` (``dataclasses.replace`` is slower, and keeps a deferred location's class)."""
        return Location(self.path, line, self.column, self.document)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return (self.path, self.line, self.column, self.document) == (other.path, other.line, other.column, other.document)

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.column, self.document))


_LINE = Location.__dict__["line"]  # the slot under Location.line


class _Deferred(Location):
    """A Location whose ``line`` is found by ``find()`` on first use (see ``deferred``)."""

    __slots__ = ("_find",)

    def _get_line(self) -> int | None:
        try:
            return _LINE.__get__(self)  # type: ignore[no-any-return]
        except AttributeError:
            line = self._find()
            _LINE.__set__(self, line)
            object.__delattr__(self, "_find")  # what it held (a text) can go
            return line

    line = property(_get_line, _LINE.__set__)  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(Location(self.path, self.line, self.column, self.document))


_PATH, _COLUMN, _DOCUMENT = (Location.__dict__[name] for name in ("path", "column", "document"))
_FIND = _Deferred.__dict__["_find"]


def deferred(base: Location, find: Callable[[], int | None]) -> Location:
    """``base`` at the line ``find()`` gives, called only when (and the first time) the line is asked for.

    Why: a JSON input's lines are found by composing its text a second time
    (``loader.lazyjson``); a location that no message, finding or explanation
    shows should not cost that.
    """
    location: Any = object.__new__(_Deferred)
    _PATH.__set__(location, base.path)  # the slots themselves: a frozen Location refuses setattr
    _COLUMN.__set__(location, base.column)
    _DOCUMENT.__set__(location, base.document)
    _FIND.__set__(location, find)
    return location  # type: ignore[no-any-return]


class PodwallError(Exception):
    """Root of every error podwall reports to a user as one line (exit code 2)."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class UsageError(PodwallError):
    """The command line or a library argument is wrong."""


class InputError(PodwallError):
    """An input file cannot be read or parsed (I/O, malformed YAML or JSON)."""


class OutputError(PodwallError):
    """A destination podwall was told to write to cannot be written (a file, a directory, standard output)."""


def cannot_write(path: str, error: OSError) -> OutputError:
    """``cannot write PATH: permission denied``: one line naming what the user gave, with the system's reason."""
    reason = error.strerror or str(error)
    return OutputError(f"cannot write {path}: {reason[:1].lower() + reason[1:]}")


class ManifestError(PodwallError):
    """An object in the input is invalid: names the object and the field at fault."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        *,
        obj: str = "",
        field: str = "",
    ) -> None:
        super().__init__(message, location)
        self.obj = obj
        self.field = field

    def __str__(self) -> str:
        head = f"{self.location}: " if self.location else ""
        obj = f"{self.obj}: " if self.obj else ""
        field = f"{self.field}: " if self.field else ""
        return f"{head}{obj}{field}{self.message}"


class InputErrors(PodwallError):
    """Several input problems found in one load; each is reported on its own line."""

    def __init__(self, errors: list[PodwallError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
