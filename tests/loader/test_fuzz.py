"""Whatever the bytes, the loader returns a Cluster or raises a PodwallError of one-line messages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwall.errors import InputErrors, PodwallError
from podwall.loader import load_text
from podwall.model import Cluster

VALID = (Path(__file__).parent / "data" / "fuzz-seed.yaml").read_text()
VALID_JSON = (Path(__file__).parent / "data" / "shop" / "policies.json").read_text()
YAML_NOISE = ":-[]{}#&*!|>'\"%@`,?= \n\t0aZ/.\\~\x00\x85\u2028\ufeff\udc80é"


def check(text: str, path: str = "fuzz.yaml") -> None:
    """The contract: a Cluster, or a PodwallError whose every line is one message."""
    for lenient in (False, True):
        try:
            cluster = load_text(text, path, lenient=lenient)
        except InputErrors as exc:
            assert exc.errors, "InputErrors without errors"
            for error in exc.errors:
                assert isinstance(error, PodwallError)
                assert "\n" not in str(error), repr(str(error))
        except PodwallError as exc:  # pragma: no cover - load_text raises only InputErrors for content
            assert "\n" not in str(exc)
        else:
            assert isinstance(cluster, Cluster)
            assert all("\n" not in w for w in cluster.warnings)


def test_seed_manifest_is_valid() -> None:
    cluster = load_text(VALID, "seed.yaml")
    assert cluster.policies and cluster.pods and cluster.services and cluster.workloads


@pytest.mark.parametrize("source", ["yaml", "json"])
def test_every_truncation(source: str) -> None:
    text, path = (VALID, "fuzz.yaml") if source == "yaml" else (VALID_JSON, "fuzz.json")
    for end in range(0, len(text), 7):
        check(text[:end], path)


def test_random_character_swaps() -> None:
    rng = random.Random(20240611)
    for _ in range(300):
        chars = list(VALID)
        for _ in range(rng.randint(1, 6)):
            chars[rng.randrange(len(chars))] = rng.choice(YAML_NOISE)
        check("".join(chars))


def test_random_line_edits() -> None:
    """Delete, duplicate, swap and re-indent lines: structure errors rather than syntax errors."""
    rng = random.Random(7)
    lines = VALID.splitlines(keepends=True)
    for _ in range(300):
        edited = list(lines)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(edited))
            operation = rng.randrange(5)
            if operation == 0:
                del edited[i]
            elif operation == 1:
                edited.insert(i, edited[i])
            elif operation == 2:
                j = rng.randrange(len(edited))
                edited[i], edited[j] = edited[j], edited[i]
            elif operation == 3:
                edited[i] = "  " + edited[i]
            else:
                edited[i] = edited[i].lstrip(" ")
        check("".join(edited))


def test_odd_values_in_every_position() -> None:
    """Replace each scalar value of the seed with values of the wrong type."""
    rng = random.Random(3)
    odd = ["~", "[]", "{}", "[1, [2]]", "{a: {b: c}}", "-1", "1e999", "true", "0x1F", "2024-01-01", "'='", "!!binary aGk="]
    lines = VALID.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if ": " in line and not line.rstrip().endswith(":"):
            key = line.split(": ", 1)[0]
            edited = list(lines)
            edited[i] = f"{key}: {rng.choice(odd)}\n"
            check("".join(edited))


def test_hostile_yaml_features() -> None:
    for text in [
        "a: &a [*a]\n",  # a list that contains itself
        "apiVersion: v1\nkind: List\nitems: &i\n- apiVersion: v1\n  kind: List\n  items: *i\n",  # recursive List
        "a: &x\n  b: *x\n",
        "[" * 5000 + "]" * 5000,  # deep nesting
        "apiVersion: v1\nkind: Pod\nmetadata: !!set {name: x}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: !!omap [{name: x}]\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {? [a] : b}\n",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {1: 2, true: null, 1.5: [], ~: x}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\\nb\", namespace: \"\\t\"}\n",
        "%YAML 1.1\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
        "%TAG ! tag:example.com,2000:\n---\n!foo {}\n",
        "\ufeffapiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{ports: [{containerPort: 99999999999999999999999}]}]}\n",
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "x": ' + "[" * 3000 + "]" * 3000 + "}",
    ]:
        check(text)
        check(text, "fuzz.json")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(VALID)), st.text(alphabet=YAML_NOISE, max_size=20))
def test_arbitrary_insertions(position: int, noise: str) -> None:
    check(VALID[:position] + noise + VALID[position:])
