"""Twin pods: a pod that policies treat exactly as the workload it mirrors, and never disturbs it.

A twin has the workload's labels and container ports (names and protocols included), in the
workload's namespace, so every NetworkPolicy selects it, and every named port resolves on it,
exactly as on the workload's own pods. What keeps it harmless in a live cluster:

- a controller ownerReference to the run's owner object (a namespace podwall creates): a
  ReplicaSet/StatefulSet controller whose selector matches the twin's labels never adopts a pod
  that already has a controller, so it never counts the twin and scales a real pod away; deleting
  the owner garbage-collects every twin
  (https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/);
- a readiness probe that never succeeds: a pod that is not Ready is never an endpoint of a
  Service (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes), so
  no real traffic reaches it;
- ``podwall.io/probe`` labels, small requests and limits, no service-account token, no service
  links, and a restricted security context (non-root, no privilege escalation, every capability
  dropped, RuntimeDefault seccomp; ports below 1024 through the safe sysctl
  ``net.ipv4.ip_unprivileged_port_start``).

Destination twins run agnhost ``porter`` (a listener per probed port: ``SERVE_PORT_N`` for TCP,
``SERVE_UDP_PORT_N`` answering UDP, ``SERVE_SCTP_PORT_N``); source twins run ``agnhost connect``
for each target from a POSIX shell loop and print one line per result, which podwall reads from
their log when they finish (no exec: ``pods/exec`` is a far stronger permission than ``pods/log``,
and one pod log carries every result of a source).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from podwall.engine import Probe
from podwall.errors import UsageError
from podwall.model import ContainerPort, Protocol
from podwall.model.quick import frozen

#: agnhost 2.53 (kubernetes/test/images/agnhost), pinned by digest; ``--image`` replaces it.
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53@sha256:99c6b4bb4a1e1df3f0b3752168c89358794d02258ebebc26bf21c29399011a85"

#: An image reference as the distribution reference grammar (distribution/reference) defines it:
#: [DOMAIN[:PORT]/]PATH[:TAG][@ALGORITHM:HEX], path components lowercase.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (r"(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
           r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?)")
_REFERENCE = re.compile(rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?"
                        r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?")


def check_image(text: str) -> str:
    """``text`` when it is an image reference (NAME[:TAG][@DIGEST]); a UsageError saying what one is otherwise."""
    if len(text) <= 512 and _REFERENCE.fullmatch(text):
        return text
    shown = text if len(text) <= 60 and text.isprintable() else repr(text[:57]) + "..."
    raise UsageError(f"--image {shown}: not an image reference ([REGISTRY/]NAME[:TAG][@sha256:DIGEST], lowercase "
                     "name; e.g. registry.k8s.io/e2e-test-images/agnhost:2.53)")


PROBE_LABEL = "podwall.io/probe"  # the run id, on every object a run creates
ROLE_LABEL = "podwall.io/probe-role"  # owner, source or destination
TWIN_OF = "podwall.io/twin-of"  # annotation: the workload a twin mirrors
RESULT_PREFIX = "podwall-probe"

#: The source twin's program: every target probed with agnhost connect, a few at a time, one line each.
SOURCE_SCRIPT = r"""
probe() {
  if out=$("${PODWALL_AGNHOST:-/agnhost}" connect "${1%/*}" --timeout="${PODWALL_TIMEOUT}s" --protocol="${1##*/}" 2>&1); then
    echo "podwall-probe $1 connected"
  else
    echo "podwall-probe $1 failed" $out
  fi
}
sleep "${PODWALL_SETTLE:-1}"
n=0
for target in $PODWALL_TARGETS; do
  probe "$target" &
  n=$((n + 1))
  if [ $((n % PODWALL_PARALLEL)) -eq 0 ]; then wait; fi
