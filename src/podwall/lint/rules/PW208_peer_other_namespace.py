"""PW208 peer.other-namespace."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import namespace_selector, selector_dict, to_yaml
from podwall.lint.phrases import listing, peer_field, peers_key
from podwall.lint.registry import Rule, register
from podwall.model import NAMESPACE_NAME_LABEL, Direction, LabelSelector


@register
class PeerOtherNamespace(Rule):
    """A podSelector peer without namespaceSelector whose pods are all in other namespaces.

    What it checks:
    A `from`/`to` item with only a `podSelector` matches pods of the
    policy's own namespace. When it matches none there but does match pods of
    other namespaces, a `namespaceSelector` was almost certainly meant.

    Why it matters:
    Cross-namespace traffic (Prometheus scraping, an ingress controller, a
    shared database) stays blocked although the policy seems to allow it.

    Example:
    ```yaml
    # in namespace shop; Prometheus runs in namespace monitoring
    ingress:
      - from:
          - podSelector:
              matchLabels: {app: prometheus}
    ```

    Fix:
    Put a namespaceSelector in the same item (one item: both must match):
    ```yaml
    ingress:
      - from:
          - namespaceSelector:
              matchLabels: {kubernetes.io/metadata.name: monitoring}
            podSelector:
              matchLabels: {app: prometheus}
    ```
    or `podwall generate allow-namespace monitoring --port 9090 -n shop`.

    Known limits:
    Only pods and workloads in the input count.
    """

    code = "PW208"
    name = "peer.other-namespace"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        # What a finding lists and its fix depend on the selector alone (and the fix on the direction): built
        # once per selector, not once per policy (a common label, in every namespace, lists every namespace).
        # The policy's own namespace is never among them: the peer selects nothing there (peer_mask), and
        # select_anywhere picks as select does there.
        listed: dict[LabelSelector, tuple[list[str], str]] = {}
        fixes: dict[tuple[Direction, LabelSelector], str] = {}
        for policy, rule, j, peer in ctx.selector_peers():
            selector = peer.pod_selector
            if peer.namespace_selector is not None or selector is None:
                continue
            if ctx.peer_mask(peer) & ctx.real:
                continue
            found = listed.get(selector)
            if found is None:
                elsewhere = ctx.select_anywhere(selector)
                found = listed[selector] = (list(elsewhere), listing(ctx.subjects(sum(elsewhere.values()))))
            names, subjects = found
            if not names:
                continue
            message = (
                f"{peer_field(rule, j)}: podSelector {selector} has no namespaceSelector, so it matches pods "
                f"of namespace {policy.namespace} only, and none there; the pods it matches are in "
                f"{'namespace' if len(names) == 1 else 'namespaces'} {listing(names)} ({subjects})"
            )
            fix = fixes.get((rule.direction, selector))
            if fix is None:
                if len(names) == 1:
                    ns_sel = namespace_selector(names[0])
                else:
                    ns_sel = {"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": names}]}
                fixed = {"namespaceSelector": ns_sel, "podSelector": selector_dict(selector)}
                fix = fixes[(rule.direction, selector)] = to_yaml({peers_key(rule.direction): [fixed]})
            yield self.finding(ctx, policy, message, fix, rule.location)
