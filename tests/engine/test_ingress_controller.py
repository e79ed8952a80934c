"""``{ingress-controller} => workload`` lines of a connection list (engine.connlist, engine.exposure).

The controller stands in as a source of unknown namespace and labels: it gets in
only through rules that admit pods of every namespace, and only the backend pod's
ingress is judged, on the target ports the Ingress or Route uses.

World: namespace shop, Deployment front (app=front; http 8080/TCP, metrics 9090/TCP),
Deployment other in shop (app=other), Service front (port 80 -> targetPort http,
port 9000 -> targetPort 9090), Ingress web -> Service front port 80.
"""

from __future__ import annotations

import pytest

from podwall.engine.connlist import connlist
from podwall.engine.exposure import INGRESS_CONTROLLER
from podwall.loader import load_text

WORLD = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: front, namespace: shop}
spec:
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec:
      containers:
      - name: main
        image: registry.example/front:1
        ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: shop}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers:
      - {name: main, image: registry.example/other:1, ports: [{containerPort: 7000}]}
---
apiVersion: v1
kind: Service
metadata: {name: front, namespace: shop}
spec:
  selector: {app: front}
  ports:
  - {name: web, port: 80, targetPort: http}
  - {name: prom, port: 9000, targetPort: 9090}
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}
"""

FRONT = "shop/front[Deployment]"
LINE_8080 = [(INGRESS_CONTROLLER, FRONT, "TCP 8080")]


def netpol(ingress: str, selector: str = "{}") -> str:
    return (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\n"
        f"spec:\n  podSelector: {selector}\n  policyTypes: [Ingress]\n  ingress: {ingress}\n"
    )


def anp(rules: str, priority: int = 1) -> str:
    return (
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\n"
        f"spec:\n  priority: {priority}\n  subject: {{namespaces: {{}}}}\n{rules}"
    )


def banp(rules: str) -> str:
    return (
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n"
        f"spec:\n  subject: {{namespaces: {{}}}}\n{rules}"
    )


def controller_lines(*docs: str) -> list[tuple[str, str, str]]:
    text = "---\n".join((WORLD, *docs))
    lines = connlist(load_text(text, "c.yaml"))
    return [(line.source, line.destination, str(line.conns)) for line in lines if line.source == INGRESS_CONTROLLER]


ALL_NAMESPACES = "[{from: [{namespaceSelector: {}}]}]"
ALL_NAMESPACES_9090 = "[{from: [{namespaceSelector: {}}], ports: [{port: 9090}]}]"
EDGE_ONLY = "{namespaces: {matchLabels: {team: edge}}}"

CASES = [
    pytest.param((INGRESS,), LINE_8080, id="no-policy-target-port-of-the-used-service-port-only"),
    pytest.param((), [], id="no-ingress-no-line"),
    pytest.param((INGRESS, netpol(ALL_NAMESPACES)), LINE_8080, id="np-allows-all-namespaces"),
    pytest.param(
        (INGRESS, netpol("[{from: [{namespaceSelector: {}, podSelector: {}}]}]")), LINE_8080,
        id="np-allows-every-pod-of-every-namespace",
    ),
    pytest.param((INGRESS, netpol("[{}]")), LINE_8080, id="np-allows-everything"),
    pytest.param((INGRESS, netpol("[{from: [{podSelector: {}}]}]")), [], id="np-own-namespace-only"),
    pytest.param(
        (INGRESS, netpol("[{from: [{namespaceSelector: {matchLabels: {team: edge}}}]}]")), [],
        id="np-some-namespaces-only",
    ),
    pytest.param(
        (INGRESS, netpol("[{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: nginx}}}]}]")), [],
        id="np-labelled-pods-only",
    ),
    pytest.param((INGRESS, netpol("[]")), [], id="np-denies-all"),
    pytest.param((INGRESS, netpol(ALL_NAMESPACES_9090)), [], id="np-other-port"),
    pytest.param(
        (INGRESS, netpol("[{from: [{namespaceSelector: {}}], ports: [{port: http}]}]")), LINE_8080,
        id="np-named-target-port",
    ),
    pytest.param(
        (INGRESS, netpol("[]", selector="{matchLabels: {app: other}}")), LINE_8080,
        id="np-isolating-another-workload",
    ),
    pytest.param(
        (INGRESS, netpol("[{}]"), anp("  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n")), [],
        id="anp-deny-from-all-namespaces-beats-np-allow",
    ),
    pytest.param(
        (INGRESS, netpol("[]"), anp("  ingress:\n  - {action: Allow, from: [{namespaces: {}}]}\n")), LINE_8080,
        id="anp-allow-from-all-namespaces-beats-np-deny",
    ),
    pytest.param(
        (INGRESS, netpol("[]"), anp(f"  ingress:\n  - {{action: Allow, from: [{EDGE_ONLY}]}}\n")),
        [],
        id="anp-allow-from-some-namespaces-not-the-controller",
    ),
    pytest.param(
        (INGRESS, netpol(ALL_NAMESPACES), anp("  ingress:\n  - {action: Pass, from: [{namespaces: {}}]}\n")),
        LINE_8080,
        id="anp-pass-then-np-allow",
    ),
    pytest.param(
        (INGRESS, anp("  ingress:\n  - {action: Pass, from: [{namespaces: {}}]}\n"),
         banp("  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n")),
        [],
        id="anp-pass-then-banp-deny",
    ),
    pytest.param(
        (INGRESS, banp("  ingress:\n  - {action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {}}}]}\n")),
        [],
        id="banp-deny-all-pods",
    ),
    pytest.param(
        (INGRESS, netpol(ALL_NAMESPACES), banp("  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n")),
        LINE_8080,
        id="banp-ignored-when-np-isolates",
    ),
    pytest.param(
        (INGRESS, anp("  egress:\n  - {action: Deny, to: [{namespaces: {}}]}\n")), LINE_8080,
        id="controller-egress-not-judged",
    ),
]


@pytest.mark.parametrize(("docs", "expected"), CASES)
def test_controller_lines(docs: tuple[str, ...], expected: list) -> None:
    assert controller_lines(*docs) == expected


def test_route_target_port_and_every_port() -> None:
    route = (
        "apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {{name: {name}, namespace: shop}}\n"
        "spec:\n  to: {{kind: Service, name: front}}\n{port}"
    )
    assert controller_lines(route.format(name="r", port="  port: {targetPort: 9090}\n")) == [
        (INGRESS_CONTROLLER, FRONT, "TCP 9090")
    ]
    assert controller_lines(route.format(name="r", port="  port: {targetPort: web}\n")) == LINE_8080
    assert controller_lines(route.format(name="r", port="")) == [(INGRESS_CONTROLLER, FRONT, "TCP 8080,9090")]
    assert controller_lines(route.format(name="r", port=""), netpol(ALL_NAMESPACES_9090)) == [
        (INGRESS_CONTROLLER, FRONT, "TCP 9090")
    ]


def test_service_without_selector_or_missing_has_no_backend() -> None:
    dangling = INGRESS.replace("name: front, port", "name: nowhere, port")
    assert controller_lines(dangling) == []
    manual = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: manual, namespace: shop}\n"
        "spec:\n  ports: [{port: 80, targetPort: 8080}]\n"
    )
    assert controller_lines(manual, INGRESS.replace("name: front, port", "name: manual, port")) == []


def test_other_lines_unaffected_by_the_controller() -> None:
    """Pod-to-pod lines are the matrix's: the controller stand-in is not a pod of the cluster."""
    text = "---\n".join((WORLD, INGRESS, netpol(ALL_NAMESPACES)))
    lines = {(line.source, line.destination) for line in connlist(load_text(text, "c.yaml"))}
    assert ("shop/other[Deployment]", FRONT) in lines
    assert (INGRESS_CONTROLLER, "shop/other[Deployment]") not in lines


def test_selector_matching_no_namespace_does_not_admit_the_controller() -> None:
    no_namespace = "{matchExpressions: [{key: kubernetes.io/metadata.name, operator: DoesNotExist}]}"
    assert controller_lines(INGRESS, netpol(f"[{{from: [{{namespaceSelector: {no_namespace}}}]}}]")) == []
