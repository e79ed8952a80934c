"""podwall decodes YAML and JSON exactly as kubectl does: a differential test against the real decoder.

Thousands of generated scalars (plain, in flow lists, as keys, quoted, tagged)
and every manifest of the test suite, the examples and ../shared/corpus go
through ``decode`` and through ``kubectl label --local -o json`` (see
``kubectl.py`` for how few kubectl calls that takes); the values must be equal,
type for type (1, 1.0 and true are different), and where kubectl refuses a
document podwall must report an error too.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from podwall.errors import InputErrors
from podwall.loader import load_text
from podwall.loader.decode import decode
from tests.loader.kubectl import KUBECTL, as_kubectl_prints, decode_all, flatten, typed

pytestmark = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed (.ci/run installs Debian's kubernetes-client)"
)

ROOT = Path(__file__).resolve().parents[2]


def _shared() -> Path:
    """``../shared`` beside the repository (beside the main checkout when this is a git worktree)."""
    beside = ROOT.parent / "shared"
    if beside.is_dir():
        return beside
    common = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    return Path(common).parent.parent / "shared" if common else beside


CORPUS = _shared() / "corpus"

#: Scalars chosen for go-yaml v2's resolution rules (resolve.go) and YAML 1.1 lore.
FIXED = [
    *"y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF".split(),
    *"yEs tRUE oN OfF yes. nO ~ null Null NULL nULL NUll".split(),
    *".inf .Inf .INF +.inf -.inf .nan .NaN .NAN .iNF inf nan Infinity -Infinity NaN".split(),
    *"0 -0 +0 00 007 017 018 080 08 09 0o17 0O17 0o18 0x1F 0X1f 0x 0xg 0b101 0B101 0b102 0b 0b-101 -0b101 +0b1".split(),
    *"1_000 1__0 _1 1_ 0x_1F 0_9 1_0.5 .5_5 ._5 .5_ 1e1_0 +12 -12 +-1 --1 ++1".split(),
    *"1e3 1E3 1e+3 1e-3 1.5e3 .5 -.5 +.5 5. -5. 1. 1.0 12.0 -0.0 0.0 1e20 1e21 1e22 1e-7 1e-400 1e400 -1e400".split(),
    *"9223372036854775807 9223372036854775808 -9223372036854775808 -9223372036854775809".split(),
    *"18446744073709551615 18446744073709551616 0x7FFFFFFFFFFFFFFF 0x8000000000000000 0xFFFFFFFFFFFFFFFF".split(),
    *"0x10000000000000000 0o1777777777777777777777 01777777777777777777777 4611686018427387904 1e15 1e16 1e17".split(),
    *"1:20 1:20:30 -1:20 190:20:30 1:2 12:30:45.5 2001-12-14 2001-12-14t21:59:43.10-05:00 2001-1-2".split(),
    *"2001-12-14T21:59:43Z 2001-12-14 21:59:43.10 2001-02-30 20011-01-01 2001-12-14T21:59:43 1.2.3 v1 1.2e".split(),
    *"= == < << <<< ! !! & * % @ ` | > ? : - -- --- ... a:b a#b 0.5.5 1e 1e+ e3 .e3 . .. 0x1p3 1d 1f 1L".split(),
    "", "a b", "1 2", "'quoted'", "\"dq\"", "é", "yes please", "12 ", " 12", "0x1F # c", "-_", "+", "-", "+.", "-.",
]
TOKENS = [
    "0", "1", "7", "8", "9", "00", "12", "0x", "0o", "0b", "0X", "-", "+", ".", "_", "e", "E", "e-", "e+",
    ":", "inf", "nan", "Inf", "NaN", "x", "y", "n", "o", "f", "t", "yes", "no", "on", "off", "true", "false",
    "null", "~", "T", "Z", "2001", "-12-14", "1_000", "a", "F", "b", "9223372036854775808",
]
TAGS = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!", "!custom", "!!map", "!!merge"]
BINARY = ["aGk=", "aGk", "aGk=\n", "/w==", "7aCA", "4oI=", "", "a b", "YWJj\nZGVm"]

HEADER = "apiVersion: podwall.io/v1\nkind: Probe\nmetadata:\n  name: probe\n"


def generated(seed: int = 20240611, count: int = 1200) -> list[str]:
    """Random plain scalars built from number-ish, boolean-ish and date-ish tokens."""
    rng = random.Random(seed)
    values = set()
    while len(values) < count:
        value = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.3:
            value += str(rng.randint(0, 10**rng.randint(1, 25)))
        values.add(value)
    return sorted(values)


def cases() -> list[str]:
    """Bodies of ``data:`` mappings, each one case: a scalar in some position and form."""
    scalars = FIXED + generated()
    bodies = []
    for value in scalars:
        bodies.append(f"  v: {value}\n")
        bodies.append(f"  v: [{value}]\n")
        bodies.append(f"  {value}: k\n")
    rng = random.Random(7)
    for value in rng.sample(scalars, 200):
        bodies.append(f"  v: '{value}'\n")
        bodies.append(f'  v: "{value}"\n')
    for value in rng.sample(scalars, 400):
        bodies.append(f"  v: {rng.choice(TAGS)} {value}\n")
    for value in BINARY:
        bodies.append(f"  v: !!binary {value!r}\n".replace("'", '"'))
    return bodies


def _podwall(text: str, path: str = "t.yaml") -> tuple[list[Any], bool]:
    decoded = decode(text, path)
    objects = [obj for document in decoded.documents for obj in flatten(document.data)]
    return objects, bool(decoded.errors)


def test_scalars_decode_as_kubectl_does() -> None:
    bodies = cases()
    assert len(bodies) >= 3000
    # One file per body that podwall refuses (a refused document ends kubectl's reading of
    # its file); the accepted ones 50 to a file, each body in a document of its own.
    accepted, refused = [], []
    for body in bodies:
        (accepted if not _podwall(HEADER + "data:\n" + body)[1] else refused).append(body)
    texts = [HEADER + "data:\n" + body for body in refused]
    groups = [accepted[i : i + 50] for i in range(0, len(accepted), 50)]
    texts += ["---\n".join(HEADER + "data:\n" + body for body in group) for group in groups]
    results = decode_all(texts)
    mismatches = []
    for body, result in zip(refused, results):
        if result.error is None:
            mismatches.append(f"podwall refuses, kubectl accepts: {body.strip()!r} -> {result.objects}")
    for group, text, result in zip(groups, texts[len(refused) :], results[len(refused) :]):
        ours, _ = _podwall(text)
        theirs = result.objects
        if result.error is not None:
            mismatches.append(f"kubectl refuses a group podwall accepts: {result.error}")
        for body, mine, kube in zip(group, ours, theirs):
            if typed(mine.get("data")) != typed(kube.get("data")):
                mismatches.append(f"{body.strip()!r}: podwall {typed(mine.get('data'))} kubectl {typed(kube.get('data'))}")
    assert not mismatches, f"{len(mismatches)} of {len(bodies)} differ:\n" + "\n".join(mismatches[:40])


def _manifests(*tops: Path) -> list[Path]:
    return [
        path
        for top in tops
        for path in sorted(top.rglob("*"))
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file() and "golden" not in path.parts
    ]


def test_every_manifest_of_the_suite_decodes_as_kubectl_does() -> None:
    _compare(_manifests(ROOT / "tests", ROOT / "examples"), minimum=100)


@pytest.mark.corpus
def test_every_manifest_of_the_corpus_decodes_as_kubectl_does() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus not found at {CORPUS} (CI provides ../shared)")
    _compare(_manifests(CORPUS), minimum=500)


def _compare(paths: list[Path], minimum: int) -> None:
    """Objects equal where kubectl decodes; an error from podwall where kubectl refuses."""
    texts = [path.read_bytes().decode("utf-8-sig") for path in paths]  # keep CRLF: kubectl sees it
    results = decode_all(texts, [path.suffix for path in paths])
    mismatches = []
    compared = 0
    for path, text, result in zip(paths, texts, results):
        ours, refused = _podwall(text, str(path))
        if refused and result.error is None:
            mismatches.append(f"{path}: podwall refuses what kubectl decodes")
            continue
        if result.error is not None and not refused and not _load_refuses(text, str(path)):
            mismatches.append(f"{path}: kubectl refuses ({result.error}) but podwall loads it")
        mine = [typed(as_kubectl_prints(obj)) for obj in ours if isinstance(obj, dict)]
        theirs = [typed(obj) for obj in result.objects]
        # kubectl stops a file at a syntax error, and skips an object whose metadata it cannot
        # decode: what it printed must then be an ordered part of podwall's objects.
        if (theirs != mine) if result.error is None else not _in_order(theirs, mine):
            mismatches.append(f"{path}: objects differ")
        compared += len(theirs)
    assert compared >= minimum, f"only {compared} objects compared"
    assert not mismatches, "\n".join(mismatches[:40])


def _in_order(part: list[Any], whole: list[Any]) -> bool:
    items = iter(whole)
    return all(any(item == candidate for candidate in items) for item in part)


def _load_refuses(text: str, path: str) -> bool:
    try:
        load_text(text, path)
    except InputErrors:
        return True
    return False
