"""Golden reports of ``podwall diff``: the tutorial changed seven ways, and scenarios of the netpol-analyzer corpus.

Run from the repository root with relative paths, so file names in the output are
stable. ``PODWALL_UPDATE_GOLDEN=1`` rewrites the expected files; on a mismatch
``actual.*`` is written beside them. Every option that changes the output is
passed explicitly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import ROOT, compare_golden, run
from tests.diff._shared import CORPUS

TUTORIAL = "examples/tutorial"
DATA = "tests/diff/data"


def after(change: str) -> str:
    return f"{DATA}/tutorial-{change}"


CASES = {
    # case directory: (arguments, expected exit code, expected file name)
    "diff-tutorial-loosen": (["diff", TUTORIAL, after("loosen"), "-o", "text"], 0, "expected.txt"),
    "diff-tutorial-loosen-no-lint": (["diff", TUTORIAL, after("loosen"), "-o", "text", "--no-lint"], 0, "expected.txt"),
    "diff-tutorial-loosen-json": (["diff", TUTORIAL, after("loosen"), "-o", "json"], 0, "expected.json"),
    "diff-tutorial-tighten": (["diff", TUTORIAL, after("tighten"), "-o", "text"], 0, "expected.txt"),
    "diff-tutorial-relabel": (["diff", TUTORIAL, after("relabel"), "-o", "text"], 0, "expected.txt"),
    "diff-tutorial-rename": (["diff", TUTORIAL, after("rename"), "-o", "text"], 0, "expected.txt"),
    "diff-tutorial-rename-connlist": (["diff", TUTORIAL, after("rename"), "-o", "connlist"], 0, "expected.txt"),
    "diff-tutorial-rename-connlist-csv": (["diff", TUTORIAL, after("rename"), "-o", "connlist-csv"], 0, "expected.csv"),
    "diff-tutorial-rename-connlist-md": (["diff", TUTORIAL, after("rename"), "-o", "connlist-md"], 0, "expected.md"),
    "diff-tutorial-add-namespace-md": (
        ["diff", TUTORIAL, after("add-namespace"), "-o", "md", "--fail-on", "widened"], 4, "expected.md"
    ),
    "diff-tutorial-add-workload": (["diff", TUTORIAL, after("add-workload"), "-o", "text"], 0, "expected.txt"),
    "diff-tutorial-service-target-port": (
        ["diff", TUTORIAL, after("service-target-port"), "-o", "text", "--fail-on", "any"], 0, "expected.txt"
    ),
    # an added, a changed and three removed pairs: the md comment draws them (a Mermaid block) above the tables
    "diff-tutorial-mixed-md": (["diff", TUTORIAL, f"{DATA}/tutorial-mixed", "-o", "md"], 0, "expected.md"),
    "diff-tutorial-tighten-focus": (
        ["diff", TUTORIAL, after("tighten"), "-o", "text", "--no-lint", "--focus-workload", "production/frontend"],
        0,
        "expected.txt",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args, code, name = CASES[case]
    result = run(*args)
    assert result.exit_code == code, result.stderr
    compare_golden(case, name, result.stdout)


# -- scenarios of the netpol-analyzer corpus (skipped without ../shared) -----------------------------

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"netpol-analyzer corpus not found at {CORPUS}")

CORPUS_CASES = {
    # tighten and loosen policies of a whole application
    "diff-corpus-onlineboutique-netpols": (
        "netpol-analyzer/onlineboutique_workloads/input",
        "netpol-analyzer-diff/inputs/onlineboutique_workloads_changed_netpols",
        "text",
        "expected.txt",
    ),
    # workloads added and policies changed in several namespaces, as a pull-request comment
    "diff-corpus-acs-security-demos-new-md": (
        "netpol-analyzer/acs-security-demos/input",
        "netpol-analyzer-diff/inputs/acs-security-demos-new",
        "md",
        "expected.md",
    ),
    # 45 changed pairs, more than the md picture draws one by one: drawn by namespace, and the comment says so
    "diff-corpus-k8s-ingress-md": (
        "netpol-analyzer/k8s_ingress_test/input",
        "netpol-analyzer-diff/inputs/k8s_ingress_test_new",
        "md",
        "expected.md",
    ),
}


@needs_corpus
@pytest.mark.parametrize("case", sorted(CORPUS_CASES))
def test_corpus_golden(case: str) -> None:
    before, after_side, output, name = CORPUS_CASES[case]
    result = run("diff", str(CORPUS / before), str(CORPUS / after_side), "-o", output)
    assert result.exit_code == 0, result.stderr
    compare_golden(case, name, result.stdout)


@needs_corpus
def test_corpus_service_target_port(tmp_path: Path) -> None:
    """A Service's targetPort moves: the ingress controller now reaches the pods on the new port."""
    source = CORPUS / "netpol-analyzer" / "k8s_ingress_test" / "input"
    changed = tmp_path / "after"
    changed.mkdir()
    for file in source.iterdir():
        text = file.read_text()
        if file.name == "services.yaml":
            old = "  ports:\n  - port: 9080\n    name: http\n  selector:\n    app: details\n"
            assert old in text
            text = text.replace(old, old.replace("name: http\n", "name: http\n    targetPort: 9081\n"))
        (changed / file.name).write_text(text)
    result = run("diff", str(source), str(changed), "-o", "text", "--fail-on", "added")
    assert result.exit_code == 4, result.stderr
    assert result.stderr.splitlines()[1:] == [
        "podwall diff: this change opens traffic from outside the cluster (1 pair): "
        "{ingress-controller} -> default/ReplicaSet/details-v1-79f774bdb9"
    ]
    compare_golden("diff-corpus-ingress-target-port", "expected.txt", result.stdout)
