"""One small scenario per convention, and the verdict every profile gives it.

The expected verdicts are written from the profiles' cited statements
(docs/cni.md), one column per scenario, not from podwall's output: a plugin
that enforces nothing allows everything; ``unknown`` statements are judged as
generic. Each verdict is checked three ways: ``reach`` (the class matrix),
``explain`` (one flow with its reasons) and the reference evaluator
(``tests/reference.py``, which implements each convention on its own).
"""

from __future__ import annotations

import pytest

from podwall.cni import profile, profiles
from podwall.engine import EngineOptions, Probe, explain, reach
from podwall.loader import load_text
from podwall.model import Conventions, Pod
from reference import reference_allowed

NODES = """
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}
"""


def _pod(name: str, ip: str, node: str, labels: str = "{}", host: bool = False, ports: str = "[{containerPort: 80}]") -> str:
    host_line = "hostNetwork: true, " if host else ""
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: x, labels: {labels}}}
spec: {{{host_line}nodeName: {node}, containers: [{{name: c, image: app, ports: {ports}}}]}}
status: {{podIP: {ip}}}
"""


SERVER = _pod("server", "10.244.1.10", "n1", "{app: server}", ports="[{containerPort: 80}, {containerPort: 8005}]")
CLIENT = _pod("client", "10.244.2.20", "n2", "{app: client}")
AGENT_REMOTE = _pod("agent", "10.0.0.2", "n2", "{app: agent}", host=True)
AGENT_LOCAL = _pod("agent", "10.0.0.1", "n1", "{app: agent}", host=True)


def _ingress(rules: str) -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: server, namespace: x}}
spec:
  podSelector: {{matchLabels: {{app: server}}}}
  policyTypes: [Ingress]
  ingress: {rules}
"""


BANP_DENY = """
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: server}}}}
  ingress:
    - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
"""

