"""Typed objects with source locations; no I/O."""

from podwall.model.admin import Action, AdminPolicy, AdminRule, Tier
from podwall.model.cluster import Cluster
from podwall.model.conventions import GENERIC, Conventions, HostNetwork
from podwall.model.foreign import UnevaluatedPolicy
from podwall.model.labels import LabelSelector, Labels, Operator, Requirement
from podwall.model.monitoring import Monitor, MonitorEndpoint
from podwall.model.objects import (
    NAMESPACE_NAME_LABEL,
    WORKLOAD_KINDS,
    Container,
    ContainerPort,
    Exposure,
    Namespace,
    Node,
    Pod,
    Service,
    ServicePort,
    Workload,
    WorkloadRef,
)
from podwall.model.policy import (
    Direction,
    IPAddress,
    IPBlockPeer,
    IPNetwork,
    NetworkPolicy,
    Peer,
    PodPeer,
    PortSpec,
    Protocol,
    Rule,
)

__all__ = [
    "Action",
    "AdminPolicy",
    "AdminRule",
    "Exposure",
    "Tier",
    "NAMESPACE_NAME_LABEL",
    "WORKLOAD_KINDS",
    "Cluster",
    "Container",
    "ContainerPort",
    "Conventions",
    "GENERIC",
    "HostNetwork",
    "Direction",
    "IPAddress",
    "IPBlockPeer",
    "IPNetwork",
    "LabelSelector",
    "Monitor",
    "MonitorEndpoint",
    "Labels",
    "Namespace",
    "NetworkPolicy",
    "Node",
    "Operator",
    "Peer",
    "Pod",
    "PodPeer",
    "PortSpec",
    "Protocol",
    "Requirement",
    "Rule",
    "Service",
    "ServicePort",
    "UnevaluatedPolicy",
    "Workload",
    "WorkloadRef",
]
