"""Twins that would disturb a live workload despite everything twins.py does: found before any is created.

A twin carries exactly its workload's labels (so every policy treats it as the workload),
so whatever selects the workload by label selects the twin too. Two such selections are not
made harmless by a controller ownerReference and a readiness probe that never succeeds:

- a Service with ``publishNotReadyAddresses: true`` lists every pod it selects as an
  endpoint, Ready or not (headless Services for StatefulSet peer discovery do this), so real
  traffic (and peer discovery) would reach the twin
  (https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/);
- a PodDisruptionBudget counts every pod its selector matches; a twin is never healthy, and
  its controller (the run's namespace) is no scalable controller, which the disruption
  controller needs for ``maxUnavailable`` and percentage budgets, so the budget's status and
  the evictions it allows (node drains) would change during the run
  (https://kubernetes.io/docs/tasks/run-application/configure-pdb/#arbitrary-controllers-and-selectors).

Such twins are refused: their workloads are left out of the plan, each with a note naming the
object that selects them, unless the caller accepts the risk (``--allow-selected-twins``).
The objects are read from the API (``services`` and ``policy/v1 poddisruptionbudgets`` in the
twins' namespaces: list only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from podwall.loader.cluster import ApiStatusError, ClusterError, Connection
from podwall.loader.cluster.connection import PROBE_RBAC_HINT
from podwall.model import LabelSelector, Operator, Requirement
from podwall.model.quick import frozen
from podwall.probe.plan import Plan
from podwall.probe.twins import PROBE_LABEL, ROLE_LABEL

#: The option that accepts the risk.
ALLOW_OPTION = "--allow-selected-twins"


@frozen
class Hazard:
    """An object that selects a workload's twins, and what it would do with them."""

    workload: str
    kind: str  # Service or PodDisruptionBudget
    namespace: str
    name: str
    why: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name} selects {self.workload}'s pods: {self.why}"


def _selector(raw: Any) -> LabelSelector | None:
    """A ``metav1.LabelSelector`` as the API gives it; None for a missing (or unreadable) selector."""
    if not isinstance(raw, Mapping):
        return None
    labels = raw.get("matchLabels") or {}
    expressions = []
    for item in raw.get("matchExpressions") or []:
        if not isinstance(item, Mapping):
            return None
        try:
            operator = Operator(item.get("operator"))
        except ValueError:
            return None
        expressions.append(Requirement(str(item.get("key", "")), operator,
                                       tuple(sorted(str(v) for v in item.get("values") or []))))
    if not isinstance(labels, Mapping):
        return None
    return LabelSelector(tuple(sorted((str(k), str(v)) for k, v in labels.items())), tuple(expressions))


def _twin_labels(labels: Mapping[str, str]) -> list[dict[str, str]]:
    """The labels a twin of either role carries."""
    return [{**labels, PROBE_LABEL: "run", ROLE_LABEL: role} for role in ("source", "destination")]


def find(plan: Plan, services: Sequence[Mapping[str, Any]], budgets: Sequence[Mapping[str, Any]]) -> list[Hazard]:
    """The hazards among ``services`` and ``budgets`` (API objects) for the twins ``plan`` would create."""
    found: list[Hazard] = []
    keys = sorted(set(plan.sources) | set(plan.destinations))
    for obj, kind in [(s, "Service") for s in services] + [(b, "PodDisruptionBudget") for b in budgets]:
        meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        if kind == "Service":
            selector = spec.get("selector")
            if spec.get("publishNotReadyAddresses") is not True or not isinstance(selector, Mapping) or not selector:
                continue
            chosen = LabelSelector.from_labels({str(k): str(v) for k, v in selector.items()})
            why = ("it has publishNotReadyAddresses: true, so the never-Ready twins would be its endpoints and "
                   "receive real traffic")
        else:
            chosen = _selector(spec.get("selector"))  # policy/v1: {} selects every pod, no selector none
            if chosen is None:
                continue
            why = "the twins would count in the budget (never healthy, no scalable controller) during the run"
        for key in keys:
            workload = plan.workloads[key]
            if workload.namespace == meta.get("namespace") and any(
                    chosen.matches(labels) for labels in _twin_labels(workload.labels)):
                found.append(Hazard(key, kind, str(meta.get("namespace", "")), str(meta.get("name", "")), why))
    return found


def hazards(conn: Connection, plan: Plan) -> list[Hazard]:
    """Read the twins' namespaces' Services and PodDisruptionBudgets and find the hazards."""
    services: list[Mapping[str, Any]] = []
    budgets: list[Mapping[str, Any]] = []
    for namespace in plan.namespaces:
        services += conn.get(f"/api/v1/namespaces/{namespace}/services").get("items") or []
        try:
            budgets += conn.get(f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets").get("items") or []
        except ApiStatusError as error:
            if error.code == 403:
                raise ClusterError(f"cannot list the PodDisruptionBudgets of namespace {namespace}, which twins "
                                   f"must not disturb: forbidden; {PROBE_RBAC_HINT}") from None
            if error.code != 404:  # a cluster that serves no policy/v1 has no budgets to disturb
                raise
    return find(plan, services, budgets)


def refuse(plan: Plan, found: Sequence[Hazard]) -> Plan:
    """The plan without the workloads whose twins something selects, each with a note saying what and why."""
    if not found:
        return plan
    left_out = {h.workload for h in found}
    notes = [f"not probed: {h} (leave it out, or {ALLOW_OPTION} to create its twins anyway)" for h in found]
    flows = tuple(f for f in plan.flows if f.source not in left_out and f.destination not in left_out)
    whole = plan.candidates == len(plan.flows)  # not sampled: the refused flows are no candidates either
    candidates = len(flows) if whole else plan.candidates
    return replace(plan, flows=flows, candidates=candidates, notes=tuple(plan.notes) + tuple(dict.fromkeys(notes)))
