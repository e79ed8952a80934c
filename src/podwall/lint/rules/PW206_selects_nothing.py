"""PW206 selector.selects-nothing."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import selector_dict, to_yaml
from podwall.lint.phrases import listing, plural
from podwall.lint.registry import Rule, register
from podwall.lint.suggest import near_miss


def labels_in(ctx: Context, mask: int) -> list[dict[str, str]]:
    """The label sets of the real, non-host-network classes in ``mask``."""
    return [ctx.classes[c].rep.labels for c in bits(mask & ctx.real) if not ctx.classes[c].rep.host_network]


def common_labels(ctx: Context, mask: int, limit: int = 6) -> str:
    """A few ``key=value`` labels pods in ``mask`` carry, for a fix comment."""
    seen: dict[str, None] = {}
    for labels in labels_in(ctx, mask):
        for key, value in sorted(labels.items()):
            if key not in ("pod-template-hash", "controller-revision-hash"):
                seen.setdefault(f"{key}={value}", None)
    return ", ".join(list(seen)[:limit])


@register
class SelectsNothing(Rule):
    """A policy whose podSelector selects no pod, often a label typo.

    What it checks:
    A NetworkPolicy with a non-empty `podSelector` that matches no pod or
    workload of its namespace. When a close label exists, the finding says
    which: `app=frontnd: did you mean app=frontend, which 2 pods have?`.
    When the pods are in another namespace, it says that instead. A policy
    (any podSelector, `{}` included) in a namespace that has no pod in the
    input while a namespace with a close name has pods is a namespace typo:
    `namespace prodution has no pod in the input: did you mean production?`.

    Why it matters:
    A policy that selects nothing does nothing: the pods it was written for
    stay open (or stay blocked), and nothing tells you.

    Example:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: allow-web, namespace: shop}
    spec:
      podSelector:
        matchLabels: {app: frontnd}   # the pods are app=frontend
    ```

    Fix:
    Correct the selector:
    ```yaml
    podSelector:
      matchLabels: {app: frontend}
    ```

    Known limits:
    Only pods and workloads in the input count: not reported for a namespace
    with no pods in the input at all (a folder of policies alone), nor, for
    `podSelector: {}`, for a namespace with no pods whose name is close to
    no namespace that has some. A policy
    selects pods of its own namespace only; host-network pods never.
    """

    code = "PW206"
    name = "selector.selects-nothing"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        populated = [ns for ns in sorted(ctx.by_namespace) if ctx.namespace_classes(ns)]
        for policy in ctx.policies:
            selector = policy.pod_selector
            own = ctx.namespace_classes(policy.namespace)
            if not own and (typo := _namespace_typo(ctx, policy.namespace, populated)):
                message = f"namespace {policy.namespace} has no pod in the input: did you mean {typo}"
                message += f", which has {plural(ctx.pod_count(ctx.namespace_classes(typo)), 'pod')}?"
                yield self.finding(ctx, policy, message, to_yaml({"metadata": {"name": policy.name, "namespace": typo}}))
                continue
            if selector.is_empty:
                continue
            if ctx.selected_by(policy) & ctx.real:
                continue
            elsewhere = [ns for ns in ctx.select_anywhere(selector) if ns != policy.namespace]
            if not own and not elsewhere:
                continue  # the input has no pods here: nothing to compare with
            message = f"podSelector {selector} selects no pod in namespace {policy.namespace}"
            hint = near_miss(
                selector,
                labels_in(ctx, own),
                lambda s, ns=policy.namespace: ctx.pod_count(ctx.select(ns, s)),
            )
            if hint is not None:
                message += f" ({hint.text})"
                fix = to_yaml({"podSelector": selector_dict(hint.selector)})
            elif elsewhere:
                message += (
                    f"; pods it would select are in namespace {listing(elsewhere)}, and a policy selects pods of its "
                    "own namespace only"
                )
                fix = to_yaml({"metadata": {"name": policy.name, "namespace": elsewhere[0]}})
            else:
                fix = to_yaml({"podSelector": selector_dict(selector)})
                fix += f"\n# no pod in {policy.namespace} matches; its pods carry: {common_labels(ctx, own)}"
            yield self.finding(ctx, policy, message, fix)


def _namespace_typo(ctx: Context, namespace: str, populated: list[str]) -> str | None:
    """The namespace with pods whose name is close to ``namespace`` (itself declared by no Namespace object)."""
    declared = ctx.namespaces.get(namespace)
    if declared is not None and not declared.implicit:
        return None  # a Namespace object says it exists: a namespace prepared before its pods
    close = difflib.get_close_matches(namespace, populated, n=1, cutoff=0.8)
    return close[0] if close else None
