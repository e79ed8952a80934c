"""Namespaces, pods, workloads and services; other kinds counted; foreign policies warned about."""

from __future__ import annotations

import ipaddress
import textwrap

import pytest

from podwall.errors import InputErrors, Location
from podwall.loader import fields, load_text, meta
from podwall.model import NAMESPACE_NAME_LABEL, ContainerPort, Namespace, Protocol, ServicePort, WorkloadRef


def docs(*parts: str) -> str:
    return "---\n".join(textwrap.dedent(p).lstrip("\n") for p in parts)


def error_lines(text: str, path: str = "k.yaml") -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, path)
    return str(info.value).splitlines()


# -- namespaces ------------------------------------------------------------------------------------


def test_declared_and_implicit_namespaces() -> None:
    text = docs(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: prod
          labels: {team: a}
        """,
        """
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: zeta}
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: alpha}
        """,
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        """,
        """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: d, namespace: beta}
        spec: {selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}}}
        """,
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, namespace: not-referenced}
        """,
    )
    cluster = load_text(text, "n.yaml")
    assert cluster.namespaces == (
        Namespace("alpha", {NAMESPACE_NAME_LABEL: "alpha"}, implicit=True),
        Namespace("beta", {NAMESPACE_NAME_LABEL: "beta"}, implicit=True),
        Namespace("default", {NAMESPACE_NAME_LABEL: "default"}, implicit=True),
        Namespace("prod", {"team": "a", NAMESPACE_NAME_LABEL: "prod"}, Location("n.yaml", 1, document=0)),
        Namespace("zeta", {NAMESPACE_NAME_LABEL: "zeta"}, implicit=True),
    )
    assert cluster.namespace("prod") is cluster.namespaces[3]


def test_namespace_name_label_is_corrected_with_a_warning() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {kubernetes.io/metadata.name: b}\n"
    cluster = load_text(text, "n.yaml")
    assert cluster.namespaces[0].labels == {NAMESPACE_NAME_LABEL: "a"}
    assert cluster.warnings == (
        'warning: n.yaml:1: Namespace a: metadata.labels: kubernetes.io/metadata.name is "b" but the API server '
        'sets it to the namespace name; using "a"',
    )


def test_namespace_name_must_be_a_dns_label() -> None:
    assert error_lines("apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n") == [
        'k.yaml:3: Namespace a.b: metadata.name: invalid name "a.b": must be a lowercase RFC 1123 label: '
        "lowercase letters, digits and '-', starting and ending with a letter or digit"
    ]


# -- pods ----------------------------------------------------------------------------------------------

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: prod
  labels: {app: web}
spec:
  hostNetwork: true
  initContainers:
  - name: init
    ports: [{containerPort: 1}]
  containers:
  - name: a
    ports:
    - containerPort: 8080
      name: http
    - {containerPort: 53, protocol: UDP}
  - name: b
    ports:
    - {containerPort: 8080, name: http}
    - {containerPort: 9000, protocol: SCTP, name: sctp}
status:
  phase: Running
  podIP: 10.0.0.7
  podIPs:
  - ip: 10.0.0.7
  - ip: fd00::7
"""


def test_pod() -> None:
    (pod,) = load_text(POD, "p.yaml").pods
    assert (pod.namespace, pod.name, pod.labels, pod.host_network) == ("prod", "web-1", {"app": "web"}, True)
    assert pod.ports == (
        ContainerPort(8080, Protocol.TCP, "http"),
        ContainerPort(53, Protocol.UDP),
        ContainerPort(9000, Protocol.SCTP, "sctp"),
    )
    assert pod.ips == (ipaddress.ip_address("10.0.0.7"), ipaddress.ip_address("fd00::7"))
    assert (pod.owner, pod.template, pod.location) == (None, False, Location("p.yaml", 1, document=0))


