"""Every YAML podwall writes means to kubectl what podwall meant: a round trip through the real decoder.

The strings are the loader's differential scalars (``test_decode_kubectl``: YAML 1.1
booleans, octals, sexagesimals, ``1_000``, ``.inf``, dates...) and a few syntax
traps (newlines, ``---``, ``#``, quotes, indicators). Each writer puts them in
label keys and values, names, port names and annotations; ``kubectl label
--local -o json`` must read back exactly the object that was written.
"""

from __future__ import annotations

from typing import Any

import pytest

from podwall.flows.advise import _Named, intents_text
from podwall.flows.resolve import Party
from podwall.generate.emit import manifest, to_yaml
from podwall.generate.policies import Generated
from podwall.generate.scaffold import SYSTEM_NAMESPACES, scaffold_intents
from podwall.lint import fixes
from podwall.loader.yaml_writer import reads_back, scalar
from podwall.model import (
    Cluster,
    Direction,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Rule,
)
from tests.loader.kubectl import KUBECTL, decode_all, typed
from tests.loader.test_decode_kubectl import FIXED, generated

pytestmark = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed (.ci/run installs Debian's kubernetes-client)"
)

TRAPS = [
    "a\nb", "a\n---\nb", "--- x", "...", "a #b", "#a", " lead", "trail ", "\ttab", "'", '"', "\\", "{a}", "[a]",
    "&a", "*a", "!a", "%a", "@a", "`a", "|", ">", "? a", "- a", ": a", "a: b", "a:", "é", "line\u2028break",
    "nel\x85x", "x" * 300, "two  spaces", "a,b", "k=v,k2 in (a, b)", "0o12",
]
NASTY = sorted(set(FIXED + generated() + TRAPS))
CHUNK = 60


def chunks() -> list[list[str]]:
    return [NASTY[i : i + CHUNK] for i in range(0, len(NASTY), CHUNK)]


def kubectl_objects(texts: list[str]) -> list[list[Any]]:
    """kubectl's objects of each text; it must accept every one."""
    results = decode_all(texts)
    for text, result in zip(texts, results):
        assert result.error is None, f"kubectl refuses: {result.error}\n{text[:2000]}"
    return [result.objects for result in results]


def test_there_are_thousands_of_nasty_strings() -> None:
    assert len(NASTY) > 1000
    assert {"y", "n", "Y", "N", "080", "0o12", "1_000", "+12", ".inf", "1:20", "2001-12-14"} <= set(NASTY)


def test_reads_back_asks_kubectls_decoder() -> None:
    assert [s for s in ("y", "n", "on", "080", "0o12", "1_000", "+12", ".inf", "null", "~", "") if reads_back(s)] == []
    assert all(reads_back(s) for s in ("web", "1:20", "2001-12-14", "app.kubernetes.io/name", "v1"))


def test_scalar_is_plain_only_where_it_reads_back() -> None:
    assert [scalar(s) for s in ("web", "y", "080", "app in (a, b)", "", "a\nb")] == [
        "web", '"y"', '"080"', '"app in (a, b)"', '""', '"a\\nb"']


def _nonempty(strings: list[str], i: int) -> str:
    """The i-th string, or a later one: kubectl omits an empty name or namespace (``omitempty``)."""
    return next(s for s in strings[i % len(strings):] + strings if s)


def _policy(i: int, strings: list[str]) -> Generated:
    selector = LabelSelector(tuple((s, s) for s in strings))
    rule = Rule(Direction.INGRESS, 0, (PodPeer("default", selector),), tuple(PortSpec(port=s) for s in strings))
    policy = NetworkPolicy(_nonempty(strings, i), _nonempty(strings, i + 1), selector,
                           frozenset({Direction.INGRESS}), ingress=(rule,),
                           annotations=tuple((s, s) for s in strings))
    return Generated(policy, " ".join(strings), labels=tuple((s, s) for s in strings))


def test_generated_policies_round_trip_through_kubectl() -> None:
    policies = [[_policy(i, chunk)] for i, chunk in enumerate(chunks())]
    texts = [to_yaml(group) for group in policies]
    for group, objects in zip(policies, kubectl_objects(texts)):
        assert [typed(o) for o in objects] == [typed(manifest(g)) for g in group]


def test_lint_fix_snippets_round_trip_through_kubectl() -> None:
    wanted, texts = [], []
    for i, chunk in enumerate(chunks()):
        selector = LabelSelector(tuple((s, s) for s in chunk))
        rules = [fixes.rule_dict(Rule(Direction.EGRESS, 0, (PodPeer(chunk[0], selector),),
                                      tuple(PortSpec(port=s) for s in chunk)))]
        texts.append(fixes.policy(f"allow-{i}", _nonempty(chunk, i), selector, "Egress", rules))
        wanted.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"allow-{i}", "namespace": _nonempty(chunk, i)},
            "spec": {"podSelector": fixes.selector_dict(selector), "policyTypes": ["Egress"], "egress": rules},
        })
    assert [[typed(o) for o in objects] for objects in kubectl_objects(texts)] == [[typed(w)] for w in wanted]


def _named(strings: list[str]) -> list[_Named]:
    return [_Named(Party("workload", f"{s}/Deployment/{s}", s, ((s, s),)), s, LabelSelector(((s, s),)), [])
            for s in strings]


def test_advised_intents_round_trip_through_kubectl() -> None:
    texts = [intents_text(_named(chunk), [], chunk, _nonempty(chunk, 0), True) for chunk in chunks()]
    for chunk, objects in zip(chunks(), kubectl_objects(texts)):
        (intents,) = objects
        assert intents["namespaces"] == chunk
        assert intents["name"] == _nonempty(chunk, 0)
        assert intents["workloads"] == {s: {"namespace": s, "selector": f"{s}={s}"} for s in chunk}


def test_scaffolded_intents_round_trip_through_kubectl() -> None:
    texts, wanted = [], []
    for chunk in chunks():
        names = [s for s in chunk if s not in SYSTEM_NAMESPACES]
        pods = tuple(Pod(s, s, {"app": s}) for s in names)
        texts.append(scaffold_intents(Cluster(namespaces=tuple(Namespace(s, {}) for s in names), pods=pods),
                                      name=_nonempty(chunk, 0)))
        wanted.append(names)
    for names, chunk, objects in zip(wanted, chunks(), kubectl_objects(texts)):
        (intents,) = objects
        assert intents["namespaces"] == sorted(names)
        assert intents["name"] == _nonempty(chunk, 0)
        assert sorted(w["selector"] for w in intents["workloads"].values()) == sorted(f"app={s}" for s in names)
