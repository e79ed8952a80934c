"""PW101 peer.and-or-trap."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import selector_dict, to_yaml
from podwall.lint.phrases import peer_field, peers_key
from podwall.lint.registry import Rule, register
from podwall.model import PodPeer


@register
class AndOrTrap(Rule):
    """A namespaceSelector item and a separate podSelector item in one from/to are OR-ed, not AND-ed.

    What it checks:
    A `from` or `to` list with one item that has only a `namespaceSelector`
    and another item that has only a `podSelector`.

    Why it matters:
    Every item of the list is a peer of its own and peers are OR-ed: the rule
    admits *every* pod of the selected namespaces, *or* the selected pods of
    the policy's own namespace. Written with a `-` too many, "the agent pods of
    the ops namespaces" becomes "anything in the ops namespaces, plus the
    agent pods here". One item holding both selectors is the AND.

    Example:
    ```yaml
    ingress:
      - from:
          - namespaceSelector:
              matchLabels: {team: ops}
          - podSelector:          # a separate peer: OR
              matchLabels: {app: agent}
    ```

    Fix:
    If only the agent pods of the ops namespaces are meant, make it one item:
    ```yaml
    ingress:
      - from:
          - namespaceSelector:
              matchLabels: {team: ops}
            podSelector:          # same item: AND
              matchLabels: {app: agent}
    ```

    Known limits:
    Sometimes the OR is what was meant; then silence the finding on that
    policy with the annotation `podwall.io/ignore: PW101`. Only the items of
    one rule are compared.
    """

    code = "PW101"
    name = "peer.and-or-trap"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.written.policies:
            for rule in policy.ingress + policy.egress:
                namespaces_only = [
                    (j, p) for j, p in enumerate(rule.peers)
                    if isinstance(p, PodPeer) and p.pod_selector is None and p.namespace_selector is not None
                ]
                pods_only = [
                    (j, p) for j, p in enumerate(rule.peers)
                    if isinstance(p, PodPeer) and p.namespace_selector is None and p.pod_selector is not None
                ]
                if not namespaces_only or not pods_only:
                    continue
                (ns_at, ns_peer), (pod_at, pod_peer) = namespaces_only[0], pods_only[0]
                assert ns_peer.namespace_selector is not None and pod_peer.pod_selector is not None
                both = PodPeer(policy.namespace, pod_peer.pod_selector, ns_peer.namespace_selector)
                items = sorted(
                    [(ns_at, f"namespaceSelector {ns_peer.namespace_selector}", ns_peer),
                     (pod_at, f"podSelector {pod_peer.pod_selector}", pod_peer)],
                    key=lambda item: item[0],
                )
                (a, a_text, a_peer), (b, b_text, b_peer) = items
                message = (
                    f"{peer_field(rule, a)} ({a_text}) and {peer_field(rule, b)} ({b_text}) are separate peers, so "
                    f"they are OR-ed: the rule admits {a_peer} or {b_peer}; if only {both} were meant, put both "
                    "selectors in one item"
                )
                combined = {
                    "namespaceSelector": selector_dict(ns_peer.namespace_selector),
                    "podSelector": selector_dict(pod_peer.pod_selector),
                }
                yield self.finding(ctx, policy, message, to_yaml({peers_key(rule.direction): [combined]}), rule.location)
