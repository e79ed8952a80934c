"""What a lab will build, decided before anything is built (pure).

A plan names every network namespace of a run with the run's prefix
(``pwl-<6 hex>-``), gives every subject its addresses (``status.podIP`` when the
input has one, else allocated per namespace from 10.244.0.0/16) and picks the
addresses the "internet" namespace plays: one address per distinct way the
policies' ipBlocks can treat an external address.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import secrets
from collections.abc import Collection, Iterable, Sequence

from podwall.engine import Probe, View, declared_probes, subject_of
from podwall.errors import UsageError
from podwall.lab.errors import LabError
from podwall.model import Cluster, IPAddress, IPBlockPeer, IPNetwork, Pod, Protocol
from podwall.model.quick import frozen

#: Every name a lab creates starts with this; ``lab clean`` touches nothing else.
PREFIX = "pwl-"
RUN_ID = re.compile(r"^pwl-[0-9a-f]{6}$")
POD_RANGE = ipaddress.ip_network("10.244.0.0/16")
# Limits: a lab runs as root on manifests anyone may write, so nothing a manifest says may make
# it grow past this machine's means (2 cores, 24 GB: measured in docs/lab.md, "Limits").
#: Subjects of a run (``--max-subjects``): one network namespace, veth pair and agent each,
#: 14 to 19 MiB of memory all told; 100 subjects probe 4 ports both ways in about 45 s.
MAX_SUBJECTS = 100
#: Probes of a run (``--max-probes``): 81,600 take about 40 s here.
MAX_PROBES = 100_000
#: Addresses of one subject: the API server allows one IPv4 and one IPv6 ``status.podIPs`` entry.
MAX_POD_ADDRESSES = 2
#: Listening sockets of one agent: its addresses x the probed TCP and UDP ports.
MAX_LISTENERS = 4096
#: Addresses the internet namespace plays (one per way the ipBlocks treat an address).
MAX_EXTERNALS = 1024
#: Addresses the lab's DNS server hands out, over every Service name.
MAX_DNS_RECORDS = 65_536

#: The internet's address when no ipBlock says anything about external addresses
#: (TEST-NET-3, documentation only: it exists nowhere but inside the lab).
DEFAULT_EXTERNAL = ipaddress.ip_address("203.0.113.10")

# Addresses Linux will not route between namespaces, or that mean something special.
_UNUSABLE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/8",
        "fe80::/10",
        "ff00::/8",
    )
)


def new_run_id() -> str:
    """A fresh run prefix such as ``pwl-3fa9c2``."""
    return PREFIX + secrets.token_hex(3)


def mac_address(index: int) -> str:
    """A locally administered MAC for endpoint ``index`` of a run: ``02:70:77:xx:xx:xx``."""
    if not 0 <= index < 1 << 24:
        raise LabError("a lab has at most 16,777,216 endpoints")
    return "02:70:77:" + ":".join(f"{(index >> shift) & 0xFF:02x}" for shift in (16, 8, 0))


def usable(address: IPAddress) -> bool:
    """Whether an address can be given to a lab interface and routed over the lab bridge."""
    return not any(address.version == n.version and address in n for n in _UNUSABLE)


@frozen
class LabSubject:
    """One subject of the matrix, built as one network namespace.

    ``pod`` is the pod the subject stands for (one replica per workload) with
    ``ips`` set to its lab addresses; ``allocated`` is True when the input gave
    it none and the lab chose them.
    """

    key: str
    pod: Pod
    netns: str
    link: str  # the bridge-side end of its veth pair, inside the hub namespace
    allocated: bool = False
    mac: str = ""  # its eth0's address: fixed, so every neighbour entry is written in advance

    @property
    def address(self) -> IPAddress:
        """The address probes are sent to."""
        return self.pod.ips[0]


@frozen
class LabPlan:
    """Everything a run builds: names, addresses, ports and the internet's addresses."""

    run_id: str
    view: View
    subjects: tuple[LabSubject, ...]
    probes: tuple[Probe, ...]
    externals: tuple[IPAddress, ...] = ()
    dns: tuple[tuple[str, tuple[str, ...]], ...] = ()  # name -> addresses, for the DNS responder
    notes: tuple[str, ...] = ()

    @property
    def hub(self) -> str:
        """The namespace holding the bridge; nothing else lives there."""
        return f"{self.run_id}-hub"

    @property
    def internet(self) -> str:
        """The namespace playing every address outside the cluster."""
        return f"{self.run_id}-net"

    @property
    def internet_mac(self) -> str:
        """The internet's eth0 address (after every subject's)."""
        return mac_address(len(self.subjects))

    @property
    def table(self) -> str:
        """The nftables table every subject namespace gets (``pwl_3fa9c2``)."""
        return self.run_id.replace("-", "_")

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Every network namespace of the run, hub first."""
        extra = (self.internet,) if self.externals else ()
        return (self.hub, *extra, *(s.netns for s in self.subjects))

    def subject(self, key: str) -> LabSubject:
        """The subject called ``key``."""
        for s in self.subjects:
            if s.key == key:
                return s
        raise KeyError(key)

    def listen_ports(self, subject: LabSubject | None = None) -> dict[Protocol, tuple[int, ...]]:
        """TCP and UDP ports every agent listens on: the probed ones (the same for every subject)."""
        ports: dict[Protocol, set[int]] = {Protocol.TCP: set(), Protocol.UDP: set()}
        for probe in self.probes:
            if probe.protocol in ports:
                ports[probe.protocol].add(probe.port)
        return {proto: tuple(sorted(numbers)) for proto, numbers in ports.items()}

    def check_listeners(self, limit: int = MAX_LISTENERS) -> None:
        """``UsageError`` when an agent would listen on more than ``limit`` sockets (addresses x ports)."""
        ports = sum(len(p) for p in self.listen_ports().values())
        for name, addresses in ((s.key, s.pod.ips) for s in self.subjects):
            _listeners(name, len(addresses) * ports, limit)
        if self.externals:
            _listeners("the internet", len(self.externals) * ports, limit)

    def probe_count(self, sources: Collection[str] | None = None, destinations: Collection[str] | None = None) -> int:
        """How many probes ``Lab.measure`` sends for these ends (every subject and the internet by default)."""
        n_sources = len(self.subjects) if sources is None else len(set(sources))
        n_destinations = len(self.subjects) if destinations is None else len(set(destinations))
        pairs = n_sources * n_destinations
        if destinations is None:
            pairs += n_sources * len(self.externals)
        if sources is None:
            pairs += n_destinations * len(self.externals)
        return pairs * len(self.probes)

    def check_probes(self, sources: Collection[str] | None = None, destinations: Collection[str] | None = None,
                     limit: int | None = MAX_PROBES) -> None:
        """``UsageError`` naming the count and ``--max-probes`` when a run would send more than ``limit``."""
        count = self.probe_count(sources, destinations)
        if limit is not None and count > limit:
            raise UsageError(f"the lab would send {count:,} probes, more than --max-probes {limit:,}: "
                             "probe fewer ports (--probe) or subjects (-n, --from, --to), or raise --max-probes")

    def cluster(self, base: Cluster) -> Cluster:
        """``base`` with exactly the lab's pods (with their lab addresses): what the engine judges.

        A verdict depends only on the two ends, the namespaces and the policies,
        so leaving out pods the lab does not build changes no verdict.
        """
        return dataclasses.replace(base, pods=tuple(s.pod for s in self.subjects))


def plan_lab(
    cluster: Cluster,
    probes: Sequence[Probe] | None = None,
    *,
    by: View | str = View.POD,
    namespaces: Collection[str] | None = None,
    only: Collection[str] | None = None,
    internet: bool = True,
    run_id: str | None = None,
    extra_ipblocks: Sequence[IPBlockPeer] = (),
    max_subjects: int | None = None,
) -> LabPlan:
    """Decide what to build for ``cluster``.

    ``namespaces`` limits the subjects to those namespaces; ``only`` to those
    subject keys. Without ``probes`` every declared container port is probed.
    ``extra_ipblocks`` are ipBlocks to play external addresses for beyond those
    of ``cluster``'s policies (a lab reused for policy sets not yet known).
    More than ``max_subjects`` subjects (``None``: no limit), more than
    ``MAX_EXTERNALS`` external addresses or ``MAX_DNS_RECORDS`` DNS answers are
    a ``UsageError``, raised before anything grows with them.
    """
    view = View(by)
    run_id = run_id or new_run_id()
    if not RUN_ID.match(run_id):
        raise LabError(f"invalid run id {run_id!r}: expected {PREFIX} and 6 hex digits")
    chosen: dict[str, Pod] = {}
    for pod in cluster.pods:
        if namespaces is not None and pod.namespace not in namespaces:
            continue
        key = subject_of(pod, view)
        if only is not None and key not in only:
            continue
        chosen.setdefault(key, pod)  # one replica per workload: the first pod of it
    if not chosen:
        raise LabError("nothing to build: the input has no pods or workloads in scope")
    if max_subjects is not None and len(chosen) > max_subjects:
        raise UsageError(f"the lab would build {len(chosen):,} subjects, more than --max-subjects {max_subjects:,}: "
                         "choose fewer with -n, --from and --to, or raise --max-subjects")
    keys = sorted(chosen)
    for key in keys:  # every address is on an interface and in every other namespace's neighbour table
        if len(chosen[key].ips) > MAX_POD_ADDRESSES:
            raise UsageError(f"{key} has {len(chosen[key].ips):,} addresses (status.podIPs): a pod has at most "
                             f"{MAX_POD_ADDRESSES}, one per IP family")
    addressed, notes = assign_addresses([chosen[k] for k in keys])
    subjects = tuple(
        LabSubject(key, pod, f"{run_id}-s{i}", f"s{i}", allocated, mac_address(i))
        for i, (key, (pod, allocated)) in enumerate(zip(keys, addressed))
    )
    chosen_probes = tuple(sorted(set(probes if probes is not None else declared_probes(tuple(chosen.values())))))
    externals: tuple[IPAddress, ...] = ()
    if internet:
        taken = {ip for s in subjects for ip in s.pod.ips}
        externals, skipped = external_addresses((*ipblocks(cluster), *extra_ipblocks), taken)
        notes.extend(f"external range {r} cannot be played by the lab (reserved addresses)" for r in skipped)
    return LabPlan(
        run_id,
        view,
        subjects,
        chosen_probes,
        externals,
        dns_records(cluster, [s.pod for s in subjects]),
        tuple(notes),
    )


def assign_addresses(pods: Sequence[Pod]) -> tuple[list[tuple[Pod, bool]], list[str]]:
    """Keep the input's pod IPs, allocate 10.244.<namespace>.<n> to pods without one.

    An address already taken by an earlier subject (host-network pods of one
    node share the node's) is dropped; a pod left with none is allocated one,
    and a note says so. Raises ``LabError`` for an address the lab cannot use.
    Returns (pod with its lab addresses, allocated?) per pod, and the notes.
    """
    owner: dict[IPAddress, str] = {}
    kept: list[tuple[Pod, tuple[IPAddress, ...]]] = []
    notes: list[str] = []
    for pod in pods:
        mine: list[IPAddress] = []
        for ip in pod.ips:
            if not usable(ip):
                raise LabError(f"{pod.key}: address {ip} cannot be used in the lab (loopback, link-local, multicast or reserved)")
            if ip in owner:
                notes.append(f"{pod.key} shares address {ip} with {owner[ip]}; the lab gives it an address of its own")
                continue
            owner[ip] = pod.key
            mine.append(ip)
        kept.append((pod, tuple(mine)))
    namespaces = sorted({p.namespace for p, ips in kept if not ips})
    if len(namespaces) > 256:
        raise LabError("the lab allocates addresses for at most 256 namespaces (10.244.0.0/16, one /24 each)")
    next_host = {ns: 1 for ns in namespaces}
    result: list[tuple[Pod, bool]] = []
    for pod, ips in kept:
        if ips:
            result.append((pod if ips == pod.ips else dataclasses.replace(pod, ips=ips), False))
            continue
        block = namespaces.index(pod.namespace)
        while True:
            host = next_host[pod.namespace]
            if host > 254:
                raise LabError(f"namespace {pod.namespace}: more than 254 subjects need an address from 10.244.{block}.0/24")
            next_host[pod.namespace] = host + 1
            address = ipaddress.ip_address(f"10.244.{block}.{host}")
            if address not in owner:
                break
        owner[address] = pod.key
        result.append((dataclasses.replace(pod, ips=(address,)), True))
    return result, notes


def ipblocks(cluster: Cluster) -> tuple[IPBlockPeer, ...]:
    """Every ipBlock in play (NetworkPolicies and, when loaded, admin-tier ``networks``)."""
    seen: dict[IPBlockPeer, None] = {}
    for policy in (*cluster.policies, *getattr(cluster, "admin_policies", ())):
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers:
                if isinstance(peer, IPBlockPeer):
                    seen.setdefault(peer, None)
    return tuple(seen)


def external_addresses(
    blocks: Sequence[IPBlockPeer], taken: Collection[IPAddress], limit: int = MAX_EXTERNALS
) -> tuple[tuple[IPAddress, ...], tuple[str, ...]]:
    """One usable address per distinct combination of blocks an external address can fall in.

    The cidr and except boundaries cut each address family into ranges; two
    addresses of a range are matched by exactly the same blocks, so one address
    per distinct signature exercises every behaviour. Returns the addresses and
    the ranges that had no usable address (e.g. an except of 127.0.0.0/8).
    More than ``limit`` addresses is a ``UsageError`` (found before the rest is computed).
    """
    chosen: dict[tuple, IPAddress] = {}
    skipped: list[str] = []
    for version, bits in ((4, 32), (6, 128)):
        family = [b for b in blocks if b.cidr.version == version]
        if not family:
            continue
        if version == 4 and DEFAULT_EXTERNAL not in taken:  # the familiar address, where it fits
            chosen[(4, tuple(b.contains(DEFAULT_EXTERNAL) for b in family))] = DEFAULT_EXTERNAL
        cuts = {0, 1 << bits}
        for block in family:
            for net in (block.cidr, *block.excepts):
                cuts.add(int(net.network_address))
                cuts.add(int(net.broadcast_address) + 1)
        points = sorted(cuts)
        for lo, end in zip(points, points[1:]):
            hi = end - 1
            probe = ipaddress.ip_address(lo) if version == 4 else ipaddress.IPv6Address(lo)
            signature = (version, tuple(b.contains(probe) for b in family))
            if signature in chosen:
                continue
            address = _pick(version, lo, hi, taken)
            if address is None:
                skipped.extend(str(n) for n in _summarize(version, lo, hi))
                continue
            chosen[signature] = address
            if len(chosen) > limit:
                raise UsageError(f"the policies' ipBlocks need more than {limit:,} external addresses, more than "
                                 "the lab plays: leave the internet out (--no-internet) or probe fewer namespaces (-n)")
    if not any(a.version == 4 for a in chosen.values()) and DEFAULT_EXTERNAL not in taken:
        chosen[(4, ())] = DEFAULT_EXTERNAL
    return tuple(sorted(chosen.values(), key=lambda a: (a.version, a))), tuple(skipped)


def _pick(version: int, lo: int, hi: int, taken: Collection[IPAddress]) -> IPAddress | None:
    """The first usable, free address of [lo, hi], preferring lo+1 (never a .0)."""
    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    candidate = lo + 1 if hi > lo else lo
    for _ in range(4096):
        if candidate > hi:
            break
        address = make(candidate)
        blocked = next((n for n in _UNUSABLE if n.version == version and address in n), None)
        if blocked is not None:
            after = int(blocked.broadcast_address) + 1
            candidate = after + 1 if after + 1 <= hi else after  # x.0.0.1 rather than x.0.0.0
            continue
        if address not in taken:
            return address
        candidate += 1
    if hi > lo and make(lo) not in taken and usable(make(lo)):
        return make(lo)
    return None


def _summarize(version: int, lo: int, hi: int) -> Iterable[IPNetwork]:
    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return ipaddress.summarize_address_range(make(lo), make(hi))


def dns_records(cluster: Cluster, pods: Sequence[Pod]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``<service>.<namespace>.svc.cluster.local`` -> the lab addresses of the pods it selects.

    Headless-style answers: the lab has no Service IPs, and policies never see them anyway.
    """
    records: list[tuple[str, tuple[str, ...]]] = []
    total = 0
    for service in cluster.services:
        if not service.selector:
            continue
        addresses = tuple(
            str(ip)
            for pod in pods
            if pod.namespace == service.namespace
            and all(pod.labels.get(k) == v for k, v in service.selector.items())
            for ip in pod.ips
        )
        if addresses:
            records.append((f"{service.name}.{service.namespace}.svc.cluster.local", addresses))
            total += len(addresses)
            if total > MAX_DNS_RECORDS:
                raise UsageError(f"the lab's DNS server would hand out more than {MAX_DNS_RECORDS:,} addresses "
                                 "for the input's Services: probe fewer namespaces (-n)")
    return tuple(sorted(records))


def _listeners(name: str, count: int, limit: int) -> None:
    if count > limit:
        raise UsageError(f"{name} would listen on {count:,} sockets (addresses x probed ports), more than the lab's "
                         f"{limit:,} per namespace: probe fewer ports (--probe)")
