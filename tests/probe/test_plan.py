"""The pure parts of probe: the plan, stratified sampling, twins' names, log parsing, and the source script itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from podwall.engine import Probe
from podwall.errors import UsageError
from podwall.loader import load_text
from podwall.model import Protocol
from podwall.probe import make_plan
from podwall.probe.twins import SOURCE_SCRIPT, Outcome, parse_log, target, twin_name
from tests.apiserver import world

# Each object in its own "---" section: text that starts with "{" would be one JSON stream for kubectl.
LIVE = "".join("---\n" + __import__("json").dumps(o) + "\n" for o in world.tutorial())


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    return load_text(LIVE, "live.yaml")


def test_default_plan_skips_system_namespaces_and_host_network(cluster) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cluster)
    assert plan.sources == plan.destinations == ("monitoring/Deployment/prometheus", "production/Deployment/backend",
                                                 "production/Deployment/database", "production/Deployment/frontend")
    assert plan.notes == ("not probed: workloads of kube-system (name them with --from/--to to include them)",)
    named = make_plan(cluster, sources=["kube-system/DaemonSet/calico-node"], destinations=["production/backend"])
    assert named.flows == () and named.notes == (
        "not probed: kube-system/DaemonSet/calico-node uses the host network (a pod cannot mirror it)",)


def test_plan_flows_carry_the_engines_expectation(cluster) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(cluster, namespace="production", sources=["backend"], destinations=["database"])
    assert [(str(f.probe), f.expected) for f in plan.flows] == [("5432/TCP", True), ("9090/TCP", False)]
    probes = make_plan(cluster, sources=["monitoring/prometheus"], probes=[Probe(9090), Probe(53, Protocol.UDP)])
    assert {(f.destination, str(f.probe)) for f in probes.flows if f.expected} == {
        ("production/Deployment/backend", "9090/TCP"), ("production/Deployment/database", "9090/TCP"),
        ("production/Deployment/frontend", "9090/TCP"),  # allow-from-monitoring
        ("monitoring/Deployment/prometheus", "9090/TCP"), ("monitoring/Deployment/prometheus", "53/UDP"),
    }  # prometheus to itself: its namespace has no policy


def test_sampling_is_stratified_and_repeatable(cluster) -> None:  # type: ignore[no-untyped-def]
    whole = make_plan(cluster, probes=[Probe(9090), Probe(8080), Probe(80)])
    sampled = make_plan(cluster, probes=[Probe(9090), Probe(8080), Probe(80)], sample=4)
    assert sampled.candidates == len(whole.flows) == 48
    for source in sampled.sources:
        mine = [f for f in sampled.flows if f.source == source]
        candidates = [f for f in whole.flows if f.source == source]
        allowed = sum(f.expected for f in candidates)
        assert len(mine) == 4
        assert sum(f.expected for f in mine) == min(2, allowed) + max(0, 2 - (len(candidates) - allowed))
    assert sampled == make_plan(cluster, probes=[Probe(9090), Probe(8080), Probe(80)], sample=4)
    with pytest.raises(UsageError, match="--sample must be at least 1"):
        make_plan(cluster, sample=0)


def test_unknown_workloads_are_usage_errors(cluster) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="no pod, workload or Service 'web' in namespace 'production'"):
        make_plan(cluster, namespace="production", sources=["web"])
    with pytest.raises(UsageError, match="is a Service"):
        make_plan(cluster, destinations=["production/Service/backend"])


def test_twin_names_are_short_valid_and_distinct() -> None:
    long = "production/Deployment/" + "a-very-long-workload-name-that-goes-on" * 3
    name = twin_name("abc123", long, "destination")
    assert len(name) <= 63 and name.startswith("pw-abc123-a-very-long") and name.endswith("-d")
    assert twin_name("abc123", "x/Deployment/web", "source") != twin_name("abc123", "y/Deployment/web", "source")
    assert target("fd00::5", Probe(53, Protocol.UDP)) == "[fd00::5]:53/udp"


def test_log_lines_become_outcomes() -> None:
    log = """Started
