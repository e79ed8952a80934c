"""A lab's life: build the namespaces, apply policies, probe, compare, tear everything down.

``Lab`` is a context manager: leaving it (normally, on an error, on Ctrl-C or
SIGTERM) stops every agent and deletes every namespace of the run, which
removes its interfaces and nft tables with it. One built lab can be given many
policy sets in turn: ``apply`` rebuilds only the nft tables (and forgets
tracked connections), so a differential test pays for the topology once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace

from podwall.engine import EngineOptions, External, Probe, View, evaluate, reach
from podwall.engine.conventions import view
from podwall.errors import UsageError
from podwall.lab import netns
from podwall.lab.agents import Agent, exchange, stop_all
from podwall.lab.errors import LabError
from podwall.lab.nft import compile_lab
from podwall.lab.plan import MAX_PROBES, MAX_SUBJECTS, LabPlan, LabSubject, plan_lab
from podwall.lab.result import LabResult, Observation, Outcome
from podwall.model import Cluster, IPAddress, IPBlockPeer, Protocol
from podwall.model.quick import frozen

#: Probes the kernel can carry; anything else is reported as not testable.
TESTABLE = (Protocol.TCP, Protocol.UDP)
SCTP_NOTE = "SCTP is not testable on this kernel"
_READY_ROUNDS = 6  # readiness: at most this many probe rounds before the fabric is declared broken


@frozen
class _Task:
    source: str
    destination: str
    probe: Probe
    agent: str  # the agent that sends: a subject key, or "internet"
    address: str  # where to
    bind: str | None  # source address to send from (internet only)


class Lab:
    """A built lab for one plan; use as ``with Lab(plan) as lab: lab.apply(c); lab.measure(c)``.

    ``max_probes`` bounds what one ``measure`` may send (``None``: no bound);
    an agent listening on more than ``MAX_LISTENERS`` sockets is refused before
    anything is built.
    """

    def __init__(self, plan: LabPlan, *, timeout: float = 1.0, progress: Callable[[str], None] | None = None,
                 max_probes: int | None = MAX_PROBES) -> None:
        self.plan = plan
        self.timeout = timeout
        self.max_probes = max_probes
        self._progress = progress or (lambda _: None)
        self._agents: dict[str, Agent] = {}
        self._nft = "nft"
        self._built = False
        self.timings: dict[str, float] = {}

    # -- life cycle ------------------------------------------------------------------

    def __enter__(self) -> Lab:
        try:
            self.build()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def build(self) -> None:
        """Create namespaces and links, start one agent per namespace, check the fabric."""
        started = time.monotonic()
        _, self._nft = netns.tools()
        plan = self.plan
        plan.check_listeners()
        clash = set(netns.list_namespaces(plan.run_id + "-"))
        if clash:  # another run (live or crashed) with the same id: never touch its namespaces
            raise LabError(f"network namespaces of run {plan.run_id} already exist: {', '.join(sorted(clash))}")
        self._built = True  # from here on, teardown has something to remove
        self._progress(f"{plan.run_id}: building {len(plan.namespaces)} network namespaces")
        netns.build(plan)
        for subject in plan.subjects:
            self._agents[subject.key] = self._start(subject.key, subject.netns, [str(ip) for ip in subject.pod.ips])
        if plan.externals:
            self._agents["internet"] = self._start("the internet", plan.internet, [str(a) for a in plan.externals])
        deadline = time.monotonic() + 30
        for agent in self._agents.values():
            agent.receive(deadline)
        self._check_fabric()
        self.timings["build"] = time.monotonic() - started

    def _start(self, name: str, namespace: str, addresses: list[str]) -> Agent:
        ports = self.plan.listen_ports()
        dns = 53 in ports[Protocol.TCP] or 53 in ports[Protocol.UDP]  # only a DNS server needs the records
        config = {
            "addresses": addresses,
            "tcp": list(ports[Protocol.TCP]),
            "udp": list(ports[Protocol.UDP]),
            "dns": [[n, list(a)] for n, a in self.plan.dns] if dns else [],
            "nft": self._nft,
        }
        return Agent(name, namespace, config)

    def teardown(self) -> None:
        """Stop every agent and delete every namespace of the run; safe to call twice.

        A second Ctrl-C during teardown is held back until it is done.
        """
        if not self._built and not self._agents:
            return
        started = time.monotonic()
        with _deferred_interrupts():
            stop_all(list(self._agents.values()))
            self._agents.clear()
            netns.destroy(self.plan.namespaces)
            self._built = False
        self.timings["teardown"] = time.monotonic() - started

    # -- readiness -------------------------------------------------------------------

    def _check_fabric(self) -> None:
        """Before any rule: every listener answers a neighbour; bounded retries, no sleeping.

        Subject i is probed by subject i+1 on every port; every internet address
        probes, and is probed by, the first subject of its IP family. Whatever still
        fails after the last round means the lab itself is broken.
        """
        plan = self.plan
        probes = [p for p in plan.probes if p.protocol in TESTABLE]
        if not probes:
            return
        tasks: list[_Task] = []
        subjects = plan.subjects
        for i, target in enumerate(subjects):
            prober = subjects[(i + 1) % len(subjects)]
            for probe in probes:
                if _family_ok(prober, target.address):
                    tasks.append(_Task(prober.key, target.key, probe, prober.key, str(target.address), None))
        for address in plan.externals:
            peer = next((s for s in subjects if _family_ok(s, address)), None)
            if peer is None:
                continue
            target = next(ip for ip in peer.pod.ips if ip.version == address.version)
            for probe in probes:
                tasks.append(_Task(peer.key, str(address), probe, peer.key, str(address), None))
                tasks.append(_Task(str(address), peer.key, probe, "internet", str(target), str(address)))
        timeout = self.timeout
        failing: list[tuple[_Task, str, str]] = []
        for _ in range(_READY_ROUNDS):
            results = self._run(tasks, timeout)
            failing = [(t, o, d) for t, (o, d) in zip(tasks, results) if o != Outcome.ALLOWED.value]
            if not failing:
                return
            tasks = [t for t, _, _ in failing]
            timeout *= 2
        listing = "; ".join(f"{t.source} -> {t.destination} {t.probe}: {d}" for t, _, d in failing[:5])
        raise LabError(f"the lab's own network does not work before any policy is applied: {listing}")

    # -- policies and probes ---------------------------------------------------------

    def apply(self, cluster: Cluster, options: EngineOptions = EngineOptions()) -> None:
        """Load ``cluster``'s policies into every subject's table, then forget tracked connections.

        The rules are compiled from the input as ``options.conventions`` say the
        network plugin enforces it, so the kernel enforces that plugin's verdicts.
        """
        started = time.monotonic()
        lab_cluster = view(self.plan.cluster(cluster), options.conventions)
        scripts = compile_lab(lab_cluster, lab_cluster.pods, table=self.plan.table, options=options)
        agents = [self._agents[s.key] for s in self.plan.subjects]
        messages = [{"op": "apply", "script": scripts[s.pod.key]} for s in self.plan.subjects]
        exchange(agents, messages, timeout=60)
        self.timings["apply"] = time.monotonic() - started

    def measure(
        self,
        cluster: Cluster,
        options: EngineOptions = EngineOptions(),
        *,
        sources: Collection[str] | None = None,
        destinations: Collection[str] | None = None,
    ) -> LabResult:
        """Probe every (source, destination, probe) and compare with the engine.

        ``sources``/``destinations`` limit the subjects at either end; the
        internet takes part only at an end that is not limited. A probe that
        disagrees after timing out, or ends in an error, is repeated once with four
        times the timeout, so a slow machine cannot pass for a firewall.
        """
        started = time.monotonic()
        plan = self.plan
        plan.check_probes(sources, destinations, self.max_probes)
        lab_cluster = plan.cluster(cluster)
        matrix = reach(lab_cluster, plan.probes, by=plan.view, options=options)

        def predicted_external(s: LabSubject, address: IPAddress, probe: Probe, outbound: bool) -> bool:
            ends = (s.pod, External(address)) if outbound else (External(address), s.pod)
            return evaluate(lab_cluster, *ends, probe, options).allowed

        observations: list[Observation] = []
        tasks: list[_Task] = []
        expected: list[bool] = []

        def add(task: _Task, predicted: bool) -> None:
            if task.probe.protocol not in TESTABLE:
                observations.append(Observation(task.source, task.destination, task.probe, Outcome.NOT_TESTABLE,
                                                predicted, SCTP_NOTE if task.probe.protocol is Protocol.SCTP else ""))
            else:
                tasks.append(task)
                expected.append(predicted)

        def untestable(source: str, destination: str, probe: Probe, predicted: bool, why: str) -> None:
            observations.append(Observation(source, destination, probe, Outcome.NOT_TESTABLE, predicted, why))

        chosen_sources = [s for s in plan.subjects if sources is None or s.key in sources]
        chosen_destinations = [s for s in plan.subjects if destinations is None or s.key in destinations]
        for src in chosen_sources:
            for dst in chosen_destinations:
                for probe in plan.probes:
                    allowed = matrix.allows(src.key, dst.key, probe)
                    if not _family_ok(src, dst.address):
                        untestable(src.key, dst.key, probe, allowed, f"{src.key} has no IPv{dst.address.version} address")
                        continue
                    add(_Task(src.key, dst.key, probe, src.key, str(dst.address), None), allowed)
            if destinations is None:
                for address in plan.externals:
                    for probe in plan.probes:
                        allowed = predicted_external(src, address, probe, outbound=True)
                        if not _family_ok(src, address):
                            untestable(src.key, str(address), probe, allowed, f"{src.key} has no IPv{address.version} address")
                            continue
                        add(_Task(src.key, str(address), probe, src.key, str(address), None), allowed)
        if sources is None:
            for address in plan.externals:
                for dst in chosen_destinations:
                    target = next((ip for ip in dst.pod.ips if ip.version == address.version), None)
                    for probe in plan.probes:
                        allowed = predicted_external(dst, address, probe, outbound=False)
                        if target is None:
                            untestable(str(address), dst.key, probe, allowed, f"{dst.key} has no IPv{address.version} address")
                            continue
                        add(_Task(str(address), dst.key, probe, "internet", str(target), str(address)), allowed)

        self._progress(f"{plan.run_id}: {len(tasks)} probes")
        results = self._run(tasks, self.timeout)
        # Confirm, slower: a timeout that contradicts the engine, and every error (a starved
        # listener on a busy machine looks like one) are tried once more before they count.
        retry = [i for i, ((outcome, _), want) in enumerate(zip(results, expected))
                 if (outcome == Outcome.DENIED.value and want) or outcome == Outcome.ERROR.value]
        if retry:
            again = self._run([tasks[i] for i in retry], self.timeout * 4)
            for i, result in zip(retry, again):
                results[i] = result
        for task, (outcome, detail), want in zip(tasks, results, expected):
            observed = Outcome(outcome)
            verdict = None
            if observed in (Outcome.ALLOWED, Outcome.DENIED) and (observed is Outcome.ALLOWED) != want:
                verdict = self._verdict(lab_cluster, task, options)
            observations.append(Observation(task.source, task.destination, task.probe, observed, want, detail, verdict))
        observations.sort(key=lambda o: (o.source, o.destination, o.probe))
        self.timings["probe"] = time.monotonic() - started
        return LabResult(
            plan.run_id,
            plan.view,
            tuple(s.key for s in plan.subjects),
            tuple(str(a) for a in plan.externals),
            plan.probes,
            tuple(observations),
            tuple((s.key, ", ".join(str(ip) for ip in s.pod.ips)) for s in plan.subjects),
            plan.notes,
            tuple(self.timings.items()),
        )

    def _verdict(self, lab_cluster: Cluster, task: _Task, options: EngineOptions):
        def endpoint(name: str):
            for s in self.plan.subjects:
                if s.key == name:
                    return s.pod
            return External(next(a for a in self.plan.externals if str(a) == name))

        return evaluate(lab_cluster, endpoint(task.source), endpoint(task.destination), task.probe, options)

    def _run(self, tasks: Sequence[_Task], timeout: float) -> list[tuple[str, str]]:
        """Run probes, every agent at once; results in the order of ``tasks``."""
        by_agent: dict[str, list[int]] = {}
        for i, task in enumerate(tasks):
            by_agent.setdefault(task.agent, []).append(i)
        agents = [self._agents[name] for name in by_agent]
        messages = [
            {"op": "probe", "timeout": timeout,
             "probes": [[tasks[i].address, tasks[i].probe.port, tasks[i].probe.protocol.value, tasks[i].bind]
                        for i in indices]}
            for indices in by_agent.values()
        ]
        waves = 1 + max((len(i) for i in by_agent.values()), default=0) // 256
        answers = exchange(agents, messages, timeout=30 + 4 * timeout * waves)
        results: list[tuple[str, str]] = [("error", "not run")] * len(tasks)
        for indices, answer in zip(by_agent.values(), answers):
            for i, (outcome, detail) in zip(indices, answer["results"]):
                results[i] = (outcome, detail)
        return results


def _family_ok(source: LabSubject, address: IPAddress) -> bool:
    return any(ip.version == address.version for ip in source.pod.ips)


# -- signals -------------------------------------------------------------------------------


@contextlib.contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt like Ctrl-C, so ``finally`` blocks tear down."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {
        sig: signal.signal(sig, handler)
        for sig in (signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(sig) is not signal.SIG_IGN  # ignored by whoever started us: stays ignored
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while cleaning up; re-raise once clean."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = {
        sig: signal.signal(sig, hold)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(sig) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    if caught:
        raise KeyboardInterrupt(signal.Signals(caught[0]).name)


# -- the one-call API ------------------------------------------------------------------------


def run(
    cluster: Cluster,
    probes: Sequence[Probe] | None = None,
    *,
    by: View | str = View.POD,
    namespaces: Collection[str] | None = None,
    sources: Collection[str] | None = None,
    destinations: Collection[str] | None = None,
    internet: bool = True,
    options: EngineOptions = EngineOptions(),
    timeout: float = 1.0,
    extra_ipblocks: Sequence[IPBlockPeer] = (),
    progress: Callable[[str], None] | None = None,
    run_id: str | None = None,
    max_subjects: int | None = MAX_SUBJECTS,
    max_probes: int | None = MAX_PROBES,
) -> LabResult:
    """Build a lab for ``cluster``, enforce its policies, probe everything, compare, clean up.

    ``sources``/``destinations`` (subject keys) limit both what is built and
    what is probed. Needs root, ``ip`` and ``nft``; raises ``LabError`` otherwise.
    More than ``max_subjects`` subjects or ``max_probes`` probes (``None``: no
    limit) is a ``UsageError`` naming the count, before anything is built.
    Everything the run created is gone when this returns or raises.
    """
    cluster = view(cluster, options.conventions)  # the input as the network plugin enforces it
    # Both ends limited: build only those subjects; otherwise every subject is needed.
    only = None if sources is None or destinations is None else {*sources, *destinations}
    internet = internet and only is None  # the internet only takes part at an unlimited end
    plan = plan_lab(cluster, probes, by=by, namespaces=namespaces, only=only, internet=internet,
                    extra_ipblocks=extra_ipblocks, run_id=run_id, max_subjects=max_subjects)
    if not plan.probes:
        raise UsageError("nothing to probe: no subject declares a container port; name ports with --probe")
    for flag, names in (("--from", sources), ("--to", destinations)):
        missing = sorted(set(names or ()) - {s.key for s in plan.subjects})
        if missing:
            raise UsageError(f"{flag} {', '.join(missing)}: not among the subjects in scope (see -n)")
    plan.check_probes(sources, destinations, max_probes)
    plan.check_listeners()
    with interrupts_as_keyboard_interrupt(), Lab(plan, timeout=timeout, progress=progress,
                                                 max_probes=max_probes) as lab:
        lab.apply(cluster, options)
        result = lab.measure(cluster, options, sources=sources, destinations=destinations)
    return replace(result, timings=tuple(lab.timings.items()))
