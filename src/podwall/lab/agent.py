"""The lab's helper inside one network namespace: listeners, probes, rule loading (stdlib only).

Started as ``ip netns exec NS python -I -S agent.py MEMORY``, so it imports nothing
from podwall and starts in milliseconds. ``MEMORY`` (bytes) caps its data segment
(``RLIMIT_DATA``: heap and private writable mappings, inherited by the ``nft`` it
runs) before it reads anything: a command that would need more ends the agent with
``{"error": "out of memory ..."}`` instead of growing on the host. Protocol, one JSON
object per line:

- stdin, first line, the configuration: ``{"addresses": [...], "tcp": [ports],
  "udp": [ports], "dns": [[name, [addresses]], ...], "nft": "/usr/sbin/nft"}``;
  it binds every listener (one socket per address and port) and answers
  ``{"ready": true}``: a bound listening socket accepts at once, so ready is ready;
- ``{"op": "probe", "timeout": s, "probes": [[dst, port, "TCP"|"UDP", src|null], ...]}``
  runs every probe concurrently and answers ``{"results": [[outcome, detail], ...]}``
  with outcome ``allowed``, ``denied`` or ``error``;
- ``{"op": "apply", "script": "..."}`` loads an nft script in this namespace,
  then flushes its conntrack table so no connection of the previous policy
  set survives, and answers ``{"ok": true}`` or ``{"error": "..."}``.

Listeners answer TCP and UDP with an echo of the request; on port 53 they are a
tiny DNS server (UDP and TCP) answering A/AAAA for the lab's Service names and
NXDOMAIN otherwise. The agent ignores SIGINT (the lab tears it down) and exits
when stdin closes, so it never outlives the process that started it.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys

DNS_PORT = 53
QUERY_NAME = "kube-dns.kube-system.svc.cluster.local"
_READ_TIMEOUT = 5.0  # a listener never waits longer than this for a request
_CONCURRENCY = 256

# -- DNS, just enough of RFC 1035 --------------------------------------------------------


def encode_name(name: str) -> bytes:
    """``a.b`` -> ``\\x01a\\x01b\\x00``."""
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def dns_query(ident: int, name: str = QUERY_NAME, qtype: int = 1) -> bytes:
    """A recursive query for ``name``."""
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", qtype, 1)


def parse_question(message: bytes) -> tuple[int, int, str, int, bytes] | None:
    """(id, flags, name, qtype, raw question) of a query, None if it is not one."""
    if len(message) < 12:
        return None
    ident, flags, qdcount = struct.unpack("!HHH", message[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, pos = [], 12
    while True:
        if pos >= len(message):
            return None
        length = message[pos]
        pos += 1
        if length == 0:
            break
        if length > 63 or pos + length > len(message):
            return None
        labels.append(message[pos:pos + length].decode("ascii", "replace"))
        pos += length
    if pos + 4 > len(message):
        return None
    qtype = struct.unpack("!H", message[pos:pos + 2])[0]
    return ident, flags, ".".join(labels).lower(), qtype, message[12:pos + 4]


def dns_answer(query: bytes, records: dict[str, list[str]]) -> bytes | None:
    """The response to a query: A/AAAA records for known names, NXDOMAIN otherwise."""
    parsed = parse_question(query)
    if parsed is None:
        return None
    ident, flags, name, qtype, question = parsed
    addresses = records.get(name)
    answers = b""
    count = 0
    for address in addresses or ():
        family, rtype = (socket.AF_INET6, 28) if ":" in address else (socket.AF_INET, 1)
        if rtype != qtype:
            continue
        rdata = socket.inet_pton(family, address)
        answers += struct.pack("!HHHIH", 0xC00C, rtype, 1, 5, len(rdata)) + rdata
        count += 1
    rcode = 0 if addresses is not None else 3
    reply_flags = 0x8000 | 0x0400 | (flags & 0x0100) | rcode
    return struct.pack("!HHHHHH", ident, reply_flags, 1, count, 0, 0) + question + answers


def dns_response_ok(response: bytes, ident: int) -> str | None:
    """``None`` if ``response`` answers query ``ident``, else what is wrong with it."""
    if len(response) < 12:
        return "a truncated DNS response"
    rid, flags = struct.unpack("!HH", response[:4])
    if rid != ident or not flags & 0x8000:
        return "a reply that does not answer the DNS query"
    return None


def dns_summary(response: bytes, transport: str = "UDP") -> str:
    """``DNS over UDP: NAME is 10.244.0.1`` (or ``does not exist``) for a response to one question."""
    parsed_question = parse_question(response[:2] + b"\x00\x00" + response[4:])
    if parsed_question is None:
        return f"DNS over {transport}: an answer"
    _, _, name, _, question = parsed_question
    flags, ancount = struct.unpack("!H", response[2:4])[0], struct.unpack("!H", response[6:8])[0]
    if flags & 0x000F == 3:
        return f"DNS over {transport}: {name} does not exist (NXDOMAIN)"
    pos, addresses = 12 + len(question), []
    for _ in range(ancount):
        if pos + 12 > len(response) or response[pos] & 0xC0 != 0xC0:
            break
        rtype, _, _, length = struct.unpack("!HHIH", response[pos + 2:pos + 12])
        rdata = response[pos + 12:pos + 12 + length]
        if rtype in (1, 28) and len(rdata) in (4, 16):
            addresses.append(socket.inet_ntop(socket.AF_INET if len(rdata) == 4 else socket.AF_INET6, rdata))
        pos += 12 + length
    head = f"DNS over {transport}: {name}"
    return f"{head} is {', '.join(addresses)}" if addresses else f"{head} has no address"


# -- listeners ---------------------------------------------------------------------------


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, port: int, records: dict[str, list[str]]) -> None:
        self.port = port
        self.records = records
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[override]
        reply = dns_answer(data, self.records) if self.port == DNS_PORT else data
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


async def _serve_tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int,
                     records: dict[str, list[str]]) -> None:
    try:
        if port == DNS_PORT:
            size = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), _READ_TIMEOUT))[0]
            query = await asyncio.wait_for(reader.readexactly(size), _READ_TIMEOUT)
            reply = dns_answer(query, records)
            if reply is not None:
                writer.write(struct.pack("!H", len(reply)) + reply)
        else:
            line = await asyncio.wait_for(reader.readline(), _READ_TIMEOUT)
            writer.write(line)
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError, TimeoutError, struct.error):
        pass
    finally:
        writer.close()


async def listen(addresses: list[str], tcp: list[int], udp: list[int], records: dict[str, list[str]]) -> list:
    """Bind every listener; returns the servers and transports to keep them alive."""
    loop = asyncio.get_running_loop()
    keep: list = []
    for address in addresses:
        for port in tcp:
            server = await asyncio.start_server(
                lambda r, w, p=port: _serve_tcp(r, w, p, records), address, port, reuse_address=True, backlog=1024
            )
            keep.append(server)
        for port in udp:
            transport, _ = await loop.create_datagram_endpoint(lambda p=port: _Udp(p, records), local_addr=(address, port))
            keep.append(transport)
    return keep


# -- probes ------------------------------------------------------------------------------


def _family(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _error(exc: OSError) -> tuple[str, str]:
    if isinstance(exc, PermissionError):
        return "denied", "the source's own firewall refused to send"
    if isinstance(exc, ConnectionRefusedError):
        return "error", "refused: nothing listening on that port"
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    return "error", reason.lower() if reason else type(exc).__name__


def _complete(reply: bytes, *, dns: bool) -> bool:
    """A whole answer: a length-prefixed DNS message, or one echoed line."""
    if dns:
        return len(reply) >= 2 and len(reply) >= 2 + struct.unpack("!H", reply[:2])[0]
    return reply.endswith(b"\n")


async def probe_tcp(dst: str, port: int, src: str | None, timeout: float) -> tuple[str, str]:
    """Connect, send a request, expect its answer; a connect that times out is denied."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(_family(dst), socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        if src:
            sock.bind((src, 0))
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (dst, port)), timeout)
        except TimeoutError:
            return "denied", f"no answer to the connection request within {timeout:g} s"
        except OSError as exc:
            return _error(exc)
        ident = random.randrange(1 << 16)
        if port == DNS_PORT:
            query = dns_query(ident)
            request, expect = struct.pack("!H", len(query)) + query, None
        else:
            request = expect = f"podwall-probe {ident}\n".encode()
        # Connected: the policies have spoken. The answer may take longer on a busy machine.
        patience = 4 * timeout
        try:
            await asyncio.wait_for(loop.sock_sendall(sock, request), patience)
            reply = b""
            while not _complete(reply, dns=expect is None):
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), patience)
                if not chunk:
                    break
                reply += chunk
        except TimeoutError:
            return "error", "connected, but the listener did not answer"
        except OSError as exc:
            return "error", f"connected, then {_error(exc)[1]}"
        if expect is None:
            problem = dns_response_ok(reply[2:], ident)
            if problem:
                return "error", f"connected, but got {problem}"
            return "allowed", dns_summary(reply[2:], "TCP")
        if reply != expect:
            return "error", "connected, but the answer was not the echo of the request"
        return "allowed", ""
    finally:
        sock.close()


