"""Redaction for snapshots: names, label values and IPs replaced, the analysis unchanged.

Why the analysis survives:

- every name and label value goes through one function of the string alone (a keyed hash), so
  whatever matched before matches after: a selector's ``app: web`` and a pod's ``app: web`` both
  become ``app: r3f9c2a81d0``, a namespace and its ``kubernetes.io/metadata.name`` label agree,
  an ownerReference still names its owner;
- IP addresses are mapped prefix-preservingly (the Crypto-PAn construction, Xu, Fan, Ammar and
  Moon, "Prefix-preserving IP address anonymization", ICNP 2002: bit i of the output is bit i of
  the input flipped by a keyed function of the bits before it), so two addresses share exactly as
  long a prefix after as before, and every ``ipBlock``, ``except`` and admin ``networks`` CIDR
  contains exactly the pod IPs it contained;
- label keys, kinds, port numbers, port names and protocols are kept: they are the semantics.

Kept verbatim: the names of Kubernetes' own and the network plugins' namespaces and components
(``kube-system``, ``kube-dns``, ``calico-node``...): they identify the plugin, not the user.
Of containers in those namespaces, only what network-plugin detection reads is kept (``keep``,
given by the caller: ``podwall.cni.recognisable()``): a plugin agent's image as
``repository:tag`` (registry and digest dropped) and the arguments detection tests; every other
image and argument is hashed there too (an ``external-dns`` in kube-system keeps neither its
private registry nor its ``--domain-filter``). Node annotations keep only the words detection
tests in their values; free-text annotations are hashed. The spec of policies podwall does not
evaluate (Calico, Cilium...) is dropped.

The key: ``PODWALL_REDACT_KEY`` when set (the same key gives the same names across snapshots),
otherwise random for each snapshot.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from collections.abc import Mapping
from typing import Any, Protocol

from podwall.loader.cluster.kinds import PLUGIN_NAMESPACES

KEY_ENV = "PODWALL_REDACT_KEY"

#: Strings kept as they are: Kubernetes' and the network plugins' own namespaces and components.
PLATFORM = frozenset(
    {
        "default", "kube-system", "kube-public", "kube-node-lease", *PLUGIN_NAMESPACES, "calico-apiserver",
        "kube-dns", "coredns", "node-local-dns", "kube-proxy", "calico-node", "calico-kube-controllers",
        "calico-typha", "cilium", "cilium-operator", "cilium-envoy", "antrea-agent", "antrea-controller",
        "kube-flannel-ds", "flannel", "kube-router", "ovnkube-node", "ovnkube-master", "aws-node", "azure-npm",
        "weave-net", "kindnet", "metrics-server",
    }
)

#: Annotations whose values are structure podwall reads, not prose.
_KEPT_ANNOTATION_VALUES = ("prometheus.io/", "podwall.io/ignore")

_POLICY_KINDS_EVALUATED = frozenset(
    {"NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy", "Ingress", "Route",
     "ServiceMonitor", "PodMonitor"}
)
_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                        "CronJob"})


class Keep(Protocol):
    """What redaction keeps because network-plugin detection reads it (``podwall.cni.Recognisable``)."""

    names: frozenset[str]
    args: frozenset[str]

    def image(self, image: str) -> str | None:
        """The part of a plugin agent's image detection reads; None for any other image."""

    def annotation(self, key: str, value: str) -> str | None:
        """The words of a Node annotation's value detection reads; None for annotations it does not read."""


def default_key() -> bytes:
    """``PODWALL_REDACT_KEY`` as bytes, else a fresh random key."""
    given = os.environ.get(KEY_ENV)
    return given.encode() if given else secrets.token_bytes(32)