CNP_BASELINE_DENY = """
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline}
spec:
  tier: Baseline
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: server}}}}
  ingress:
    - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
"""

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: server, namespace: x}
spec: {type: NodePort, selector: {app: server}, ports: [{port: 80}]}
"""

#: scenario -> (manifests, source, destination, probe)
SCENARIOS = {
    "enforces": (_ingress("[]") + "---" + SERVER + "---" + CLIENT, "x/client", "x/server", "80/TCP"),
    "host_network": (
        _ingress("[{from: [{podSelector: {matchLabels: {app: agent}}}]}]") + "---" + SERVER + "---" + AGENT_REMOTE,
        "x/agent", "x/server", "80/TCP",
    ),
    "ipblock_matches_pods": (
        _ingress("[{from: [{ipBlock: {cidr: 10.244.0.0/16}}]}]") + "---" + SERVER + "---" + CLIENT,
        "x/client", "x/server", "80/TCP",
    ),
    "ipblock_matches_nodes": (
        _ingress("[{from: [{ipBlock: {cidr: 10.0.0.0/24}}]}]") + "---" + SERVER + "---" + AGENT_REMOTE,
        "x/agent", "x/server", "80/TCP",
    ),
    "node_to_local_pods": (_ingress("[]") + "---" + SERVER + "---" + AGENT_LOCAL, "x/agent", "x/server", "80/TCP"),
    "end_port": (
        _ingress("[{ports: [{protocol: TCP, port: 8000, endPort: 8010}]}]") + "---" + SERVER + "---" + CLIENT,
        "x/client", "x/server", "8005/TCP",
    ),
    "admin_v1alpha1": (BANP_DENY + "---" + SERVER + "---" + CLIENT, "x/client", "x/server", "80/TCP"),
    "admin_v1alpha2": (CNP_BASELINE_DENY + "---" + SERVER + "---" + CLIENT, "x/client", "x/server", "80/TCP"),
    # explain only: a client outside, through a NodePort Service (externalTrafficPolicy: Cluster)
    "external_source_preserved": (
        _ingress("[{from: [{ipBlock: {cidr: 198.51.100.0/24}}]}]") + "---" + SERVER + "---" + SERVICE,
        "198.51.100.7", "x/svc/server", "80/TCP",
    ),
}

# Allowed (True) or denied (False), per profile, in the order of SCENARIOS:
#   enforces  host_network  ipblock_pods  ipblock_nodes  node_local  end_port  banp_v1alpha1  cnp_v1alpha2  client_kept
# Written from each profile's statements; "unknown" counts as generic; no enforcement allows everything.
# client_kept: no profile keeps the client address through a NodePort with externalTrafficPolicy: Cluster
# (generic and antrea say so, the rest are unknown), so the ipBlock naming the client never matches.
T, F = True, False
EXPECTED = {
    "generic":               (F, F, T, T, T, T, F, F, F),
    "npa":                   (F, T, T, T, F, T, F, F, F),  # host-network pods are pods: selected, and never node traffic
    "antrea":                (F, F, T, T, T, T, F, T, F),  # v1alpha1 only
    "aws-vpc-cni":           (T, T, T, T, T, T, T, T, T),  # enforces nothing
    "aws-vpc-cni-netpol":    (F, F, T, T, T, T, F, F, F),
    "azure-npm":             (F, F, T, T, T, F, T, T, F),  # no endPort: only 8000; no admin tiers
    "calico":                (F, F, T, T, T, T, F, F, F),
    "canal":                 (F, F, T, T, T, T, F, F, F),
    "cilium":                (F, F, F, F, T, T, T, T, F),  # CIDR rules never match pods or nodes; no admin tiers
    "flannel":               (T, T, T, T, T, T, T, T, T),  # enforces nothing
    "gke-dataplane-v2":      (F, F, T, T, T, T, T, T, F),  # no admin tiers listed
    "kindnet":               (F, F, T, T, T, T, T, T, F),  # the standard kube-network-policies build: no admin tiers
    "kube-network-policies": (F, F, T, T, T, T, T, T, F),
    "kube-router":           (F, F, T, T, T, T, T, T, F),
    "ovn-kubernetes":        (F, F, T, T, T, T, F, T, F),  # v1alpha1 only
    "weave":                 (F, F, T, T, T, T, T, T, F),
}  # fmt: skip


def test_every_profile_has_a_row() -> None:
    assert sorted(EXPECTED) == sorted(profiles())
    assert all(len(row) == len(SCENARIOS) for row in EXPECTED.values())


def test_profiles_read_from_the_folder_are_the_packaged_ones() -> None:
    # The package's folder is read with os (every pip install); importlib.resources (a zipped package) reads the same.
    from podwall.cni.profile import _packaged_profile_texts, _profile_texts

    texts = _profile_texts()
    assert sorted(texts) == sorted(f"{name}.toml" for name in EXPECTED) and texts == _packaged_profile_texts()


def test_detection_tables_read_alone_are_the_whole_profiles_ones() -> None:
    # detect() reads each profile's [detect] table parsed alone; a command parses whole only the profiles it uses.
    from podwall.cni.detect import choose
    from podwall.cni.profile import _built, detections

    _built.cache_clear()
    choice = choose(load_text(NODES))
    assert choice.profile.name == "generic" and _built.cache_info().currsize == 1
    assert list(detections().items()) == [(name, prof.detect) for name, prof in profiles().items()]
    assert list(profiles()) == ["generic", *sorted(n for n in EXPECTED if n != "generic")]
    assert any(prof.detect.images for prof in profiles().values())


CASES = [
    pytest.param(name, scenario, EXPECTED[name][i], id=f"{scenario}-{name}")
    for name in sorted(EXPECTED)
    for i, scenario in enumerate(SCENARIOS)
]


@pytest.mark.parametrize(("name", "scenario", "allowed"), CASES)
def test_verdict(name: str, scenario: str, allowed: bool) -> None:
    text, source, destination, port = SCENARIOS[scenario]
    cluster = load_text(NODES + "---" + text)
    conventions = profile(name).conventions()
    options = EngineOptions(conventions=conventions)
    probe = Probe.parse(port)
    # 1. explain: one flow with its reasons
    assert explain(cluster, source, destination, probe, options).allowed is allowed
    if scenario == "external_source_preserved":
        return  # a Service-level question: reach and the reference judge pods, not Services
    # 2. reach: the class matrix
    matrix = reach(cluster, [probe], options=options)
    assert matrix.allows(source, destination, probe) is allowed
    # 3. the reference evaluator, convention by convention
    pods = {p.key: p for p in cluster.pods if isinstance(p, Pod)}
    assert reference_allowed(cluster, pods[source], pods[destination], probe, conventions=conventions) is allowed


def test_client_address_kept_with_local_traffic_policy_or_by_the_plugin() -> None:
    text, source, destination, port = SCENARIOS["external_source_preserved"]
    local = load_text(NODES + "---" + text.replace("type: NodePort", "type: NodePort, externalTrafficPolicy: Local"))
    result = explain(local, source, destination, port)
    assert result.allowed
    assert "Service x/Service/server is NodePort with externalTrafficPolicy: Local: the client address " \
           "198.51.100.7 reaches the pods unchanged" in result.notes
    cluster = load_text(NODES + "---" + text)
    keeps = EngineOptions(conventions=Conventions(external_source_preserved=True))
    assert explain(cluster, source, destination, port, keeps).allowed
    denied = explain(cluster, source, destination, port)
    assert not denied.allowed and denied.verdict.egress.basis.value == "external"
    assert "the pods see a node's address instead of 198.51.100.7 (nodes: n1 10.0.0.1, n2 10.0.0.2)" in denied.notes[0]
