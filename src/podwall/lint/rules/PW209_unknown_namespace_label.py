"""PW209 peer.unknown-namespace-label."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import selector_dict, to_yaml
from podwall.lint.phrases import peer_field, peers_key
from podwall.lint.registry import Rule, register
from podwall.model import NAMESPACE_NAME_LABEL, LabelSelector, Operator

#: Keys people use when they mean the namespace's name.
_NAME_KEYS = ("name", "namespace", "ns", "kubernetes.io/name")


def unknown_keys(ctx: Context, selector: LabelSelector) -> list[str]:
    """Keys a selector requires that no namespace of the input carries."""
    known = ctx.namespace_label_keys()
    required = [k for k, _ in selector.match_labels]
    required += [r.key for r in selector.match_expressions if r.operator in (Operator.IN, Operator.EXISTS)]
    return [k for k in dict.fromkeys(required) if k not in known]


@register
class UnknownNamespaceLabel(Rule):
    """A namespaceSelector on a label that no namespace has, such as `name: monitoring`.

    What it checks:
    A `namespaceSelector` that matches no namespace because it requires a
    label key that no namespace of the input carries. When the value is a
    namespace's name, the finding suggests `kubernetes.io/metadata.name`,
    the label the API server sets on every namespace.

    Why it matters:
    Many guides select namespaces by a `name` label that older clusters
    required you to add yourself. Without it, the rule matches nothing and the
    traffic (DNS to kube-system, scrapes from monitoring) stays blocked.

    Example:
    ```yaml
    ingress:
      - from:
          - namespaceSelector:
              matchLabels: {name: monitoring}
    ```

    Fix:
    ```yaml
    ingress:
      - from:
          - namespaceSelector:
              matchLabels: {kubernetes.io/metadata.name: monitoring}
    ```
    or give the namespace that label (`metadata.labels: {name: monitoring}`).

    Known limits:
    Only reported when the input declares at least one Namespace: the labels
    of namespaces that are not in the input are unknown.
    """

    code = "PW209"
    name = "peer.unknown-namespace-label"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        if not any(not ns.implicit for ns in ctx.cluster.namespaces):
            return
        for policy, rule, j, peer in ctx.selector_peers():
            selector = peer.namespace_selector
            if selector is None or ctx.namespaces_matching(selector):
                continue
            missing = unknown_keys(ctx, selector)
            if not missing:
                continue
            key = missing[0]
            value = dict(selector.match_labels).get(key) or next(
                (r.values[0] for r in selector.match_expressions if r.key == key and r.operator is Operator.IN), None
            )
            message = (
                f"{peer_field(rule, j)}: namespaceSelector {selector} requires the label {key}, which no namespace "
                "in the input has, so it matches no namespace"
            )
            if value and (value in ctx.ns_labels or key in _NAME_KEYS):
                message += f"; every namespace carries {NAMESPACE_NAME_LABEL}={value} (set by the API server)"
                labels = tuple(sorted((NAMESPACE_NAME_LABEL, value) if k == key else (k, v) for k, v in selector.match_labels))
                fixed = {"namespaceSelector": selector_dict(LabelSelector(labels, selector.match_expressions))}
                if peer.pod_selector is not None:
                    fixed["podSelector"] = selector_dict(peer.pod_selector)
                fix = to_yaml({peers_key(rule.direction): [fixed]})
            else:
                fix = to_yaml({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "NAME", "labels": {key: value or "VALUE"}}})
                fix += "\n# label each namespace the rule means (kubectl label namespace NAME ...)"
            yield self.finding(ctx, policy, message, fix, rule.location)
