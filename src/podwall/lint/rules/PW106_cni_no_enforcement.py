"""PW106 cni.no-enforcement."""

from __future__ import annotations

from collections.abc import Iterator

from podwall.lint.cni import choice_of, plugin
from podwall.lint.context import Context
from podwall.lint.finding import Finding, Severity
from podwall.lint.fixes import to_yaml
from podwall.lint.registry import Rule, register

_CANAL = "https://raw.githubusercontent.com/projectcalico/calico/v3.28.0/manifests/canal.yaml"
_KNP = "https://raw.githubusercontent.com/kubernetes-sigs/kube-network-policies/main/install.yaml"


@register
class NoEnforcement(Rule):
    """A NetworkPolicy the cluster's network plugin does not enforce: it has no effect.

    What it checks:
    Every NetworkPolicy, when the network plugin in use (recognised in the
    input, or named with `--cni`) does not enforce NetworkPolicy at all:
    Flannel alone, the Amazon VPC CNI without its network policy agent, kindnet
    before it embedded kube-network-policies.

    Why it matters:
    "Creating a NetworkPolicy resource without a controller that implements it
    will have no effect" (Kubernetes documentation). The policy reads as
    protection and protects nothing: the tutorial's "policy has no effect".

    Example:
    Any NetworkPolicy, with this in the input (Flannel's agent):
    ```yaml
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: kube-flannel-ds, namespace: kube-flannel}
    spec:
      selector: {matchLabels: {app: flannel}}
      template:
        metadata: {labels: {app: flannel}}
        spec:
          containers: [{name: kube-flannel, image: "docker.io/flannel/flannel:v0.25.5"}]
    ```

    Fix:
    Run a plugin that enforces NetworkPolicy. Flannel: Canal keeps Flannel's
    networking and adds Calico's policy engine:
    ```sh
    kubectl apply -f https://raw.githubusercontent.com/projectcalico/calico/v3.28.0/manifests/canal.yaml
    ```
    Amazon VPC CNI: turn its agent on (the EKS add-on's configuration):
    ```yaml
    enableNetworkPolicy: "true"
    ```
    kindnet: a current kind, or the reference implementation beside it:
    ```sh
    kubectl apply -f https://raw.githubusercontent.com/kubernetes-sigs/kube-network-policies/main/install.yaml
    ```

    Known limits:
    Only as good as the detection (`podwall cni` shows what it found); with
    `--cni` the profile named is believed.
    """

    code = "PW106"
    name = "cni.no-enforcement"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield a finding for each case the class docstring describes."""
        choice = choice_of(ctx)
        if choice.conventions.enforces:
            return
        name = choice.profile.name
        if name == "flannel":
            fix = f"kubectl apply -f {_CANAL}   # Flannel's networking, Calico's policy engine"
        elif name.startswith("aws-vpc-cni"):
            fix = to_yaml({"enableNetworkPolicy": "true"}) + "   # the vpc-cni add-on's configuration"
        else:
            fix = f"kubectl apply -f {_KNP}   # the reference implementation, beside the plugin"
        for policy in ctx.written.policies:
            message = f"this NetworkPolicy has no effect: the network plugin {plugin(choice)} does not enforce NetworkPolicy"
            yield self.finding(ctx, policy, message, fix)
