"""Documents in, objects out: malformed YAML and JSON, Lists, non-objects, line tracking."""

from __future__ import annotations

import pytest

from podwall.errors import InputError, InputErrors, ManifestError
from podwall.loader import load_text
from podwall.loader.yamlio import LineDict, LineList, parse

POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n"


def error_lines(text: str, path: str = "m.yaml") -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, path)
    return str(info.value).splitlines()


# -- line tracking ------------------------------------------------------------------------------


def test_lines_of_keys_and_items() -> None:
    (doc,) = parse("# c\na: 1\nb:\n  - x\n  -\n    c: 2\n", "f").documents
    data = doc.data
    assert isinstance(data, LineDict) and (data.line, data.lines) == (2, {"a": 2, "b": 3})
    items = data["b"]
    assert isinstance(items, LineList) and items.lines == [4, 6]
    assert items[1].lines == {"c": 6}
    assert doc.line == 2 and doc.index == 0


def test_document_indexes_and_lines() -> None:
    parsed = parse("a: 1\n---\n---\n# only a comment\n---\nb: 2\n", "f")
    assert [(d.index, d.data) for d in parsed.documents] == [(0, {"a": 1}), (1, None), (2, None), (3, {"b": 2})]
    assert parsed.documents[3].line == 6


def test_merge_keys_and_anchors() -> None:
    (doc,) = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nref: *b\n", "f").documents
    assert doc.data["m"] == {"x": 1, "y": 3}
    assert doc.data["ref"] is doc.data["base"]


def test_equals_sign_is_a_string() -> None:
    (doc,) = parse("a: =\n", "f").documents
    assert doc.data == {"a": "="}


# -- malformed YAML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n b: 2\n", "m.yaml:2:3: invalid YAML: mapping values are not allowed in this context"),
        ("a: [1, 2\n", "m.yaml:2:1: invalid YAML: did not find expected ',' or ']'"),
        ("a:\n\t- b\n", "m.yaml:2:1: invalid YAML: found character that cannot start any token"),
        ("a: 1\nb: 2\na: 3\n", 'm.yaml:3:1: invalid YAML: duplicate key "a" (first at line 1)'),
        ("a: !custom 1\n", "m.yaml:1:4: invalid YAML: could not determine a constructor for the tag '!custom'"),
        ("a: b\x01\n", "m.yaml:1:5: invalid YAML: unacceptable character #x0001: control characters are not allowed"),
        ("? [a]\n: 1\n", "m.yaml:1:3: invalid YAML: found unhashable key (a mapping or list used as a key)"),
    ],
)
def test_malformed_yaml(text: str, expected: str) -> None:
    assert error_lines(text) == [expected]


def test_yaml_error_in_a_later_document_keeps_earlier_documents_and_their_errors() -> None:
    text = POD.format(name="Bad_Name") + "---\na: [\n"
    assert error_lines(text) == [
        'm.yaml:3: Pod default/Bad_Name: metadata.name: invalid name "Bad_Name": must be a lowercase RFC 1123 '
        "subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
        "m.yaml:6:1: invalid YAML: did not find expected node content",
    ]


def test_lenient_skips_only_the_malformed_document() -> None:
    text = POD.format(name="a") + "---\n" + "kind: Pod\n  bad: indent\n" + "---\n" + POD.format(name="b")
    cluster = load_text(text, "m.yaml", lenient=True)
    assert [p.name for p in cluster.pods] == ["a", "b"]
    assert cluster.warnings == (
        "warning: skipped document: m.yaml:6:6: invalid YAML: mapping values are not allowed in this context",
    )


def test_lenient_keeps_line_numbers_after_a_malformed_document() -> None:
    text = "a: [\n---\n" + POD.format(name="ok") + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: Bad}\n"
    cluster = load_text(text, "m.yaml", lenient=True)
    assert [p.name for p in cluster.pods] == ["ok"]
    assert cluster.warnings[0] == "warning: skipped document: m.yaml:2:1: invalid YAML: did not find expected node content"
    assert cluster.warnings[1].startswith("warning: skipped object: m.yaml:9: Pod default/Bad: metadata.name:")


# -- JSON -------------------------------------------------------------------------------------------


def test_json_is_parsed_with_lines() -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "Web"}\n}\n'
    assert error_lines(text, "pod.json")[0].startswith('pod.json:4: Pod default/Web: metadata.name: invalid name "Web"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"kind": "Pod",\n "apiVersion": "v1"\n "metadata": {}}', "p.json:3:2: invalid JSON: Expecting ',' delimiter"),
        ('{"kind": "Pod",}', "p.json:1:16: invalid JSON: Expecting property name enclosed in double quotes"),
        ('{"kind": \'Pod\'}', "p.json:1:10: invalid JSON: Expecting value"),
        ('{"a": 1, "a": 2}', 'p.json:1:10: invalid JSON: duplicate key "a" (first at line 1)'),
    ],
)
def test_malformed_json(text: str, expected: str) -> None:
    assert error_lines(text, "p.json") == [expected]


