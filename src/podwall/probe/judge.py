"""The probe results laid beside the engine's verdicts on the twins, with the likely cause of each mismatch.

The probe asks "does the live cluster enforce what the policies say?", so the twins are judged
as a plugin that enforces NetworkPolicy would judge them, with the cluster's plugin's other
conventions (``enforcing``): a plugin that enforces nothing (flannel, an old kindnetd) would
otherwise predict ALLOWED everywhere and agree with itself. The engine judges the twins
themselves, with their real IPs (an ipBlock may match a twin's address and not its
workload's). A mismatch gets the most specific cause that explains it:

1. every flow the policies deny connected: the network plugin does not enforce NetworkPolicy
   (named: the CNI profile the cluster was recognised as, when it enforces none);
2. a convention the plugins disagree on would explain it: the engine is asked again under each
   distinct set of conventions of the CNI profiles (``Alternative``, named by the profiles that
   share it), and the ones that reproduce the observation are named with the conventions that
   make the difference; those that agree with every probe of the run first;
3. otherwise what is known about the flow: an admin-tier decision, policies of other APIs that
   podwall does not evaluate, SCTP, a source that reached nothing or a destination nothing reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from podwall.cni import TOPICS, convention_sets, conventions_of, topic_values
from podwall.engine import Basis, EngineOptions, Probe, evaluate
from podwall.engine.evaluate import namespace_labels
from podwall.model import Cluster, Conventions, Pod, Protocol
from podwall.model.quick import frozen
from podwall.probe.twins import Outcome

CONNECTED, TIMEOUT, REFUSED, ERROR, NOT_RUN = "connected", "timeout", "refused", "error", "not-run"
_ADMIN = {Basis.ADMIN_DENY, Basis.BASELINE_DENY, Basis.ADMIN_ALLOW, Basis.BASELINE_ALLOW}


@frozen
class Alternative:
    """Another reading of the points SEMANTICS.md leaves to the plugin, to try on a mismatch.

    ``name`` names it (the CNI profiles that share these conventions).
    """

    name: str
    options: EngineOptions


@frozen
class Plugin:
    """The network plugin the cluster is judged as (a CNI profile) and whether that profile enforces NetworkPolicy."""

    name: str = "generic"
    enforces: bool = True


def enforcing(options: EngineOptions) -> EngineOptions:
    """The probe's question: the policies as a plugin that enforces them would apply them, other conventions kept."""
    if options.conventions.enforces:
        return options
    return EngineOptions(options.ipblock_matches_pods, replace(options.conventions, enforces=True))


def default_alternatives(options: EngineOptions) -> tuple[Alternative, ...]:
    """One alternative per distinct set of conventions the CNI profiles resolve to, named by the profiles sharing it.

    Sets that enforce nothing are left out (a plugin that enforces nothing is
    cause 1, said once for the run), and so is the set ``options`` judges by.
    """
    return tuple(
        Alternative(", ".join(names), EngineOptions(None, conventions))
        for names, conventions in convention_sets()
        if conventions.enforces and conventions != options.conventions
    )


def _word(value: object) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


@frozen
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


@frozen
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


@frozen
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
          alternatives: Sequence[Alternative] | None = None, plugin: Plugin | None = None) -> Judged:
    """Engine verdicts on the twins beside the outcomes, with causes for the mismatches.

    ``options`` are the conventions twins are judged by (``enforcing`` of the
    cluster's plugin's); ``plugin`` names that plugin's profile, whose enforcement
    the observations are held against.
    """
    alternatives = default_alternatives(options) if alternatives is None else alternatives
    labels = namespace_labels(cluster)
    results = []
    for item in probed:
        verdict = evaluate(cluster, item.source_twin, item.destination_twin, item.probe, options, labels=labels)
        observed = item.outcome.result if item.outcome is not None else NOT_RUN
        detail = item.outcome.detail if item.outcome is not None else item.reason
        results.append(Result(item.source, item.destination, item.probe, verdict.allowed, observed, detail))
    denied = [r for r in results if r.conclusive and not r.expected]
    unenforced = bool(denied) and all(r.observed == CONNECTED for r in denied)
    named = plugin is not None and not plugin.enforces
    notes = _notes(plugin, denied, unenforced)
    consistent = _consistent(cluster, results, probed, alternatives, labels)
    by_source = _reached(results, lambda r: r.source)
    by_destination = _reached(results, lambda r: r.destination)
    explained = []
    for result, item in zip(results, probed):
        if not result.conclusive or result.agrees:
            explained.append(result)
            continue
        if unenforced and not result.expected:
            cause = "the network plugin does not enforce NetworkPolicy"
            if named:
                cause += f" (CNI profile {plugin.name}, which enforces none)"  # type: ignore[union-attr]
        else:
            cause = _cause(cluster, result, item, options, alternatives, consistent, labels, by_source,
                           by_destination)
        explained.append(replace(result, cause=cause))
    return Judged(tuple(explained), tuple(notes))


