"""benchmarks/diff.py on a tiny cluster: the pull request it simulates changes connections; no time is asserted."""

from __future__ import annotations

import podwall
from benchmarks import diff, gen


def test_the_simulated_pull_request_opens_and_closes() -> None:
    groups = gen.manifests(50, namespaces=3, policies_per_ns=14, seed=7)
    policies, edited = diff.pull_request(groups["policies"], every=5)
    assert 0 < edited <= len(groups["policies"]) // 5  # policies without a numeric port are left alone
    assert policies != groups["policies"] and len(policies) == len(groups["policies"])
    others = [d for name, group in groups.items() if name != "policies" for d in group]
    before = podwall.load_text(gen._dump(others + groups["policies"]), "before.yaml")
    after = podwall.load_text(gen._dump(others + policies), "after.yaml")
    report = podwall.compare(before, after)
    assert report.opened and report.closed
    assert all(pair.reasons for pair in report.pairs)


def test_the_report_page() -> None:
    timing = {"cpu": 2.0, "pairs": 3, "opened": 2, "closed": 1, "reasons": 4}
    row = {"pods": 10, "edited": 1, "floor": 2.0, **{w: timing for w in ("diff-connlist", "diff-text", "diff-lint")},
           "ratios": {"diff-connlist": 1.0, "diff-text": 1.0, "diff-lint": 1.0}}
    page = diff.render([row])
    assert "| 10 | 1 | 3 (2 / 1) | 4 | 2.00 s | 2.00 s (1.00x) | 2.00 s (1.00x) | 2.00 s (1.00x) |" in page