@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_finished_pods_are_skipped(phase: str) -> None:
    cluster = load_text(POD.replace("phase: Running", f"phase: {phase}"))
    assert cluster.pods == ()
    assert cluster.skipped == {f"Pod ({phase})": 1}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "- containerPort: 8080",
            "- containerPort: 70000",
            "k.yaml:15: Pod prod/web-1: spec.containers[0].ports[0].containerPort: 70000 is not a valid port number",
        ),
        (
            "- containerPort: 8080",
            "- containerPort: '8080'",
            "k.yaml:15: Pod prod/web-1: spec.containers[0].ports[0].containerPort: must be an integer, not a string",
        ),
        (
            "- containerPort: 8080",
            "- hostPort: 8080",
            'k.yaml:15: Pod prod/web-1: spec.containers[0].ports[0]: missing required field "containerPort"',
        ),
        (
            "protocol: UDP",
            "protocol: ICMP",
            'k.yaml:17: Pod prod/web-1: spec.containers[0].ports[1].protocol: unsupported protocol "ICMP": '
            "must be TCP, UDP or SCTP",
        ),
        (
            "name: http\n    - {",
            "name: Http\n    - {",
            'k.yaml:16: Pod prod/web-1: spec.containers[0].ports[0].name: invalid port name "Http": '
            "must contain only lowercase letters, digits and '-'",
        ),
        (
            "podIP: 10.0.0.7",
            "podIP: 10.0.0.300",
            'k.yaml:24: Pod prod/web-1: status.podIP: invalid IP address "10.0.0.300"',
        ),
        (
            "- ip: fd00::7",
            "- ip: fd00::7::1",
            'k.yaml:27: Pod prod/web-1: status.podIPs[1].ip: invalid IP address "fd00::7::1"',
        ),
        (
            "hostNetwork: true",
            "hostNetwork: 'true'",
            "k.yaml:8: Pod prod/web-1: spec.hostNetwork: must be a boolean, not a string",
        ),
        (
            "labels: {app: web}",
            "labels: {app: [web]}",
            'k.yaml:6: Pod prod/web-1: metadata.labels: value of "app" must be a string, not a list',
        ),
        (
            "labels: {app: web}",
            "labels: [app]",
            "k.yaml:6: Pod prod/web-1: metadata.labels: must be a mapping, not a list",
        ),
        (
            "  name: web-1\n",
            "",
            'k.yaml:3: Pod prod/<unnamed>: metadata: missing required field "name"',
        ),
        (
            "  containers:\n",
            "  containers: {}\n  initContainers:\n",
            "k.yaml:12: Pod prod/web-1: spec.containers: must be a list, not a mapping",
        ),
    ],
)
def test_pod_validation(old: str, new: str, expected: str) -> None:
    assert old in POD
    assert error_lines(POD.replace(old, new, 1)) == [expected]


# -- workloads ----------------------------------------------------------------------------------------

TEMPLATE = """\
    metadata:
      labels: {app: w}
    spec:
      hostNetwork: false
      containers:
      - name: c
        ports: [{containerPort: 80, name: http}]
"""


@pytest.mark.parametrize(
    ("kind", "api_version", "replicas"),
    [
        ("Deployment", "apps/v1", 3),
        ("StatefulSet", "apps/v1", 3),
        ("ReplicaSet", "apps/v1", 3),
        ("DaemonSet", "apps/v1", None),
        ("ReplicationController", "v1", 3),
        ("Job", "batch/v1", None),
    ],
)
def test_workload_kinds(kind: str, api_version: str, replicas: int | None) -> None:
    text = f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: w, namespace: x}}\nspec:\n"
    text += "  replicas: 3\n" if replicas else ""  # DaemonSet and Job have none: the API refuses the field
    text += "  selector: {matchLabels: {app: w}}\n" if api_version == "apps/v1" else ""  # required, not defaulted
    text += "  template:\n" + TEMPLATE
    cluster = load_text(text)
    (workload,) = cluster.workloads
    assert workload.ref == WorkloadRef(kind, "x", "w")
    assert (workload.labels, workload.ports, workload.replicas) == (
        {"app": "w"},
        (ContainerPort(80, Protocol.TCP, "http"),),
        replicas,
    )
    (pod,) = cluster.pods
    assert (pod.template, pod.owner, pod.name, pod.labels, pod.ports) == (
        True,
        workload.ref,
        "w",
        {"app": "w"},
        workload.ports,
    )


