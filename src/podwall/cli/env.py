"""The terminal the CLI talks to, injectable so tests drive the real ``main``."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from podwall.errors import cannot_write

if TYPE_CHECKING:  # the renderers are imported when something is rendered, not for --help
    from podwall.render.style import Style

#: How each role of podwall.render.style looks on a terminal (click.style keywords).
LOOKS: dict[str, dict[str, object]] = {
    "allowed": {"fg": "green"},
    "denied": {"fg": "red", "bold": True},
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow"},
    "info": {"fg": "cyan"},
    "heading": {"bold": True},
    "dim": {"dim": True},
    "code": {"bold": True},
}

#: Non-ASCII characters podwall itself prints, and what an ASCII-only stream gets instead.
ASCII = {"·": ".", "→": "->", "…": "...", "×": "x", "—": "-", "–": "-"}


def coloured(text: str, role: str) -> str:
    """The terminal style: each role's look from :data:`LOOKS`."""
    look = LOOKS.get(role)
    return click.style(text, **look) if look else text  # type: ignore[arg-type]


def _isatty(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def wants_color(choice: str, stream: object, environ: Mapping[str, str] | None = None) -> bool:
    """``--color``: ``always``/``never`` win; ``auto`` follows NO_COLOR, then FORCE_COLOR, then the terminal.

    NO_COLOR (https://no-color.org) and FORCE_COLOR (https://force-color.org) count
    when set to a non-empty value; when both are, NO_COLOR wins, as in rich and most
    tools: it is the user's standing preference, FORCE_COLOR usually a CI default.
    """
    if choice != "auto":
        return choice == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return env.get("TERM") != "dumb" and _isatty(stream)


def safe_text(text: str, encoding: str) -> str:
    """``text`` as ``encoding`` can carry it: podwall's own glyphs spelled in ASCII, anything else ``?``."""
    for glyph, spelled in ASCII.items():
        text = text.replace(glyph, spelled)
    return text.encode(encoding, errors="replace").decode(encoding)


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
    except UnicodeEncodeError:  # PYTHONIOENCODING=ascii, LANG=C on old systems, a cp1252 console
        stream.write(safe_text(text, getattr(stream, "encoding", None) or "ascii"))


def _open(stream: TextIO | None) -> TextIO:
    """The stream, or EBADF when the shell closed it (``>&-``: Python's sys.stdout is then None)."""
    if stream is None:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))
    return stream


def _to_devnull(stream: TextIO | None) -> None:
    """Point a broken stream's descriptor at /dev/null, so that what it still buffers is flushed there at exit."""
    try:
        fd = stream.fileno()  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):  # None, not a file (tests), or closed
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


@dataclass
class Environment:
    """Standard streams, whether they are terminals, and whether stdout is coloured.

    ``color`` None means not decided yet: the ``--color`` option of the command
    group decides it (auto: a terminal, honouring NO_COLOR and FORCE_COLOR).
    """

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    kubectl_plugin: bool = False  # run as ``kubectl podwall``: no -f means the current context
    color: bool | None = None
    reader_left: bool = False  # stdout's reader left (EPIPE): results are dropped, the exit status is kept
    quick_exit: bool = False  # the verb holds no resource that needs Python's teardown (see cli.app.run)
    process_ends: bool = False  # set by cli.app.run: the process ends with the verb (nothing to restore after it)

    @property
    def stdout_isatty(self) -> bool:
        """Whether results go to a terminal (colour, the terminal's width)."""
        return _isatty(self.stdout)

    @property
    def stderr_isatty(self) -> bool:
        """Progress goes to stderr only when it is a terminal."""
        return _isatty(self.stderr)

    @property
    def style(self) -> Style:
        """How renderers colour what goes to stdout."""
        from podwall.render.style import plain

        color = self.color if self.color is not None else wants_color("auto", self.stdout)
        return coloured if color else plain

    @property
    def err_style(self) -> Style:
        """How diagnostics on stderr are coloured: as stdout when forced, else when stderr is a terminal."""
        from podwall.render.style import plain

        if self.color is not None and not self.color:
            return plain
        if self.color or wants_color("auto", self.stderr):
            return coloured
        return plain

    @property
    def width(self) -> int | None:
        """The terminal's columns when stdout is a terminal, else None (no limit: a file or a pipe)."""
        if not self.stdout_isatty:
            return None
        import shutil  # not for --help: it imports the compression modules

        return shutil.get_terminal_size((100, 24)).columns

    def out(self, text: str) -> None:
        """Write a result to stdout: spelled in ASCII where stdout cannot carry a glyph; a full disk or a closed
        descriptor is one line, exit 2; a reader that left (``| head``) gets nothing more, quietly."""
        if self.reader_left:
            return
        try:
            _write(_open(self.stdout), text)
        except BrokenPipeError:
            self._reader_left()
        except OSError as error:
            raise cannot_write("standard output", error) from None

    def out_bytes(self, data: bytes) -> None:
        """Write binary output (a PNG) to stdout's buffer."""
        if self.reader_left:
            return
        try:
            _open(self.stdout).flush()
            self.stdout.buffer.write(data)  # type: ignore[attr-defined]
        except BrokenPipeError:
            self._reader_left()
        except OSError as error:
            raise cannot_write("standard output", error) from None

    def flush(self) -> None:
        """Flush stdout, so that a write error is reported before podwall exits."""
        if self.reader_left:
            return
        try:
            _open(self.stdout).flush()
        except BrokenPipeError:
            self._reader_left()
        except OSError as error:
            raise cannot_write("standard output", error) from None

    def _reader_left(self) -> None:
        """stdout's reader is gone (EPIPE): the run goes on to earn its exit status, writing nothing more.

        What stdout still buffers goes to /dev/null, so that Python's flush at exit
        does not fail (it would print a warning and exit 120).
        """
        self.reader_left = True
        _to_devnull(self.stdout)

    def err(self, line: str) -> None:
        """Write one diagnostic line to stderr; a closed stderr (``2>&-``) or one whose reader left loses the line,
        never the exit status."""
        try:
            _write(_open(self.stderr), line.rstrip("\n") + "\n")
        except OSError:
            _to_devnull(self.stderr)