class Redactor:
    """Maps names, label values and addresses; one instance per snapshot (it caches)."""

    def __init__(self, key: bytes, keep: Keep | None = None) -> None:
        self._key = key
        self._keep = keep
        self._platform = PLATFORM | keep.names if keep is not None else PLATFORM
        self._names: dict[str, str] = {}
        self._flips: dict[tuple[int, int, int], int] = {}

    # -- strings -------------------------------------------------------------------------

    def name(self, text: Any) -> Any:
        """A name or label value: kept when empty or a platform name, else ``r`` + 10 hex digits."""
        if not isinstance(text, str) or not text or text in self._platform:
            return text
        found = self._names.get(text)
        if found is None:
            digest = hmac.new(self._key, b"name:" + text.encode(), hashlib.sha256).hexdigest()
            found = self._names[text] = "r" + digest[:10]
        return found

    def _text(self, text: Any) -> Any:
        """Free text (an image, an annotation): hashed, never kept."""
        if not isinstance(text, str) or not text:
            return text
        return "r" + hmac.new(self._key, b"text:" + text.encode(), hashlib.sha256).hexdigest()[:16]

    # -- addresses -----------------------------------------------------------------------------

    def _flip(self, bits: int, index: int, prefix: int) -> int:
        cached = self._flips.get((bits, index, prefix))
        if cached is None:
            message = f"ip:{bits}:{index}:{prefix}".encode()
            cached = self._flips[(bits, index, prefix)] = hmac.new(self._key, message, hashlib.sha256).digest()[0] & 1
        return cached

    def _address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
        bits = address.max_prefixlen
        value = int(address)
        out = 0
        for i in range(bits):
            bit = (value >> (bits - 1 - i)) & 1
            out = (out << 1) | (bit ^ self._flip(bits, i, value >> (bits - i) if i else 0))
        return out

    def ip(self, text: Any) -> Any:
        """An IP address, prefix-preservingly; anything else (``None`` as a clusterIP) as a name."""
        if not isinstance(text, str) or not text or text == "None":
            return text
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return self.name(text)
        return str(type(address)(self._address(address)))

    def cidr(self, text: Any) -> Any:
        """A CIDR: the mapped network address with the same prefix length."""
        if not isinstance(text, str) or "/" not in text:
            return self.ip(text)
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return self.name(text)
        mapped = self._address(network.network_address)
        return str(type(network)((mapped, network.prefixlen), strict=False))

    # -- objects ---------------------------------------------------------------------------------

    def object(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """A stripped object (see ``strip``) with its names, label values and addresses replaced."""
        kind = obj.get("kind", "")
        out = dict(obj)
        meta = dict(obj.get("metadata") or {})
        platform = meta.get("namespace") in self._platform
        out["metadata"] = self._metadata(meta, kind)
        spec = obj.get("spec")
        if isinstance(spec, Mapping):
            if kind == "Pod":
                out["spec"] = self._pod_spec(spec, platform)
            elif kind in _WORKLOADS:
                out["spec"] = self._workload_spec(spec, platform)
            elif kind == "Service":
                out["spec"] = self._service_spec(spec)
            elif kind == "Node":
                out["spec"] = self._node_spec(spec)
            elif kind in _POLICY_KINDS_EVALUATED:
                out["spec"] = self._walk(spec)
            else:
                out.pop("spec")  # a policy of another API: not evaluated, so not needed
        status = obj.get("status")
        if isinstance(status, Mapping):
            out["status"] = self._status(status)
        return out

    def _metadata(self, meta: dict[str, Any], kind: str) -> dict[str, Any]:
        out = dict(meta)
        for key in ("name", "namespace"):
            if key in out:
                out[key] = self.name(out[key])
        if isinstance(meta.get("labels"), Mapping):
            out["labels"] = self._labels(meta["labels"])
        if isinstance(meta.get("annotations"), Mapping):
            out["annotations"] = {k: self._annotation(kind, k, v) for k, v in meta["annotations"].items()}
        if isinstance(meta.get("ownerReferences"), list):
            out["ownerReferences"] = [
                {**ref, "name": self.name(ref.get("name"))} if isinstance(ref, Mapping) else ref
                for ref in meta["ownerReferences"]
            ]
        return out

    def _annotation(self, kind: str, key: str, value: Any) -> Any:
        if kind != "Node" and key.startswith(_KEPT_ANNOTATION_VALUES):
            return value
        if kind == "Node" and self._keep is not None and isinstance(value, str):
            words = self._keep.annotation(key, value)
            if words is not None:
                return words
        return self._text(value)

    def _labels(self, labels: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self.name(v) for k, v in labels.items()}

    def _pod_spec(self, spec: Mapping[str, Any], platform: bool) -> dict[str, Any]:
        out = dict(spec)
        if "nodeName" in out:
            out["nodeName"] = self.name(out["nodeName"])
        containers = []
        for container in spec.get("containers") or []:
            if not isinstance(container, Mapping):
                continue
            item = dict(container)
            if "name" in item:
                item["name"] = self.name(item["name"])
            if "image" in item:
                item["image"] = self._image(item["image"], platform)
            if isinstance(item.get("args"), list):
                kept = self._keep.args if platform and self._keep is not None else frozenset()
                item["args"] = [a if a in kept else self._text(a) for a in item["args"]]
            containers.append(item)
        out["containers"] = containers
        return out

    def _image(self, image: Any, platform: bool) -> Any:
        """A plugin agent's image in a platform namespace as detection reads it; any other image hashed."""
        if platform and self._keep is not None and isinstance(image, str):
            kept = self._keep.image(image)
            if kept is not None:
                return kept
        return self._text(image)

    def _workload_spec(self, spec: Mapping[str, Any], platform: bool) -> dict[str, Any]:
        out = dict(spec)
        if isinstance(spec.get("selector"), Mapping):
            out["selector"] = self._walk(spec["selector"])
        if isinstance(spec.get("jobTemplate"), Mapping):
            inner = spec["jobTemplate"].get("spec")
            out["jobTemplate"] = {"spec": self._workload_spec(inner, platform) if isinstance(inner, Mapping) else inner}
        template = spec.get("template")
        if isinstance(template, Mapping):
            meta = dict(template.get("metadata") or {})
            if isinstance(meta.get("labels"), Mapping):
                meta["labels"] = self._labels(meta["labels"])
            pod_spec = template.get("spec")
            out["template"] = {"metadata": meta,
                               "spec": self._pod_spec(pod_spec, platform) if isinstance(pod_spec, Mapping) else pod_spec}
        return out

    def _service_spec(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(spec)
        if isinstance(spec.get("selector"), Mapping):
            out["selector"] = self._labels(spec["selector"])
        for key in ("clusterIP", "loadBalancerIP"):
            if key in out:
                out[key] = self.ip(out[key])
        for key in ("clusterIPs", "externalIPs"):
            if isinstance(out.get(key), list):
                out[key] = [self.ip(v) for v in out[key]]
        if isinstance(out.get("loadBalancerSourceRanges"), list):
            out["loadBalancerSourceRanges"] = [self.cidr(v) for v in out["loadBalancerSourceRanges"]]
        return out

    def _node_spec(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(spec)
        if "podCIDR" in out:
            out["podCIDR"] = self.cidr(out["podCIDR"])
        if isinstance(out.get("podCIDRs"), list):
            out["podCIDRs"] = [self.cidr(v) for v in out["podCIDRs"]]
        provider = out.get("providerID")
        if isinstance(provider, str):
            scheme, sep, rest = provider.partition("://")
            out["providerID"] = f"{scheme}{sep}{self._text(rest)}" if sep else self._text(provider)
        return out

    def _status(self, status: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(status)
        for key in ("podIP", "hostIP"):
            if key in out:
                out[key] = self.ip(out[key])
        if isinstance(out.get("podIPs"), list):
            out["podIPs"] = [{**i, "ip": self.ip(i.get("ip"))} if isinstance(i, Mapping) else i for i in out["podIPs"]]
        if isinstance(out.get("addresses"), list):
            out["addresses"] = [
                {**a, "address": self.ip(a.get("address"))} if isinstance(a, Mapping) else a for a in out["addresses"]
            ]
        return out

    def _walk(self, value: Any, key: str = "") -> Any:
        """A policy-like spec: selectors' values, namespace and service names, hosts and CIDRs mapped."""
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for k, v in value.items():
                if k == "matchLabels" and isinstance(v, Mapping):
                    out[k] = self._labels(v)
                elif k in ("values", "matchNames") and isinstance(v, list):
                    out[k] = [self.name(x) for x in v]
                elif k in ("cidr",):
                    out[k] = self.cidr(v)
                elif k in ("except", "networks") and isinstance(v, list):
                    out[k] = [self.cidr(x) for x in v]
                elif k in ("host", "secretName", "serviceName"):
                    out[k] = self.name(v)
                elif k in ("hosts", "domainNames") and isinstance(v, list):
                    out[k] = [self.name(x) for x in v]
                elif k == "name" and key in ("service", "to", "alternateBackends", "backend"):
                    out[k] = self.name(v)
                else:
                    out[k] = self._walk(v, k)
            return out
        if isinstance(value, list):
            return [self._walk(item, key) for item in value]
        return value
