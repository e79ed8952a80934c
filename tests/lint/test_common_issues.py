"""The default-deny tutorial's "Common Issues", each reproduced on examples/tutorial and caught by one rule.

Each case edits the tutorial's manifests the way the issue happens in practice
and asserts the exact finding; the last test is the tutorial set up correctly,
which must produce no finding at all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from podwall.lint import LintConfig, lint
from podwall.loader import load, load_text
from tests.cli.harness import ROOT

TUTORIAL = ROOT / "examples" / "tutorial"
FILES = ("namespaces.yaml", "workloads.yaml", "policies.yaml")


def tutorial(edit: Callable[[str], str] = lambda text: text, extra: str = "") -> str:
    """The tutorial's manifests as one stream, edited."""
    text = "\n---\n".join((TUTORIAL / name).read_text() for name in FILES)
    return edit(text) + (f"\n---\n{extra}" if extra else "")


def findings(text: str, rule: str) -> list[tuple[str, str]]:
    report = lint(load_text(text, "tutorial.yaml"))
    return [(f.object, f.message) for f in report.findings if f.rule == rule]


def drop(name: str) -> Callable[[str], str]:
    """Remove the policy called ``name``."""

    def edit(text: str) -> str:
        docs = text.split("\n---\n")
        return "\n---\n".join(d for d in docs if f"  name: {name}\n" not in d)

    return edit


ISSUES = {
    # issue: (edit, extra manifests, rule, expected (object, message) pairs)
    "dns-resolution-fails-after-default-deny": (
        drop("allow-dns"), "", "PW203",
        [
            (f"production/Deployment/{w}", f"production/Deployment/{w} is isolated for egress by "
             f"{'backend-egress-to-db and ' if w == 'backend' else ''}default-deny-all and no egress rule allows DNS (53/UDP or "
             "53/TCP) to kube-system/Deployment/coredns: every name lookup fails")
            for w in ("frontend", "backend", "database")
        ],
    ),
    "frontend-cannot-reach-backend-although-allowed": (
        lambda t: t, "", "PW210",
        [("production/NetworkPolicy/allow-frontend-to-backend",
          "spec.ingress[0] admits production/Deployment/frontend to production/Deployment/backend on 8080/TCP, but "
          "production/Deployment/frontend is isolated for egress by allow-dns and default-deny-all and no egress rule "
          "allows that: the connection stays blocked")],
    ),
    "policy-has-no-effect-label-typo": (
        lambda t: t.replace("      app: backend\n  policyTypes:\n    - Ingress\n", "      app: backnd\n  policyTypes:\n    - Ingress\n"),
        "", "PW206",
        [("production/NetworkPolicy/allow-frontend-to-backend",
          "podSelector app=backnd selects no pod in namespace production (app=backnd: did you mean app=backend, which "
          "2 pods have?)")],
    ),
    "cross-namespace-traffic-blocked-missing-namespace-selector": (
        lambda t: t.replace(
            "        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n",
            "        - podSelector:\n            matchLabels:\n              app: prometheus\n",
        ),
        "", "PW208",
        [("production/NetworkPolicy/allow-from-monitoring",
          "spec.ingress[0].from[0]: podSelector app=prometheus has no namespaceSelector, so it matches pods of "
          "namespace production only, and none there; the pods it matches are in namespace monitoring "
          "(monitoring/Deployment/prometheus)")],
    ),
    "namespace-selector-on-a-name-label": (
        lambda t: t.replace("              kubernetes.io/metadata.name: monitoring\n", "              name: monitoring\n"),
        "", "PW209",
        [("production/NetworkPolicy/allow-from-monitoring",
          "spec.ingress[0].from[0]: namespaceSelector name=monitoring requires the label name, which no namespace in "
          "the input has, so it matches no namespace; every namespace carries kubernetes.io/metadata.name=monitoring "
          "(set by the API server)")],
    ),
    "prometheus-can-no-longer-scrape": (
        drop("allow-from-monitoring"),
        "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: backend, namespace: monitoring}\n"
        "spec:\n  selector: {matchLabels: {app: backend}}\n  namespaceSelector: {matchNames: [production]}\n"
        "  podMetricsEndpoints: [{port: metrics}]\n",
        "PW215",
        [("production/Deployment/backend",
          "PodMonitor monitoring/backend asks Prometheus to scrape production/Deployment/backend on 9090/TCP, but "
          "monitoring/Deployment/prometheus may not reach it: production/Deployment/backend is isolated for ingress by "
          "allow-frontend-to-backend and default-deny-all and no ingress rule admits monitoring/Deployment/prometheus")],
    ),
    "large-dns-answers-fail-udp-only": (
        lambda t: t.replace("        - protocol: UDP\n          port: 53\n        - protocol: TCP\n          port: 53\n",
                            "        - protocol: UDP\n          port: 53\n"),
        "", "PW204",
        [(f"production/Deployment/{w}", f"production/Deployment/{w} may reach DNS on 53/UDP but not on 53/TCP (isolated "
          f"for egress by allow-dns{', backend-egress-to-db' if w == 'backend' else ''} and default-deny-all): lookups "
          "whose answers do not fit in a UDP packet retry over TCP and fail")
         for w in ("frontend", "backend", "database")],
    ),
    "and-versus-or-in-from": (
        lambda t: t.replace(
            "        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n",
            "        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n"
            "        - podSelector:\n            matchLabels:\n              app: prometheus\n",
        ),
        "", "PW101",
        [("production/NetworkPolicy/allow-from-monitoring",
          "spec.ingress[0].from[0] (namespaceSelector kubernetes.io/metadata.name=monitoring) and spec.ingress[0].from[1] "
          "(podSelector app=prometheus) are separate peers, so they are OR-ed: the rule admits every pod in namespaces "
          "kubernetes.io/metadata.name=monitoring or pods app=prometheus in namespace production; if only pods "
          "app=prometheus in namespaces kubernetes.io/metadata.name=monitoring were meant, put both selectors in one item")],
    ),
    "policies-of-another-engine-are-ignored": (
        lambda t: t,
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: deny-egress}\n"
        "spec: {selector: all(), types: [Egress]}\n",
        "PW104",
        [("GlobalNetworkPolicy/deny-egress",
          "GlobalNetworkPolicy (projectcalico.org/v3) is not evaluated: podwall evaluates networking.k8s.io/v1 "
          "NetworkPolicy and the policy.networking.k8s.io admin tiers only, so every verdict and finding ignores what "
          "this policy allows or denies")],
    ),
}


@pytest.mark.parametrize("issue", sorted(ISSUES))
def test_common_issue_is_caught(issue: str) -> None:
    edit, extra, rule, expected = ISSUES[issue]
    text = tutorial(edit, extra)
    assert text != tutorial() or rule == "PW210", "the edit changed nothing"
    assert findings(text, rule) == expected


def test_the_tutorial_set_up_correctly_gets_no_finding() -> None:
    report = lint(load([str(ROOT / "tests" / "lint" / "data" / "tutorial-fixed")]), LintConfig())
    assert report.findings == ()
    assert not report.failed
