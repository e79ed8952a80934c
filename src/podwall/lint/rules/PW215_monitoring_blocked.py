"""PW215 monitoring.scrape-blocked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from podwall.engine import Probe
from podwall.lint.context import Context, bits, is_prometheus
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import command, namespace_selector, policy
from podwall.lint.phrases import listing
from podwall.lint.registry import Rule, register
from podwall.model import Direction, LabelSelector, Monitor, Protocol

SCRAPE = "prometheus.io/scrape"
SCRAPE_PORT = "prometheus.io/port"


@dataclass
class _Wanted:
    """A scrape target: who asks for it and on which ports."""

    subject: str
    namespace: str
    origin: str
    classes: set[int] = field(default_factory=set)
    probes: set[Probe] = field(default_factory=set)


def _annotation_targets(ctx: Context, wanted: dict[tuple[str, str], _Wanted]) -> None:
    for c in bits(ctx.real):
        for pod in ctx.classes[c].pods:
            if pod.annotations.get(SCRAPE) != "true":
                continue
            given = pod.annotations.get(SCRAPE_PORT, "")
            if given.isdigit() and 1 <= int(given) <= 65535:
                probes = {Probe(int(given), Protocol.TCP)}
            else:
                probes = {Probe(cp.port, cp.protocol) for cp in pod.ports if cp.protocol is Protocol.TCP}
            _add(wanted, pod.workload_key, pod.namespace, f"the annotation {SCRAPE}", c, probes)


def _monitor_targets(ctx: Context, monitor: Monitor, wanted: dict[tuple[str, str], _Wanted]) -> None:
    origin = f"{monitor.kind} {monitor.namespace}/{monitor.name}"
    if monitor.kind == "PodMonitor":
        for ns in sorted(ctx.by_namespace):
            if not monitor.watches(ns):
                continue
            for c in bits(ctx.namespace_classes(ns)):
                if monitor.selector.matches(ctx.classes[c].rep.labels):
                    for endpoint in monitor.endpoints:
                        probe = ctx.resolve(endpoint.pod_port, Protocol.TCP, c) if endpoint.pod_port is not None else None
                        if probe is not None:
                            for subject in ctx.classes[c].subjects:
                                _add(wanted, subject, ns, origin, c, {probe})
        return
    for service in ctx.services:
        if not monitor.watches(service.namespace) or not monitor.selector.matches(service.labels) or not service.selector:
            continue
        chosen = LabelSelector.from_labels(service.selector)
        for c in bits(ctx.namespace_classes(service.namespace)):
            if not chosen.matches(ctx.classes[c].rep.labels):
                continue
            for endpoint in monitor.endpoints:
                probe = None
                if endpoint.service_port is not None:
                    for port in service.ports:
                        if port.name == endpoint.service_port or str(port.port) == endpoint.service_port:
                            probe = ctx.resolve(port.target_port, port.protocol, c)
                elif endpoint.pod_port is not None:
                    probe = ctx.resolve(endpoint.pod_port, Protocol.TCP, c)
                if probe is not None:
                    for subject in ctx.classes[c].subjects:
                        _add(wanted, subject, service.namespace, origin, c, {probe})


def _add(wanted: dict[tuple[str, str], _Wanted], subject: str, namespace: str, origin: str, c: int, probes: set[Probe]) -> None:
    if not probes:
        return
    entry = wanted.setdefault((subject, origin), _Wanted(subject, namespace, origin))
    entry.classes.add(c)
    entry.probes.update(probes)


@register
class ScrapeBlocked(Rule):
    """Pods Prometheus is told to scrape that Prometheus may not reach.

    What it checks:
    Scrape targets are pods annotated `prometheus.io/scrape: "true"` (on the
    port of `prometheus.io/port`, else every TCP port they declare) and pods
    selected by a ServiceMonitor (through its Services' ports) or a
    PodMonitor. Prometheus is the pods labelled `app`,
    `app.kubernetes.io/name` or `k8s-app` = `prometheus`; when the input has
    none, one is assumed in the monitors' namespace (or `monitoring`). Some
    Prometheus pod must be allowed, on both sides, to reach each target port.

    Why it matters:
    After a default-deny, monitoring goes dark first and quietly: the
    targets show as down, alerts on them stop firing, and nobody connects it
    to the policy change.

    Example:
    ```yaml
    # production has default-deny-all; backend's pods are annotated
    #   prometheus.io/scrape: "true"
    #   prometheus.io/port: "9090"
    # and no policy admits the monitoring namespace on 9090
    ```

    Fix:
    `podwall generate allow-namespace monitoring --port 9090 -n production`:
    ```yaml
    ingress:
      - from:
          - namespaceSelector:
              matchLabels: {kubernetes.io/metadata.name: monitoring}
        ports: [{protocol: TCP, port: 9090}]
    ```

    Known limits:
    Other annotation conventions (`prometheus.io/scheme`, per-container
    ports) and Prometheus's own `scrape_configs` are not read. A Prometheus
    outside the input is assumed with the label
    `app.kubernetes.io/name: prometheus`.
    """

    code = "PW215"
    name = "monitoring.scrape-blocked"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        wanted: dict[tuple[str, str], _Wanted] = {}
        _annotation_targets(ctx, wanted)
        for monitor in ctx.cluster.monitors:
            _monitor_targets(ctx, monitor, wanted)
        servers = [cls.index for cls in ctx.classes if is_prometheus(cls.rep)]
        if not servers:
            return
        for key in sorted(wanted):
            entry = wanted[key]
            blocked: list[Probe] = []
            first = None
            for probe in sorted(entry.probes):
                for d in sorted(entry.classes):
                    if any(ctx.allows(p, d, probe) for p in servers):
                        continue
                    blocked.append(probe)
                    first = first or (servers[0], d, probe)
                    break
            if not blocked or first is None:
                continue
            target = ctx.target_of(entry.subject)
            if target is None:
                continue
            yield self.finding(ctx, target, *self._explain(ctx, entry, blocked, first))

    def _explain(self, ctx: Context, entry: _Wanted, blocked: list[Probe], first: tuple[int, int, Probe]) -> tuple[str, str]:
        p, d, probe = first
        server = ctx.classes[p]
        if server.assumed:
            who = f"Prometheus (assumed in namespace {server.rep.namespace}: the input has no Prometheus pods)"
            short = "Prometheus"
        else:
            who = short = server.subjects[0]
        ports = ", ".join(str(b) for b in blocked)
        if not ctx.ingress_allows(d, p, probe):
            policies = self._blockers(ctx, p, d, probe, Direction.INGRESS)
            reason = f"{entry.subject} is isolated for ingress by {listing(policies)} and no ingress rule admits {short}"
            fix = "\n".join(
                command("allow-namespace", server.rep.namespace, "--port", str(b.port), "-n", entry.namespace) for b in blocked
            )
        else:
            policies = self._blockers(ctx, p, d, probe, Direction.EGRESS)
            reason = f"{short} is isolated for egress by {listing(policies)} and no egress rule allows {entry.subject}"
            labels = {k: v for k, v in server.rep.labels.items() if k in ("app", "app.kubernetes.io/name", "k8s-app")}
            fix = policy(
                f"allow-prometheus-scrape-{entry.namespace}",
                server.rep.namespace,
                LabelSelector.from_labels(labels),
                "Egress",
                [{"to": [{"namespaceSelector": namespace_selector(entry.namespace)}],
                  "ports": [{"protocol": b.protocol.value, "port": b.port} for b in blocked]}],
            )
        message = f"{entry.origin} asks Prometheus to scrape {entry.subject} on {ports}, but {who} may not reach it: {reason}"
        return message, fix

    @staticmethod
    def _blockers(ctx: Context, p: int, d: int, probe: Probe, direction: Direction) -> list[str]:
        """The policies that isolate the blocking side (from the engine's verdict when admin tiers exist)."""
        if ctx.has_admin:
            verdict = ctx.verdict(p, d, probe)
            side = verdict.ingress if direction is Direction.INGRESS else verdict.egress
            return [k.split("/", 1)[-1] for k in side.isolated_by] or ["an admin-tier policy"]
        return ctx.isolated_by(d if direction is Direction.INGRESS else p, direction)
