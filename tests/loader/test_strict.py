"""Strict decoding of every kind podwall reads: unknown fields, kinds and versions no API server serves.

kubectl (``--validate=strict``) and the API server's strict field validation
refuse these; read leniently, each one silently changed a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podwall.errors import InputErrors
from podwall.loader import load_text
from podwall.loader.known_fields import FIELDS
from tests.cli.harness import run

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: cli, namespace: shop, labels: {app: cli}}
spec:
  hostNetwork: false
  containers:
  - name: c
    image: x
    ports: [{containerPort: 80, name: http}]
status:
  podIP: 10.0.0.7
  podIPs: [{ip: 10.0.0.7}]
"""

POLICY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-cli, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {matchLabels: {app: cli}}}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
"""


def error_lines(text: str, path: str = "s.yaml") -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, path)
    return str(info.value).splitlines()


def test_misspelt_pod_labels_are_an_error_not_a_denied_verdict(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(POD + POLICY)
    assert run("explain", "-f", str(good), "shop/cli", "shop/web", "80").exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(POD.replace("labels: {app: cli}", "lables: {app: cli}") + POLICY)
    r = run("explain", "-f", str(bad), "shop/cli", "shop/web", "80")
    assert r.exit_code == 2
    assert r.stderr == f'{bad}:3: Pod shop/cli: metadata: unknown field "lables" (did you mean "labels"?)\n'


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("hostNetwork: false", "hostNetwrok: true",
         's.yaml:5: Pod shop/cli: spec: unknown field "hostNetwrok" (did you mean "hostNetwork"?)'),
        ("    image: x", "    imgae: x",
         's.yaml:8: Pod shop/cli: spec.containers[0]: unknown field "imgae" (did you mean "image"?)'),
        ("name: http}", "nmae: http}",
         's.yaml:9: Pod shop/cli: spec.containers[0].ports[0]: unknown field "nmae" (did you mean "name"?)'),
        ("  podIP: 10.0.0.7", "  podIp: 10.0.0.7",
         's.yaml:11: Pod shop/cli: status: unknown field "podIp" (did you mean "podIP"?)'),
        ("[{ip: 10.0.0.7}]", "[{ipp: 10.0.0.7}]",
         's.yaml:12: Pod shop/cli: status.podIPs[0]: unknown field "ipp" (did you mean "ip"?)'),
        ("kind: Pod\n", "kind: Pod\nspecs: {}\n",
         's.yaml:3: Pod shop/cli: unknown field "specs" (did you mean "spec"?)'),
        ("labels: {app: cli}}", "labels: {app: cli}, ownerReferences: [{kind: Job, name: j, ctrl: true}]}",
         's.yaml:3: Pod shop/cli: metadata.ownerReferences[0]: unknown field "ctrl"'),
    ],
)
def test_pod_unknown_fields(old: str, new: str, expected: str) -> None:
    assert old in POD
    assert error_lines(POD.replace(old, new, 1)) == [expected]


WORKLOAD = """\
apiVersion: {api}
kind: {kind}
metadata: {{name: w, namespace: shop}}
spec:
{spec}  selector: {{matchLabels: {{app: w}}}}
  template:
    metadata: {{labels: {{app: w}}}}
    spec: {{containers: [{{name: c, image: x}}]}}
"""

#: Each kind with a label selector, and the spec fields it needs before ``selector`` (the API's).
WORKLOAD_KINDS = [
    ("Deployment", "apps/v1", ""),
    ("StatefulSet", "apps/v1", "  serviceName: w\n"),
    ("DaemonSet", "apps/v1", ""),
    ("ReplicaSet", "apps/v1", ""),
    ("Job", "batch/v1", "  manualSelector: true\n"),
]


@pytest.mark.parametrize(("kind", "api", "head"), WORKLOAD_KINDS)
def test_workload_template_unknown_fields(kind: str, api: str, head: str) -> None:
    text = WORKLOAD.format(api=api, kind=kind, spec=head)
    assert len(load_text(text).workloads) == 1
    line = 5 + head.count("\n")
    assert error_lines(text.replace("{labels:", "{lables:").replace("  selector:", "  selectr:")) == [
        f's.yaml:{line}: {kind} shop/w: spec: unknown field "selectr" (did you mean "selector"?)',
        f's.yaml:{line + 2}: {kind} shop/w: spec.template.metadata: unknown field "lables" (did you mean "labels"?)',
        f's.yaml:4: {kind} shop/w: spec: missing required field "selector"',  # the misspelt field is not the selector
    ]


CRON_JOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: shop}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: c}}
        spec: {hostNetwork: true, containers: [{name: c, image: x}]}
"""


