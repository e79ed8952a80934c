"""Namespaces, pods, workloads and services: the things policies talk about."""

from __future__ import annotations

from dataclasses import field

from podwall.errors import Location
from podwall.model.policy import IPAddress, IPNetwork, Protocol
from podwall.model.quick import frozen

#: Kinds whose pod template stands for their pods.
WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
)

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@frozen
class Namespace:
    """A namespace; ``labels`` always includes ``kubernetes.io/metadata.name``."""

    name: str
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    location: Location | None = None
    implicit: bool = False
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@frozen
class ContainerPort:
    """A declared container port; ``name`` may be empty."""

    port: int
    protocol: Protocol = Protocol.TCP
    name: str = ""


@frozen
class Container:
    """A container's name, image and arguments: what tells a network plugin's agent apart."""

    name: str
    image: str = ""
    args: tuple[str, ...] = ()


@frozen
class WorkloadRef:
    """Names a workload: ``namespace/Kind/name``."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"


@frozen
class Pod:
    """A pod, or the template of a workload standing for its replicas.

    ``owner`` is the workload the pod is reported under in workload view (set by
    the loader only when that workload is in the input); ``template`` is True for
    the stand-in built from a workload with no pods in the input; ``controller``
    is the pod's controller ownerReference as declared, present in the input or
    not (``kind`` is empty when the reference names none), which compatible
    outputs use to name replicas after their ReplicaSet. ``node`` is
    ``spec.nodeName`` (empty when unscheduled, and for stand-ins); ``containers``
    are the regular containers (network plugin detection reads their images).
    """

    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    ports: tuple[ContainerPort, ...] = ()
    ips: tuple[IPAddress, ...] = ()
    host_network: bool = False
    owner: WorkloadRef | None = None
    template: bool = False
    location: Location | None = None
    controller: WorkloadRef | None = field(default=None, compare=False)
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    node: str = field(default="", compare=False)
    containers: tuple[Container, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        """``namespace/name`` for pods, ``namespace/Kind/name`` for templates."""
        if self.template and self.owner is not None:
            return str(self.owner)
        return f"{self.namespace}/{self.name}"

    @property
    def workload_key(self) -> str:
        """The subject this pod belongs to in workload view."""
        if self.owner is not None:
            return str(self.owner)
        return f"{self.namespace}/Pod/{self.name}"

    def named_port(self, name: str, protocol: Protocol) -> int | None:
        """The number of a named container port with that protocol, if declared."""
        for cp in self.ports:
            if cp.name == name and cp.protocol is protocol:
                return cp.port
        return None


@frozen
class Workload:
    """A workload and its pod template's labels and ports.

    ``annotations`` are the workload's own; ``template_annotations`` its pod
    template's (where ``prometheus.io/scrape`` lives).
    """

    ref: WorkloadRef
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False
    replicas: int | None = None
    owner: WorkloadRef | None = None
    location: Location | None = None
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    template_annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    containers: tuple[Container, ...] = field(default=(), compare=False)


@frozen
class Node:
    """A node: its addresses (``status.addresses``: InternalIP, then ExternalIP) and pod ranges.

    Host-network pods on it share its addresses; network plugins annotate it
    (which is how ``podwall cni`` recognises some of them).
    """

    name: str
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    addresses: tuple[IPAddress, ...] = ()
    pod_cidrs: tuple[IPNetwork, ...] = ()
    location: Location | None = None


@frozen
class ServicePort:
    """A Service port; ``target_port`` is a number or a container port name."""

    port: int
    target_port: int | str
    protocol: Protocol = Protocol.TCP
    name: str = ""


@frozen
class Service:
    """A Service; traffic to it is judged at the selected pods' targetPort.

    ``cluster_ips`` are ``spec.clusterIPs`` (else ``spec.clusterIP``); empty for a
    headless Service or when the manifest names none (observed flows to these
    addresses are flows to the Service's pods).
    """

    namespace: str
    name: str
    selector: dict[str, str] = field(default_factory=dict, hash=False)
    ports: tuple[ServicePort, ...] = ()
    location: Location | None = None
    annotations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    type: str = field(default="ClusterIP", compare=False)
    external_traffic_policy: str = field(default="Cluster", compare=False)
    cluster_ips: tuple[IPAddress, ...] = field(default=(), compare=False)


@frozen
class Exposure:
    """An Ingress backend or a Route target: the ingress controller sends traffic to a Service.

    ``port`` is, for an Ingress, the Service port (number or name); for a Route,
    its ``targetPort`` (number or name); ``None`` means every port of the Service.
    """

    kind: str
    namespace: str
    name: str
    service: str
    port: int | str | None = None
    location: Location | None = None
