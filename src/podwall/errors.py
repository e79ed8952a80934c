"""Errors a user can cause, each able to say where in their input it happened."""

from __future__ import annotations

from dataclasses import dataclass

#: How messages name standard input (``-`` appears only in command lines podwall suggests).
STDIN_NAME = "<stdin>"


def input_name(path: str) -> str:
    """A path as messages name it: ``-`` is standard input."""
    return STDIN_NAME if path == "-" else path


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the user's input.

    ``line`` and ``column`` are 1-based, ``None`` when unknown; ``document`` is the
    0-based index of the YAML document in its file, ``None`` when unknown.
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
