"""Every sample output in docs/flows.md is a golden of the tests, shown verbatim."""

from __future__ import annotations

import re

from tests.cli.harness import GOLDEN, ROOT

MARKER = re.compile(r"<!-- golden: (?P<name>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)```", re.S)


def test_samples_in_the_guide_are_the_goldens() -> None:
    text = (ROOT / "docs" / "flows.md").read_text()
    samples = list(MARKER.finditer(text))
    assert len(samples) == 3
    for sample in samples:
        body = sample["body"]
        if body.startswith("$ "):
            body = body.split("\n", 1)[1]  # the command line
        assert body == (GOLDEN / sample["name"]).read_text(), sample["name"]
