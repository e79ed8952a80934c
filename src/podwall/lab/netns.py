"""iproute2 calls: network namespaces, the lab bridge, veth pairs, addresses (the only place ``ip`` runs).

Topology of a run ``pwl-3fa9c2``:

    pwl-3fa9c2-hub   bridge ``lab0`` and the bridge-side veth ends ``s0``, ``s1``, ..., ``inet``
    pwl-3fa9c2-s<i>  one per subject: ``lo`` and ``eth0`` with its /32 (/128) addresses,
                     on-link default routes through ``eth0`` (the bridge is its whole world)
                     and a permanent neighbour entry for every other address of the run
    pwl-3fa9c2-net   "the internet": ``eth0`` with every external address the policies care about

Veth pairs are created inside the hub with their other end moved straight into
the subject's namespace, so no interface ever exists in the host namespace and
no route leads there. Deleting the namespaces deletes everything else.

No text of the input reaches ``ip``: every name, MAC and address is podwall-made
or printed from a parsed address, and ``ip`` refuses (``LabError``, nothing run)
any argument or batch line outside that vocabulary, so nothing can be split into
another argument, another batch command or an option.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterable, Sequence

from podwall.lab.errors import LabError
from podwall.lab.plan import PREFIX, LabPlan
from podwall.model import IPAddress

BRIDGE = "lab0"
INTERNET_LINK = "inet"
_TIMEOUT = 60.0
_MARK = re.compile(r"podwall-lab pid=(\d+)")
#: The network namespaces a lab makes: ``pwl-<6 hex>-hub``, ``-net``, ``-s<i>`` (and tests' own suffixes).
NAMESPACE = re.compile(r"pwl-[0-9a-f]{6}-[a-z0-9]{1,16}")
#: Every argument and batch word podwall gives ``ip``: options, names, MACs, addresses, numbers.
_WORD = re.compile(r"[A-Za-z0-9_.:/-]+")
_LINK = re.compile(r"s\d{1,8}")
_MAC = re.compile(r"02:70:77(?::[0-9a-f]{2}){3}")
_ALIAS = re.compile(rf'link set {BRIDGE} alias "podwall-lab pid=\d+"')


def tools() -> tuple[str, str]:
    """The paths of ``ip`` and ``nft``; ``LabError`` saying what is missing otherwise."""
    if os.name != "posix" or not os.path.isdir("/proc/self/ns"):
        raise LabError("podwall lab needs Linux network namespaces")
    if os.geteuid() != 0:
        raise LabError("podwall lab needs root: it creates network namespaces and nftables rules (try sudo)")
    ip = shutil.which("ip") or _sbin("ip")
    nft = shutil.which("nft") or _sbin("nft")
    missing = [name for name, path in (("ip (iproute2)", ip), ("nft (nftables)", nft)) if path is None]
    if missing:
        raise LabError(f"podwall lab needs {' and '.join(missing)}: e.g. apt-get install iproute2 nftables")
    return ip, nft  # type: ignore[return-value]


def ip_command() -> str:
    """The ``ip`` binary (also looked for in /usr/sbin and /sbin)."""
    return shutil.which("ip") or _sbin("ip") or "ip"


def _sbin(name: str) -> str | None:
    for directory in ("/usr/sbin", "/sbin"):
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    return None


def checked_namespace(name: str) -> str:
    """``name`` if it is a lab namespace name (``pwl-<6 hex>-<suffix>``), else ``LabError``."""
    if not NAMESPACE.fullmatch(name):
        raise LabError(f"refusing network namespace name {name!r}: not one podwall makes")
    return name


def _check_words(args: Sequence[str], batch: Sequence[str] | None) -> None:
    """Fail closed unless every argument and batch line is podwall's vocabulary."""
    for arg in args:
        if not _WORD.fullmatch(arg):
            raise LabError(f"refusing to run ip with the argument {arg!r}")
    for line in batch or ():
        if not (_ALIAS.fullmatch(line) or all(_WORD.fullmatch(w) for w in line.split(" "))):
            raise LabError(f"refusing to run ip with the batch line {line!r}")


