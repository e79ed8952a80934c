"""PW216 port.named-undeclared."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from podwall.lint.context import Context, bits
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import scalar, to_yaml
from podwall.lint.phrases import listing, port_field
from podwall.lint.registry import Rule, register
from podwall.model import Direction


@register
class NamedPortUndeclared(Rule):
    """A named port in a policy that none of the pods it applies to declares (with that protocol).

    What it checks:
    A `ports` entry naming a port (`port: http`) must match a container port
    of that name *and protocol* on at least one pod it applies to: the
    policy's pods for an ingress rule, the peers' pods for an egress rule.

    Why it matters:
    Named ports are resolved on each destination pod. A name no pod declares
    (a typo, a renamed port, `protocol: UDP` left out for a UDP port)
    admits nothing, and the traffic stays blocked.

    Example:
    ```yaml
    # the backend pods declare {name: http, containerPort: 8080}
    ingress:
      - ports:
          - {protocol: TCP, port: htp}
    ```

    Fix:
    Use a name the pods declare, with its protocol:
    ```yaml
    ports:
      - protocol: TCP
        port: http
    ```

    Known limits:
    Not reported when no pod of the input is a destination of the rule, nor
    for egress rules without `to` (every destination).
    """

    code = "PW216"
    name = "port.named-undeclared"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        written: dict[tuple[str, object], str] = {}  # each fix's YAML once: a cluster repeats a few port names
        for policy in ctx.policies:
            for direction in Direction:
                if not policy.isolates(direction):
                    continue
                for rule in policy.rules(direction):
                    named = [(k, s) for k, s in enumerate(rule.ports) if isinstance(s.port, str)]
                    if not named:
                        continue
                    if direction is Direction.INGRESS:
                        dests = ctx.selected_by(policy) & ctx.real
                    elif rule.all_peers:
                        continue
                    else:
                        dests = ctx.rule_mask(rule) & ctx.real
                    reps = [ctx.classes[d].rep for d in bits(dests)]
                    if not reps:
                        continue
                    for k, spec in named:
                        name = str(spec.port)
                        if any(rep.named_port(name, spec.protocol) is not None for rep in reps):
                            continue
                        other = sorted({cp.protocol.value for rep in reps for cp in rep.ports if cp.name == name})
                        declared = sorted({cp.name for rep in reps for cp in rep.ports if cp.name and cp.protocol is spec.protocol})
                        subjects = ctx.subjects(dests)
                        message = (
                            f"{port_field(rule, k)}: no pod it applies to ({listing(subjects)}) declares the port "
                            f"{name}/{spec.protocol.value}, so it admits nothing"
                        )
                        if other:
                            message += f"; they declare {name} with protocol {' and '.join(other)}"
                            fixed = {"protocol": other[0], "port": name}
                        else:
                            close = difflib.get_close_matches(name, declared, n=1, cutoff=0.5)
                            if declared:
                                message += f"; they declare {', '.join(declared)}"
                            fixed = {"protocol": spec.protocol.value, "port": close[0] if close else (declared[0] if declared else name)}
                        fix = written.get((fixed["protocol"], fixed["port"]))
                        if fix is None:
                            fix = written[(fixed["protocol"], fixed["port"])] = to_yaml({"ports": [fixed]})
                        if not declared and not other:
                            fix += f"\n# and declare it: containers[].ports: [{{name: {scalar(name)}, containerPort: N}}]"
                        yield self.finding(ctx, policy, message, fix, rule.location)