def test_cronjob_template_and_default_replicas() -> None:
    cron = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 0 * * *'\n"
        "  jobTemplate:\n    spec:\n      template:\n" + textwrap.indent(TEMPLATE, "    ")
    )
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n"
        "  template: {metadata: {labels: {app: d}}}\n"
    )
    cluster = load_text(docs(cron, deployment))
    deployment_workload, cron_workload = cluster.workloads  # sorted by name: d, nightly
    assert (cron_workload.ref.kind, cron_workload.labels, cron_workload.ports[0].port) == ("CronJob", {"app": "w"}, 80)
    assert cron_workload.replicas is None
    assert (deployment_workload.ref.kind, deployment_workload.labels, deployment_workload.replicas) == (
        "Deployment",
        {"app": "d"},
        1,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
            'k.yaml:1: Deployment default/d: missing required field "spec"',
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 1\n"
            "  selector: {matchLabels: {app: d}}\n",
            'k.yaml:4: Deployment default/d: spec: missing required field "template"',
        ),
        (
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate: {}\n",
            'k.yaml:5: CronJob default/c: spec.jobTemplate: missing required field "spec"',
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: two\n"
            "  selector: {matchLabels: {app: d}}\n  template: {metadata: {labels: {app: d}}}\n",
            "k.yaml:5: Deployment default/d: spec.replicas: must be an integer, not a string",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: -1\n"
            "  selector: {matchLabels: {app: d}}\n  template: {metadata: {labels: {app: d}}}\n",
            "k.yaml:5: Deployment default/d: spec.replicas: -1 must be zero or more",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: prod}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
            "    spec:\n      containers:\n      - ports:\n        - containerPort: 70000\n",
            "k.yaml:11: Deployment prod/web: spec.template.spec.containers[0].ports[0].containerPort: "
            "70000 is not a valid port number",
        ),
        (
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n"
            "  selector: {matchExpressions: [{key: app, operator: Exists}]}\n"
            "  template:\n    metadata:\n      labels: {app: -x}\n",
            'k.yaml:8: StatefulSet default/s: spec.template.metadata.labels: invalid label value "-x" for "app": '
            "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
            "an alphanumeric character",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  ownerReferences: [{apiVersion: v1, kind: X, uid: u1}]\n"
            "spec: {selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}}}\n",
            'k.yaml:5: Deployment default/d: metadata.ownerReferences[0]: missing required field "name"',
        ),
    ],
)
def test_workload_validation(text: str, expected: str) -> None:
    assert error_lines(text) == [expected]


# -- services ------------------------------------------------------------------------------------------


def test_service() -> None:
    text = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http, name: web}
  - {port: 53, protocol: UDP}
  - {port: 443, targetPort: 8443}
