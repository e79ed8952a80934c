"""What podwall reads from a live cluster: one table, used by the reader, the snapshot and the RBAC role.

Never Secrets, never ConfigMaps (their data is nobody's business here). Everything is listed, never
watched, and only with ``list`` (the ClusterRole in ``deploy/rbac-readonly.yaml`` grants exactly
these resources, and a test holds the two together).
"""

from __future__ import annotations

from podwall.model.quick import frozen


@frozen
class Resource:
    """One resource podwall lists.

    ``required``: the API must serve it (every conformant server does), and being forbidden to
    list it is an error. Optional ones are read when discovery shows them (CRDs); a forbidden
    optional one is a warning.
    """

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    required: bool = True

    @property
    def api_version(self) -> str:
        """``group/version``, or ``v1`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def name(self) -> str:
        """``plural.group/version`` (``pods/v1`` for the core group), as messages name it."""
        return f"{self.plural}.{self.group}/{self.version}" if self.group else f"{self.plural}/{self.version}"

    def path(self, namespace: str | None = None) -> str:
        """The collection's URL path, cluster-wide or in one namespace."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


#: Read from every cluster. Pods first: the largest list starts first.
CORE: tuple[Resource, ...] = (
    Resource("", "v1", "pods", "Pod"),
    Resource("", "v1", "namespaces", "Namespace", namespaced=False),
    Resource("", "v1", "services", "Service"),
    Resource("", "v1", "replicationcontrollers", "ReplicationController"),
    Resource("apps", "v1", "replicasets", "ReplicaSet"),
    Resource("apps", "v1", "deployments", "Deployment"),
    Resource("apps", "v1", "statefulsets", "StatefulSet"),
    Resource("apps", "v1", "daemonsets", "DaemonSet"),
    Resource("batch", "v1", "jobs", "Job"),
    Resource("batch", "v1", "cronjobs", "CronJob"),
    Resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    Resource("networking.k8s.io", "v1", "ingresses", "Ingress"),
    # Nodes: metadata and addresses, for network-plugin detection and node traffic; optional to read.
    Resource("", "v1", "nodes", "Node", namespaced=False, required=False),
)

#: Read when the API serves them (CRDs): the kinds the loader understands.
OPTIONAL: tuple[Resource, ...] = (
    Resource("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy",
             namespaced=False, required=False),
    Resource("policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy",
             namespaced=False, required=False),
    Resource("policy.networking.k8s.io", "v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy",
             namespaced=False, required=False),
    Resource("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", required=False),
    Resource("monitoring.coreos.com", "v1", "podmonitors", "PodMonitor", required=False),
    Resource("route.openshift.io", "v1", "routes", "Route", required=False),
)

#: Never read, whatever discovery offers.
NEVER = frozenset({"secrets", "configmaps"})

#: Namespaces where network plugins run their agents (CNI detection reads their DaemonSets).
PLUGIN_NAMESPACES = ("kube-system", "calico-system", "tigera-operator", "cilium", "kube-flannel", "antrea-system")


def foreign_policy(group: str, version: str, plural: str, kind: str, namespaced: bool) -> Resource | None:
    """A policy kind of another API (Calico, Cilium, Antrea...): read so the user hears it is not evaluated."""
    if plural in NEVER or not kind.endswith("NetworkPolicy") or "/" in plural:
        return None
    if group in ("networking.k8s.io", "policy.networking.k8s.io"):
        return None
    return Resource(group, version, plural, kind, namespaced=namespaced, required=False)