def test_cron_job_and_replication_controller_unknown_fields() -> None:
    cron = CRON_JOB
    assert load_text(cron).workloads[0].host_network
    assert error_lines(cron.replace("hostNetwork", "hostnetwork").replace("  jobTemplate:\n    spec", "  jobTemplate:\n    spek")) == [
        's.yaml:7: CronJob shop/c: spec.jobTemplate: unknown field "spek" (did you mean "spec"?)',
        's.yaml:6: CronJob shop/c: spec.jobTemplate: missing required field "spec"',
    ]
    assert error_lines(cron.replace("hostNetwork", "hostnetwork")) == [
        's.yaml:10: CronJob shop/c: spec.jobTemplate.spec.template.spec: unknown field "hostnetwork" '
        '(did you mean "hostNetwork"?)',
    ]
    rc = "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  replica: 2\n  template: {}\n"
    assert error_lines(rc) == [
        's.yaml:5: ReplicationController default/r: spec: unknown field "replica" (did you mean "replicas"?)'
    ]


def test_service_namespace_node_ingress_unknown_fields() -> None:
    text = """\
apiVersion: v1
kind: Service
metadata: {name: s, namespace: shop}
spec:
  selectr: {app: w}
  ports: [{port: 80, targetPrt: 8080}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, label: {team: a}}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {podCIDRs: [10.0.0.0/24]}
status: {addresses: [{type: InternalIP, adress: 192.168.0.1}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: s, port: {numbr: 80}}}
"""
    assert error_lines(text) == [
        's.yaml:5: Service shop/s: spec: unknown field "selectr" (did you mean "selector"?)',
        's.yaml:6: Service shop/s: spec.ports[0]: unknown field "targetPrt" (did you mean "targetPort"?)',
        's.yaml:10: Namespace shop: metadata: unknown field "label" (did you mean "labels"?)',
        's.yaml:16: Node n1: status.addresses[0]: unknown field "adress" (did you mean "address"?)',
        's.yaml:27: Ingress shop/i: spec.rules[0].http.paths[0].backend.service.port: unknown field "numbr" '
        '(did you mean "number"?)',
        's.yaml:27: Ingress shop/i: spec.rules[0].http.paths[0].backend.service.port: must specify exactly one '
        "of number, name",
    ]


def test_legal_fields_podwall_does_not_read_are_accepted() -> None:
    """A ``kubectl get -o json`` dump: managedFields, status, resources, probes... every field of the table."""
    pod = json.loads(json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {key: None for key in FIELDS["ObjectMeta"]} | {"name": "p", "namespace": "shop"},
        "spec": {key: None for key in FIELDS["PodSpec"]} | {
            "containers": [{key: None for key in FIELDS["Container"]} | {
                "name": "c", "resources": {"limits": {"cpu": "1"}},
                "ports": [{key: None for key in FIELDS["ContainerPort"]} | {"containerPort": 80}],
            }],
        },
        "status": {key: None for key in FIELDS["PodStatus"]} | {"podIPs": [{"ip": "10.0.0.1"}], "phase": "Running"},
    }))
    (loaded,) = load_text(json.dumps(pod), "p.json").pods
    assert [str(ip) for ip in loaded.ips] == ["10.0.0.1"]


def test_fields_of_a_newer_kubernetes_on_served_objects_are_one_warning_not_errors() -> None:
    """A dump or live read of a 1.33+ cluster: the API server validated it with its own, newer schema."""
    served = POD.replace("labels: {app: cli}", "labels: {app: cli}, uid: 4f1e, resourceVersion: '9'")
    served = served.replace("  hostNetwork: false\n", "  hostNetwork: false\n  hostnameOverride: cli-1\n")
    served = served.replace("  podIP: 10.0.0.7\n", "  podIP: 10.0.0.7\n  observedGeneration: 2\n")
    twin = served.replace("name: cli,", "name: cli-2,").replace("uid: 4f1e", "uid: 4f1f").replace(
        "  hostnameOverride: cli-1\n", "")
    cluster = load_text(served + "---\n" + twin + POLICY, "dump.yaml")
    assert [p.name for p in cluster.pods][:2] == ["cli", "cli-2"]
    assert cluster.warnings == (
        "warning: objects served by an API server carry fields Kubernetes 1.32 does not define (a newer cluster's; "
        "podwall reads none of them): status.observedGeneration (2 Pods), spec.hostnameOverride (1 Pod)",
    )


