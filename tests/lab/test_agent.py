"""The agent's DNS codec (pure: the agent's sockets only ever run inside lab namespaces)."""

from __future__ import annotations

import struct

from podwall.lab import agent

RECORDS = {"kube-dns.kube-system.svc.cluster.local": ["10.244.0.1", "fd00::1"]}


def test_query_and_answer_round_trip() -> None:
    query = agent.dns_query(4242)
    reply = agent.dns_answer(query, RECORDS)
    assert reply is not None
    assert agent.dns_response_ok(reply, 4242) is None
    assert agent.dns_summary(reply) == "DNS over UDP: kube-dns.kube-system.svc.cluster.local is 10.244.0.1"


def test_aaaa_and_unknown_names() -> None:
    reply = agent.dns_answer(agent.dns_query(1, qtype=28), RECORDS)
    assert reply is not None and agent.dns_summary(reply).endswith("is fd00::1")
    missing = agent.dns_answer(agent.dns_query(2, "nope.default.svc.cluster.local"), RECORDS)
    assert missing is not None and struct.unpack("!H", missing[2:4])[0] & 0xF == 3
    assert "NXDOMAIN" in agent.dns_summary(missing)


def test_garbage_is_not_answered() -> None:
    assert agent.dns_answer(b"podwall-probe 1\n", RECORDS) is None
    assert agent.dns_answer(b"", RECORDS) is None


def test_a_reply_to_another_query_is_rejected() -> None:
    reply = agent.dns_answer(agent.dns_query(7), RECORDS)
    assert reply is not None
    assert agent.dns_response_ok(reply, 8) is not None
    assert agent.dns_response_ok(reply[:5], 7) == "a truncated DNS response"
