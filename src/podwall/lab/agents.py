"""The lab's side of the agents: start one per namespace, talk JSON lines, stop them."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from podwall.lab.errors import LabError
from podwall.lab.netns import checked_namespace, ip_command

AGENT = Path(__file__).with_name("agent.py")

#: The data segment an agent may use (``RLIMIT_DATA``, also its ``nft``'s): 256 MiB. An agent
#: of a 100-subject lab probing 4 ports uses 22 to 24 MiB (VmData; 13 MiB proportional set
#: size); the rest is room for large policy sets, never for a manifest to grow without bound.
MEMORY = 256 << 20


class Agent:
    """One ``agent.py`` process inside a network namespace, its data segment capped at ``memory`` bytes."""

    def __init__(self, name: str, netns: str, config: dict, *, python: str | None = None, memory: int = MEMORY) -> None:
        self.name = name
        self.netns = checked_namespace(netns)
        self._stderr = tempfile.TemporaryFile()
        self._buffer = b""
        command = [ip_command(), "netns", "exec", self.netns, python or sys.executable, "-I", "-S", str(AGENT),
                   str(int(memory))]
        try:
            # Own session: a Ctrl-C in the terminal reaches podwall, which tears the lab down.
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                start_new_session=True, bufsize=0,
            )
        except OSError as exc:
            self._stderr.close()
            raise LabError(f"cannot start the lab agent in {netns}: {exc}") from None
        self.send(config)

    @property
    def pid(self) -> int:
        """The agent's process id."""
        return self.process.pid

    def send(self, message: dict) -> None:
        """Write one command."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise LabError(f"the lab agent of {self.name} stopped{self._tail()}") from None

    def receive(self, deadline: float) -> dict:
        """Read one answer; ``LabError`` if the agent dies or ``deadline`` (monotonic) passes."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LabError(f"the lab agent of {self.name} did not answer in time")
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise LabError(f"the lab agent of {self.name} stopped{self._tail()}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer = json.loads(line)
        if "error" in answer:
            raise LabError(f"{self.name}: {answer['error']}")
        return answer

    def _tail(self) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return f": {text[-1]}" if text else ""

    def close(self) -> None:
        """Close its stdin: the agent exits as soon as it reads the end."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass

    def stop(self, deadline: float | None = None) -> None:
        """Close its stdin, wait for it until ``deadline`` (monotonic), then kill it."""
        self.close()
        remaining = 2.0 if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            self.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self.process.kill()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()


def stop_all(agents: Sequence[Agent], grace: float = 2.0) -> None:
    """Stop agents together: every stdin closed first, then one shared grace period."""
    for agent in agents:
        agent.close()
    deadline = time.monotonic() + grace
    for agent in agents:
        agent.stop(deadline)


def exchange(agents: Sequence[Agent], messages: Sequence[dict], timeout: float) -> list[dict]:
    """Send each agent its message, then collect every answer (they work concurrently)."""
    for agent, message in zip(agents, messages):
        agent.send(message)
    deadline = time.monotonic() + timeout
    return [agent.receive(deadline) for agent in agents]
