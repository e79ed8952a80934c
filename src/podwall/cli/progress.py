"""A progress bar on stderr for long work: only on a terminal, only after a second, erased at the end."""

from __future__ import annotations

import time
from types import TracebackType

from podwall.cli.env import Environment

DELAY = 1.0  # seconds of work before a bar is worth drawing
WIDTH = 30  # characters of the bar itself


class ProgressBar:
    """Callable ``(done, total)``; draws nothing unless stderr is a TTY and the work is slow."""

    def __init__(self, env: Environment, label: str) -> None:
        self._enabled = env.stderr_isatty
        self._env = env
        self._label = label
        self._start = time.monotonic()
        self._drawn = 0  # characters of the last line drawn, to erase it

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        elapsed = time.monotonic() - self._start
        if not self._drawn and (elapsed < DELAY or done >= total):
            return
        filled = WIDTH * done // max(total, 1)
        minutes, seconds = divmod(int(elapsed), 60)
        line = f"{self._label} [{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total} {minutes}:{seconds:02d}"
        self._env.stderr.write("\r" + line.ljust(self._drawn))
        self._env.stderr.flush()
        self._drawn = len(line)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._drawn:  # transient: leave the terminal as it was
            self._env.stderr.write("\r" + " " * self._drawn + "\r")
            self._env.stderr.flush()
