"""A verdict carries its reasons: which policies isolate each side, which rules admit.

The engine's reasons are checked against a table and against the reference's own
notion of "isolating policies" and "admitting rules".
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from podwall.model import Direction, Pod, Protocol
from reference import policies_isolating, reference_allowed, rule_admits

from ._world import WORLD, endpoint, join, load, netpol

engine = pytest.importorskip("podwall.engine")

IN, OUT = Direction.INGRESS, Direction.EGRESS
EXT = "203.0.113.9"

REASONS_WORLD = join(
    WORLD,
    netpol("x/deny-ingress", "podSelector: {}\ningress: []\n"),
    netpol(
        "x/allow",
        """
        podSelector: {matchLabels: {app: a}}
        policyTypes: [Ingress]
        ingress:
        - from:
          - podSelector: {matchLabels: {app: c}}
        - from:
          - podSelector: {matchLabels: {app: b}}
          ports:
          - port: 80
        - ports:
          - port: 81
        egress:
        - {}
        """,
    ),
    netpol(
        "x/out",
        """
        podSelector: {matchLabels: {app: a}}
        policyTypes: [Egress]
        egress:
        - to:
          - podSelector: {matchLabels: {app: b}}
          ports:
          - {port: 53, protocol: UDP}
        - to:
          - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
          ports:
          - port: 443
        - to:
          - podSelector: {matchLabels: {app: b}}
        """,
    ),
    netpol("y/all", "podSelector: {}\npolicyTypes: [Ingress, Egress]\ningress:\n- {}\negress:\n- {}\n"),
)


def ref(policy: str, direction: Direction, index: int) -> tuple[str, Direction, int]:
    return (policy, direction, index)


# (src, dst, probe, allowed, egress isolated_by, egress allowed_by, ingress isolated_by, ingress allowed_by)
REASONS = [
    pytest.param(
        "x/b", "x/a", "80/TCP", True,
        set(), set(),
        {"x/deny-ingress", "x/allow"}, {ref("x/allow", IN, 1)},
        id="ingress-rule-1-of-two-isolating-policies",
    ),
    pytest.param(
        "x/b", "x/a", "81/TCP", True,
        set(), set(),
        {"x/deny-ingress", "x/allow"}, {ref("x/allow", IN, 2)},
        id="ingress-rule-2-ports-only",
    ),
    pytest.param(
        "x/c", "x/a", "81/TCP", True,
        set(), set(),
        {"x/deny-ingress", "x/allow"}, {ref("x/allow", IN, 0), ref("x/allow", IN, 2)},
        id="ingress-two-admitting-rules-both-listed",
    ),
    pytest.param(
        "y/a", "x/a", "80/TCP", False,
        {"y/all"}, {ref("y/all", OUT, 0)},
        {"x/deny-ingress", "x/allow"}, set(),
        id="ingress-denied-no-rule",
    ),
    pytest.param(
        "x/a", "x/b", "53/UDP", False,
        {"x/out"}, {ref("x/out", OUT, 0), ref("x/out", OUT, 2)},
        {"x/deny-ingress"}, set(),
        id="egress-allowed-ingress-denied",
    ),
    pytest.param(
        "x/a", "y/b", "80/TCP", False,
        {"x/out"}, set(),
        {"y/all"}, {ref("y/all", IN, 0)},
        id="egress-denied-ingress-allowed",
    ),
    pytest.param(
        "x/a", "8.8.8.8", "443/TCP", True,
        {"x/out"}, {ref("x/out", OUT, 1)},
        None, None,
        id="egress-to-external-by-ipBlock-rule-1",
    ),
    pytest.param(
        "x/a", "10.9.9.9", "443/TCP", False,
        {"x/out"}, set(),
        None, None,
        id="egress-to-external-in-except",
    ),
    pytest.param(
        EXT, "x/a", "81/TCP", True,
        None, None,
        {"x/deny-ingress", "x/allow"}, {ref("x/allow", IN, 2)},
        id="ingress-from-external-ports-only-rule",
    ),
    pytest.param(
        EXT, "x/b", "81/TCP", False,
        None, None,
        {"x/deny-ingress"}, set(),
        id="ingress-from-external-denied",
    ),
    pytest.param(
        "z/a", "y/c", "80/TCP", True,
        set(), set(),
        {"y/all"}, {ref("y/all", IN, 0)},
        id="ingress-allow-all-rule",
    ),
    pytest.param(
        "z/a", "z/b", "80/TCP", True,
        set(), set(),
        set(), set(),
        id="nothing-isolated",
    ),
]


@pytest.mark.parametrize(
    ("src", "dst", "probe", "allowed", "eg_iso", "eg_by", "in_iso", "in_by"), REASONS
)
def test_reasons(src, dst, probe, allowed, eg_iso, eg_by, in_iso, in_by) -> None:
    """isolated_by names the policies isolating each side; allowed_by every admitting rule."""
    cluster = load(REASONS_WORLD)
    s, d = endpoint(cluster, src), endpoint(cluster, dst)
    p = engine.Probe.parse(probe)
    verdict = engine.evaluate(cluster, s, d, p)
    assert verdict.allowed is allowed
    assert reference_allowed(cluster, s, d, p) is allowed
    for side, iso, by, pod, other, direction in (
        (verdict.egress, eg_iso, eg_by, s, d, OUT),
        (verdict.ingress, in_iso, in_by, d, s, IN),
    ):
        if iso is None:  # an external end is not judged
            assert not side.applies
            assert side.allowed
            assert not side.isolated_by and not side.allowed_by
            continue
        assert side.applies
        assert len(set(side.isolated_by)) == len(side.isolated_by), "isolated_by has duplicates"
        assert set(side.isolated_by) == iso
        got = {(r.policy, Direction(r.direction), r.index) for r in side.allowed_by}
        assert len(got) == len(side.allowed_by), "allowed_by has duplicates"
        assert got == by
        assert side.allowed is (not iso or bool(by))
        # The table agrees with the reference's notion of isolation and admission.
        isolating = policies_isolating(cluster, pod, direction)
        assert {pol.key for pol in isolating} == iso
        admitting = {
            (pol.key, direction, rule.index)
            for pol in isolating
            for rule in pol.rules(direction)
            if rule_admits(cluster, rule, other, d, p, True)
        }
        assert admitting == by


def test_rule_index_counts_every_rule_of_its_list() -> None:
    """The index is the rule's position in spec.ingress, counting rules that do not admit."""
    cluster = load(
        join(
            WORLD,
            netpol(
                "x/many",
                """
                podSelector: {matchLabels: {app: a}}
                ingress:
                - ports: [{port: 1}]
                - ports: [{port: 2}]
                - ports: [{port: 3}]
                - ports: [{port: 4}]
                """,
            ),
        )
    )
    for n in range(1, 5):
        verdict = engine.evaluate(cluster, endpoint(cluster, "y/a"), endpoint(cluster, "x/a"), engine.Probe.parse(f"{n}/TCP"))
        assert [(r.policy, r.index) for r in verdict.ingress.allowed_by] == [("x/many", n - 1)]
        assert all(Direction(r.direction) is IN for r in verdict.ingress.allowed_by)