def test_json_detected_by_content_on_other_names() -> None:
    assert error_lines('{"kind": "Pod"\n "apiVersion": "v1"}', "<stdin>") == [
        "<stdin>:2:2: invalid JSON: Expecting ',' delimiter"
    ]


def test_flow_style_yaml_on_stdin_is_still_yaml() -> None:
    cluster = load_text("{apiVersion: v1, kind: Namespace, metadata: {name: x},}", "<stdin>")
    assert [n.name for n in cluster.namespaces] == ["x"]


def test_lenient_skips_malformed_json_file() -> None:
    cluster = load_text('{"kind": "Pod",}', "p.json", lenient=True)
    assert cluster.pods == ()
    assert cluster.warnings == (
        "warning: skipped document: p.json:1:16: invalid JSON: Expecting property name enclosed in double quotes",
    )


# -- documents that are not objects --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "m.yaml:1: expected a Kubernetes object (a mapping with apiVersion and kind), not a list"),
        ("just text\n", "m.yaml:1: expected a Kubernetes object (a mapping with apiVersion and kind), not a string"),
        ("kind: Pod\nmetadata: {name: a}\n", 'm.yaml:1: Pod a: missing required field "apiVersion"'),
        ("apiVersion: v1\nmetadata: {name: a}\n", 'm.yaml:1: a: missing required field "kind"'),
        ("apiVersion: v1\nkind: 3\n", "m.yaml:2: kind: must be a string, not an integer"),
        ('apiVersion: v1\nkind: "Pod\\n"\n', 'm.yaml:2: kind: invalid kind "Pod\\n"'),
        ("apiVersion: apps/v1/x\nkind: Pod\n", 'm.yaml:1: Pod: apiVersion: invalid apiVersion "apps/v1/x"'),
        ("apiVersion: Apps/v1\nkind: Deployment\n", 'm.yaml:1: Deployment: apiVersion: invalid apiVersion "Apps/v1"'),
        ("apiVersion: v1\nkind: List\nitems: {}\n", "m.yaml:3: List: items: must be a list, not a mapping"),
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- 42\n",
            "m.yaml:7: expected a Kubernetes object (a mapping with apiVersion and kind), not an integer",
        ),
    ],
)
def test_documents_that_are_not_objects(text: str, expected: str) -> None:
    assert error_lines(text) == [expected]


def test_empty_and_null_documents_are_skipped() -> None:
    cluster = load_text("---\n---\n~\n---\n# nothing\n" + "---\n" + POD.format(name="a"))
    assert [p.name for p in cluster.pods] == ["a"]
    assert load_text("").pods == ()


# -- Lists ------------------------------------------------------------------------------------------


def test_kind_list_is_flattened_recursively_with_item_lines() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: prod}
- apiVersion: v1
  kind: PodList
  items:
  - metadata: {name: a, namespace: prod}
  - apiVersion: v1
    kind: Pod
    metadata: {name: b, namespace: prod}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c}
"""
    cluster = load_text(text, "l.yaml")
    assert [n.name for n in cluster.namespaces] == ["prod"]
    assert [(p.name, p.location.line if p.location else None) for p in cluster.pods] == [("a", 10), ("b", 11)]
    assert cluster.skipped == {"ConfigMap": 1}


def test_typed_list_items_inherit_kind() -> None:
    text = '{"apiVersion": "v1", "kind": "NamespaceList", "items": [{"metadata": {"name": "x"}}]}'
    assert [n.name for n in load_text(text, "n.json").namespaces] == ["x"]


def test_empty_list() -> None:
    cluster = load_text("apiVersion: v1\nkind: List\nitems: []\n---\napiVersion: v1\nkind: List\n")
    assert cluster == load_text("")


def test_errors_are_podwall_errors_with_types() -> None:
    with pytest.raises(InputErrors) as info:
        load_text("a: [\n---\n- x\n")
    (error,) = info.value.errors
    assert isinstance(error, InputError)
    with pytest.raises(InputErrors) as info:
        load_text("- x\n")
    (error,) = info.value.errors
    assert isinstance(error, ManifestError)


HELM = """\
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: app
  labels:
    helm.sh/chart: app-0.1.0
spec:
  selector:
    app.kubernetes.io/name: app
  ports:
    - port: 80
      targetPort: http
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app
    spec:
      containers:
        - name: app
          ports:
            - name: http
              containerPort: 8080
"""


def test_helm_template_output() -> None:
    cluster = load_text(HELM, "helm.yaml")
    (service,) = cluster.services
    assert (service.name, service.ports[0].target_port) == ("app", "http")
    (pod,) = cluster.pods
    assert pod.template and pod.key == "default/Deployment/app"
    assert pod.named_port("http", pod.ports[0].protocol) == 8080