podwall-probe 10.0.0.5:80/tcp connected
podwall-probe 10.0.0.5:81/tcp failed TIMEOUT
podwall-probe 10.0.0.5:82/tcp failed REFUSED
podwall-probe 10.0.0.5:53/udp failed REFUSED: read udp 10.0.0.9:41234->10.0.0.5:53: read: connection refused
podwall-probe 10.0.0.5:83/tcp failed OTHER: dial tcp 10.0.0.5:83: connect: no route to host
podwall-probe 10.0.0.5:84/sctp failed OTHER: protocol not supported
podwall-probe done 6
"""
    assert {k: v.result for k, v in parse_log(log).items()} == {
        "10.0.0.5:80/tcp": "connected", "10.0.0.5:81/tcp": "timeout", "10.0.0.5:82/tcp": "refused",
        "10.0.0.5:53/udp": "refused", "10.0.0.5:83/tcp": "refused", "10.0.0.5:84/sctp": "error"}
    assert parse_log(log)["10.0.0.5:84/sctp"] == Outcome("error", "OTHER: protocol not supported")


# agnhost connect's behaviour (kubernetes/test/images/agnhost/connect/connect.go): exit 0 on success;
# else "TIMEOUT", "REFUSED" or "OTHER: ..." on stderr and exit 1; UDP sends "hostname\n", needs an answer.
AGNHOST_STANDIN = r'''
import socket, sys
address, timeout, protocol = sys.argv[2], float(sys.argv[3].split("=")[1].rstrip("s")), sys.argv[4].split("=")[1]
host, port = address.rsplit(":", 1)
kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
sock = socket.socket(socket.AF_INET, kind)
sock.settimeout(timeout)
try:
    sock.connect((host, int(port)))
    if protocol == "udp":
        sock.send(b"hostname\n")
        sock.recv(1024)
except socket.timeout:
    sys.stderr.write("TIMEOUT\n"); sys.exit(1)
except ConnectionRefusedError as error:
    sys.stderr.write("REFUSED\n" if protocol == "tcp" else f"REFUSED: read udp: {error}\n"); sys.exit(1)
except OSError as error:
    sys.stderr.write(f"OTHER: {error}\n"); sys.exit(1)
'''


def test_the_source_script_runs_in_a_real_shell(tmp_path: Path) -> None:
    """The twins' shell loop, for real: /bin/sh, TCP and UDP on 127.0.0.1, agnhost's messages and exit codes."""
    standin = tmp_path / "agnhost"
    standin.write_text(f"#!{sys.executable}\n{AGNHOST_STANDIN}")
    standin.chmod(0o755)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(16)
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    stop = threading.Event()

    def answer() -> None:
        echo.settimeout(0.2)
        while not stop.is_set():
            try:
                data, peer = echo.recvfrom(64)
                echo.sendto(b"podwall", peer)
            except OSError:
                continue

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    targets = {
        f"127.0.0.1:{listening.getsockname()[1]}/tcp": "connected",
        f"127.0.0.1:{closed.getsockname()[1]}/tcp": "refused",
        f"127.0.0.1:{echo.getsockname()[1]}/udp": "connected",
        f"127.0.0.1:{silent.getsockname()[1]}/udp": "timeout",
    }
    env = dict(os.environ, PODWALL_AGNHOST=str(standin), PODWALL_TARGETS=" ".join(targets), PODWALL_TIMEOUT="0.5",
               PODWALL_PARALLEL="3", PODWALL_SETTLE="0")
    try:
        out = subprocess.run(["/bin/sh", "-c", SOURCE_SCRIPT], env=env, capture_output=True, text=True, timeout=60,
                             check=True).stdout
    finally:
        stop.set()
        thread.join()
        for sock in (listening, echo, silent, closed):
            sock.close()
    assert {k: v.result for k, v in parse_log(out).items()} == targets
    assert out.splitlines()[-1] == "podwall-probe done 4"


LISTENER = r'''
import socket, sys, threading
tcp = []
for port in (8080, 8081):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16); tcp.append(s)
    threading.Thread(target=lambda s=s: [s.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
for port in (5353, 5354):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", port))
    def echo(u=u):
        while True:
            data, peer = u.recvfrom(64); u.sendto(b"podwall", peer)
    threading.Thread(target=echo, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
'''

NFT = """table inet podwall_probe_test {
  chain input { type filter hook input priority 0; policy accept; tcp dport 8081 drop; udp dport 5354 drop; }
}"""


@pytest.mark.lab
@pytest.mark.skipif(bool(__import__("tests.lab.conftest", fromlist=["x"]).lab_unavailable()),
                    reason="needs root, ip and nft (network namespaces)")
def test_the_source_script_between_network_namespaces_with_nftables_drops(tmp_path: Path) -> None:
    """Two network namespaces the test creates, nftables dropping some ports: a real TCP and UDP timeout."""
    import secrets

    run_id = secrets.token_hex(3)
    a, b = f"pwp-{run_id}-a", f"pwp-{run_id}-b"
    standin = tmp_path / "agnhost"
    standin.write_text(f"#!{sys.executable}\n{AGNHOST_STANDIN}")
    standin.chmod(0o755)
    listener = None

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)

    try:
        ip("netns", "add", a)
        ip("netns", "add", b)
        ip("link", "add", f"v{run_id}a", "netns", a, "type", "veth", "peer", "name", f"v{run_id}b", "netns", b)
        for ns, dev, address in ((a, f"v{run_id}a", "10.213.77.1/30"), (b, f"v{run_id}b", "10.213.77.2/30")):
            ip("-n", ns, "addr", "add", address, "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
            ip("-n", ns, "link", "set", "lo", "up")
        subprocess.run(["ip", "netns", "exec", b, "nft", "-f", "-"], input=NFT, text=True, check=True,
                       capture_output=True, timeout=30)
        listener = subprocess.Popen(["ip", "netns", "exec", b, sys.executable, "-c", LISTENER], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
        assert listener.stdout is not None and listener.stdout.readline().strip() == "ready"
        targets = {"10.213.77.2:8080/tcp": "connected", "10.213.77.2:8081/tcp": "timeout",
                   "10.213.77.2:8082/tcp": "refused", "10.213.77.2:5353/udp": "connected",
                   "10.213.77.2:5354/udp": "timeout"}
        env = dict(os.environ, PODWALL_AGNHOST=str(standin), PODWALL_TARGETS=" ".join(targets), PODWALL_TIMEOUT="1",
                   PODWALL_PARALLEL="8", PODWALL_SETTLE="0")
        out = subprocess.run(["ip", "netns", "exec", a, "/bin/sh", "-c", SOURCE_SCRIPT], env=env, capture_output=True,
                             text=True, timeout=60, check=True).stdout
        assert {k: v.result for k, v in parse_log(out).items()} == targets
    finally:
        if listener is not None:
            listener.kill()
            listener.wait()
        for ns in (a, b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)


ENDPORT = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend-range-from-monitoring, namespace: production}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
      ports: [{port: 9000, endPort: 9100}]
"""