def _notes(plugin: Plugin | None, denied: Sequence[Result], unenforced: bool) -> list[str]:
    """What the run says about enforcement as a whole, held against the plugin's profile."""
    if unenforced:
        if plugin is not None and not plugin.enforces:
            return [f"the network plugin does not enforce NetworkPolicy, as its CNI profile {plugin.name} says: "
                    f"all {len(denied)} probes the policies deny connected"]
        return [f"the network plugin does not enforce NetworkPolicy: all {len(denied)} probes the policies "
                "deny connected"]
    if plugin is None or plugin.enforces:
        return []
    if not denied:
        return [f"the CNI profile {plugin.name} enforces no NetworkPolicy, and no probe of a flow the policies "
                "deny ran: this run cannot tell whether the cluster enforces them (probe such a flow: --from, "
                "--to, --probe)"]
    blocked = sum(1 for r in denied if r.observed != CONNECTED)
    return [f"the CNI profile {plugin.name} enforces no NetworkPolicy, yet {blocked} of {len(denied)} probes the "
            "policies deny were blocked: another policy engine may run beside it (podwall cni --cluster shows "
            "what was recognised; --cni NAME judges as another plugin)"]


def _consistent(cluster: Cluster, results: Sequence[Result], probed: Sequence[Probed],
                alternatives: Sequence[Alternative], labels: Mapping[str, object]) -> set[str]:
    """The alternatives whose verdicts agree with every conclusive probe of the run."""
    conclusive = [(r, item) for r, item in zip(results, probed) if r.conclusive]
    if all(r.agrees for r, _ in conclusive):
        return set()
    return {
        alt.name for alt in alternatives
        if all(evaluate(cluster, item.source_twin, item.destination_twin, item.probe, alt.options,
                        labels=labels).allowed == (r.observed == CONNECTED)  # type: ignore[arg-type]
               for r, item in conclusive)
    }


def _reached(results: Sequence[Result], key: object) -> dict[str, bool]:
    """Per source (or destination): whether any of its conclusive probes connected."""
    out: dict[str, bool] = {}
    for result in results:
        if result.conclusive:
            name = key(result)  # type: ignore[operator]
            out[name] = out.get(name, False) or result.observed == CONNECTED
    return out


def _cause(cluster: Cluster, result: Result, item: Probed, options: EngineOptions,
           alternatives: Sequence[Alternative], consistent: set[str], labels: Mapping[str, object],
           by_source: Mapping[str, bool], by_destination: Mapping[str, bool]) -> str:
    observed_allowed = result.observed == CONNECTED

    def reproduces(conventions: Conventions) -> bool:
        verdict = evaluate(cluster, item.source_twin, item.destination_twin, item.probe,
                           EngineOptions(None, conventions), labels=labels)  # type: ignore[arg-type]
        return verdict.allowed == observed_allowed

    fits = [alt for alt in alternatives if reproduces(alt.options.conventions)]
    if fits:
        best = [alt for alt in fits if alt.name in consistent]
        shown = []
        mine = topic_values(options.conventions)
        for alt in best or fits:
            theirs = topic_values(alt.options.conventions)
            differing = [t for t in mine if mine[t] != theirs[t]]
            # the conventions that alone reproduce the observation, else every difference
            alone = [t for t in differing if reproduces(conventions_of({**mine, t: theirs[t]}))]
            words = "; ".join(f"{TOPICS[t]}: {_word(theirs[t])}" for t in alone or differing)
            shown.append(f"{alt.name} ({words})")
        scope = ("they agree with every probe of the run" if best
                 else "for this probe only: other probes of the run disagree with them")
        return f"a plugin convention: explained by the conventions of {' or of '.join(shown)}; {scope}"
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
