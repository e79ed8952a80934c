"""Planning a lab (pure): names with the run prefix, addresses, the internet's addresses, DNS records."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

import podwall
from podwall.engine import Probe
from podwall.lab import LabError, plan_lab, run
from podwall.lab.plan import DEFAULT_EXTERNAL, assign_addresses, external_addresses, usable
from podwall.model import IPBlockPeer, Pod, Protocol

from tests.cli.harness import TUTORIAL
from tests.lab import corpus


def ip(text: str):
    return ipaddress.ip_address(text)


def net(text: str):
    return ipaddress.ip_network(text)


def test_every_name_carries_the_run_prefix() -> None:
    plan = plan_lab(podwall.load([TUTORIAL]), by="workload", run_id="pwl-abc123")
    assert plan.hub == "pwl-abc123-hub" and plan.internet == "pwl-abc123-net"
    assert all(name.startswith("pwl-abc123-") for name in plan.namespaces)
    assert plan.table == "pwl_abc123"
    assert [s.key for s in plan.subjects] == sorted(s.key for s in plan.subjects)


@pytest.mark.parametrize("bad", ["pwl-xyz", "other-abc123", "pwl-ABC123"])
def test_run_ids_are_checked(bad: str) -> None:
    with pytest.raises(LabError, match="invalid run id"):
        plan_lab(podwall.load([TUTORIAL]), run_id=bad)


def test_one_replica_per_workload_and_declared_probes() -> None:
    plan = plan_lab(podwall.load([TUTORIAL]), by="workload", run_id="pwl-000001")
    assert len(plan.subjects) == 5  # frontend has 2 replicas: one namespace stands for both
    assert Probe(53, Protocol.UDP) in plan.probes and Probe(5432) in plan.probes
    coredns = plan.subject("kube-system/Deployment/coredns")
    assert plan.listen_ports(coredns) == {Protocol.TCP: (53, 80, 5432, 8080, 9090), Protocol.UDP: (53,)}


def test_addresses_are_allocated_per_namespace_in_sorted_order() -> None:
    plan = plan_lab(podwall.load_text(corpus.WORLD), run_id="pwl-000002", internet=False)
    got = {s.key: str(s.address) for s in plan.subjects}
    assert got["x/a"] == "10.244.0.1" and got["y/b"] == "10.244.1.2" and got["z/c"] == "10.244.2.3"
    assert all(s.allocated for s in plan.subjects)
    cluster = plan.cluster(podwall.load_text(corpus.WORLD))
    assert [p.ips for p in cluster.pods] == [s.pod.ips for s in plan.subjects]


def test_known_addresses_are_kept_and_allocation_avoids_them() -> None:
    taken = Pod("n", "a", ips=(ip("10.244.0.1"),))
    fresh = Pod("n", "b")
    ((kept, kept_alloc), (given, given_alloc)), notes = assign_addresses([taken, fresh])
    assert notes == []
    assert (kept.ips, kept_alloc) == ((ip("10.244.0.1"),), False)
    assert (given.ips, given_alloc) == ((ip("10.244.0.2"),), True)


@pytest.mark.parametrize(
    ("pods", "message"),
    [
        ([Pod("n", "a", ips=(ip("127.0.0.1"),))], "cannot be used in the lab"),
        ([Pod("n", "a", ips=(ip("fe80::1"),))], "cannot be used in the lab"),
    ],
)
def test_unusable_addresses_are_errors(pods: list[Pod], message: str) -> None:
    with pytest.raises(LabError, match=message):
        assign_addresses(pods)


def test_a_shared_address_goes_to_the_first_subject_only() -> None:
    node = ip("192.168.0.10")
    pods = [Pod("n", "a", ips=(node,), host_network=True), Pod("n", "b", ips=(node,), host_network=True)]
    ((first, _), (second, allocated)), notes = assign_addresses(pods)
    assert first.ips == (node,) and allocated and second.ips == (ip("10.244.0.1"),)
    assert notes == ["n/b shares address 192.168.0.10 with n/a; the lab gives it an address of its own"]


def test_nothing_in_scope_is_an_error() -> None:
    with pytest.raises(LabError, match="nothing to build"):
        plan_lab(podwall.load([TUTORIAL]), namespaces={"nope"})


def test_nothing_to_probe_is_a_usage_error() -> None:
    from podwall.errors import UsageError

    cluster = podwall.load_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns1}\n"
                                "spec: {containers: [{name: c, image: x}]}\n")
    assert plan_lab(cluster, internet=False).probes == ()  # enough for ``lab rules``
    with pytest.raises(UsageError, match="nothing to probe"):
        run(cluster)  # refused before anything is built (no root needed to get here)


def test_only_limits_subjects() -> None:
    plan = plan_lab(podwall.load_text(corpus.WORLD), only={"x/a", "y/b"}, internet=False)
    assert [s.key for s in plan.subjects] == ["x/a", "y/b"]


def test_external_addresses_one_per_region() -> None:
    blocks = [
        IPBlockPeer(net("0.0.0.0/0"), (net("10.0.0.0/8"),)),
        IPBlockPeer(net("10.0.0.0/8"), (net("10.1.0.0/16"),)),
    ]
    addresses, skipped = external_addresses(blocks, {ip("10.0.0.1")})
    assert skipped == ()
    signatures = {tuple(b.contains(a) for b in blocks) for a in addresses}
    # outside 10/8; inside 10/8 but in the except 10.1/16; inside 10/8 outside the except
    assert signatures == {(True, False), (False, False), (False, True)}
    assert ip("10.0.0.1") not in addresses  # taken by a pod
    assert all(usable(a) for a in addresses)


def test_reserved_regions_are_reported_not_used() -> None:
    addresses, skipped = external_addresses([IPBlockPeer(net("127.0.0.0/8"))], set())
    assert skipped == ("127.0.0.0/8",)
    assert addresses == (DEFAULT_EXTERNAL,)


def test_default_internet_address_without_ipblocks() -> None:
    assert external_addresses([], set()) == ((DEFAULT_EXTERNAL,), ())


def test_dns_records_point_services_at_lab_pods() -> None:
    plan = plan_lab(podwall.load([TUTORIAL]), by="workload", run_id="pwl-000003")
    records = dict(plan.dns)
    coredns = plan.subject("kube-system/Deployment/coredns")
    assert records["kube-dns.kube-system.svc.cluster.local"] == (str(coredns.address),)


def test_plan_cluster_replaces_only_the_pods() -> None:
    base = podwall.load([TUTORIAL])
    plan = plan_lab(base, by="workload", run_id="pwl-000004")
    cluster = plan.cluster(base)
    assert cluster.policies == base.policies
    assert dataclasses.replace(cluster, pods=base.pods) == base