"""
    (service,) = load_text(text).services
    assert (service.namespace, service.name, service.selector) == ("prod", "web", {"app": "web"})
    assert service.ports == (
        ServicePort(80, "http", Protocol.TCP, "web"),
        ServicePort(53, 53, Protocol.UDP),
        ServicePort(443, 8443, Protocol.TCP),
    )


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ("{port: 0}", "spec.ports[0].port: 0 is not a valid port number"),
        ("{targetPort: 80}", 'spec.ports[0]: missing required field "port"'),
        ("{port: 80, targetPort: '8080'}", 'spec.ports[0].targetPort: invalid port name "8080": must contain at least '
                                           "one letter (write 8080 without quotes for a port number)"),
        ("{port: 80, targetPort: 1.5}", "spec.ports[0].targetPort: must be an integer or a string, not a number"),
        ("{port: 80, protocol: HTTP}", 'spec.ports[0].protocol: unsupported protocol "HTTP": must be TCP, UDP or SCTP'),
    ],
)
def test_service_validation(port: str, expected: str) -> None:
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec:\n  ports:\n  - {port}\n"
    assert error_lines(text) == [f"k.yaml:6: Service default/s: {expected}"]


# -- other kinds -------------------------------------------------------------------------------------


def test_unsupported_kinds_are_counted() -> None:
    text = docs(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: i}\n",
        "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: not-apps}\n",
        "apiVersion: v1\nkind: Secret\n",  # not even named: still only counted
    )
    cluster = load_text(text)
    assert cluster.skipped == {"ConfigMap": 2, "Deployment (example.com/v1)": 1, "Secret": 1, "StorageClass": 1}
    assert cluster.workloads == () and cluster.warnings == ()


FOREIGN = [
    ("crd.antrea.io/v1beta1", "ClusterNetworkPolicy", "acnp", None),
    ("k8s.cni.cncf.io/v1beta1", "MultiNetworkPolicy", "multi", "prod"),
    ("policy.networking.k8s.io/v1alpha9", "AdminNetworkPolicy", "future", None),
    ("projectcalico.org/v3", "NetworkPolicy", "calico", "prod"),
    ("crd.projectcalico.org/v1", "NetworkPolicy", "calico-crd", None),
    ("projectcalico.org/v3", "GlobalNetworkPolicy", "global", None),
    ("cilium.io/v2", "CiliumNetworkPolicy", "l7", "prod"),
    ("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "cw", None),
]


def test_foreign_policy_kinds_warn_and_are_counted() -> None:
    parts = []
    for api_version, kind, name, namespace in FOREIGN:
        ns = f", namespace: {namespace}" if namespace else ""
        parts.append(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: {name}{ns}}}\nspec: {{}}\n")
    cluster = load_text("---\n".join(parts), "f.yaml")
    tail = (
        "not evaluated yet: podwall evaluates networking.k8s.io/v1 NetworkPolicy and the policy.networking.k8s.io "
        "admin tiers; flows shown ignore it"
    )
    assert cluster.warnings == (
        f"warning: f.yaml:1: ClusterNetworkPolicy acnp: {tail}",
        f"warning: f.yaml:6: MultiNetworkPolicy prod/multi: {tail}",
        f"warning: f.yaml:11: AdminNetworkPolicy future: {tail}",
        f"warning: f.yaml:16: NetworkPolicy (projectcalico.org/v3) prod/calico: {tail}",
        f"warning: f.yaml:21: NetworkPolicy (crd.projectcalico.org/v1) default/calico-crd: {tail}",
        f"warning: f.yaml:26: GlobalNetworkPolicy global: {tail}",
        f"warning: f.yaml:31: CiliumNetworkPolicy prod/l7: {tail}",
        f"warning: f.yaml:36: CiliumClusterwideNetworkPolicy cw: {tail}",
    )
    assert cluster.skipped == {
        "AdminNetworkPolicy": 1,
        "CiliumClusterwideNetworkPolicy": 1,
        "CiliumNetworkPolicy": 1,
        "ClusterNetworkPolicy": 1,
        "MultiNetworkPolicy": 1,
        "GlobalNetworkPolicy": 1,
        "NetworkPolicy (crd.projectcalico.org/v1)": 1,
        "NetworkPolicy (projectcalico.org/v3)": 1,
    }
    assert cluster.policies == () and cluster.namespaces == ()


def test_calico_policy_is_not_validated_as_a_kubernetes_one() -> None:
    text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: x}\nspec:\n  selector: app == 'a'\n"
    assert load_text(text).skipped == {"NetworkPolicy (projectcalico.org/v3)": 1}


# -- duplicates and lenient mode ----------------------------------------------------------------------


def test_duplicates_name_both_locations() -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n"
    other_ns = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: z}\n"
    other_kind = "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\n"
    assert error_lines(docs(pod, other_ns, other_kind, pod), "d.yaml") == [
        "d.yaml:13: Pod x/a: defined twice (first at d.yaml:1)"
    ]


def test_default_namespace_counts_for_duplicates() -> None:
    text = docs(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default}\n",
    )
    assert error_lines(text, "d.yaml") == ["d.yaml:5: Pod default/a: defined twice (first at d.yaml:1)"]


def test_lenient_skips_only_the_bad_objects() -> None:
    text = docs(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  hostNetwork: yes please\n",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
        "  ingress:\n  - from: [{}]\n    ports: [{port: 0}]\n",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ok}\nspec: {podSelector: {}}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\n",
        "- not an object\n",
    )
    cluster = load_text(text, "l.yaml", lenient=True)
    assert [p.name for p in cluster.pods] == ["good"]
    assert [p.name for p in cluster.policies] == ["ok"]
    assert cluster.warnings == (
        "warning: skipped object: l.yaml:9: Pod default/bad: spec.hostNetwork: must be a boolean, not a string",
        "warning: skipped object: l.yaml:17: NetworkPolicy default/p: spec.ingress[0].from[0]: must specify exactly "
        "one of podSelector/namespaceSelector (together or alone) or ipBlock",
        "warning: skipped object: l.yaml:18: NetworkPolicy default/p: spec.ingress[0].ports[0].port: "
        "0 is not a valid port number",
        "warning: skipped object: l.yaml:25: Pod default/good: defined twice (first at l.yaml:1)",
        "warning: skipped object: l.yaml:29: expected a Kubernetes object (a mapping with apiVersion and kind), "
        "not a list",
    )


def test_strict_mode_reports_every_error_of_every_object() -> None:
    text = docs(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: A}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {hostNetwork: 1}\n",
    )
    assert len(error_lines(text)) == 2


# -- what network plugin detection reads: nodes, containers, nodeName, Service type ------------------


def test_nodes_containers_node_name_and_service_type() -> None:
    cluster = load_text(
        docs(
            """
            apiVersion: v1
            kind: Node
            metadata:
              name: n1
              annotations: {projectcalico.org/IPv4Address: 10.0.0.1/24}
            spec: {podCIDRs: [10.244.1.0/24, "fd00::/64"]}
            status:
              addresses:
              - {type: Hostname, address: n1}
              - {type: ExternalIP, address: 203.0.113.7}
              - {type: InternalIP, address: 10.0.0.1}
            """,
            """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: calico-node, namespace: kube-system}
            spec:
              selector: {matchLabels: {k8s-app: calico-node}}
              template:
                metadata: {labels: {k8s-app: calico-node}}
                spec:
                  hostNetwork: true
                  containers: [{name: calico-node, image: "docker.io/calico/node:v3.28.0", args: [-felix]}]
            """,
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: shop}
            spec: {nodeName: n1, containers: [{name: nginx, image: nginx}]}
            """,
            """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec: {type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}]}
            """,
        )
    )
    (node,) = cluster.nodes
    assert node.name == "n1" and node.annotations == {"projectcalico.org/IPv4Address": "10.0.0.1/24"}
    assert node.addresses == (ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("203.0.113.7"))
    assert node.pod_cidrs == (ipaddress.ip_network("10.244.1.0/24"), ipaddress.ip_network("fd00::/64"))
    (daemonset,) = cluster.workloads
    assert [(c.name, c.image, c.args) for c in daemonset.containers] == [
        ("calico-node", "docker.io/calico/node:v3.28.0", ("-felix",))
    ]
    web = next(p for p in cluster.pods if p.key == "shop/web")
    assert web.node == "n1" and [c.image for c in web.containers] == ["nginx"]
    assert (cluster.services[0].type, cluster.services[0].external_traffic_policy) == ("LoadBalancer", "Local")
    assert "Node" not in cluster.skipped


