"""The points where the NetworkPolicy API leaves a choice to the network plugin.

A ``Conventions`` value settles each of them; the engine reads it and never
learns which plugin made the choice (profiles live in ``podwall.cni``). The
default is the Kubernetes documentation's "most common implementation", which
is what podwall has always judged by.
"""

from __future__ import annotations

from enum import Enum

from podwall.model.quick import frozen


class HostNetwork(str, Enum):
    """How host-network pods take part in policies."""

    NODE = "node"  # never selected, never matched by selectors: their traffic is node traffic
    POD = "pod"  # selected and matched like any other pod (netpol-analyzer's reading)


#: The admin-tier APIs a plugin may implement.
ADMIN_V1ALPHA1 = "v1alpha1"  # AdminNetworkPolicy, BaselineAdminNetworkPolicy
ADMIN_V1ALPHA2 = "v1alpha2"  # ClusterNetworkPolicy
ADMIN_APIS = frozenset({ADMIN_V1ALPHA1, ADMIN_V1ALPHA2})

#: The admin-tier API each kind belongs to.
ADMIN_API_OF_KIND = {
    "AdminNetworkPolicy": ADMIN_V1ALPHA1,
    "BaselineAdminNetworkPolicy": ADMIN_V1ALPHA1,
    "ClusterNetworkPolicy": ADMIN_V1ALPHA2,
}


@frozen
class Conventions:
    """How one network plugin answers the questions the API leaves open.

    - ``enforces``: NetworkPolicy has any effect at all (False: every flow is allowed);
    - ``host_network``: see :class:`HostNetwork`;
    - ``ipblock_matches_pods``: an ipBlock matches pod-network pods whose IP is in range;
    - ``ipblock_matches_nodes``: an ipBlock matches node addresses (host-network pods);
    - ``node_to_local_pods``: traffic from a node (its host-network pods) to pods on
      that node is allowed regardless of policy (kubelet probes);
    - ``end_port``: ``endPort`` is honoured; False: a rule admits only its ``port``;
    - ``admin_apis``: the admin-tier APIs implemented (others have no effect);
    - ``external_source_preserved``: traffic from outside through a NodePort or
      LoadBalancer Service keeps its client address even with
      ``externalTrafficPolicy: Cluster`` (False: it arrives from a node address).
    """

    enforces: bool = True
    host_network: HostNetwork = HostNetwork.NODE
    ipblock_matches_pods: bool = True
    ipblock_matches_nodes: bool = True
    node_to_local_pods: bool = True
    end_port: bool = True
    admin_apis: frozenset[str] = ADMIN_APIS
    external_source_preserved: bool = False

    def implements(self, kind: str) -> bool:
        """Whether an admin-tier kind (AdminNetworkPolicy, ...) has any effect."""
        return self.enforces and ADMIN_API_OF_KIND.get(kind, "") in self.admin_apis


GENERIC = Conventions()