def test_host_network_pod_is_never_isolated_by() -> None:
    """A host-network pod selected by labels is still not isolated: no isolating policy."""
    from ._world import pod

    cluster = load(
        join(
            WORLD,
            pod("x/h", {"app": "a", "tier": "web"}, ports=("http:80/TCP",), ip="192.168.50.10", host_network=True),
            netpol("x/deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]\n"),
        )
    )
    h, ya = endpoint(cluster, "x/h"), endpoint(cluster, "y/a")
    probe = engine.Probe.parse("80/TCP")
    out = engine.evaluate(cluster, h, ya, probe)
    into = engine.evaluate(cluster, ya, h, probe)
    assert out.allowed and into.allowed
    assert out.egress.isolated_by == () and into.ingress.isolated_by == ()


@pytest.mark.parametrize("probe", ["80/TCP", "53/UDP", "5432/SCTP", "1/TCP"])
def test_loopback_verdict(probe: str) -> None:
    """A pod to itself is allowed whatever isolates it."""
    cluster = load(join(WORLD, netpol("x/deny-all", "podSelector: {}\npolicyTypes: [Ingress, Egress]\n")))
    a = endpoint(cluster, "x/a")
    assert isinstance(a, Pod)
    verdict = engine.evaluate(cluster, a, a, engine.Probe.parse(probe))
    assert verdict.allowed and verdict.egress.allowed and verdict.ingress.allowed


@pytest.mark.parametrize(
    ("text", "port", "protocol"),
    [("8080/TCP", 8080, "TCP"), ("53/UDP", 53, "UDP"), ("5432/SCTP", 5432, "SCTP"), ("1/TCP", 1, "TCP")],
)
def test_probe_parse_and_str(text: str, port: int, protocol: str) -> None:
    """Probe.parse and str() are inverse."""
    probe = engine.Probe.parse(text)
    assert probe == engine.Probe(port, Protocol(protocol))
    assert probe.port == port and probe.protocol == protocol
    assert str(probe) == text


def test_engine_explain_is_the_function_even_after_its_module_was_imported() -> None:
    # explain & co. are imported lazily from podwall.engine.explaining; a module named "explain" would replace
    # the function on the package as soon as anything imported it.
    program = (
        "import inspect, podwall.engine.explaining, podwall.engine as e\n"
        "from podwall.engine import explain, resolve, Explanation, Subject\n"
        "print(inspect.isfunction(e.explain), explain is podwall.engine.explaining.explain, inspect.isclass(Subject),"
        " 'explain' in dir(e))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True", "True"]