def test_a_mismatch_names_the_cni_profiles_whose_conventions_explain_it() -> None:
    """prometheus -> backend 9095 is admitted only by an endPort range: blocked, azure-npm's conventions explain it."""
    from podwall.engine import EngineOptions
    from podwall.probe import judge
    from podwall.probe.judge import Probed
    from podwall.probe.plan import Mirrored, twin_model

    cluster = load_text(LIVE + ENDPORT, "live.yaml")
    prometheus = twin_model(Mirrored("monitoring/Deployment/prometheus", "monitoring", {"app": "prometheus"}), "s")
    backend = twin_model(Mirrored("production/Deployment/backend", "production", {"app": "backend"}), "d")
    probed = [
        Probed("monitoring/prometheus", "production/backend", Probe(9095), prometheus, backend, Outcome("timeout")),
        Probed("monitoring/prometheus", "production/backend", Probe(9090), prometheus, backend, Outcome("connected")),
    ]
    judged = judge(cluster, probed, options=EngineOptions())
    [mismatch] = judged.mismatches
    assert mismatch.cause == ("a plugin convention: explained by the conventions of azure-npm (endPort (port ranges): "
                              "no); they agree with every probe of the run")
    # Judged as azure-npm already: nothing differs from its own conventions, so nothing is named for it.
    from podwall.cni import profile

    as_azure = judge(cluster, probed, options=EngineOptions(conventions=profile("azure-npm").conventions()))
    assert as_azure.mismatches == ()