async def probe_udp(dst: str, port: int, src: str | None, timeout: float) -> tuple[str, str]:
    """Send a request, expect its answer; no answer within ``timeout`` is denied."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(_family(dst), socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        ident = random.randrange(1 << 16)
        request = dns_query(ident) if port == DNS_PORT else f"podwall-probe {ident}\n".encode()
        try:
            if src:
                sock.bind((src, 0))
            sock.connect((dst, port))
            sock.send(request)
            reply = await asyncio.wait_for(loop.sock_recv(sock, 4096), timeout)
        except TimeoutError:
            return "denied", f"no answer within {timeout:g} s"
        except OSError as exc:
            return _error(exc)
        if port == DNS_PORT:
            problem = dns_response_ok(reply, ident)
            return ("error", f"got {problem}") if problem else ("allowed", dns_summary(reply, "UDP"))
        if reply != request:
            return "error", "the answer was not the echo of the request"
        return "allowed", ""
    finally:
        sock.close()


async def run_probes(probes: list, timeout: float) -> list[tuple[str, str]]:
    """Every probe at once (at most ``_CONCURRENCY`` sockets open), results in order."""
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one(dst: str, port: int, protocol: str, src: str | None) -> tuple[str, str]:
        async with gate:
            try:
                if protocol == "TCP":
                    return await probe_tcp(dst, port, src, timeout)
                if protocol == "UDP":
                    return await probe_udp(dst, port, src, timeout)
                return "error", f"the lab cannot probe {protocol}"
            except MemoryError:  # the agent's limit: the whole command fails, clearly
                raise
            except Exception as exc:  # a probe must never take the agent down
                return "error", f"{type(exc).__name__}: {exc}"

    return list(await asyncio.gather(*(one(*p) for p in probes)))


# -- rules and conntrack -----------------------------------------------------------------


def flush_conntrack() -> None:
    """Delete every conntrack entry of this namespace (ctnetlink IPCTNL_MSG_CT_DELETE, no filter)."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12) as nl:  # NETLINK_NETFILTER
        nl.bind((0, 0))
        payload = struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)  # nfgenmsg
        message_type = (1 << 8) | 2  # NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_DELETE
        nl.send(struct.pack("=IHHII", 16 + len(payload), message_type, 0x1 | 0x4, 1, 0) + payload)
        reply = nl.recv(65536)
        if len(reply) >= 20 and struct.unpack("=H", reply[4:6])[0] == 2:  # NLMSG_ERROR carries the ack
            code = struct.unpack("=i", reply[16:20])[0]
            if code not in (0, -errno.ENOENT):
                raise OSError(-code, f"conntrack flush: {os.strerror(-code)}")


