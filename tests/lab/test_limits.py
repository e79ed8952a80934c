"""A manifest cannot make the lab outgrow the machine: subjects, probes, listeners, external
addresses and DNS answers are bounded, each with one line naming the count (exit 2)."""

from __future__ import annotations

import ipaddress
import json

import pytest

import podwall
from podwall.errors import UsageError
from podwall.lab import plan as lab_plan
from podwall.lab import plan_lab
from podwall.lab.plan import MAX_SUBJECTS, external_addresses
from podwall.model import IPBlockPeer

from tests.cli.harness import TUTORIAL, run


def pods(count: int, ports: int = 1) -> str:
    items = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "default"},
              "spec": {"containers": [{"name": "c", "image": "i", "ports": [
                  {"containerPort": 1000 + p, "protocol": proto} for p in range(ports) for proto in ("TCP", "UDP")]}]}}
             for i in range(count)]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def test_more_subjects_than_the_default_is_an_error() -> None:
    assert MAX_SUBJECTS == 100
    result = run("lab", "run", "-f", "-", stdin=pods(101))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("podwall: the lab would build 101 subjects, more than --max-subjects 100: "
                             "choose fewer with -n, --from and --to, or raise --max-subjects\n")


def test_max_subjects() -> None:
    result = run("lab", "run", "-f", TUTORIAL, "--max-subjects", "3")
    assert result.exit_code == 2
    assert result.stderr.startswith("podwall: the lab would build 5 subjects, more than --max-subjects 3:")
    assert run("lab", "run", "-f", TUTORIAL, "--max-subjects", "0").exit_code == 2  # at least 1


def test_max_probes() -> None:
    result = run("lab", "run", "-f", TUTORIAL, "--by", "workload", "--max-probes", "200")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("podwall: the lab would send 210 probes, more than --max-probes 200: probe fewer ports "
                             "(--probe) or subjects (-n, --from, --to), or raise --max-probes\n")


def test_probe_count_is_what_measure_sends() -> None:
    plan = plan_lab(podwall.load([TUTORIAL]), by="workload", run_id="pwl-000000")
    assert (len(plan.subjects), len(plan.externals), len(plan.probes)) == (5, 1, 6)
    assert plan.probe_count() == (5 * 5 + 2 * 5 * 1) * 6 == 210  # the 210 of the tutorial's run
    assert plan.probe_count(sources=["a"], destinations=["b", "c"]) == 2 * 6


def test_listeners_per_agent() -> None:
    """2,100 ports probed on TCP and UDP: 4,200 sockets to listen on in every namespace."""
    probes = [arg for port in range(1000, 3100) for arg in ("--probe", f"{port}/TCP", "--probe", f"{port}/UDP")]
    result = run("lab", "run", "-f", "-", "--no-internet", *probes, stdin=pods(1))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("podwall: default/p0 would listen on 4,200 sockets (addresses x probed ports), more "
                             "than the lab's 4,096 per namespace: probe fewer ports (--probe)\n")


def test_external_addresses_are_bounded() -> None:
    blocks = [IPBlockPeer(ipaddress.ip_network(f"11.0.{i}.0/24"), ()) for i in range(10)]
    assert len(external_addresses(blocks, set(), limit=11)[0]) == 11
    with pytest.raises(UsageError, match="more than 8 external addresses"):
        external_addresses(blocks, set(), limit=8)


def test_dns_answers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_plan, "MAX_DNS_RECORDS", 1)
    with pytest.raises(UsageError, match="DNS server would hand out more than 1 addresses"):
        plan_lab(podwall.load([TUTORIAL]), run_id="pwl-000000")


def test_addresses_per_pod() -> None:
    """Each address is written into every other namespace's neighbour table: the API's two, no more."""
    doc = json.loads(pods(1))
    doc["items"][0]["status"] = {"podIPs": [{"ip": f"10.1.{i // 250}.{i % 250 + 1}"} for i in range(3)]}
    result = run("lab", "run", "-f", "-", stdin=json.dumps(doc))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("podwall: default/p0 has 3 addresses (status.podIPs): a pod has at most 2, "
                             "one per IP family\n")
