"""``conntrack -L`` (conntrack-tools): one connection per line, original tuple then reply tuple.

A line reads ``tcp 6 431999 ESTABLISHED src=A dst=B sport=P dport=Q [UNREPLIED] src=C dst=D
sport=R dport=S [ASSURED] mark=0 use=1`` (``-o extended`` puts ``ipv4 2`` in front; UDP has no
state word). The first ``src``/``dst``/``sport``/``dport`` are the original direction, so the
connection's client and server are known without guessing. When the destination was translated
(a Service's ClusterIP, a NodePort), the reply tuple's ``src`` and ``sport`` are the real
server: that pod and port are the destination. ``[UNREPLIED]`` marks a connection that got no
answer. Lines conntrack prints about itself (``conntrack v1.4.7 (conntrack-tools): 12 flow
entries have been shown.``) are no flows.
"""

from __future__ import annotations

from podwall.flows.record import Endpoint, Flow, NotAFlow, Unreadable, Verdict, address, five_tuple, port_number, protocol_of

NAME = "conntrack"


def sniff(line: str) -> bool:
    """A line with ``src=``, ``dst=`` and a protocol word before them, or conntrack's own summary."""
    return ("src=" in line and "dst=" in line) or line.startswith("conntrack v")


def parse(line: str, where: str) -> Flow:
    """One connection as a Flow from its client to its (translated) server."""
    if line.startswith("conntrack v"):
        raise NotAFlow("conntrack's summary line")
    words = line.split()
    if words and words[0] in ("ipv4", "ipv6"):
        words = words[2:]
    if len(words) < 2:
        raise Unreadable("too few fields")
    protocol, name = protocol_of(words[1] if words[1].isdigit() else words[0])
    tuples: list[dict[str, str]] = [{}]
    unreplied = False
    for word in words:
        if word == "[UNREPLIED]":
            unreplied = True
        key, equals, value = word.partition("=")
        if not equals or key not in ("src", "dst", "sport", "dport"):
            continue
        if key in tuples[-1]:
            if len(tuples) == 2:
                break
            tuples.append({})
        tuples[-1][key] = value
    original = tuples[0]
    reply = tuples[1] if len(tuples) > 1 else {}
    if "src" not in original or "dst" not in original:
        raise Unreadable("no src= and dst= in the original tuple")
    client = address(original["src"], "src")
    server = address(original["dst"], "dst")
    port = port_number(original.get("dport"), "dport")
    connection = five_tuple(client, port_number(original.get("sport"), "sport"), server, port, protocol)
    translated = reply.get("src")
    service = None
    if translated and translated != original["dst"]:
        # DNAT: the reply comes from the real server (a Service's pod)
        service = server
        server = address(translated, "reply src")
        port = port_number(reply.get("sport"), "reply sport") or port
    return Flow(
        source=Endpoint(ip=client),
        destination=Endpoint(ip=server),
        port=port,
        protocol=protocol,
        verdict=Verdict.UNKNOWN,
        reply=False,
        reason="UNREPLIED" if unreplied else "",
        where=where,
        protocol_name=name,
        via=service,
        connection=connection,  # the same entry in another dump is the same connection
    )