def test_a_hand_written_manifest_with_the_same_field_is_an_error() -> None:
    """Without server-set metadata (uid, resourceVersion, creationTimestamp) a field 1.32 lacks is a typo to refuse."""
    text = POD.replace("  hostNetwork: false\n", "  hostNetwork: false\n  hostnameOverride: cli-1\n")
    with pytest.raises(InputErrors, match=r'spec: unknown field "hostnameOverride"'):
        load_text(text, "p.yaml")


def test_lenient_skips_the_object_with_a_warning_as_for_network_policies() -> None:
    text = POD.replace("labels: {app: cli}", "lables: {app: cli}") + POLICY
    cluster = load_text(text, "s.yaml", lenient=True)
    assert [p.name for p in cluster.pods] == ["web"]
    assert cluster.warnings == (
        'warning: skipped object: s.yaml:3: Pod shop/cli: metadata: unknown field "lables" (did you mean "labels"?)',
    )
    assert cluster.dropped == {"object": 1}
    broken = load_text(text + "---\nkind: [\n", "s.yaml", lenient=True)  # and a document that is no YAML
    assert broken.dropped == {"document": 1, "object": 1}
    assert load_text(POD + POLICY, "s.yaml", lenient=True).dropped == {}


# -- kinds and versions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "kind", "expected"),
    [
        ("networking.k8s.io/v1", "Networkpolicy",
         'kind: no matches for kind "Networkpolicy" in version "networking.k8s.io/v1" (did you mean "NetworkPolicy"?)'),
        ("networking.k8s.io/v1", "NetworkPolicies",
         'kind: no matches for kind "NetworkPolicies" in version "networking.k8s.io/v1" '
         '(did you mean "NetworkPolicy"?)'),
        ("apps/v1", "deployment",
         'kind: no matches for kind "deployment" in version "apps/v1" (did you mean "Deployment"?)'),
        ("apps/v1", "Deploymnet",
         'kind: no matches for kind "Deploymnet" in version "apps/v1" (did you mean "Deployment"?)'),
        ("v1", "pods", 'kind: no matches for kind "pods" in version "v1" (did you mean "Pod"?)'),
        ("apps/v2", "Deployment",
         'apiVersion: no matches for kind "Deployment" in version "apps/v2": Kubernetes 1.32 serves it as apps/v1'),
        ("apps/v1beta2", "Deployment",
         'apiVersion: no matches for kind "Deployment" in version "apps/v1beta2" (removed in Kubernetes 1.16): '
         "Kubernetes 1.32 serves it as apps/v1"),
        ("extensions/v1beta1", "Deployment",
         'apiVersion: no matches for kind "Deployment" in version "extensions/v1beta1" (removed in Kubernetes '
         "1.16): Kubernetes 1.32 serves it as apps/v1"),
        ("v2", "Pod", 'apiVersion: no matches for kind "Pod" in version "v2": Kubernetes 1.32 serves it as v1'),
        ("v2", "Namespace",
         'apiVersion: no matches for kind "Namespace" in version "v2": Kubernetes 1.32 serves it as v1'),
        ("batch/v1beta1", "CronJob",
         'apiVersion: no matches for kind "CronJob" in version "batch/v1beta1" (removed in Kubernetes 1.25): '
         "Kubernetes 1.32 serves it as batch/v1"),
        ("networking.k8s.io/v2", "NetworkPolicy",
         'apiVersion: no matches for kind "NetworkPolicy" in version "networking.k8s.io/v2": Kubernetes 1.32 '
         "serves it as networking.k8s.io/v1"),
    ],
)
def test_kinds_no_api_server_serves(api: str, kind: str, expected: str) -> None:
    text = f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n  namespace: shop\n"
    line = 1 if expected.startswith("apiVersion") else 2
    assert error_lines(text) == [f"s.yaml:{line}: {kind} shop/x: {expected}"]


