"""Every spelling podwall prints for a subject is accepted back by explain and --focus-workload (one resolver).

The input is ``kubectl get pods -o json`` of a Deployment whose ReplicaSet is absent
(the table says ``Deployment/web``, connection lists ``shop/web-7d9f8b6c5d[ReplicaSet]``
as netpol-analyzer does) and a StatefulSet pod.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.harness import CNI_GENERIC, ROOT, run

PODLIST = str(Path(__file__).parent / "data" / "absent-replicaset.json")

#: Every spelling of the web pods some output prints, and the ones kubectl users type.
WEB = [
    "shop/web-7d9f8b6c5d[ReplicaSet]", "rs/web-7d9f8b6c5d", "ReplicaSet/web-7d9f8b6c5d", "web-7d9f8b6c5d",
    "shop/web-7d9f8b6c5d", "web", "Deployment/web", "deploy/web", "shop/Deployment/web", "shop/deploy/web",
    "web.shop", "shop/web",
]  # fmt: skip

WEB_LINES = (
    "0.0.0.0-255.255.255.255[External] => shop/web-7d9f8b6c5d[ReplicaSet] : All Connections\n"
    "shop/db[StatefulSet] => shop/web-7d9f8b6c5d[ReplicaSet] : All Connections\n"
    "shop/web-7d9f8b6c5d[ReplicaSet] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
    "shop/web-7d9f8b6c5d[ReplicaSet] => shop/db[StatefulSet] : TCP 5432\n"
)


def test_the_outputs_spell_web_these_ways() -> None:
    table = run("reach", "-f", PODLIST)
    assert "1  Deployment/web  =    5432\n" in table.stdout
    connlist = run("reach", "-f", PODLIST, "-o", "connlist")
    assert "shop/web-7d9f8b6c5d[ReplicaSet] => shop/db[StatefulSet] : TCP 5432\n" in connlist.stdout


@pytest.mark.parametrize("name", WEB)
def test_explain_accepts_every_spelling(name: str) -> None:
    r = run("explain", "-f", PODLIST, "-n", "shop", name, "db", "5432")
    named = "shop/ReplicaSet/web-7d9f8b6c5d" if "7d9f8b6c5d" in name else "shop/Deployment/web"
    assert (r.exit_code, r.stderr) == (0, CNI_GENERIC)
    assert r.stdout.splitlines()[0] == f"ALLOWED: {named} -> shop/StatefulSet/db on 5432/TCP"


@pytest.mark.parametrize("name", WEB)
def test_focus_workload_accepts_every_spelling(name: str) -> None:
    r = run("reach", "-f", PODLIST, "-o", "connlist", "--focus-workload", name)
    assert (r.exit_code, r.stdout, r.stderr) == (0, WEB_LINES, CNI_GENERIC)


def test_focus_workload_peer_accepts_the_table_spelling() -> None:
    r = run("reach", "-f", PODLIST, "-o", "connlist", "--focus-workload", "StatefulSet/db",
            "--focus-workload-peer", "Deployment/web", "-n", "shop")  # fmt: skip
    assert (r.exit_code, r.stdout) == (
        0,
        "shop/db[StatefulSet] => shop/web-7d9f8b6c5d[ReplicaSet] : All Connections\n"
        "shop/web-7d9f8b6c5d[ReplicaSet] => shop/db[StatefulSet] : TCP 5432\n",
    )


def test_focus_workload_typo_gets_a_did_you_mean() -> None:
    r = run("reach", "-f", PODLIST, "-o", "connlist", "--focus-workload", "wbe")
    assert (r.exit_code, r.stdout, r.stderr) == (
        2,
        "",
        "podwall: --focus-workload wbe: did you mean shop/Deployment/web? no workload 'wbe' in the input "
        "(workloads: shop/db[StatefulSet], shop/web-7d9f8b6c5d[ReplicaSet])\n",
    )


def test_focus_workload_typo_under_n_gets_the_namespace_did_you_mean() -> None:
    r = run("reach", "-f", PODLIST, "-o", "connlist", "-n", "shop", "--focus-workload", "wbe")
    assert (r.exit_code, r.stderr) == (
        2,
        "podwall: --focus-workload wbe: did you mean shop/Deployment/web? There is no pod, workload or Service "
        "'wbe' in namespace 'shop' (there: db, web)\n",
    )


def test_explain_replicaset_typo_suggests_the_replicaset() -> None:
    r = run("explain", "-f", PODLIST, "-n", "shop", "rs/web-7d9f8b6c5e", "db", "5432")
    assert (r.exit_code, r.stderr) == (
        2,
        "podwall: unknown subject 'rs/web-7d9f8b6c5e': did you mean shop/ReplicaSet/web-7d9f8b6c5d? There is no "
        "ReplicaSet 'web-7d9f8b6c5e' in namespace 'shop' (there: db, web)\n",
    )


def test_render_focus_workload_accepts_the_table_spelling() -> None:
    r = run("render", "-f", PODLIST, "-o", "mermaid", "--focus-workload", "Deployment/web")
    assert r.exit_code == 0
    assert "web-7d9f8b6c5d" in r.stdout


def _deployment(ns: str, name: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\n"
        f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
        f"    spec: {{containers: [{{name: c, image: nginx, ports: [{{containerPort: 80}}]}}]}}\n"
    )


@pytest.fixture
def two_namespaces(tmp_path: Path) -> str:
    """svc1 only in namespace a; svc20 and svc21 (close to svc1) in namespace b."""
    path = tmp_path / "ab.yaml"
    path.write_text("---\n".join(_deployment(ns, name) for ns, name in (("a", "svc1"), ("b", "svc20"), ("b", "svc21"))))
    return str(path)


THERE = "There is no pod, workload or Service 'svc1' in namespace 'b' (there: svc20, svc21)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # -n b also names svc20: switching to -n a would lose it, so only a/svc1 is offered
        (["-n", "b", "svc20", "svc1", "80"],
         "did you mean a/Deployment/svc1 (a/svc1: -n a would change what svc20 names)? "),
        (["-n", "b", "svc1", "svc20", "80"],
         "did you mean a/Deployment/svc1 (a/svc1: -n a would change what svc20 names)? "),
        # the other subject names its namespace: -n a is safe
        (["-n", "b", "svc1", "b/svc20", "80"], "did you mean a/Deployment/svc1 (-n a or a/svc1)? "),
        (["-n", "b", "svc1", "a/svc1", "80"], "did you mean a/Deployment/svc1 (-n a or a/svc1)? "),
        # the hypothetical client lives in -n's namespace
        (["-n", "b", "--from-labels", "app=x", "svc1", "80"],
         "did you mean a/Deployment/svc1 (a/svc1: -n a would change what b/[app=x] names)? "),
        # the other subject names nothing under either namespace: -n a changes nothing about it
        (["-n", "b", "svc1", "x/y/z/w", "80"], "did you mean a/Deployment/svc1 (-n a or a/svc1)? "),
        (["-n", "b", "svc1", "Deploymnt/svc20", "80"], "did you mean a/Deployment/svc1 (-n a or a/svc1)? "),
        (["-n", "b", "svc1", "svc9", "80"], "did you mean a/Deployment/svc1 (-n a or a/svc1)? "),
    ],
    ids=["source-uses-n", "destination-uses-n", "other-qualified", "other-in-a", "from-labels", "other-malformed",
         "other-misspelt-kind", "other-unknown"],
)
def test_exact_name_elsewhere_beats_a_close_one_here(two_namespaces: str, args: list[str], message: str) -> None:
    r = run("explain", "-f", two_namespaces, *args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"podwall: unknown subject 'svc1': {message}{THERE}")


def test_a_qualified_name_gets_only_the_qualified_suggestion(two_namespaces: str) -> None:
    r = run("explain", "-f", two_namespaces, "-n", "b", "b/svc1", "svc20", "80")
    assert (r.exit_code, r.stderr) == (
        2,
        "podwall: unknown subject 'b/svc1': did you mean a/Deployment/svc1 (a/svc1)? " + THERE,
    )


def test_a_close_name_here_is_suggested_when_none_is_exact(two_namespaces: str) -> None:
    r = run("explain", "-f", two_namespaces, "-n", "b", "svc2", "svc20", "80")
    assert (r.exit_code, r.stderr) == (
        2,
        "podwall: unknown subject 'svc2': did you mean b/Deployment/svc21? There is no pod, workload or Service "
        "'svc2' in namespace 'b' (there: svc20, svc21)\n",
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("(external)/0.0.0.0/0", "0.0.0.0/0"),  # reach --external -o json
        ("0.0.0.0/0", "0.0.0.0/0"),  # the table, under (external)
        ("0.0.0.0-255.255.255.255[External]", "0.0.0.0-255.255.255.255"),  # connection lists
    ],
)
def test_explain_accepts_external_ranges_as_printed(name: str, shown: str) -> None:
    r = run("explain", "-f", PODLIST, "-n", "shop", name, "db", "5432")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (1, f"DENIED: {shown} -> shop/StatefulSet/db on 5432/TCP")
    r = run("explain", "-f", PODLIST, "-n", "shop", "web", name, "443")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (0, f"ALLOWED: shop/Deployment/web -> {shown} on 443/TCP")


def test_a_malformed_external_range_is_one_line() -> None:
    r = run("explain", "-f", PODLIST, "-n", "shop", "web", "(external)/1.2.3.4-x", "443")
    assert (r.exit_code, r.stderr) == (
        2, "podwall: invalid external range '(external)/1.2.3.4-x': expected CIDR or FIRST-LAST addresses\n"
    )


def test_diff_focus_workload_reads_names_as_explain_does(tmp_path: Path) -> None:
    document = json.loads(Path(PODLIST).read_text())
    document["items"] = [item for item in document["items"] if item["kind"] != "NetworkPolicy"]
    after = tmp_path / "no-policy.json"
    after.write_text(json.dumps(document))
    r = run("diff", PODLIST, str(after), "-o", "connlist", "--no-lint", "--focus-workload", "Deployment/web")
    assert (r.exit_code, r.stdout) == (
        0,
        "Connectivity diff:\n"
        "diff-type: changed, source: shop/web-7d9f8b6c5d[ReplicaSet], destination: shop/db[StatefulSet], "
        "ref1: TCP 5432, ref2: All Connections\n",
    )
    typo = run("diff", PODLIST, str(after), "-o", "connlist", "--no-lint", "--focus-workload", "wbe")
    assert (typo.exit_code, typo.stderr.splitlines()[-1]) == (
        2,
        "podwall: --focus-workload wbe: did you mean shop/Deployment/web? no workload 'wbe' in the input "
        "(workloads: shop/db[StatefulSet], shop/web-7d9f8b6c5d[ReplicaSet])",
    )


@pytest.mark.parametrize(
    ("args", "verb", "option"),
    [
        (["reach", "-f", "examples/tutorial", "-o", "connlist", "--focus-workload", ","], "reach", "--focus-workload"),
        (["diff", "examples/tutorial", "examples/tutorial", "--focus-workload", " , "], "diff", "--focus-workload"),
        (["reach", "-f", "examples/tutorial", "-o", "connlist", "--focus-workload", "web", "--focus-workload-peer", ","],
         "reach", "--focus-workload-peer"),
    ],
)
def test_a_focus_value_naming_nothing_is_a_usage_error_not_an_unfocused_run(
    args: list[str], verb: str, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = run(*args)
    value = args[-1]
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"podwall: {option} {value!r} names no workload (see 'podwall {verb} --help')\n"
