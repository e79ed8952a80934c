"""Every sample output in docs/flows.md is a golden of the tests, shown verbatim."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli.harness import GOLDEN, ROOT, run
from tests.flows.conftest import HUBBLE, PODS, TUTORIAL

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


RECIPE = re.compile(r"<!-- recipe: run by tests/flows/test_docs.py -->\n```sh\n(?P<body>.*?)```", re.S)


def test_the_rollout_recipe_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guide's recipe, line by line, on the tutorial's manifests and three days of its traffic.

    Every step exits 0, no generated policy takes the name of one in ``manifests/`` (so the check
    reads both folders), and nothing observed would break.
    """
    (recipe,) = RECIPE.finditer((ROOT / "docs" / "flows.md").read_text())
    lines = recipe["body"].strip().splitlines()
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    for source in [*sorted((ROOT / TUTORIAL).glob("*.yaml")), ROOT / PODS / "pods.yaml"]:
        shutil.copy(source, manifests / source.name)
    hubble = (ROOT / HUBBLE).read_text()
    (tmp_path / "flows.jsonl").write_text("".join(hubble.replace("2024-05-06T", f"2024-05-0{day}T") for day in (6, 7, 8)))
    monkeypatch.chdir(tmp_path)
    results = []
    for line in lines:
        args = shlex.split(line)
        target = args[args.index(">") + 1] if ">" in args else None
        args = args[: args.index(">")] if target else args
        assert args[0] == "podwall", line
        result = run(*args[1:])
        assert result.exit_code == 0, f"{line}\n{result.stderr}"
        if target:
            (tmp_path / target).write_text(result.stdout)
        results.append(result)
    advised, generated, checked = results
    assert "replaces" not in advised.stderr + generated.stderr
    existing = {f"{d['metadata']['namespace']}/{d['metadata']['name']}" for path in manifests.iterdir()
                for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "NetworkPolicy"}
    written = sorted(path.name for path in (tmp_path / "policies").iterdir())
    assert written == [
        "monitoring.shop-allow-dns.yaml", "monitoring.shop-default-deny-all.yaml", "monitoring.shop-prometheus-egress.yaml",
        "production.shop-allow-dns.yaml", "production.shop-backend-egress.yaml", "production.shop-backend-ingress.yaml",
        "production.shop-database-ingress.yaml", "production.shop-default-deny-all.yaml",
        "production.shop-frontend-egress.yaml", "production.shop-frontend-ingress.yaml"]
    assert not {name.removesuffix(".yaml").replace(".", "/", 1) for name in written} & existing
    assert checked.stdout.startswith("## podwall flows check\n\nNothing observed would break (6 judged, all allowed).\n")
