"""Fuzzing every verb with mutated manifests (issue 10, "Done when").

Valid manifests are mutated, then run through reach, explain, lint, generate
(with -f) and lab rules, in process, as a user's shell would. Every run must
keep the contract: exit code 0, 1 or 2 (3, an internal error, never appears),
no traceback. And no verdict may change unless an error is reported:

- a *rewrite* (the same objects as JSON, flow style, shuffled keys, quoted
  strings, comments, CRLF, extra unrelated documents) must give no error and
  exactly the seed's verdicts;
- a *damaging* mutation (characters swapped, lines dropped, duplicated or
  re-indented, values replaced by odd ones) may be refused (exit 2); when podwall
  accepts it, its verdicts must equal those podwall gives on what the real
  kubectl decodes from the same text (one kubectl call for all of them): a
  manifest must never mean one thing to podwall and another to the cluster.

Seeded and bounded to well under a minute; ``PODWALL_FUZZ_SCALE=20`` runs
twenty times as many mutations, ``PODWALL_FUZZ_SEED`` changes the seed.
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from podwall.loader.decode import _resolve, decode
from tests.cli.harness import ROOT, Run, run
from tests.loader.kubectl import KUBECTL, decode_all, flatten

SCALE = float(os.environ.get("PODWALL_FUZZ_SCALE", "1"))
SEED = int(os.environ.get("PODWALL_FUZZ_SEED", "20250611"))
TUTORIAL = "".join(
    "---\n" + (ROOT / "examples" / "tutorial" / name).read_text() for name in ("namespaces.yaml", "workloads.yaml", "policies.yaml")
)
BROAD = (ROOT / "tests" / "loader" / "data" / "fuzz-seed.yaml").read_text()
#: Seeds, each with the (source, destination, port) triples explain judges on it.
SEEDS = {
    "tutorial": (TUTORIAL, [
        ("production/Deployment/frontend", "production/Deployment/backend", "8080/TCP"),
        ("production/Deployment/backend", "production/Deployment/database", "5432/TCP"),
        ("production/Deployment/frontend", "production/Deployment/database", "5432/TCP"),
    ]),
    "broad": (BROAD, [
        ("10.3.0.1", "prod/Deployment/web", "8080/TCP"),
        ("10.1.0.1", "prod/Deployment/web", "8080/TCP"),
        ("prod/Deployment/web", "2001:db8:2::1", "443/TCP"),
    ]),
}
Pairs = list[tuple[str, str, str]]
ODD = ["y", "n", "no", "on", "080", "0x1F", "1:20", "~", "", ".inf", ".nan", "1e3", "12.0", "2024-01-02", "1" * 5000,
       "!!binary aGk=", "!!int x", "[]", "{}", "&a x", "*a", "'quoted'", "-1", "65536", "true", "null", "<<"]
NOISE = ":-[]{}#&*!|>'\"%@`,?= \n\t0aZ/.\\~yn\x85\u2028é"


def argv_sets(path: str, pairs: Pairs) -> dict[str, list[str]]:
    """Every verb on one input file."""
    sets = {
        "reach": ["reach", "-f", path, "-o", "json"],
        "lint": ["lint", "-f", path, "-o", "json"],
        "generate": ["generate", "deny", "-n", "production", "-f", path],
        "lab rules": ["lab", "rules", "-f", path],
    }
    for source, destination, port in pairs:
        sets[f"explain {source} {destination}"] = ["explain", "-f", path, source, destination, port]
    return sets


_LOCATION = re.compile(r"\S+\.(?:yaml|json)(?::\d+)+")


def outcome(name: str, result: Run) -> Any:
    """What a verb decided, without file names and lines (which differ between a text and its re-encoding)."""
    if result.exit_code == 2:
        return "error"
    if name == "lint":
        findings = json.loads(result.stdout)["findings"]
        return sorted(json.dumps({k: _LOCATION.sub("<at>", v) if isinstance(v, str) else v
                                  for k, v in finding.items() if k not in ("file", "line")}, sort_keys=True)
                      for finding in findings)
    if name.startswith("explain"):
        return result.exit_code
    return (result.exit_code, _LOCATION.sub("<at>", result.stdout))


def judge(text: str, pairs: Pairs, suffix: str = ".yaml") -> tuple[dict[str, Any], bool]:
    """Every verb's outcome on ``text``, checking the contract; and whether any verb reported an error."""
    with tempfile.TemporaryDirectory(prefix="podwall-fuzz-") as directory:
        path = Path(directory) / f"manifests{suffix}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        outcomes: dict[str, Any] = {}
        for name, args in argv_sets(str(path), pairs).items():
            result = run(*args)
            assert result.exit_code in (0, 1, 2), f"{name}: exit {result.exit_code}: {result.stderr[-2000:]}\n--- input:\n{text[:3000]}"
            assert "Traceback" not in result.stderr, f"{name}: {result.stderr[-2000:]}"
            if result.exit_code == 2:
                assert result.stderr.strip(), f"{name}: exit 2 without a word"
            outcomes[name] = outcome(name, result)
    return outcomes, any(v == "error" for v in outcomes.values())


# -- rewrites: the same objects, written differently ---------------------------------------------------------


