"""Help that reads whole: command lists with whole first sentences, and Examples sections.

Only click here: ``podwall --help`` and shell completion import this, not the verbs.
"""

from __future__ import annotations

import click


class HelpGroup(click.Group):
    """A group whose command list shows each command's first sentence whole, wrapped, never cut with "..."."""

    def command_summary(self, ctx: click.Context, name: str) -> str:
        """A command's first sentence, whole."""
        command = self.get_command(ctx, name)
        return command.get_short_help_str(limit=10_000) if command is not None and not command.hidden else ""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.command_summary(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, text) for name, text in rows if text]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def examples(*lines: str) -> str:
    """An ``Examples:`` section for a command's help (click keeps ``\b`` blocks as written)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" if line else "\b" for line in lines)
