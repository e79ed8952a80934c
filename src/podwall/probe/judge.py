"""The probe results laid beside the engine's verdicts on the twins, with the likely cause of each mismatch.

The engine judges the twins themselves, with their real IPs (an ipBlock may match a twin's address
and not its workload's). A mismatch gets the most specific cause that explains it:

1. every flow the policies deny connected: the network plugin does not enforce NetworkPolicy;
2. a convention the plugins disagree on would explain it: the engine is asked again under each
   alternative convention (``Alternative``) and the ones that agree with the observation are named.
   This is the hook for CNI profiles: each profile's conventions become one alternative;
3. otherwise what is known about the flow: an admin-tier decision, policies of other APIs that
   podwall does not evaluate, SCTP, a source that reached nothing or a destination nothing reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from podwall.engine import Basis, EngineOptions, Probe, evaluate
from podwall.engine.evaluate import namespace_labels
from podwall.model import Cluster, Pod, Protocol
from podwall.probe.twins import Outcome

CONNECTED, TIMEOUT, REFUSED, ERROR, NOT_RUN = "connected", "timeout", "refused", "error", "not-run"
_ADMIN = {Basis.ADMIN_DENY, Basis.BASELINE_DENY, Basis.ADMIN_ALLOW, Basis.BASELINE_ALLOW}


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another reading of the points SEMANTICS.md leaves to the plugin, to try on a mismatch."""

    name: str
    options: EngineOptions


def default_alternatives(options: EngineOptions) -> tuple[Alternative, ...]:
    """The conventions the engine can switch today (CNI profiles will add one per plugin)."""
    if options.ipblock_matches_pods:
        return (Alternative("ipBlocks that do not match pod IPs (Cilium's documented behaviour; "
                            "--ipblock-ignores-pods)", replace(options, ipblock_matches_pods=False)),)
    return (Alternative("ipBlocks that match pod IPs (the common behaviour)", replace(options, ipblock_matches_pods=True)),)


@dataclass(frozen=True, slots=True)
class Result:
    """One probe: what the engine says of the twins, what the source twin saw, and why they differ."""

    source: str
    destination: str
    probe: Probe
    expected: bool
    observed: str
    detail: str = ""
    cause: str = ""

    @property
    def conclusive(self) -> bool:
        """The probe ran and ended in a connection, a timeout or a refusal."""
        return self.observed in (CONNECTED, TIMEOUT, REFUSED)

    @property
    def agrees(self) -> bool:
        """A conclusive probe whose outcome is the engine's verdict."""
        return self.conclusive and (self.observed == CONNECTED) == self.expected


@dataclass(frozen=True, slots=True)
class Judged:
    """Every result, and notes that concern the whole run."""

    results: tuple[Result, ...]
    notes: tuple[str, ...] = ()

    @property
    def mismatches(self) -> tuple[Result, ...]:
        """Conclusive probes that disagree with the engine."""
        return tuple(r for r in self.results if r.conclusive and not r.agrees)

    @property
    def inconclusive(self) -> tuple[Result, ...]:
        """Probes that did not run or ended in an error."""
        return tuple(r for r in self.results if not r.conclusive)


@dataclass(frozen=True, slots=True)
class Probed:
    """One planned flow with the twins that carried it and what the source twin saw (None: not run)."""

    source: str
    destination: str
    probe: Probe
    source_twin: Pod
    destination_twin: Pod
    outcome: Outcome | None
    reason: str = ""


