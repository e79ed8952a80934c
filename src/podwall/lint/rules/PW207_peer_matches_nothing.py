"""PW207 peer.matches-nothing."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import selector_dict, to_yaml
from podwall.lint.phrases import peer_field, peers_key
from podwall.lint.registry import Rule, register
from podwall.lint.rules.PW206_selects_nothing import common_labels, labels_in
from podwall.lint.rules.PW209_unknown_namespace_label import unknown_keys
from podwall.lint.suggest import near_miss
from podwall.model import NAMESPACE_NAME_LABEL, LabelSelector


def _names_one_namespace(selector: LabelSelector) -> bool:
    """``kubernetes.io/metadata.name: X`` alone: a namespace the input may simply not contain."""
    return not selector.match_expressions and [k for k, _ in selector.match_labels] == [NAMESPACE_NAME_LABEL]


@register
class PeerMatchesNothing(Rule):
    """A from/to peer whose selectors match no pod, often a label typo.

    What it checks:
    Every `podSelector` / `namespaceSelector` peer of every rule: it must
    match some pod or workload of the input. When a close label exists, the
    finding names it (`app=backnd: did you mean app=backend, which 2 pods
    have?`); a namespaceSelector matching no namespace is checked the same
    way against the namespaces' labels.

    Why it matters:
    A peer that matches nothing admits nothing: the allow you wrote does not
    take effect and the traffic stays blocked.

    Example:
    ```yaml
    ingress:
      - from:
          - podSelector:
              matchLabels: {app: fronted}   # the pods are app=frontend
    ```

    Fix:
    Correct the selector:
    ```yaml
    - podSelector:
        matchLabels: {app: frontend}
    ```

    Known limits:
    Not reported when the namespaces the peer looks in have no pods in the
    input, when it matches the DNS server or Prometheus that lint assumes
    for an input without them, nor for a namespaceSelector naming one namespace by
    `kubernetes.io/metadata.name` that the input does not contain. A bare
    podSelector matching pods of other namespaces is PW208's; a
    namespaceSelector on a label no namespace has is PW209's.
    """

    code = "PW207"
    name = "peer.matches-nothing"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        declared = any(not ns.implicit for ns in ctx.cluster.namespaces)
        for policy, rule, j, peer in ctx.selector_peers():
            mask = ctx.peer_mask(peer)
            if mask:  # a pod of the input, or the DNS server / Prometheus assumed when the input has none
                continue
            field = peer_field(rule, j)
            key = peers_key(rule.direction)
            if peer.namespace_selector is None:
                own = ctx.namespace_classes(policy.namespace)
                if not own or peer.pod_selector is None:
                    continue
                if ctx.select_anywhere(peer.pod_selector):
                    continue  # PW208: the pods are in another namespace
                message = f"{field}: podSelector {peer.pod_selector} matches no pod in namespace {policy.namespace}"
                hint = near_miss(peer.pod_selector, labels_in(ctx, own), lambda s, ns=policy.namespace: ctx.pod_count(ctx.select(ns, s)))
                fixed = {"podSelector": selector_dict(hint.selector if hint else peer.pod_selector)}
                where = own
            else:
                namespaces = ctx.namespaces_matching(peer.namespace_selector)
                if not namespaces:
                    if not declared or unknown_keys(ctx, peer.namespace_selector) or _names_one_namespace(peer.namespace_selector):
                        continue
                    message = f"{field}: namespaceSelector {peer.namespace_selector} matches no namespace"
                    hint = near_miss(
                        peer.namespace_selector,
                        list(ctx.ns_labels.values()),
                        lambda s: len(ctx.namespaces_matching(s)),
                        ("namespace", "namespaces"),
                    )
                    fixed = {"namespaceSelector": selector_dict(hint.selector if hint else peer.namespace_selector)}
                    if peer.pod_selector is not None:
                        fixed["podSelector"] = selector_dict(peer.pod_selector)
                    where = 0
                else:
                    where = 0
                    for ns in namespaces:
                        where |= ctx.namespace_classes(ns)
                    if not where or peer.pod_selector is None:
                        continue  # no pods of those namespaces in the input
                    message = f"{field} ({peer}) matches no pod"

                    def count(s: LabelSelector, names: list[str] = namespaces) -> int:
                        return ctx.pod_count(sum(ctx.select(ns, s) for ns in names))

                    hint = near_miss(peer.pod_selector, labels_in(ctx, where), count)
                    fixed = {
                        "namespaceSelector": selector_dict(peer.namespace_selector),
                        "podSelector": selector_dict(hint.selector if hint else peer.pod_selector),
                    }
            if hint is not None:
                message += f" ({hint.text})"
            fix = to_yaml({key: [fixed]})
            if hint is None and where:
                fix += f"\n# the pods there carry: {common_labels(ctx, where)}"
            yield self.finding(ctx, policy, message, fix, rule.location)