def test_unrelated_kinds_stay_skipped_and_counted() -> None:
    text = "---\n".join(
        f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x}}\n"
        for api, kind in [
            ("v1", "ConfigMap"), ("v1", "ServiceAccount"), ("v1", "Endpoints"), ("networking.k8s.io/v1", "IngressClass"),
            ("apps/v1", "ControllerRevision"), ("example.com/v1", "Deployments"), ("example.com/v1", "Pod"),
            ("policy/v1", "PodDisruptionBudget"),
        ]
    )
    assert load_text(text).skipped == {
        "ConfigMap": 1, "ControllerRevision": 1, "Deployments": 1, "Endpoints": 1, "IngressClass": 1,
        "Pod (example.com/v1)": 1, "PodDisruptionBudget": 1, "ServiceAccount": 1,
    }


# -- a workload's selector and its template ---------------------------------------------------------


@pytest.mark.parametrize(("kind", "api", "head"), WORKLOAD_KINDS)
def test_selector_must_match_template_labels(kind: str, api: str, head: str) -> None:
    text = WORKLOAD.format(api=api, kind=kind, spec=head).replace("{labels: {app: w}}", "{labels: {app: web}}")
    line = 7 + head.count("\n")
    assert error_lines(text) == [
        f"s.yaml:{line}: {kind} shop/w: spec.template.metadata.labels: selector does not match template labels "
        "(selector app=w; labels app=web)",
    ]


def test_selector_expressions_empty_selectors_and_replication_controllers() -> None:
    expressions = WORKLOAD.format(api="apps/v1", kind="Deployment", spec="").replace(
        "{matchLabels: {app: w}}", "{matchExpressions: [{key: app, operator: In, values: [w, web]}]}"
    )
    assert len(load_text(expressions).workloads) == 1
    assert error_lines(expressions.replace("values: [w, web]", "values: [cli]")) == [
        "s.yaml:7: Deployment shop/w: spec.template.metadata.labels: selector does not match template labels "
        "(selector app in (cli); labels app=w)",
    ]
    empty = WORKLOAD.format(api="apps/v1", kind="Deployment", spec="").replace("{matchLabels: {app: w}}", "{}")
    assert error_lines(empty) == ["s.yaml:5: Deployment shop/w: spec.selector: empty selector is invalid for Deployment"]
    rc = WORKLOAD.format(api="v1", kind="ReplicationController", spec="").replace("{matchLabels: {app: w}}", "{app: x}")
    assert error_lines(rc) == [
        "s.yaml:7: ReplicationController shop/w: spec.template.metadata.labels: selector does not match template "
        "labels (selector app=x; labels app=w)",
    ]
    assert len(load_text(rc.replace("{app: x}", "{app: w}")).workloads) == 1



@pytest.mark.parametrize("manual", ["", "      manualSelector: false\n", "      manualSelector: true\n"])
def test_a_cron_job_template_takes_no_selector(manual: str) -> None:
    # ValidateJobTemplateSpec (pkg/apis/batch/validation): the Jobs' selectors are generated, whatever the labels
    cron = CRON_JOB.replace("    spec:\n", f"    spec:\n{manual}      selector: {{matchLabels: {{app: c}}}}\n", 1)
    line = 8 + bool(manual)
    expected = [f"s.yaml:{line}: CronJob shop/c: spec.jobTemplate.spec.selector: `selector` will be auto-generated: "
                "a CronJob's Jobs get their selector from the API server; remove it"]
    if "true" in manual:
        expected.append("s.yaml:8: CronJob shop/c: spec.jobTemplate.spec.manualSelector: unsupported value true: "
                        "a CronJob's Jobs take no manual selector (false or none)")
    assert error_lines(cron) == expected
    empty = CRON_JOB.replace("    spec:\n", "    spec:\n      selector: {}\n", 1)  # one line, not "empty selector" too
    assert error_lines(empty) == ["s.yaml:8: CronJob shop/c: spec.jobTemplate.spec.selector: `selector` will be "
                                  "auto-generated: a CronJob's Jobs get their selector from the API server; remove it"]
    alone = CRON_JOB.replace("    spec:\n", "    spec:\n      manualSelector: true\n", 1)
    assert error_lines(alone) == ["s.yaml:8: CronJob shop/c: spec.jobTemplate.spec.manualSelector: unsupported value "
                                  "true: a CronJob's Jobs take no manual selector (false or none)"]
    assert len(load_text(CRON_JOB.replace("    spec:\n", "    spec:\n      manualSelector: false\n", 1)).workloads) == 1


# -- a workload without a selector, a Job with one ------------------------------------------------

SELECTOR = "  selector: {matchLabels: {app: w}}\n"

