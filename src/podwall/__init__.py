"""podwall: generate, analyse, explain, lint and prove Kubernetes NetworkPolicies.

The stable library API; the CLI is a thin shell over these functions. The other
verbs live in their packages: ``podwall.generate``, ``podwall.lint.lint``,
``podwall.lab.run``; ``compare`` is ``podwall diff`` (package ``podwall.diff``).
"""

__version__ = "0.1.0"  # the one version source (pyproject.toml reads it)

import importlib
from typing import TYPE_CHECKING, Any

#: name -> module: the facade is filled on first use, so ``podwall --help`` and shell
#: completion do not import the engine and the loader.
_EXPORTS = {
    "EngineOptions": "podwall.engine", "Explanation": "podwall.engine", "External": "podwall.engine",
    "Probe": "podwall.engine", "Reachability": "podwall.engine", "Verdict": "podwall.engine",
    "View": "podwall.engine", "evaluate": "podwall.engine", "explain": "podwall.engine", "reach": "podwall.engine",
    "ConnLine": "podwall.engine.connlist", "Focus": "podwall.engine.connlist", "connlist": "podwall.engine.connlist",
    "Summary": "podwall.engine.summary", "summarize": "podwall.engine.summary",
    "InputErrors": "podwall.errors", "Location": "podwall.errors", "ManifestError": "podwall.errors",
    "PodwallError": "podwall.errors", "UsageError": "podwall.errors",
    "load": "podwall.loader", "load_text": "podwall.loader", "load_revision": "podwall.loader",
    "DiffReport": "podwall.diff", "PairDiff": "podwall.diff", "compare": "podwall.diff",
    "Cluster": "podwall.model",
}  # fmt: skip

if TYPE_CHECKING:
    from podwall.engine import EngineOptions, Explanation, External, Probe, Reachability, Verdict, View, evaluate, explain, reach
    from podwall.engine.connlist import ConnLine, Focus, connlist
    from podwall.engine.summary import Summary, summarize
    from podwall.errors import InputErrors, Location, ManifestError, PodwallError, UsageError
    from podwall.diff import DiffReport, PairDiff, compare
    from podwall.loader import load, load_revision, load_text
    from podwall.model import Cluster


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'podwall' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


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
