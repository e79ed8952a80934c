"""Documents in, objects out: malformed YAML and JSON, Lists, non-objects, line tracking."""

from __future__ import annotations

import pytest

from podwall.errors import InputError, InputErrors, ManifestError
from podwall.loader import load_text
from podwall.loader.decode import LineDict, LineList, decode

POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n"


def error_lines(text: str, path: str = "m.yaml") -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_text(text, path)
    return str(info.value).splitlines()


# -- line tracking ------------------------------------------------------------------------------


def test_lines_of_keys_and_items() -> None:
    (doc,) = decode("# c\na: 1\nb:\n  - x\n  -\n    c: 2\n", "f").documents
    data = doc.data
    assert isinstance(data, LineDict) and (data.line, data.lines) == (2, {"a": 2, "b": 3})
    items = data["b"]
    assert isinstance(items, LineList) and items.lines == [4, 6]
    assert items[1].lines == {"c": 6}
    assert doc.line == 2 and doc.index == 0


def test_sections_are_split_at_lines_starting_with_three_dashes_as_kubectl_does() -> None:
    decoded = decode("a: 1\n---\n---\n# only a comment\n--- # a comment\n~\n---\nb: |\n  x\n---\nc: 2", "f")
    # Empty, comment-only and null sections give no document; a "---" line ends a block scalar.
    assert [(d.index, d.line, d.data) for d in decoded.documents] == [(0, 1, {"a": 1}), (4, 8, {"b": "x\n"}), (5, 11, {"c": 2})]
    assert not decoded.errors and not decoded.warnings


def test_text_after_three_dashes_is_an_error_as_for_kubectl() -> None:
    assert error_lines(POD.format(name="a") + "--- b: 2\n" + POD.format(name="b")) == [
        'm.yaml:4:1: invalid document separator "--- b: 2": kubectl accepts only spaces or a comment after ---',
    ]


def test_a_document_after_an_end_marker_is_ignored_with_a_warning() -> None:
    cluster = load_text(POD.format(name="a") + "...\n" + POD.format(name="b"), "m.yaml")
    assert [p.name for p in cluster.pods] == ["a"]
    assert cluster.warnings == (
        "warning: m.yaml:5: ignored: kubectl reads only the first document of each section between --- lines "
        "(this one follows a ... marker)",
    )


def test_merge_keys_apply_where_they_stand_as_in_go_yaml() -> None:
    (doc,) = decode("base: &b {p: 1, q: 2}\nm:\n  <<: *b\n  q: 3\nref: *b\nlate: {q: 4, <<: *b}\n", "f").documents
    assert doc.data["m"] == {"p": 1, "q": 3}
    assert doc.data["ref"] == doc.data["base"] and doc.data["ref"] is not doc.data["base"]
    assert doc.data["late"] == {"p": 1, "q": 2}  # kubectl: the merge overrides the key written before it
    assert doc.data["ref"].line == 5 and doc.data["base"].line == 1


def test_duplicate_keys_keep_the_last_value_with_a_warning() -> None:
    decoded = decode("a: 1\nb: 2\na: 3\nc: {<<: {d: 1}, d: 2}\ne: {d: 2, <<: {d: 1}}\n", "m.yaml")
    (doc,) = decoded.documents
    assert doc.data == {"a": 3, "b": 2, "c": {"d": 2}, "e": {"d": 1}}
    assert decoded.warnings == [
        'm.yaml:3: duplicate key "a" (first at line 1): kubectl keeps this last value',
        'm.yaml:5: the merge (<<) overrides key "d" of line 5: kubectl applies a merge where it stands; '
        "write <<: first to let the keys win",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y", True), ("Yes", True), ("ON", True), ("n", False), ("off", False), ("yEs", "yEs"), ("~", None), ("", None),
        ("1:20", "1:20"), ("080", 80), ("017", 15), ("0o17", 15), ("0x1F", 31), ("0b101", 5), ("1_000", 1000),
        ("2024-01-01", "2024-01-01"), ("12.0", 12), ("1e3", 1000), ("1.5", 1.5), ("1e21", 1e21), ("-0.0", 0),
        ("9223372036854775807", 9223372036854775807), ("9223372036854775808", 9.223372036854776e18),
        ("1e400", "1e400"), ("1" * 5000, "1" * 5000), ("=", "="), ("!!str 12", "12"), ("!!float 1", 1),
        ("!!binary aGk=", "hi"), ("!custom 12", "12"), ("! 12", "12"), ("'12'", "12"),
    ],
)
def test_scalars_resolve_as_go_yaml_then_json(text: str, expected: object) -> None:
    (doc,) = decode(f"v: {text}\n", "f").documents
    assert doc.data["v"] == expected and type(doc.data["v"]) is type(expected)


