"""Every reader, on a fixture written from its tool's published schema, gives the same flows."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pytest

import podwall
from podwall.errors import InputError
from podwall.flows import FORMATS, Endpoint, Resolver, Skipped, Verdict, check, detect, observe, read, read_file
from podwall.flows.record import labels_of
from tests.cli.harness import ROOT, TUTORIAL

DATA = ROOT / "tests" / "flows" / "data"
FIXTURES = {
    "hubble": "hubble.jsonl",
    "calico": "calico.jsonl",
    "gadget": "gadget.jsonl",
    "vpc": "vpc.log",
    "conntrack": "conntrack.txt",
    "csv": "flows.csv",
}
FRONTEND = "production/Deployment/frontend"
BACKEND = "production/Deployment/backend"
DATABASE = "production/Deployment/database"
EXPECTED = {
    ("(external)", FRONTEND, 80, "TCP"),
    ("monitoring/Deployment/prometheus", FRONTEND, 9090, "TCP"),
    (BACKEND, DATABASE, 5432, "TCP"),
    (FRONTEND, "kube-system/Deployment/coredns", 53, "UDP"),
    (FRONTEND, BACKEND, 8080, "TCP"),
    (FRONTEND, DATABASE, 5432, "TCP"),
}


@pytest.fixture(scope="module")
def cluster() -> podwall.Cluster:
    return podwall.load([TUTORIAL, str(DATA / "cluster")])


def test_every_format_has_a_fixture() -> None:
    assert set(FIXTURES) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_fixture_is_told_apart_and_folds_into_the_same_flows(fmt: str, cluster: podwall.Cluster) -> None:
    path = str(DATA / FIXTURES[fmt])
    first = next(line for line in Path(path).read_text().splitlines() if detect(line))
    assert detect(first) == fmt
    report = check(cluster, read([path]))
    assert {j.flow.key for j in report.judged} == EXPECTED
    o = report.observation
    assert o.unreadable == [] and o.unattributed == []
    listed = sum(i.count for i in o.not_flows + o.not_judged)
    assert o.attributed + listed + sum(i.count for i in o.unreadable) == o.lines  # every line accounted for


@pytest.mark.parametrize(
    ("fmt", "replies", "not_flows", "not_judged", "dropped"),
    [
        ("hubble", 3, ["a Hubble response that is not a flow"], ["ICMPv4"], {"POLICY_DENIED": 1}),
        ("calico", 0, [], ["ICMP"], {"denied by a Calico policy": 1}),
        ("gadget", 0, ["an Inspektor Gadget debug event"], [], {}),
        ("vpc", 4, ["log-status NODATA", "the header line"], ["ICMP"], {"REJECT (security group or network ACL)": 1}),
        ("conntrack", 0, ["conntrack's summary line"], ["ICMP"], {}),
        ("csv", 0, ["the header line"], [], {}),
    ],
)
def test_replies_non_flows_and_drops_per_format(fmt, replies, not_flows, not_judged, dropped, cluster) -> None:
    report = check(cluster, read([str(DATA / FIXTURES[fmt])]))
    o = report.observation
    assert o.replies == replies
    assert sorted(i.reason for i in o.not_flows) == sorted(not_flows)
    assert [i.reason.split()[0] for i in o.not_judged] == not_judged
    database = next(j.flow for j in report.judged if j.flow.key == (FRONTEND, DATABASE, 5432, "TCP"))
    assert database.reasons == dropped
    assert (database.dropped == 1) == bool(dropped)


def test_counts_and_times_fold_duplicates_and_replies(cluster: podwall.Cluster) -> None:
    report = check(cluster, read([str(DATA / "hubble.jsonl")]))
    flow = next(j.flow for j in report.judged if j.flow.key == (FRONTEND, BACKEND, 8080, "TCP"))
    # SYN, SYN-ACK (reply), ACK (the same connection), another pod's SYN: 2 connections in 4 records
    assert (flow.count, flow.records, flow.forwarded, flow.dropped) == (2, 4, 4, 0)
    assert (flow.first, flow.last) == (1714989600.1, 1714989900.0)
    assert flow.via == ["production/Service/backend"]
    calico = check(cluster, read([str(DATA / "calico.jsonl")]))
    aggregated = next(j.flow for j in calico.judged if j.flow.key == (FRONTEND, BACKEND, 8080, "TCP"))
    assert (aggregated.count, aggregated.records) == (2, 2)  # num_flows_started 2, reported by both ends: once
    assert (aggregated.first, aggregated.last) == (1714989600.0, 1714989900.0)


#: The fixtures' traffic, connection by connection: every format counts it the same.
CONNECTIONS = {
    ("(external)", FRONTEND, 80, "TCP"): 1,
    ("monitoring/Deployment/prometheus", FRONTEND, 9090, "TCP"): 1,
    (BACKEND, DATABASE, 5432, "TCP"): 1,
    (FRONTEND, "kube-system/Deployment/coredns", 53, "UDP"): 1,
    (FRONTEND, BACKEND, 8080, "TCP"): 2,  # two frontend pods, one through the Service
    (FRONTEND, DATABASE, 5432, "TCP"): 1,  # dropped: an attempt is a connection seen
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_traffic_gives_the_same_counts_in_every_format(fmt: str, cluster: podwall.Cluster) -> None:
    """Replies, later packets, both ends' reports and the other ENI's record are not counted again."""
    report = check(cluster, read([str(DATA / FIXTURES[fmt])]))
    assert {j.flow.key: j.flow.count for j in report.judged} == CONNECTIONS


def test_repeated_records_of_one_connection_count_once() -> None:
    """A retransmitted SYN, the same packet seen at both ends, two conntrack dumps: one connection each."""
    from podwall.flows import Resolver, observe
    from podwall.flows.source import read_file

    cluster = podwall.load([TUTORIAL, str(DATA / "cluster")])
    lines = Path(DATA / "hubble.jsonl").read_text().splitlines()
    syn = next(line for line in lines if '"source_port":51800' in line)
    later = syn.replace("10:05:00.000000000Z", "10:05:01.000000000Z")  # the SYN again a second later
    far = syn.replace("10:05:00.000000000Z", "10:09:00.000000000Z")  # the same ports four minutes on: a new one
    both_ends = syn.replace('"EGRESS"', '"INGRESS"')
    stream = io.StringIO("\n".join([syn, later, both_ends, far]) + "\n")
    observed = observe(read_file("-", stdin=stream), Resolver(cluster))
    [flow] = observed.flows
    assert (flow.count, flow.records) == (2, 4)
    dump = Path(DATA / "conntrack.txt").read_text()
    twice = observe(read_file("-", stdin=io.StringIO(dump + dump)), Resolver(cluster))
    once = observe(read_file("-", stdin=io.StringIO(dump)), Resolver(cluster))
    assert [f.count for f in twice.flows] == [f.count for f in once.flows]


def test_a_service_is_its_pods_at_the_target_port(cluster: podwall.Cluster) -> None:
    """Gadget records the Service and its port 80; the backend pods serve it on targetPort http (8080)."""
    report = check(cluster, read([str(DATA / "gadget.jsonl")]))
    flow = next(j.flow for j in report.judged if j.flow.key == (FRONTEND, BACKEND, 8080, "TCP"))
    assert flow.via == ["production/Service/backend"] and (flow.count, flow.records) == (2, 3)  # OUTGOING 2, HOST 1


def test_conntrack_takes_the_server_from_the_reply_tuple(cluster: podwall.Cluster) -> None:
    (flow,) = [f for f in read([str(DATA / "conntrack.txt")]) if not isinstance(f, Skipped)][:1]
    assert (str(flow.destination.ip), flow.port, str(flow.via)) == ("10.244.2.21", 8080, "10.96.120.15")


def test_gzip_and_stdin_are_read(tmp_path: Path, cluster: podwall.Cluster) -> None:
    packed = tmp_path / "hubble.jsonl.gz"
    with open(DATA / "hubble.jsonl", "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    unnamed = tmp_path / "capture"  # gzip told by its magic bytes, not only by the name
    shutil.copy(packed, unnamed)
    stdin = io.StringIO((DATA / "flows.csv").read_text())
    for paths, given in (([str(packed)], None), ([str(unnamed)], None), (["-"], stdin)):
        report = check(cluster, read(paths, stdin=given))
        assert {j.flow.key for j in report.judged} == EXPECTED


def test_a_given_format_is_not_second_guessed_and_bad_lines_are_listed(tmp_path: Path, cluster) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("10.244.1.11,10.244.2.21,8080,TCP\nnot,a,row\n10.244.1.11,10.244.2.21,99999,TCP\n")
    items = list(read_file(str(path), "csv"))
    assert [type(i).__name__ for i in items] == ["Flow", "Skipped", "Skipped"]
    assert items[1] == Skipped(f"{path}:2", "not a csv record: 3 columns: expected src_ip,dst_ip,dst_port,protocol[,count]", False)
    assert items[2].reason == "not a csv record: dst_port: '99999' is not a port number"
    observation = observe(items, Resolver(cluster))
    assert [(i.count, i.first) for i in observation.unreadable] == [(1, f"{path}:2"), (1, f"{path}:3")]


def test_an_unknown_format_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello world\n")
    with pytest.raises(InputError, match=r"notes.txt:1: cannot tell the flows format from 'hello world'"):
        list(read([str(path)]))
    with pytest.raises(InputError, match="cannot read flows"):
        list(read([str(tmp_path / "missing.jsonl")]))


def test_hubble_camel_case_names_and_a_bare_flow_are_read() -> None:
    """protobuf's JSON mapping allows lowerCamelCase names; old CLIs printed the Flow unwrapped."""
    line = json.dumps({"time": "2024-05-06T10:00:00Z", "verdict": "DROPPED", "dropReasonDesc": "POLICY_DENIED",
                       "IP": {"source": "10.0.0.1", "destination": "10.0.0.2"},
                       "l4": {"UDP": {"sourcePort": 5000, "destinationPort": 53}},
                       "source": {"namespace": "a", "podName": "x-1", "labels": ["k8s:app=x"]},
                       "destination": {"namespace": "b", "podName": "y-0"}, "trafficDirection": "EGRESS",
                       "isReply": False})
    assert detect(line) == "hubble"
    (flow,) = list(read_file("-", None, io.StringIO(line)))
    assert (flow.source.pod, flow.destination.pod, flow.port, flow.verdict, flow.reason) == (
        "x-1", "y-0", 53, Verdict.DROPPED, "POLICY_DENIED")
    assert flow.source.labels == (("app", "x"),)


def test_labels_drop_cilium_identity_and_reserved_labels() -> None:
    given = ["k8s:app=web", "k8s:io.kubernetes.pod.namespace=shop", "k8s:io.cilium.k8s.policy.cluster=c1",
             "reserved:world", "k8s:app.kubernetes.io/name=web", "cidr:10.0.0.0/8=x"]
    assert labels_of(given) == (("app", "web"), ("app.kubernetes.io/name", "web"))
    assert labels_of({"labels": ["app=web"]}) == (("app", "web"),)
    assert labels_of({"app": "web"}) == (("app", "web"),)


def test_endpoint_named_means_namespace_and_a_pod_name() -> None:
    assert Endpoint(namespace="a", pod="x").named and Endpoint(namespace="a", name_prefix="x-").named
    assert not Endpoint(pod="x").named and not Endpoint(namespace="a").named