def test_node_with_a_bad_pod_cidr() -> None:
    text = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.0.0.0/33}\n"
    assert error_lines(text) == ['k.yaml:4: Node n1: spec.podCIDR: invalid CIDR "10.0.0.0/33"']


# -- metadata kubectl cannot decode, whatever the kind -------------------------------------------------

METADATA_CASES = [
    ("{name: c, uid: 1}", 'k.yaml:3: ConfigMap c: metadata.uid: must be a string, not an integer (quote the value)'),
    ("{name: c, generation: 1.5}", "k.yaml:3: ConfigMap c: metadata.generation: must be an integer, not a number"),
    ("{name: c, labels: x}", "k.yaml:3: ConfigMap c: metadata.labels: must be a mapping, not a string"),
    ("{name: c, annotations: {a: 1}}",
     'k.yaml:3: ConfigMap c: metadata.annotations: value of "a" must be a string, not an integer (quote the value)'),
    ("{name: c, creationTimestamp: yesterday}",
     'k.yaml:3: ConfigMap c: metadata.creationTimestamp: invalid time "yesterday": must be RFC 3339, '
     "like 2024-01-02T03:04:05Z"),
    ("{name: c, finalizers: [1]}",
     "k.yaml:3: ConfigMap c: metadata.finalizers[0]: must be a string, not an integer (quote the value)"),
    ("{name: c, ownerReferences: [{name: 1}]}",
     "k.yaml:3: ConfigMap c: metadata.ownerReferences[0].name: must be a string, not an integer (quote the value)"),
    ("{name: c, labels: {a: b}, annotations: {a: null}, generation: 2, clusterName: 1, uid: u, namespace: null}", None),
    ("{name: c, creationTimestamp: '2024-01-02T03:04:05Z', finalizers: [a/b], ownerReferences: [{name: o}]}", None),
]


@pytest.mark.parametrize(("metadata", "expected"), METADATA_CASES)
def test_metadata_kubectl_cannot_decode_refuses_any_kind(
    metadata: str, expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {metadata}\n"
    if expected is None:
        assert load_text(text, "k.yaml").skipped == {"ConfigMap": 1}
    else:
        assert error_lines(text) == [expected]
    # The one look at usual metadata (meta._plain) says nothing the whole walk would not.
    monkeypatch.setattr(meta, "_plain", lambda given: False)
    if expected is None:
        assert load_text(text, "k.yaml").skipped == {"ConfigMap": 1}
    else:
        assert error_lines(text) == [expected]


def test_labels_judged_valid_are_remembered_and_bad_ones_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("_VALID_LABEL_KEYS", "_VALID_LABEL_VALUES", "_VALID_ANNOTATION_KEYS"):
        monkeypatch.setattr(fields, name, set())
    monkeypatch.setattr(fields, "_REMEMBERED", 3)
    pod = "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, labels: {{{labels}}}}}\nspec: {{containers: []}}\n"
    good = "".join(pod.format(i=i, labels=f"app: a{i}, tier: t{i}") for i in range(5))
    assert [p.labels["app"] for p in load_text(good).pods] == [f"a{i}" for i in range(5)]
    assert 0 < len(fields._VALID_LABEL_VALUES) <= 3 and fields._VALID_LABEL_KEYS == {"app", "tier"}
    bad = good + pod.format(i=5, labels="app: a4, tier: -t4")
    assert error_lines(bad) == [
        'k.yaml:29: Pod default/p5: metadata.labels: invalid label value "-t4" for "tier": must be empty or consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    ]
