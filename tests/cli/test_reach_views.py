"""reach as a person reads it: the large form, honest titles and probes, external ranges written briefly."""

from __future__ import annotations

import io
import ipaddress
from pathlib import Path

import pytest

from podwall.cli.app import main
from podwall.cli.env import Environment
from podwall.engine.ranges import AddressRange, ranges_text
from tests.cli.harness import TUTORIAL, run


def _deployments(count: int, ports: bool = True) -> str:
    port = "\n          ports: [{containerPort: 8080}]" if ports else ""
    return "---\n".join(
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i:02d}, namespace: ns{i % 3}}}\n"
        f"spec:\n  selector: {{matchLabels: {{app: app{i:02d}}}}}\n  template:\n    metadata: {{labels: {{app: app{i:02d}}}}}\n"
        f"    spec:\n      containers:\n        - name: c\n          image: x{port}\n"
        for i in range(count)
    )


def test_above_25_subjects_one_block_per_source(tmp_path: Path) -> None:
    (tmp_path / "apps.yaml").write_text(_deployments(30))
    text = run("reach", "-f", str(tmp_path)).stdout
    assert text.startswith("Connectivity between 30 workloads: one block per source\n"
                           "(more than 25 subjects; -o matrix prints the matrix, --summary counts by namespace)\n")
    assert "ns0/Deployment/app00\n  8080/TCP  -> every other subject (29)\n" in text
    assert "#  source" not in text
    forced = run("reach", "-f", str(tmp_path), "-o", "matrix").stdout
    assert forced.splitlines()[2].split()[:3] == ["#", "source", "1"] and "one block per source" not in forced


def test_list_names_whole_namespaces(tmp_path: Path) -> None:
    (tmp_path / "apps.yaml").write_text(_deployments(6) + "---\n" + (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-ns1, namespace: ns0}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n"
        "  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}}]}]\n"
    ))
    text = run("reach", "-f", str(tmp_path), "-o", "list").stdout
    assert "ns0/Deployment/app00\n  8080/TCP  -> ns1/* (2)\n" in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_matrix_wider_than_the_terminal_becomes_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    env = Environment(stdin=io.StringIO(), stdout=Terminal(), stderr=io.StringIO())
    assert main(["--color", "never", "reach", "-f", TUTORIAL], env) == 0
    text = env.stdout.getvalue()
    assert "(the matrix is wider than this terminal (40 columns);" in text


def test_titles_count_what_the_rows_are() -> None:
    assert run("reach", "-f", TUTORIAL).stdout.startswith("Connectivity between 5 workloads (row -> column)")
    pods = run("reach", "-f", TUTORIAL, "--by", "pod").stdout
    assert pods.startswith("Connectivity between 5 workloads (row -> column)")  # templates stand for pods
    assert "A workload whose pods are not in the input stands for them with its pod template." in pods


POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: a, labels: {{app: {name}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n"


def test_no_declared_port_probes_what_policies_and_services_name(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text("---\n".join(POD.format(name=n) for n in ("web", "db")) + "---\n" + (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: a}\n"
        "spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{ports: [{port: 5432}]}]\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a}\n"
        "spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n"
    ))
    text = run("reach", "-f", str(tmp_path)).stdout
    assert ("Probes: 80/TCP, 5432/TCP, 8080/TCP (no pod declares a container port, so the probes are the ports "
            "the policies and Services name; choose with --probe).") in text
    rows = {line.split()[1]: line.split()[2:] for line in text.splitlines() if line[:1].isdigit()}
    assert rows == {"Pod/db": ["=", "all"], "Pod/web": ["5432", "="]}  # web reaches db on 5432 only


def test_nothing_names_a_port_one_stands_for_all(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text("---\n".join(POD.format(name=n) for n in ("web", "db")))
    text = run("reach", "-f", str(tmp_path)).stdout
    assert "Probes: 80/TCP (no pod declares a container port and no policy or Service names a port: every port " \
           "of a protocol is judged alike, so 80/TCP stands for all of them; choose with --probe)." in text
    rows = {line.split()[1]: line.split()[2:] for line in text.splitlines() if line[:1].isdigit()}
    assert rows == {"Pod/db": ["=", "all"], "Pod/web": ["all", "="]}  # not an all-· matrix reading "all blocked"


def _range(first: str, last: str) -> AddressRange:
    a, b = ipaddress.ip_address(first), ipaddress.ip_address(last)
    return AddressRange(a.version, int(a), int(b))


@pytest.mark.parametrize(
    ("ranges", "text"),
    [
        ([("0.0.0.0", "169.254.169.253"), ("169.254.169.254", "255.255.255.255")], "0.0.0.0/0"),
        ([("0.0.0.0", "169.254.169.253"), ("169.254.169.255", "255.255.255.255")], "0.0.0.0/0 except 169.254.169.254"),
        ([("169.254.169.254", "169.254.169.254")], "169.254.169.254"),
        ([("10.0.0.0", "10.255.255.255")], "10.0.0.0/8"),
        ([("0.0.0.0", "9.255.255.255"), ("11.0.0.0", "255.255.255.255")], "0.0.0.0/0 except 10.0.0.0/8"),
        ([("11.0.0.0", "169.254.169.253")], "11.0.0.0-169.254.169.253"),
        ([("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), ("0.0.0.0", "255.255.255.255")], "0.0.0.0/0,::/0"),
    ],
)
def test_external_ranges_are_merged_and_written_as_cidrs_where_short(ranges: list[tuple[str, str]], text: str) -> None:
    assert ranges_text([_range(a, b) for a, b in ranges]) == text