def test_keys_become_json_field_names() -> None:
    (doc,) = decode("k: {1: a, true: b, 1.5: c, 1e6: d, n: e, y: f}", "f.yaml").documents
    assert doc.data["k"] == {"1": "a", "true": "f", "1.5": "c", "1e+06": "d", "false": "e"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: .inf\n", "m.yaml:1:4: invalid YAML: .inf is not a number JSON can carry: kubectl refuses it "
         "(json: unsupported value: +Inf); quote it for a string"),
        ("a:\n  ~: 1\n", "m.yaml:2:3: invalid YAML: a null key cannot become a JSON field name (kubectl: unsupported map key)"),
        ("k: {1: a, '1': b}\n", 'm.yaml:1:11: invalid YAML: two keys become the same JSON field "1"; kubectl keeps one of them at random'),
        ("a: !!int x\n", "m.yaml:1:4: invalid YAML: cannot decode !!str `x` as a !!int"),
        ("a: !!binary '%%'\n", "m.yaml:1:4: invalid YAML: !!binary value contains invalid base64 data"),
        ("a: <<\nb: {<<: 1}\n", "m.yaml:2:9: invalid YAML: map merge requires map or sequence of maps as the value"),
        ("a: &a [*a]\n", "m.yaml:1:4: invalid YAML: an alias refers to a node that contains it"),
    ],
)
def test_documents_kubectl_refuses(text: str, expected: str) -> None:
    assert error_lines(text) == [expected]


def test_billion_laughs_is_refused_like_go_yaml() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    (error,) = error_lines(text)
    assert error.endswith("invalid YAML: document contains excessive aliasing (kubectl refuses it)")


def test_an_anchor_may_be_redefined_as_in_go_yaml() -> None:
    (doc,) = decode("a: &x 1\nb: &x 2\nc: *x\n", "f").documents
    assert doc.data == {"a": 1, "b": 2, "c": 2}


def test_flow_plain_scalars_end_as_in_go_yaml() -> None:
    (doc,) = decode("a: [x:, y:z, 'q']\nb: {k:}\n", "f").documents
    assert doc.data == {"a": ["x:", "y:z", "q"], "b": {"k:": None}}


# -- malformed YAML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n b: 2\n", "m.yaml:2:3: invalid YAML: mapping values are not allowed in this context"),
        ("a: [1, 2\n", "m.yaml:2:1: invalid YAML: did not find expected ',' or ']'"),
        ("a:\n\t- b\n", "m.yaml:2:1: invalid YAML: found character that cannot start any token"),
        ("a: b\x01\n", "m.yaml:1:5: invalid YAML: unacceptable character #x0001: control characters are not allowed"),
        ("? [a]\n: 1\n", "m.yaml:1:3: invalid YAML: a mapping or list cannot be a key (kubectl: invalid map key)"),
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


def test_every_malformed_document_is_reported() -> None:
    text = "a: [\n---\n" + POD.format(name="ok") + "---\nb: {\n"
    assert error_lines(text) == [
        "m.yaml:2:1: invalid YAML: did not find expected node content",
        "m.yaml:8:1: invalid YAML: did not find expected node content",
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
    ],
)
def test_malformed_json(text: str, expected: str) -> None:
    assert error_lines(text, "p.json") == [expected]


def test_json_detected_by_content_on_other_names() -> None:
    assert error_lines('{"kind": "Pod"\n "apiVersion": "v1"}', "<stdin>") == [
        "<stdin>:2:2: invalid JSON: Expecting ',' delimiter (input that starts with { is read as JSON, as kubectl does)"
    ]


def test_text_starting_with_a_brace_is_json_as_for_kubectl() -> None:
    assert error_lines("{apiVersion: v1, kind: Namespace, metadata: {name: x},}", "<stdin>") == [
        "<stdin>:1:2: invalid JSON: Expecting property name enclosed in double quotes "
        "(input that starts with { is read as JSON, as kubectl does)"
    ]
    cluster = load_text("\n# flow-style YAML\n{apiVersion: v1, kind: Namespace, metadata: {name: x}}", "<stdin>")
    assert [n.name for n in cluster.namespaces] == ["x"]


def test_json_duplicate_keys_keep_the_last_value_with_a_warning() -> None:
    cluster = load_text('{"apiVersion": "v1", "kind": "Namespace",\n "metadata": {"name": "a", "name": "b"}}', "n.json")
    assert [n.name for n in cluster.namespaces] == ["b"]
    assert cluster.warnings == ('warning: n.json:2: duplicate key "name": kubectl keeps the last value',)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": NaN}', "n.json:1:7: invalid JSON: NaN is not valid JSON (kubectl rejects it)"),
        ('{"a":\n -Infinity}', "n.json:2:2: invalid JSON: -Infinity is not valid JSON (kubectl rejects it)"),
        ('{"a": "NaN", "b": 1e999}', "n.json:1:19: invalid JSON: number 1e999 is out of range (kubectl: cannot unmarshal number into float64)"),
        ('{"a": ' + "1" * 5000 + "}", "n.json:1:7: invalid JSON: number 1111111111...111111 (5000 characters) is out of range "
         "(kubectl: cannot unmarshal number into float64)"),
    ],
)
def test_json_numbers_kubectl_refuses(text: str, expected: str) -> None:
    assert error_lines(text, "n.json") == [expected]


def test_json_numbers_as_the_api_machinery_reads_them() -> None:
    (doc,) = decode('{"a": 1.0, "b": 1e3, "c": 1.5, "d": 9223372036854775808, "e": -0, "f": "\\ud800"}', "n.json").documents
    assert [(k, v, type(v)) for k, v in doc.data.items()] == [
        ("a", 1, int), ("b", 1000, int), ("c", 1.5, float), ("d", 9.223372036854776e18, float), ("e", 0, int), ("f", "\ufffd", str)
    ]


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
    syntax, shape = info.value.errors
    assert isinstance(syntax, InputError) and isinstance(shape, ManifestError)


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
  selector:
    matchLabels:
      app.kubernetes.io/name: app
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
