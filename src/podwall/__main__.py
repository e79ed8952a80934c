"""``python -m podwall``."""

from podwall.cli.app import run

run()
