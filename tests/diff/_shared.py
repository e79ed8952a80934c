"""Where the shared corpus is: ``../shared`` beside the repository (as in CI), or ``$PODWALL_SHARED``."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.harness import ROOT

SHARED = Path(os.environ.get("PODWALL_SHARED") or ROOT.parent / "shared")
CORPUS = SHARED / "corpus"