def judge(cluster: Cluster, probed: Sequence[Probed], *, options: EngineOptions = EngineOptions(),
          alternatives: Sequence[Alternative] | None = None) -> Judged:
    """Engine verdicts on the twins beside the outcomes, with causes for the mismatches."""
    alternatives = default_alternatives(options) if alternatives is None else alternatives
    labels = namespace_labels(cluster)
    results = []
    for item in probed:
        verdict = evaluate(cluster, item.source_twin, item.destination_twin, item.probe, options, labels=labels)
        observed = item.outcome.result if item.outcome is not None else NOT_RUN
        detail = item.outcome.detail if item.outcome is not None else item.reason
        results.append(Result(item.source, item.destination, item.probe, verdict.allowed, observed, detail))
    notes: list[str] = []
    denied = [r for r in results if r.conclusive and not r.expected]
    unenforced = bool(denied) and all(r.observed == CONNECTED for r in denied)
    if unenforced:
        notes.append(f"the network plugin does not enforce NetworkPolicy: all {len(denied)} probes the policies "
                     "deny connected")
    by_source = _reached(results, lambda r: r.source)
    by_destination = _reached(results, lambda r: r.destination)
    explained = []
    for result, item in zip(results, probed):
        if not result.conclusive or result.agrees:
            explained.append(result)
            continue
        if unenforced and not result.expected:
            cause = "the network plugin does not enforce NetworkPolicy"
        else:
            cause = _cause(cluster, result, item, options, alternatives, labels, by_source, by_destination)
        explained.append(replace(result, cause=cause))
    return Judged(tuple(explained), tuple(notes))


def _reached(results: Sequence[Result], key: object) -> dict[str, bool]:
    """Per source (or destination): whether any of its conclusive probes connected."""
    out: dict[str, bool] = {}
    for result in results:
        if result.conclusive:
            name = key(result)  # type: ignore[operator]
            out[name] = out.get(name, False) or result.observed == CONNECTED
    return out


def _cause(cluster: Cluster, result: Result, item: Probed, options: EngineOptions,
           alternatives: Sequence[Alternative], labels: Mapping[str, object],
           by_source: Mapping[str, bool], by_destination: Mapping[str, bool]) -> str:
    observed_allowed = result.observed == CONNECTED
    fits = [
        alt.name for alt in alternatives
        if evaluate(cluster, item.source_twin, item.destination_twin, item.probe, alt.options,
                    labels=labels).allowed == observed_allowed  # type: ignore[arg-type]
    ]
    if fits:
        return "a plugin convention: explained by " + "; ".join(fits)
    verdict = evaluate(cluster, item.source_twin, item.destination_twin, item.probe, options,
                       labels=labels)  # type: ignore[arg-type]
    admin = [side for side in (verdict.egress, verdict.ingress) if side.basis in _ADMIN]
    foreign = _foreign(cluster)
    if admin:
        return (f"decided by an admin policy tier ({admin[0].basis.value}): the plugin may not implement "
                "AdminNetworkPolicy/BaselineAdminNetworkPolicy" + foreign)
    if observed_allowed:
        return ("connected although the policies deny it: the plugin may not enforce NetworkPolicy here, or the "
                "policies were changed during the run" + foreign)
    if result.probe.protocol is Protocol.SCTP:
        return "SCTP: the plugin or the nodes' kernel may not support it" + foreign
    if not by_source.get(result.source, False):
        return ("the source twin reached nothing: egress is blocked by something outside NetworkPolicy "
                "(a plugin's own policies, a node firewall, a service mesh)" + foreign)
    if not by_destination.get(result.destination, False):
        return ("nothing reached the destination twin: ingress is blocked by something outside NetworkPolicy, "
                "or it was not listening" + foreign)
    if result.observed == REFUSED:
        return "refused: the plugin rejects the flow, or the destination twin was not listening yet" + foreign
    return "blocked although the policies allow it: a plugin convention or a policy podwall cannot see" + foreign


def _foreign(cluster: Cluster) -> str:
    if not cluster.unevaluated:
        return ""
    shown = ", ".join(f"{u.kind} {u.namespace + '/' if u.namespace else ''}{u.name}" for u in cluster.unevaluated[:3])
    more = f" and {len(cluster.unevaluated) - 3} more" if len(cluster.unevaluated) > 3 else ""
    return f"; the cluster also has policies podwall does not evaluate ({shown}{more})"