class _KubectlSafeDumper(yaml.SafeDumper):
    """Quotes every string go-yaml would not read back as that string (y, 080, 1:20 is fine...)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if _resolve(value) != value or not isinstance(_resolve(value), str) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_KubectlSafeDumper.add_representer(str, _represent_str)


def _objects(text: str) -> list[Any]:
    return [obj for document in decode(text, "seed.yaml").documents for obj in [document.data]]


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


REWRITES: dict[str, Callable[[str, random.Random], tuple[str, str]]] = {
    "json stream": lambda t, r: ("\n".join(json.dumps(_plain(o)) for o in _objects(t)), ".json"),
    "json list": lambda t, r: (json.dumps({"apiVersion": "v1", "kind": "List", "items": [_plain(o) for o in _objects(t)]}, indent=1), ".json"),
    # "---" on a line of its own: kubectl refuses "--- {...}", and text that starts with "{" is JSON for it
    "flow style": lambda t, r: ("".join("---\n" + yaml.dump(_plain(o), Dumper=_KubectlSafeDumper, default_flow_style=True, width=60)
                                        for o in _objects(t)), ".yaml"),
    "shuffled keys": lambda t, r: (yaml.dump_all([_shuffled(_plain(o), r) for o in _objects(t)], Dumper=_KubectlSafeDumper, sort_keys=False), ".yaml"),
    "quoted strings": lambda t, r: (yaml.dump_all([_plain(o) for o in _objects(t)], Dumper=_KubectlSafeDumper, default_style='"'), ".yaml"),
    "comments and blank lines": lambda t, r: ("".join(line + ("\n# noise: [x\n\n" if r.random() < 0.2 else "\n") for line in t.split("\n")), ".yaml"),
    "CRLF": lambda t, r: (t.replace("\n", "\r\n"), ".yaml"),
    "unrelated documents": lambda t, r: (
        "--- # a comment after the separator\n" + t
        + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd}\ndata: {a: 'y', b: '080', c: '" + "1" * 5000 + "'}\n"
        + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {n: y, m: [1:20, '.inf', 080]}\n...\n",
        ".yaml",
    ),
}


@pytest.mark.parametrize("seed_name", ["tutorial", "broad"])
@pytest.mark.parametrize("rewrite", list(REWRITES))
def test_a_rewrite_changes_nothing(seed_name: str, rewrite: str) -> None:
    seed, pairs = SEEDS[seed_name]
    expected, error = judge(seed, pairs)
    assert not error, f"the seed itself is invalid: {expected}"
    text, suffix = REWRITES[rewrite](seed, random.Random(SEED))
    got, error = judge(text, pairs, suffix)
    assert not error, f"{rewrite}: {got}"
    assert got == expected, rewrite


# -- damaging mutations: an error, or the meaning kubectl gives the text ------------------------------------------


def _damage(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        operation = rng.randrange(7)
        if operation == 0:
            del lines[i]
        elif operation == 1:
            lines.insert(i, lines[i])
        elif operation == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif operation == 3:
            lines[i] = rng.choice(["  ", "    ", "\t"]) + lines[i] if rng.random() < 0.5 else lines[i].lstrip(" ")
        elif operation == 4 and ": " in lines[i]:
            key = lines[i].split(": ", 1)[0]
            lines[i] = f"{key}: {rng.choice(ODD)}"
        elif operation == 5 and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + rng.choice(NOISE) + lines[i][k + 1 :]
        else:
            lines = lines[: rng.randrange(1, len(lines) + 1)]
            break
        if not lines:
            lines = [""]
    return "\n".join(lines)


def _mutants(count: int) -> list[tuple[str, Pairs]]:
    rng = random.Random(SEED)
    seeds = [SEEDS["tutorial"], SEEDS["tutorial"], SEEDS["broad"]]
    return [(_damage(seeds[i % 3][0], rng), seeds[i % 3][1]) for i in range(count)]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed (.ci/run installs Debian's kubernetes-client)")
def test_damaged_manifests_keep_the_contract_and_kubectls_meaning() -> None:
    mutants = _mutants(max(1, int(60 * SCALE)))
    accepted = []
    for text, pairs in mutants:
        outcomes, error = judge(text, pairs)
        if not error:
            accepted.append((text, pairs, outcomes))
    assert len(accepted) >= len(mutants) // 10, "the mutations should leave some manifests valid"
    decoded = decode_all([text for text, _, _ in accepted])
    differences = []
    for (text, pairs, outcomes), truth in zip(accepted, decoded):
        if truth.error is not None:
            differences.append(f"kubectl refuses ({truth.error}) what podwall accepted:\n{text}")
            continue
        objects = [obj for item in truth.objects for obj in flatten(item)]
        theirs, error = judge("\n".join(json.dumps(obj) for obj in objects) or "{}", pairs, ".json")
        if error or theirs != outcomes:
            changed = sorted(k for k in outcomes if theirs.get(k) != outcomes[k])
            differences.append(f"verdicts differ from kubectl's reading ({', '.join(changed)}):\n{text}")
    assert not differences, f"{len(differences)} of {len(accepted)} accepted mutants:\n\n" + "\n\n".join(differences[:3])