#: The apps/v1 kinds, whose selector the API server requires ("spec.selector: Required value"); none is defaulted.
APPS_KINDS = [param for param in WORKLOAD_KINDS if param[1] == "apps/v1"]


@pytest.mark.parametrize(("kind", "api", "head"), APPS_KINDS)
@pytest.mark.parametrize("selector", ["", "  selector: null\n"])
def test_apps_workloads_need_a_selector(kind: str, api: str, head: str, selector: str) -> None:
    text = WORKLOAD.format(api=api, kind=kind, spec=head).replace(SELECTOR, selector)
    line = 5 + head.count("\n") if selector else 4  # the null's line, else the spec's
    assert error_lines(text) == [f's.yaml:{line}: {kind} shop/w: spec: missing required field "selector"']


def test_a_missing_selector_is_reported_beside_a_missing_template() -> None:
    text = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d, namespace: shop}\nspec:\n  minReadySeconds: 1\n"
    assert error_lines(text) == [
        's.yaml:4: DaemonSet shop/d: spec: missing required field "selector"',
        's.yaml:4: DaemonSet shop/d: spec: missing required field "template"',
    ]


def test_jobs_cron_jobs_and_replication_controllers_need_no_selector() -> None:
    """The API server generates a Job's (so a CronJob's); a ReplicationController's is its template's labels."""
    job = WORKLOAD.format(api="batch/v1", kind="Job", spec="").replace(SELECTOR, "")
    rc = WORKLOAD.format(api="v1", kind="ReplicationController", spec="").replace(SELECTOR, "")
    cluster = load_text(job + "---\n" + rc + "---\n" + CRON_JOB)
    assert sorted(w.ref.kind for w in cluster.workloads) == ["CronJob", "Job", "ReplicationController"]


def test_a_manual_selector_must_be_given() -> None:
    """With ``manualSelector: true`` nothing is generated: the selector is required as for the apps kinds."""
    text = WORKLOAD.format(api="batch/v1", kind="Job", spec="  manualSelector: true\n").replace(SELECTOR, "")
    assert error_lines(text) == ['s.yaml:4: Job shop/w: spec: missing required field "selector"']


NOT_GENERATED = (
    "spec.selector: selector not auto-generated (selector {selector}): the API server generates a Job's selector "
    "unless spec.manualSelector is true; remove this one or set manualSelector: true"
)


@pytest.mark.parametrize("head", ["", "  manualSelector: false\n"])
def test_a_job_selector_without_manual_selector_is_refused(head: str) -> None:
    """kubectl create: "spec.selector: Invalid value: ...: `selector` not auto-generated"."""
    text = WORKLOAD.format(api="batch/v1", kind="Job", spec=head)
    line = 5 + head.count("\n")
    assert error_lines(text) == [f"s.yaml:{line}: Job shop/w: " + NOT_GENERATED.format(selector="app=w")]
    pinned = text.replace("{matchLabels: {app: w}}", "{matchLabels: {batch.kubernetes.io/controller-uid: 1a2b}}")
    assert error_lines(pinned) == [
        f"s.yaml:{line}: Job shop/w: " + NOT_GENERATED.format(selector="batch.kubernetes.io/controller-uid=1a2b")
    ]
    cluster = load_text(text, "s.yaml", lenient=True)
    assert cluster.workloads == ()
    assert cluster.warnings == (f"warning: skipped object: s.yaml:{line}: Job shop/w: "
                                + NOT_GENERATED.format(selector="app=w"),)


@pytest.mark.parametrize(
    "selector",
    [
        "{}",  # the generated term is added to it
        "{matchLabels: {job-name: w}}",  # selects what the API server gives the pods
        "{matchLabels: {batch.kubernetes.io/job-name: w}}",
        "{matchExpressions: [{key: batch.kubernetes.io/controller-uid, operator: Exists}]}",
    ],
)
def test_a_job_selector_the_generated_labels_satisfy_is_accepted(selector: str) -> None:
    text = WORKLOAD.format(api="batch/v1", kind="Job", spec="").replace("{matchLabels: {app: w}}", selector)
    (workload,) = load_text(text).workloads
    assert workload.labels == {"app": "w"}


