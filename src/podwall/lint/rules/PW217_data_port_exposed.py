"""PW217 exposure.data-port."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import command, selector_arg
from podwall.lint.flows import is_everyone
from podwall.lint.phrases import listing, rule_field
from podwall.lint.registry import Rule, register
from podwall.model import Direction, IPBlockPeer, PodPeer, Protocol
from podwall.model import Rule as PolicyRule

#: Well-known ports of data stores that should only ever face their own clients.
DATA_PORTS = {
    2379: "etcd",
    3306: "MySQL",
    5432: "PostgreSQL",
    6379: "Redis",
    9200: "Elasticsearch",
    27017: "MongoDB",
}


@register
class DataPortExposed(Rule):
    """A database port open to every namespace or to the whole internet.

    What it checks:
    Ingress rules that admit everyone (no `from`), every pod of every
    namespace (`namespaceSelector: {}` alone) or every address (`0.0.0.0/0`,
    `::/0`) on a well-known data store port: 5432 (PostgreSQL), 3306 (MySQL),
    6379 (Redis), 27017 (MongoDB), 9200 (Elasticsearch), 2379 (etcd). A port
    named by number counts as is; rules without ports, with port ranges or
    with named ports count the data ports the selected pods declare.

    Why it matters:
    A database reachable from every workload of the cluster, or from the
    internet, is one compromised pod (or one leaked password) away from a
    breach. Data stores should admit their own clients only.

    Example:
    ```yaml
    kind: NetworkPolicy
    metadata: {name: db, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: db}}
      ingress:
        - from: [{namespaceSelector: {}}]
          ports: [{protocol: TCP, port: 5432}]
    ```

    Fix:
    Admit the clients only:
    `podwall generate allow --from app=api --to app=db --port 5432/TCP -n shop`,
    then remove the wide rule.

    Known limits:
    Only the listed ports are known; a data store on another port is not
    recognised. An ipBlock narrower than /0 is not judged.
    """

    code = "PW217"
    name = "exposure.data-port"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        for policy in ctx.policies:
            if not policy.isolates(Direction.INGRESS):
                continue
            selected = [ctx.classes[c].rep for c in bits(ctx.selected_by(policy) & ctx.real)]
            declared = {cp.port for rep in selected for cp in rep.ports if cp.protocol is Protocol.TCP}
            for rule in policy.ingress:
                wide = self._wide(rule)
                if wide is None:
                    continue
                exposed: set[int] = set()
                if rule.all_ports:
                    exposed = declared & DATA_PORTS.keys()
                for spec in rule.ports:
                    if spec.protocol is not Protocol.TCP:
                        continue
                    if spec.port is None:
                        exposed |= declared & DATA_PORTS.keys()
                    elif isinstance(spec.port, str):
                        exposed |= {n for rep in selected if (n := rep.named_port(spec.port, Protocol.TCP)) in DATA_PORTS}
                    elif spec.end_port is None:
                        exposed |= {spec.port} & DATA_PORTS.keys()
                    else:  # a range: the data ports the selected pods declare in it
                        exposed |= {p for p in declared & DATA_PORTS.keys() if spec.port <= p <= spec.end_port}
                if not exposed:
                    continue
                ports = ", ".join(f"{p}/TCP ({DATA_PORTS[p]})" for p in sorted(exposed))
                message = f"{rule_field(rule)} admits {wide} on {ports}: a data store should admit its own clients only"
                to = selector_arg(policy.pod_selector) or "app=NAME"
                fix = "\n".join(
                    command("allow", "--from", "app=CLIENT", "--to", to, "--port", f"{p}/TCP", "-n", policy.namespace)
                    for p in sorted(exposed)
                )
                fix += f"\n# then remove {rule_field(rule)} from {policy.name}"
                yield self.finding(ctx, policy, message, fix, rule.location)

    @staticmethod
    def _wide(rule: PolicyRule) -> str | None:
        """The rule's widest peer in words, if it is one of the "everyone" forms."""
        if rule.all_peers:
            return "every source (no from: every pod and every address)"
        found = []
        for peer in rule.peers:
            if isinstance(peer, PodPeer) and is_everyone(peer):
                found.append("every pod in every namespace")
            elif isinstance(peer, IPBlockPeer) and peer.cidr.prefixlen == 0:
                found.append(f"every address ({peer})")
        return listing(found) if found else None
