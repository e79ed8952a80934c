"""podwall: generate, analyse, explain, lint and prove Kubernetes NetworkPolicies.

The stable library API; the CLI is a thin shell over these functions. The other
verbs live in their packages: ``podwall.generate``, ``podwall.lint.lint``,
``podwall.lab.run``; ``compare`` is ``podwall diff`` (package ``podwall.diff``).
"""

__version__ = "0.1.0"

from podwall.engine import (  # noqa: E402
    EngineOptions,
    Explanation,
    External,
    Probe,
    Reachability,
    Verdict,
    View,
    evaluate,
    explain,
    reach,
)
from podwall.engine.connlist import ConnLine, Focus, connlist  # noqa: E402
from podwall.engine.summary import Summary, summarize  # noqa: E402
from podwall.diff import DiffReport, PairDiff, compare  # noqa: E402
from podwall.errors import InputErrors, Location, ManifestError, PodwallError, UsageError  # noqa: E402
from podwall.loader import load, load_revision, load_text  # noqa: E402
from podwall.model import Cluster  # noqa: E402

__all__ = [
    "Cluster",
    "ConnLine",
    "DiffReport",
    "PairDiff",
    "compare",
    "Focus",
    "Summary",
    "connlist",
    "summarize",
    "EngineOptions",
    "Explanation",
    "External",
    "InputErrors",
    "Location",
    "ManifestError",
    "PodwallError",
    "Probe",
    "Reachability",
    "UsageError",
    "Verdict",
    "View",
    "__version__",
    "evaluate",
    "explain",
    "load",
    "load_revision",
    "load_text",
    "reach",
]
