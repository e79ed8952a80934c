"""Connection sets, address ranges and focus filters: the pieces of ``-o connlist``."""

from __future__ import annotations

import ipaddress

import pytest

from podwall.engine.connlist import ConnLine, Focus, connlist, parse_focus_conn
from podwall.engine.connset import ConnSet
from podwall.engine.options import Probe
from podwall.engine.ranges import partition
from podwall.errors import UsageError
from podwall.loader import load_text
from podwall.model import Direction, IPBlockPeer, Protocol

TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP


@pytest.mark.parametrize(
    ("intervals", "text"),
    [
        ([], "No Connections"),
        ([(TCP, 1, 65535), (UDP, 1, 65535), (SCTP, 1, 65535)], "All Connections"),
        ([(TCP, 1, 65535)], "TCP 1-65535"),
        ([(UDP, 53, 53), (TCP, 80, 80)], "TCP 80,UDP 53"),
        ([(TCP, 81, 65535), (TCP, 1, 79), (SCTP, 1, 65535), (UDP, 1, 65535)], "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
        ([(TCP, 10, 20), (TCP, 21, 30), (TCP, 25, 40)], "TCP 10-40"),
    ],
    ids=["empty", "all", "one-protocol-all-ports", "sorted-by-protocol", "complement-style", "merged"],
)
def test_connset_prints_like_netpol_analyzer(intervals, text) -> None:
    assert str(ConnSet.of(intervals)) == text


def test_connset_contains() -> None:
    conns = ConnSet.of([(TCP, 80, 90)])
    assert conns.contains(Probe(85, TCP)) and not conns.contains(Probe(85, UDP)) and not conns.contains(Probe(91, TCP))


def _block(cidr: str, *excepts: str) -> IPBlockPeer:
    return IPBlockPeer(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts))


@pytest.mark.parametrize(
    ("blocks", "ranges"),
    [
        ([], ["0.0.0.0-255.255.255.255"]),
        ([_block("0.0.0.0/0", "10.0.0.0/8")], ["0.0.0.0-9.255.255.255", "10.0.0.0-10.255.255.255", "11.0.0.0-255.255.255.255"]),
        # two excepts that touch make one hole, so one range, not two
        ([_block("0.0.0.0/0", "10.0.0.0/9", "10.128.0.0/9")], ["0.0.0.0-9.255.255.255", "10.0.0.0-10.255.255.255", "11.0.0.0-255.255.255.255"]),
        (
            [_block("10.0.0.0/8", "10.10.0.0/16")],
            ["0.0.0.0-9.255.255.255", "10.0.0.0-10.9.255.255", "10.10.0.0-10.10.255.255", "10.11.0.0-10.255.255.255", "11.0.0.0-255.255.255.255"],
        ),
        ([_block("192.168.1.7/32")], ["0.0.0.0-192.168.1.6", "192.168.1.7-192.168.1.7", "192.168.1.8-255.255.255.255"]),
    ],
    ids=["nothing", "except", "adjacent-excepts", "nested", "one-address"],
)
def test_address_partition(blocks, ranges) -> None:
    assert [str(r) for r in partition(blocks)] == ranges


def test_ipv6_blocks_add_the_ipv6_space() -> None:
    names = [str(r) for r in partition([_block("fd00::/8")])]
    assert names[0] == "0.0.0.0-255.255.255.255"
    assert "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" in names


MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
      ports: [{port: http}]
    - from: [{podSelector: {matchLabels: {app: db}}}]
      ports: [{port: 8000, endPort: 8100}, {protocol: UDP, port: 53}]
"""


def test_connlist_over_every_port_with_ranges_and_named_ports() -> None:
    lines = [(line.source, line.destination, str(line.conns)) for line in connlist(load_text(MANIFESTS))]
    assert lines == [
        ("0.0.0.0-9.255.255.255[External]", "shop/db[Pod]", "All Connections"),
        ("0.0.0.0-9.255.255.255[External]", "shop/web[Pod]", "TCP 8080"),
        ("10.0.0.0-10.255.255.255[External]", "shop/db[Pod]", "All Connections"),
        ("11.0.0.0-255.255.255.255[External]", "shop/db[Pod]", "All Connections"),
        ("11.0.0.0-255.255.255.255[External]", "shop/web[Pod]", "TCP 8080"),
        ("shop/db[Pod]", "0.0.0.0-255.255.255.255[External]", "All Connections"),
        ("shop/db[Pod]", "shop/web[Pod]", "TCP 8000-8100,UDP 53"),
        ("shop/web[Pod]", "0.0.0.0-255.255.255.255[External]", "All Connections"),
        ("shop/web[Pod]", "shop/db[Pod]", "All Connections"),
    ]


LINES = [
    ConnLine("a/x[Deployment]", "b/y[Deployment]", ConnSet.of([(TCP, 80, 80)])),
    ConnLine("b/y[Deployment]", "a/x[Deployment]", ConnSet.of([(UDP, 52, 53)])),
    ConnLine("0.0.0.0-255.255.255.255[External]", "a/x[Deployment]", ConnSet.everything()),
    ConnLine("{ingress-controller}", "b/y[Deployment]", ConnSet.of([(TCP, 8080, 8080)])),
]


@pytest.mark.parametrize(
    ("focus", "kept"),
    [
        (Focus(workloads=("x",)), [0, 1, 2]),
        (Focus(workloads=("a/x",)), [0, 1, 2]),
        (Focus(workloads=("x",), direction=Direction.EGRESS), [0]),
        (Focus(workloads=("x",), direction=Direction.INGRESS), [1, 2]),
        (Focus(workloads=("x",), peers=("y",)), [0, 1]),
        (Focus(workloads=("ingress-controller",)), [3]),
        (Focus(conn=Probe(52, UDP)), [1, 2]),
        (Focus(workloads=("c/x",)), []),
    ],
    ids=["name", "namespaced", "egress", "ingress", "peer", "controller", "conn", "other-namespace"],
)
def test_focus_filters(focus: Focus, kept: list[int]) -> None:
    assert [i for i, line in enumerate(LINES) if focus.keeps(line)] == kept


def test_focus_conn_parsing() -> None:
    assert parse_focus_conn("udp-52") == Probe(52, UDP)
    with pytest.raises(UsageError, match="expected PROTOCOL-PORT"):
        parse_focus_conn("52")