done
wait
echo "podwall-probe done $n"
""".strip()


@frozen
class Owner:
    """The object every twin of a run names as its controller."""

    name: str
    uid: str
    kind: str = "Namespace"
    api_version: str = "v1"


def twin_name(run: str, workload: str, role: str) -> str:
    """``pw-RUN-NAME-HASH-s|d``: readable, unique per workload and role, at most 63 characters."""
    ns, _, rest = workload.partition("/")
    name = rest.rsplit("/", 1)[-1]
    digest = hashlib.sha256(workload.encode()).hexdigest()[:5]
    short = re.sub(r"[^a-z0-9-]", "-", name.lower())[:30].strip("-") or "w"
    return f"pw-{run}-{short}-{digest}-{role[0]}"


def target(address: str, probe: Probe) -> str:
    """``IP:PORT/proto`` as the source script takes it (IPv6 in brackets)."""
    host = f"[{address}]" if ":" in address else address
    return f"{host}:{probe.port}/{probe.protocol.value.lower()}"


def _ports(ports: Sequence[ContainerPort]) -> list[dict[str, Any]]:
    out = []
    for port in ports:
        item: dict[str, Any] = {"containerPort": port.port, "protocol": port.protocol.value}
        if port.name:
            item["name"] = port.name
        out.append(item)
    return out


_SERVE = {Protocol.TCP: "SERVE_PORT_", Protocol.UDP: "SERVE_UDP_PORT_", Protocol.SCTP: "SERVE_SCTP_PORT_"}


def twin_pod(*, run: str, role: str, workload: str, namespace: str, labels: Mapping[str, str],
             ports: Sequence[ContainerPort], owner: Owner, image: str = IMAGE,
             listen: Sequence[Probe] = (), targets: Sequence[str] = (), timeout: float = 1.0,
             parallel: int = 8) -> dict[str, Any]:
    """The Pod manifest of one twin: ``role`` is ``destination`` (listens on ``listen``) or ``source``."""
    twin_labels = dict(labels)
    twin_labels[PROBE_LABEL] = run
    twin_labels[ROLE_LABEL] = role
    container: dict[str, Any] = {
        "name": "twin",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": _ports(ports),
        # Never Ready: no Service ever sends real traffic to a twin.
        "readinessProbe": {"exec": {"command": ["/bin/false"]}, "periodSeconds": 3600, "failureThreshold": 1},
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        "securityContext": {
            "runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if role == "destination":
        container["args"] = ["porter"]
        container["env"] = [{"name": f"{_SERVE[p.protocol]}{p.port}", "value": "podwall"} for p in listen]
    else:
        container["command"] = ["/bin/sh", "-c", SOURCE_SCRIPT]
        container["env"] = [
            {"name": "PODWALL_TARGETS", "value": " ".join(targets)},
            {"name": "PODWALL_TIMEOUT", "value": f"{timeout:g}"},
            {"name": "PODWALL_PARALLEL", "value": str(parallel)},
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": twin_name(run, workload, role),
            "namespace": namespace,
            "labels": twin_labels,
            "annotations": {TWIN_OF: workload},
            "ownerReferences": [{"apiVersion": owner.api_version, "kind": owner.kind, "name": owner.name,
                                 "uid": owner.uid, "controller": True, "blockOwnerDeletion": False}],
        },
        "spec": {
            "restartPolicy": "Never" if role == "source" else "Always",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 1,
            # Lets the non-root listener bind ports below 1024; a "safe" sysctl every cluster allows.
            "securityContext": {"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]},
            "containers": [container],
        },
    }


def owner_namespace(run: str) -> dict[str, Any]:
    """The run's owner: an empty namespace; deleting it garbage-collects every twin of the run."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": f"podwall-probe-{run}", "labels": {PROBE_LABEL: run, ROLE_LABEL: "owner"}},
    }


@frozen
class Outcome:
    """What a source twin saw for one target: ``connected``, ``timeout``, ``refused`` or ``error``."""

    result: str
    detail: str = ""

    @property
    def connected(self) -> bool:
        """The connection was made (and, for UDP and SCTP, answered)."""
        return self.result == "connected"


def parse_log(text: str) -> dict[str, Outcome]:
    """The results in a source twin's log, by target (lines that are not results are ignored)."""
    found: dict[str, Outcome] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[0] != RESULT_PREFIX or parts[1] == "done":
            continue
        if parts[2] == "connected":
            found[parts[1]] = Outcome("connected")
            continue
        detail = " ".join(parts[3:])
        word = detail.split(":", 1)[0].split(" ", 1)[0]
        if word == "TIMEOUT":
            found[parts[1]] = Outcome("timeout", detail)
        elif word == "REFUSED" or "no route to host" in detail or "unreachable" in detail:
            found[parts[1]] = Outcome("refused", detail)
        else:
            found[parts[1]] = Outcome("error", detail)
    return found
