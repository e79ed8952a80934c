"""Traffic from the ingress controller to the pods behind Ingress and Route objects.

The controller pod is unknown (its namespace and labels differ per cluster), so it
stands in as a pod of no namespace with no labels and no address: only rules that
admit any pod from anywhere let it in. Only the destination's ingress is judged.
"""

from __future__ import annotations


from podwall.engine.options import Probe
from podwall.model import Cluster, Exposure, Pod, Service
from podwall.model.quick import frozen

INGRESS_CONTROLLER = "{ingress-controller}"

#: The stand-in source for every Ingress and Route.
CONTROLLER = Pod(namespace=INGRESS_CONTROLLER, name="controller")


@frozen
class Backend:
    """A pod behind an exposure and the probes (its target ports) the controller sends on."""

    exposure: Exposure
    pod: Pod
    probes: tuple[Probe, ...]


def _selected(service: Service, pods: tuple[Pod, ...]) -> list[Pod]:
    """A Service without a selector selects no pod (its endpoints are managed by hand)."""
    if not service.selector:
        return []
    return [
        p
        for p in pods
        if p.namespace == service.namespace and all(p.labels.get(k) == v for k, v in service.selector.items())
    ]


def backends(cluster: Cluster) -> list[Backend]:
    """Every (exposure, pod) pair with the target ports that exposure uses."""
    services = {(s.namespace, s.name): s for s in cluster.services}
    found: list[Backend] = []
    for exposure in cluster.exposures:
        service = services.get((exposure.namespace, exposure.service))
        if service is None:
            continue
        if exposure.port is None:
            ports = list(service.ports)
        elif exposure.kind == "Ingress":
            ports = [sp for sp in service.ports if sp.port == exposure.port or (sp.name and sp.name == exposure.port)]
        else:  # a Route's targetPort names the pods' port, or a Service port by name
            ports = [
                sp
                for sp in service.ports
                if sp.target_port == exposure.port or (sp.name and sp.name == exposure.port)
            ]
        for pod in _selected(service, cluster.pods):
            probes = set()
            for sp in ports:
                target = sp.target_port
                number = pod.named_port(target, sp.protocol) if isinstance(target, str) else target
                if number is not None:
                    probes.add(Probe(number, sp.protocol))
            if probes:
                found.append(Backend(exposure, pod, tuple(sorted(probes))))
    return found