def ip(*args: str, netns: str | None = None, batch: Sequence[str] | None = None, force: bool = False) -> str:
    """Run ``ip [-n NS] ARGS`` (or a ``-batch`` of commands); ``LabError`` with its stderr on failure.

    Arguments and batch lines are checked first (``LabError``, nothing run, otherwise).
    """
    _check_words(args, batch)
    command = [ip_command()]
    if netns is not None:
        command += ["-n", checked_namespace(netns)]
    if batch is not None:
        command += ["-force"] if force else []
        command += ["-batch", "-"]
    command += list(args)
    text = "".join(line + "\n" for line in batch) if batch is not None else None
    try:
        done = subprocess.run(command, input=text, capture_output=True, text=True, timeout=_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{' '.join(command)}: {exc}") from None
    if done.returncode != 0 and not force:
        raise LabError(f"{' '.join(command)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def list_namespaces(prefix: str = PREFIX) -> list[str]:
    """Network namespaces whose name starts with ``prefix``."""
    names = []
    for line in ip("netns", "list").splitlines():
        name = line.split(" ", 1)[0].strip()
        if name.startswith(prefix) and NAMESPACE.fullmatch(name):  # any other name is not the lab's
            names.append(name)
    return sorted(names)


def namespace_pids(name: str) -> list[int]:
    """Processes running in a network namespace."""
    try:
        out = ip("netns", "pids", checked_namespace(name))
    except LabError:
        return []
    return [int(tok) for tok in out.split() if tok.isdigit()]


def owner_pid(run_id: str) -> int | None:
    """The pid recorded on a run's bridge (the process that built it), if readable."""
    try:
        out = ip("-o", "link", "show", BRIDGE, netns=f"{run_id}-hub")
    except LabError:
        return None
    match = _MARK.search(out)
    return int(match.group(1)) if match else None


def build(plan: LabPlan) -> None:
    """Create the run's namespaces, bridge, veth pairs, addresses and routes."""
    for name in plan.namespaces:
        checked_namespace(name)
    for subject in plan.subjects:
        if not _LINK.fullmatch(subject.link) or not _MAC.fullmatch(subject.mac):
            raise LabError(f"refusing link {subject.link!r} with MAC {subject.mac!r}: not names podwall makes")
        if not all(isinstance(a, (ipaddress.IPv4Address, ipaddress.IPv6Address)) for a in subject.pod.ips):
            raise LabError(f"refusing the addresses of {subject.link}: not parsed IP addresses")
    ip(batch=[f"netns add {name}" for name in plan.namespaces])
    hub = [
        "link set lo up",
        f"link add {BRIDGE} type bridge mcast_snooping 0",
        f'link set {BRIDGE} alias "podwall-lab pid={os.getpid()}"',
        f"link set {BRIDGE} up",
    ]
    # (bridge-side link, namespace, MAC of its eth0, its addresses)
    ends = [(s.link, s.netns, s.mac, s.pod.ips) for s in plan.subjects]
    if plan.externals:
        ends.append((INTERNET_LINK, plan.internet, plan.internet_mac, plan.externals))
    for link, netns, mac, _ in ends:
        hub += [
            f"link add {link} type veth peer name eth0 address {mac} netns {netns}",
            f"link set {link} master {BRIDGE}",
            f"link set {link} up",
        ]
    ip(batch=hub, netns=plan.hub)
    # Every neighbour is written in advance (permanent entries): no ARP or neighbour
    # discovery at all, and the kernel's neighbour table limit, shared by every
    # namespace of the machine, is never reached (permanent entries do not count).
    everyone = [(mac, address) for _, _, mac, addresses in ends for address in addresses]
    for _, netns, mac, addresses in ends:
        neighbours = [(m, a) for m, a in everyone if m != mac]
        ip(batch=_endpoint(addresses, neighbours), netns=netns)


def _endpoint(addresses: Iterable[IPAddress], neighbours: Iterable[tuple[str, IPAddress]]) -> list[str]:
    commands = ["link set lo up"]
    versions = set()
    for address in addresses:
        if address.version == 4:
            commands.append(f"addr add {address}/32 dev eth0")
        else:
            commands.append(f"addr add {address}/128 dev eth0 nodad")
        versions.add(address.version)
    commands.append("link set eth0 up")
    if 4 in versions:
        commands.append("route add 0.0.0.0/0 dev eth0")
    if 6 in versions:
        commands.append("route add ::/0 dev eth0")
    commands += [f"neigh replace {address} lladdr {mac} dev eth0 nud permanent" for mac, address in neighbours]
    return commands


def destroy(names: Iterable[str]) -> list[str]:
    """Kill every process in these namespaces, then delete them; returns the names deleted.

    Only names carrying the lab prefix are touched, whatever the caller passes.
    """
    present = set(list_namespaces())
    doomed = [n for n in names if n.startswith(PREFIX) and n in present]
    for name in doomed:
        for pid in namespace_pids(name):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if doomed:
        ip(batch=[f"netns del {name}" for name in doomed], force=True)
    left = set(list_namespaces()) & set(doomed)
    if left:
        raise LabError(f"could not delete network namespaces {', '.join(sorted(left))}: run podwall lab clean")
    return doomed
