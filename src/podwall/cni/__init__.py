"""CNI profiles: what each network plugin does where the NetworkPolicy API leaves a choice, and which plugin runs.

Profiles are data shipped with the package (``profiles/*.toml``), each statement
with its source; the engine only ever sees the ``Conventions`` a profile
resolves to. ``choose`` picks the profile a verb judges by: ``--cni NAME``, else
the plugin recognised in the input (``detect``), else ``generic``.
"""

from podwall.cni.detect import Choice, Detection, Evidence, Recognisable, choose, detect, image_parts, recognisable
from podwall.cni.profile import (
    TOPICS,
    UNKNOWN,
    VERDICT_TOPICS,
    Profile,
    Statement,
    convention_sets,
    conventions_of,
    profile,
    profiles,
    topic_values,
)

__all__ = [
    "TOPICS",
    "UNKNOWN",
    "VERDICT_TOPICS",
    "Choice",
    "Detection",
    "Evidence",
    "Profile",
    "Recognisable",
    "Statement",
    "choose",
    "convention_sets",
    "conventions_of",
    "detect",
    "image_parts",
    "profile",
    "profiles",
    "recognisable",
    "topic_values",
]
