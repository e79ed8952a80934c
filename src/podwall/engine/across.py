"""The same question under several sets of conventions: where does the answer depend on them?

The caller names each variant (``podwall`` names them after CNI profiles; the
engine only sees labels and ``EngineOptions``). Variants with equal options are
judged once. A flow "depends" when some variants allow it and others deny it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from podwall.engine.explaining import Explanation, explain
from podwall.engine.options import EngineOptions, Probe
from podwall.engine.reach import Reachability, View, reach
from podwall.model import Cluster
from podwall.model.quick import frozen


@frozen
class Dependence:
    """A flow whose verdict differs between variants, and which variants are on each side."""

    source: str
    destination: str
    probe: Probe
    allowed_in: tuple[str, ...]
    denied_in: tuple[str, ...]


@frozen
class ReachAcross:
    """``base`` is the matrix of the variant in use; ``depends`` lists every flow the variants disagree on."""

    base: Reachability
    base_name: str
    variants: tuple[str, ...]
    depends: tuple[Dependence, ...]

    def dependence(self, source: str, destination: str, probe: Probe) -> Dependence | None:
        """The disagreement about one flow, if any."""
        for item in self.depends:
            if (item.source, item.destination, item.probe) == (source, destination, probe):
                return item
        return None

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """(source, destination) pairs with some flow that depends on the variant."""
        return frozenset((d.source, d.destination) for d in self.depends)


def _groups(variants: Mapping[str, EngineOptions]) -> dict[EngineOptions, list[str]]:
    groups: dict[EngineOptions, list[str]] = {}
    for name, options in variants.items():
        groups.setdefault(options, []).append(name)
    return groups


def reach_across(
    cluster: Cluster,
    variants: Mapping[str, EngineOptions],
    base: str,
    probes: Sequence[Probe] | None = None,
    *,
    by: View | str = View.POD,
    namespaces: Collection[str] | None = None,
) -> ReachAcross:
    """``reach`` under every variant; ``base`` (one of them) is the matrix shown."""
    groups = _groups(variants)
    results = {options: reach(cluster, probes, by=by, namespaces=namespaces, options=options) for options in groups}
    allowed = {options: result.allowed for options, result in results.items()}
    every = frozenset().union(*allowed.values())
    depends: list[Dependence] = []
    for flow in sorted(every):
        yes = sorted(n for options, names in groups.items() if flow in allowed[options] for n in names)
        if len(yes) < len(variants):
            no = sorted(n for n in variants if n not in yes)
            depends.append(Dependence(flow[0], flow[1], flow[2], tuple(yes), tuple(no)))
    return ReachAcross(results[variants[base]], base, tuple(sorted(variants)), tuple(depends))


@frozen
class ExplainAcross:
    """One explanation per distinct set of options, with the variants that share it; ``base`` first."""

    base_name: str
    verdicts: tuple[tuple[tuple[str, ...], Explanation], ...]

    @property
    def base(self) -> Explanation:
        """The explanation of the variant in use."""
        return next(e for names, e in self.verdicts if self.base_name in names)

    @property
    def allowed_in(self) -> tuple[str, ...]:
        """Variants under which the flow is allowed, sorted."""
        return tuple(sorted(n for names, e in self.verdicts if e.allowed for n in names))

    @property
    def denied_in(self) -> tuple[str, ...]:
        """Variants under which the flow is denied, sorted."""
        return tuple(sorted(n for names, e in self.verdicts if not e.allowed for n in names))

    @property
    def depends(self) -> bool:
        """Whether some variants allow the flow and others deny it."""
        return bool(self.allowed_in) and bool(self.denied_in)


def explain_across(
    cluster: Cluster,
    source: str,
    destination: str,
    probe: Probe | str,
    variants: Mapping[str, EngineOptions],
    base: str,
) -> ExplainAcross:
    """``explain`` under every variant; variants with equal options share one explanation."""
    verdicts = [(tuple(sorted(names)), explain(cluster, source, destination, probe, options))
                for options, names in _groups(variants).items()]
    verdicts.sort(key=lambda item: (base not in item[0], item[0]))
    return ExplainAcross(base, tuple(verdicts))
