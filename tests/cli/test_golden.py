"""Golden outputs of reach and explain on examples/tutorial.

``PODWALL_UPDATE_GOLDEN=1`` rewrites the expected files; on a mismatch the actual
output is written beside the expected one (``actual.*``, git-ignored) for diffing.
"""

from __future__ import annotations

import pytest

from tests.cli.harness import CNI_GENERIC, ROOT, TUTORIAL, compare_golden, run

FRONTEND = "production/Deployment/frontend"
BACKEND = "production/Deployment/backend"
DATABASE = "production/Deployment/database"

TIERS = str(ROOT / "examples" / "admin-tiers")
INTENTS = str(ROOT / "examples" / "lab" / "tutorial-intents.yaml")

CASES = {
    # case directory: (arguments, expected exit code, expected file name)
    "reach-tutorial-workload-table": (["reach", "-f", TUTORIAL, "--by", "workload"], 0, "expected.txt"),
    "reach-tutorial-workload-json": (["reach", "-f", TUTORIAL, "--by", "workload", "-o", "json"], 0, "expected.json"),
    "reach-tutorial-workload-csv": (["reach", "-f", TUTORIAL, "--by", "workload", "-o", "csv"], 0, "expected.csv"),
    "reach-tutorial-workload-md": (["reach", "-f", TUTORIAL, "--by", "workload", "-o", "md"], 0, "expected.md"),
    "reach-tutorial-pod-probes": (
        ["reach", "-f", TUTORIAL, "--by", "pod", "-n", "production", "--probe", "8080/TCP", "--probe", "5432", "--probe", "53/UDP"],
        0,
        "expected.txt",
    ),
    "explain-frontend-backend": (["explain", "-f", TUTORIAL, FRONTEND, BACKEND, "8080/TCP"], 1, "expected.txt"),
    "explain-frontend-database": (["explain", "-f", TUTORIAL, FRONTEND, DATABASE, "5432/TCP"], 1, "expected.txt"),
    "explain-backend-database": (["explain", "-f", TUTORIAL, BACKEND, DATABASE, "5432/TCP"], 0, "expected.txt"),
    "explain-backend-database-json": (
        ["explain", "-f", TUTORIAL, BACKEND, DATABASE, "5432/TCP", "-o", "json"],
        0,
        "expected.json",
    ),
    "explain-frontend-backend-json": (
        ["explain", "-f", TUTORIAL, FRONTEND, BACKEND, "8080/TCP", "-o", "json"],
        1,
        "expected.json",
    ),
    "explain-monitoring-scrape": (
        ["explain", "-f", TUTORIAL, "monitoring/deploy/prometheus", BACKEND, "9090"],
        0,
        "expected.txt",
    ),
    "explain-kubectl-names": (["explain", "-f", TUTORIAL, "-n", "production", "frontend", "deploy/backend", "8080"], 1,
                              "expected.txt"),
    "explain-every-port": (["explain", "-f", TUTORIAL, "-n", "production", "backend", "database"], 0, "expected.txt"),
    "explain-every-port-denied": (["explain", "-f", TUTORIAL, "-n", "production", "frontend", "backend"], 1,
                                  "expected.txt"),
    "explain-every-port-json": (["explain", "-f", TUTORIAL, "-n", "production", "backend", "database", "-o", "json"],
                                0, "expected.json"),
    "explain-every-port-service": (["explain", "-f", TUTORIAL, "-n", "production", "frontend", "svc/backend"], 1,
                                   "expected.txt"),
    "explain-named-port-other-namespace": (
        ["explain", "-f", TUTORIAL, "-n", "monitoring", "prometheus", "backend.production", "metrics"], 0, "expected.txt"
    ),
    "explain-connlist-name": (
        ["explain", "-f", TUTORIAL, "production/frontend[Deployment]", "production/backend[Deployment]", "8080"], 1,
        "expected.txt",
    ),
    "explain-from-labels": (
        ["explain", "-f", TUTORIAL, "-n", "production", "--from-labels", "app=frontend", "backend", "8080"], 1,
        "expected.txt",
    ),
    "explain-every-port-tiers": (["explain", "-f", TIERS, "monitoring/deploy/prometheus", "shop/deploy/web"], 0,
                                 "expected.txt"),
    "reach-intents-fail": (["reach", "-f", TUTORIAL, "--intents", INTENTS, "--fail-on-intent"], 1, "expected.txt"),
    "connlist-admin-tiers": (["reach", "-f", TIERS, "-o", "connlist"], 0, "expected.txt"),
    "connlist-admin-tiers-json": (["reach", "-f", TIERS, "-o", "connlist-json"], 0, "expected.json"),
    "connlist-admin-tiers-focus": (
        ["reach", "-f", TIERS, "-o", "connlist", "--focus-workload", "shop/web", "--focus-direction", "ingress"],
        0,
        "expected.txt",
    ),
    "connlist-admin-tiers-focus-conn": (["reach", "-f", TIERS, "-o", "connlist", "--focus-conn", "tcp-5432"], 0, "expected.txt"),
    "connlist-exposure-admin-tiers": (["reach", "-f", TIERS, "-o", "connlist", "--exposure"], 0, "expected.txt"),
    "connlist-exposure-admin-tiers-json": (
        ["reach", "-f", TIERS, "-o", "connlist-json", "--exposure"], 0, "expected.json"
    ),
    "connlist-exposure-tutorial-focus-conn": (
        ["reach", "-f", TUTORIAL, "-o", "connlist", "--exposure", "--focus-workload", "production/frontend",
         "--focus-conn", "udp-53"],
        0,
        "expected.txt",
    ),
    "reach-admin-tiers-external": (
        ["reach", "-f", TIERS, "--by", "workload", "--external", "--probe", "80", "--probe", "5432"],
        0,
        "expected.txt",
    ),
    "explain-admin-pass-to-np": (
        ["explain", "-f", TIERS, "monitoring/deploy/prometheus", "shop/deploy/web", "9090"], 0, "expected.txt"
    ),
    "explain-cnp-admin-deny": (["explain", "-f", TIERS, "sandbox/deploy/toolbox", "shop/deploy/db", "5432"], 1, "expected.txt"),
    "explain-anp-deny-networks": (["explain", "-f", TIERS, "shop/deploy/web", "169.254.169.254", "80"], 1, "expected.txt"),
    "explain-banp-deny": (
        ["explain", "-f", TIERS, "shop/deploy/web", "monitoring/deploy/prometheus", "9090", "-o", "json"],
        1,
        "expected.json",
    ),
    "reach-tutorial-summary": (["reach", "-f", TUTORIAL, "--summary"], 0, "expected.txt"),
    "reach-tutorial-summary-json": (["reach", "-f", TUTORIAL, "--summary", "--by", "workload", "-o", "json"], 0, "expected.json"),
    "explain-service-port-to-target-port": (
        ["explain", "-f", TUTORIAL, FRONTEND, "production/svc/backend", "80"], 1, "expected.txt"
    ),
    "explain-dns-via-service": (
        ["explain", "-f", TUTORIAL, FRONTEND, "kube-system/svc/kube-dns", "53/UDP"],
        0,
        "expected.txt",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    args, code, name = CASES[case]
    result = run(*args)
    assert result.stderr == CNI_GENERIC
    assert result.exit_code == code
    compare_golden(case, name, result.stdout.replace(str(ROOT) + "/", ""))