def apply(nft: str, script: str) -> dict:
    """Load an nft script here, then forget every tracked connection."""
    done = subprocess.run([nft, "-f", "-"], input=script, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip() or f"nft exited with {done.returncode}"}
    flush_conntrack()
    return {"ok": True}


# -- main loop ---------------------------------------------------------------------------


def _send(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main() -> None:
    """Read the configuration, listen, then serve commands until stdin closes."""
    try:
        await _main()
    except MemoryError:
        _send({"error": f"out of memory: a lab agent may use {_limit_mib()} MiB (podwall's limit per agent)"})


def _limit_mib() -> str:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_DATA)
    return "unlimited" if soft == resource.RLIM_INFINITY else str(soft >> 20)


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config = json.loads(await reader.readline())
    records = {name.lower(): list(addresses) for name, addresses in config.get("dns", [])}
    try:
        keep = await listen(config["addresses"], config["tcp"], config["udp"], records)
    except OSError as exc:
        _send({"error": f"cannot listen: {exc}"})
        return
    _send({"ready": True, "listeners": len(keep)})
    while True:
        line = await reader.readline()
        if not line:
            return
        command = json.loads(line)
        op = command.get("op")
        if op == "probe":
            results = await run_probes(command["probes"], float(command["timeout"]))
            _send({"results": results})
        elif op == "apply":
            try:
                _send(await loop.run_in_executor(None, apply, config["nft"], command["script"]))
            except (OSError, subprocess.SubprocessError) as exc:
                _send({"error": str(exc)})
        elif op == "exit":
            return
        else:
            _send({"error": f"unknown command {op!r}"})


def limit_memory(argv: list[str]) -> None:
    """``RLIMIT_DATA`` to ``argv[1]`` bytes (soft and hard), before anything is read."""
    import resource

    if len(argv) > 1:
        limit = int(argv[1])
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(sys.argv)  # fails loudly (the lab reports the agent's last line): never unbounded by mistake
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    except (ImportError, ValueError, OSError):
        pass
    try:
        asyncio.run(main())
    except (BrokenPipeError, KeyboardInterrupt):
        pass