def test_a_job_read_back_from_a_cluster_keeps_its_generated_selector() -> None:
    """``kubectl get job -o yaml``: the generated selector, ``manualSelector: false`` (or none, from older clusters)."""
    served = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: w
  namespace: shop
  uid: 8f4e2d6a-0b1c-4d2e-9f3a-5b6c7d8e9f01
  resourceVersion: "4711"
  creationTimestamp: "2024-05-01T10:00:00Z"
spec:
  manualSelector: false
  selector:
    matchLabels: {batch.kubernetes.io/controller-uid: 8f4e2d6a-0b1c-4d2e-9f3a-5b6c7d8e9f01}
  template:
    metadata:
      labels:
        app: w
        batch.kubernetes.io/controller-uid: 8f4e2d6a-0b1c-4d2e-9f3a-5b6c7d8e9f01
        batch.kubernetes.io/job-name: w
        controller-uid: 8f4e2d6a-0b1c-4d2e-9f3a-5b6c7d8e9f01
        job-name: w
    spec: {restartPolicy: Never, containers: [{name: c, image: x}]}
"""
    assert len(load_text(served).workloads) == 1
    assert len(load_text(served.replace("  manualSelector: false\n", "")).workloads) == 1
    server_set = ("  uid:", "  resourceVersion:", "  creationTimestamp:")
    written = "\n".join(line for line in served.splitlines() if not line.startswith(server_set))
    uid_label = ("s.yaml:{line}: Job shop/w: spec.template.metadata.labels[{key}]: must be the Job's uid, which the "
                 "API server assigns on create: remove this label (unless spec.manualSelector is true)")
    assert error_lines(written + "\n") == [  # a dump edited into a new Job: refused as the API server refuses it
        "s.yaml:8: Job shop/w: "
        + NOT_GENERATED.format(selector="batch.kubernetes.io/controller-uid=8f4e2d6a-0b1c-4d2e-9f3a-5b6c7d8e9f01"),
        uid_label.format(line=14, key="batch.kubernetes.io/controller-uid"),
        uid_label.format(line=16, key="controller-uid"),
    ]


JOB_LABELS = """\
apiVersion: batch/v1
kind: Job
metadata: {{name: w, namespace: shop}}
spec:
{head}  template:
    metadata:
      labels:
        app: w
{labels}    spec: {{restartPolicy: Never, containers: [{{name: c, image: x}}]}}
"""


def test_a_new_job_may_not_give_its_generated_labels_other_values() -> None:
    """kubectl create: "spec.template.metadata.labels[job-name]: Invalid value: ...: must be 'w'" (ValidateHasLabel)."""
    labels = ("        job-name: other\n"
              "        batch.kubernetes.io/controller-uid: 1a2b\n"
              "        batch.kubernetes.io/job-name: w\n")
    assert error_lines(JOB_LABELS.format(head="", labels=labels)) == [
        's.yaml:9: Job shop/w: spec.template.metadata.labels[job-name]: must be "w", the Job\'s name: the API '
        "server labels the Job's pods with it (unless spec.manualSelector is true)",
        "s.yaml:10: Job shop/w: spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: must be the "
        "Job's uid, which the API server assigns on create: remove this label (unless spec.manualSelector is true)",
    ]
    # The generated values themselves (the name) are accepted, and so is anything with manualSelector: true.
    (job,) = load_text(JOB_LABELS.format(head="", labels="        job-name: w\n")).workloads
    assert job.labels == {"app": "w", "job-name": "w"}
    manual = "  manualSelector: true\n  selector: {matchLabels: {app: w}}\n"
    (job,) = load_text(JOB_LABELS.format(head=manual, labels=labels)).workloads
    assert job.labels["job-name"] == "other"


def test_a_served_job_keeps_its_labels_unjudged() -> None:
    """Read back from a cluster, a Job was judged on create: its labels are read as they are."""
    served = JOB_LABELS.format(head="", labels="        job-name: other\n").replace(
        "metadata: {name: w, namespace: shop}", "metadata: {name: w, namespace: shop, uid: 8f4e2d6a}")
    (job,) = load_text(served).workloads
    assert job.labels["job-name"] == "other"


@pytest.mark.parametrize(("key", "what"), [("job-name", "name"), ("batch.kubernetes.io/controller-uid", "uid")])
def test_a_cron_job_template_giving_a_generated_label_is_warned_of(key: str, what: str) -> None:
    """The API server accepts the CronJob and refuses each Job it creates (validateGeneratedSelector): a warning."""
    cron = CRON_JOB.replace("{labels: {app: c}}", f"{{labels: {{app: c, {key}: c}}}}")
    cluster = load_text(cron, "s.yaml")
    assert cluster.warnings == (
        f"warning: s.yaml:9: CronJob shop/c: spec.jobTemplate.spec.template.metadata.labels[{key}]: the API server "
        f"refuses every Job this CronJob creates: a Job labels its pods {key}=<its {what}>, made when it is "
        "created, and the template may not set another value; remove the label (podwall still models the "
        "CronJob's pods)",
    )
    assert [w.labels for w in cluster.workloads] == [{"app": "c", key: "c"}]
    # Read back from a cluster too: the API server stores a CronJob's template as it was given.
    served = cron.replace("metadata: {name: c, namespace: shop}", "metadata: {name: c, namespace: shop, uid: 1a2b}")
    assert load_text(served, "s.yaml").warnings == cluster.warnings
    assert load_text(CRON_JOB).warnings == ()


def test_manual_selector_must_be_a_boolean() -> None:
    text = WORKLOAD.format(api="batch/v1", kind="Job", spec='  manualSelector: "true"\n')
    assert error_lines(text) == ["s.yaml:5: Job shop/w: spec.manualSelector: must be a boolean, not a string"]


def test_the_cli_refuses_them_in_one_line_each_with_exit_code_2(tmp_path: Path) -> None:
    deployment = WORKLOAD.format(api="apps/v1", kind="Deployment", spec="").replace(SELECTOR, "")
    job = WORKLOAD.format(api="batch/v1", kind="Job", spec="")
    manifest = tmp_path / "x.yaml"
    manifest.write_text(deployment + "---\n" + job)
    result = run("reach", "-f", str(manifest))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f'{manifest}:4: Deployment shop/w: spec: missing required field "selector"\n'
        f"{manifest}:13: Job shop/w: " + NOT_GENERATED.format(selector="app=w") + "\n"
    )
    manifest.write_text(deployment + "---\n" + job + "---\n" + POD)
    lenient = run("reach", "-f", str(manifest), "--lenient")
    assert lenient.exit_code == 0
    assert [line for line in lenient.stderr.splitlines() if line.startswith("warning:")] == [
        f'warning: skipped object: {manifest}:4: Deployment shop/w: spec: missing required field "selector"',
        f"warning: skipped object: {manifest}:13: Job shop/w: " + NOT_GENERATED.format(selector="app=w"),
    ]


# -- a chart's templates given as manifests ---------------------------------------------------------


def test_a_template_that_does_not_parse_gets_the_render_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "mychart" / "templates"
    templates.mkdir(parents=True)
    (tmp_path / "mychart" / "Chart.yaml").write_text("apiVersion: v2\nname: mychart\nversion: 0.1.0\n")
    template = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n"
        '    {{- include "mychart.labels" . | nindent 4 }}\n'
    )
    (templates / "deploy.yaml").write_text(template)
    (tmp_path / "loose.yaml").write_text(template)
    (tmp_path / "plain.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n")
    monkeypatch.chdir(tmp_path)
    r = run("reach", "-f", "mychart/templates")
    assert r.exit_code == 2
    assert r.stderr == (
        "mychart/templates/deploy.yaml:6:7: invalid YAML: did not find expected node content (the file holds Helm "
        "template syntax {{ }}: mychart is a Helm chart, not manifests: render it, helm template mychart | podwall "
        "... -f -, or add --render to let podwall run helm)\n"
    )
    assert run("reach", "-f", "loose.yaml").stderr == (
        "loose.yaml:6:7: invalid YAML: did not find expected node content (the file holds Helm template syntax "
        "{{ }}: a Helm chart, not manifests: render it, helm template CHART | podwall ... -f -, or add --render to "
        "let podwall run helm)\n"
    )
    plain = run("reach", "-f", "plain.yaml")
    assert plain.exit_code == 2 and "Helm" not in plain.stderr


def test_a_served_ingress_keeps_newer_fields_as_the_summary_warning_too() -> None:
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
        "metadata: {name: web, namespace: shop, uid: 7a1c}\n"
        "spec: {newThing: 1, defaultBackend: {service: {name: web, port: {number: 80}}}}\n"
    )
    assert load_text(text, "dump.yaml").warnings == (
        "warning: objects served by an API server carry fields Kubernetes 1.32 does not define (a newer cluster's; "
        "podwall reads none of them): spec.newThing (1 Ingress)",
    )
