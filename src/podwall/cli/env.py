"""The terminal the CLI talks to, injectable so tests drive the real ``main``."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from podwall.errors import cannot_write


@dataclass
class Environment:
    """Standard streams and whether stdout/stderr are terminals."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    kubectl_plugin: bool = False  # run as ``kubectl podwall``: no -f means the current context

    @property
    def stderr_isatty(self) -> bool:
        """Progress and colour go to stderr only when it is a terminal."""
        return bool(getattr(self.stderr, "isatty", lambda: False)())

    def out(self, text: str) -> None:
        """Write a result to stdout (a full disk or a closed descriptor is one line, exit 2)."""
        try:
            self.stdout.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write("standard output", error) from None

    def out_bytes(self, data: bytes) -> None:
        """Write binary output (a PNG) to stdout's buffer."""
        try:
            self.stdout.flush()
            self.stdout.buffer.write(data)  # type: ignore[attr-defined]
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write("standard output", error) from None

    def flush(self) -> None:
        """Flush stdout, so that a write error is reported before podwall exits."""
        try:
            self.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise cannot_write("standard output", error) from None

    def err(self, line: str) -> None:
        """Write one diagnostic line to stderr."""
        self.stderr.write(line.rstrip("\n") + "\n")
