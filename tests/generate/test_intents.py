"""The intents file: parsing, one clear line per mistake (exit 2), and the shipped JSON Schema."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from podwall.errors import InputErrors
from podwall.generate import parse_intents, schema, schema_text
from podwall.generate.dns import DnsTarget
from podwall.generate.intents import AnyWorkload, NetEnd
from podwall.generate.policies import PUBLIC_INTERNET
from podwall.model import Direction, PortSpec, Protocol
from tests.generate._support import INTENTS, ROOT, TUTORIAL, run

HEAD = "apiVersion: podwall/v1alpha1\nkind: Intents\n"


def test_tutorial_intents() -> None:
    intents = parse_intents(Path(INTENTS).read_text(), "app.yaml", default_namespace="ignored")
    assert (intents.name, intents.namespaces, intents.default_deny) == ("shop", ("production",), frozenset(Direction))
    assert intents.dns == DnsTarget()
    assert [(w.name, w.namespace, str(w.selector), w.location.line) for w in intents.workloads] == [
        ("frontend", "production", "app=frontend", 9),
        ("backend", "production", "app=backend", 10),
        ("database", "production", "app=database", 11),
        ("prometheus", "monitoring", "app=prometheus", 12),
    ]
    flows = [(f.source, f.destination, f.ports) for f in intents.flows]
    assert flows[0] == (NetEnd("internet", flows[0][0].block), "frontend", (PortSpec(Protocol.TCP, 80),))  # type: ignore[union-attr]
    assert flows[0][0].block.cidr == ipaddress.ip_network("0.0.0.0/0")  # type: ignore[union-attr]
    assert flows[3] == ("prometheus", AnyWorkload(), (PortSpec(Protocol.TCP, "metrics"),))
    assert flows[4] == ("backend", NetEnd("internet", PUBLIC_INTERNET), (PortSpec(Protocol.TCP, 443),))


def test_defaults() -> None:
    intents = parse_intents(HEAD + "workloads:\n  web: app=web\nflows:\n  - web -> web\n", default_namespace="apps")
    assert intents.namespaces == ("apps",) and intents.workloads[0].namespace == "apps"
    assert intents.default_deny == frozenset(Direction) and intents.dns == DnsTarget()
    assert intents.flows[0].ports == ()


def test_dns_forms() -> None:
    off = parse_intents(HEAD + "dns: false\n")
    assert off.dns is None
    custom = parse_intents(HEAD + "dns: {namespace: dns, selector: app=coredns, nodeLocal: 10.0.0.10}\n")
    assert custom.dns == DnsTarget("dns", custom.dns.selector, ipaddress.ip_address("10.0.0.10"))  # type: ignore[union-attr]
    loose = parse_intents(HEAD + "dns: {anyNamespace: true, nodeLocal: true}\n")
    assert loose.dns == DnsTarget(any_namespace=True, node_local=ipaddress.ip_address("169.254.20.10"))


def test_flow_ends_and_ports() -> None:
    intents = parse_intents(HEAD + """\
workloads: {a: app=a, b: app=b}
flows:
  - "* -> b:8000-8100/udp,dns/UDP"
  - a -> fd00::/8:443
  - 10.0.0.0/8 -> a
  - a -> 192.168.1.7/24
""")
    f = intents.flows
    assert (f[0].source, f[0].ports) == (AnyWorkload(), (PortSpec(Protocol.UDP, 8000, 8100), PortSpec(Protocol.UDP, "dns")))
    assert f[1].destination == NetEnd("fd00::/8", f[1].destination.block) and f[1].ports == (PortSpec(Protocol.TCP, 443),)  # type: ignore[union-attr]
    assert f[2].source == NetEnd("10.0.0.0/8", f[2].source.block)  # type: ignore[union-attr]
    assert f[3].destination.label == "192.168.1.0/24"  # type: ignore[union-attr]


# -- bad intents: one line each, exit 2 -----------------------------------------------------------

TWO = HEAD + "namespaces: [production]\nworkloads:\n  frontend: app=frontend\n  backend: app=backend\nflows:\n"

BAD = {
    # case: (intents text, extra arguments, the one stderr line; FILE is the intents file)
    "unknown-workload": (TWO + "  - frontend -> backnd:8080\n", [],
        'FILE:8: flows[0]: unknown workload "backnd" in flow "frontend -> backnd:8080" (did you mean "backend"?); workloads: frontend, backend'),
    "bad-port": (TWO + "  - frontend -> backend:80800\n", [],
        'FILE:8: flows[0]: in flow "frontend -> backend:80800": invalid port "80800": 80800 is not in 1-65535'),
    "bad-port-name": (TWO + "  - frontend -> backend:Http_Port\n", [],
        'FILE:8: flows[0]: in flow "frontend -> backend:Http_Port": invalid port "Http_Port": not a number, a range A-B or a port name (a port name must contain only lowercase letters, digits and \'-\')'),
    "bad-protocol": (TWO + "  - frontend -> backend:53/ICMP\n", [],
        'FILE:8: flows[0]: in flow "frontend -> backend:53/ICMP": invalid port "53/ICMP": protocol "ICMP" must be TCP, UDP or SCTP'),
    "bad-range": (TWO + "  - frontend -> backend:9000-8000\n", [],
        'FILE:8: flows[0]: in flow "frontend -> backend:9000-8000": invalid port "9000-8000": range end 8000 is below its start 9000'),
    "selector-matches-nothing": (TWO.replace("app=frontend", "app=frontnd") + "  - frontend -> backend:8080\n", ["-f", TUTORIAL],
        'FILE:5: workloads.frontend: selector "app=frontnd" matches no pod in namespace production of the -f input (pods there have app=backend, app=database, app=frontend)'),
    "namespace-has-no-pods": (TWO.replace("[production]", "[staging]") + "  - frontend -> backend:8080\n", ["-f", TUTORIAL],
        'FILE:5: workloads.frontend: selector "app=frontend" matches no pod in namespace staging of the -f input (the input has no pod there)\n'
        'FILE:6: workloads.backend: selector "app=backend" matches no pod in namespace staging of the -f input (the input has no pod there)'),
    "named-port-missing": (TWO + "  - frontend -> backend:metricz\n", ["-f", TUTORIAL],
        "FILE:8: flows[0]: backend declares no container port metricz/TCP (its named ports: http/TCP, metrics/TCP)"),
    "no-star-target-has-the-port": (TWO + "  - \"* -> backend:postgres\"\n", ["-f", TUTORIAL],
        "FILE:8: flows[0]: backend declares no container port postgres/TCP (its named ports: http/TCP, metrics/TCP)"),
    "duplicate-workload": (TWO.replace("  backend: app=backend\n", "  frontend: app=backend\n"), [],
        "FILE:6: workloads.frontend: duplicate workload name (first at line 5)"),
    "same-pods-twice": (TWO.replace("app=backend", "app=frontend"), [],
        'FILE:6: workloads.backend: selects the same pods as workload "frontend" (line 5)'),
    "duplicate-flow": (TWO + "  - frontend -> backend:8080\n  - frontend  ->  backend:8080/tcp\n", [],
        "FILE:9: flows[1]: duplicate flow (first at line 8)"),
    "duplicate-namespace": (HEAD + "namespaces: [a, a]\n", [], 'FILE:3: namespaces[1]: duplicate namespace "a"'),
    "unknown-field": (HEAD + "workload:\n  frontend: app=frontend\n", [],
        'FILE:3: workload: unknown field (did you mean "workloads"?); known fields: apiVersion, kind, name, namespaces, defaultDeny, dns, workloads, flows'),
    "unknown-workload-field": (HEAD + "workloads:\n  web: {selector: app=web, namepsace: x}\n", [],
        "FILE:4: workloads.web.namepsace: unknown field (did you mean \"namespace\"?); known fields: namespace, selector"),
    "missing-selector": (HEAD + "workloads:\n  web: {namespace: x}\n", [], 'FILE:4: workloads.web: missing required field "selector"'),
    "bad-selector": (HEAD + "workloads:\n  web: app in (a\n", [], "FILE:4: workloads.web: invalid selector \"app in (a\": missing ')'"),
    "contradicting-selector": (HEAD + "workloads:\n  web: app=a,app notin (a)\nflows: [web -> web]\n", [],
        'FILE:4: workloads.web: selector "app=a,app!=a" can match no pod: its terms contradict each other'),
    "namespace-required": (HEAD + "namespaces: [a, b]\nworkloads:\n  web: app=web\n", [],
        "FILE:5: workloads.web: namespace is required: the app has several namespaces (a, b)"),
    "reserved-name": (HEAD + "workloads:\n  internet: app=lb\n", [],
        'FILE:4: workloads.internet: "internet" is reserved for flows to and from outside the cluster'),
    "bad-workload-name": (HEAD + "workloads:\n  Web_1: app=web\n", [],
        'FILE:4: workloads.Web_1: invalid workload name "Web_1": must be a lowercase RFC 1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'),
    "name-collision": (HEAD + "defaultDeny: ingress\nworkloads:\n  default-deny: app=x\nflows: [default-deny -> default-deny:80]\n", [],
        "FILE:5: workloads.default-deny: policy name default-deny-ingress of workload default-deny is already taken by the default deny; rename the workload"),
    "bad-default-deny": (HEAD + "defaultDeny: both\n", [], 'FILE:3: defaultDeny: must be all, ingress or egress, not "both"'),
    "bad-dns": (HEAD + "dns: {nodeLocal: nope}\n", [], 'FILE:3: dns.nodeLocal: must be true or an IP address, not "nope"'),
    "missing-api-version": ("kind: Intents\n", [], "FILE:1: missing required field \"apiVersion\" (it is \"podwall/v1alpha1\" for an intents file)"),
    "wrong-kind": ("apiVersion: podwall/v1alpha1\nkind: NetworkPolicy\n", [], 'FILE:2: kind: must be "Intents", not "NetworkPolicy"'),
    "not-a-mapping": ("- a\n", [], "FILE:1: must be a mapping, not a list"),
    "empty-file": ("", [], "FILE: the intents file is empty"),
    "invalid-yaml": (HEAD + "workloads: {a: b\n", [], "FILE:4: invalid YAML: expected ',' or '}', but got '<stream end>'"),
    "unquoted-star": (TWO + "  - * -> backend:80\n", [],
        "FILE:8: invalid YAML: expected alphabetic or numeric character, but found ' ' (a flow that starts with * must be quoted: \"* -> backend:8080\")"),
    "two-documents": (HEAD + "---\n" + HEAD, [], "FILE:3: invalid YAML: expected a single document in the stream, but found another document"),
    "flow-not-a-string": (TWO + "  - {from: frontend, to: backend}\n", [], "FILE:8: flows[0]: must be a string, not a mapping"),
    "no-arrow": (TWO + "  - frontend to backend\n", [],
        'FILE:8: flows[0]: invalid flow "frontend to backend": expected SOURCE -> DESTINATION[:PORTS], e.g. frontend -> backend:8080/TCP'),
    "ports-on-source": (TWO + "  - frontend:80 -> backend\n", [],
        'FILE:8: flows[0]: invalid flow "frontend:80 -> backend": ports go on the destination (expected SOURCE -> DESTINATION[:PORTS], e.g. frontend -> backend:8080/TCP)'),
    "no-workload-end": (TWO + "  - internet -> 10.0.0.0/8\n", [],
        'FILE:8: flows[0]: invalid flow "internet -> 10.0.0.0/8": one end must be a workload; policies select pods'),
    "star-to-star": (TWO + "  - \"* -> *\"\n", [], 'FILE:8: flows[0]: invalid flow "* -> *": * -> * allows everything; name one end'),
    "named-port-external": (TWO + "  - frontend -> internet:https\n", [],
        'FILE:8: flows[0]: invalid flow "frontend -> internet:https": a named port resolves on the destination pods, so it cannot apply to internet'),
    "bad-cidr": (TWO + "  - frontend -> 10.0.0.300/8:443\n", [],
        'FILE:8: flows[0]: invalid flow "frontend -> 10.0.0.300/8:443": "10.0.0.300/8" is not a CIDR (ADDRESS/PREFIX)'),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_intents_one_line_exit_2(case: str, tmp_path: Path) -> None:
    text, extra, expected = BAD[case]
    path = tmp_path / "app.yaml"
    path.write_text(text)
    result = run("generate", "from-intents", str(path), "-n", "production", *extra)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.replace(str(path), "FILE").replace(str(ROOT) + "/", "") == expected + "\n"


def test_every_problem_of_a_file_is_reported_in_line_order(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(HEAD + "defaultDeny: both\nworkloads:\n  web: app in (\nflows:\n  - web -> nowhere\n  - web -> web:0\n")
    result = run("generate", "from-intents", str(path))
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 4
    assert [int(line.split(":")[1]) for line in lines] == [3, 5, 7, 8]


def test_errors_name_stdin() -> None:
    result = run("generate", "from-intents", "-", stdin="kind: Intents\napiVersion: v1\n")
    assert result.stderr == '<stdin>:2: apiVersion: must be "podwall/v1alpha1", not "v1"\n' and result.exit_code == 2


def test_unreadable_file() -> None:
    result = run("generate", "from-intents", "/nonexistent/app.yaml")
    assert (result.exit_code, result.stderr) == (2, "/nonexistent/app.yaml: cannot read: No such file or directory\n")


def test_library_raises_input_errors() -> None:
    with pytest.raises(InputErrors) as caught:
        parse_intents(HEAD + "flows: [a -> b]\n", "x.yaml")
    assert [str(e) for e in caught.value.errors] == ['x.yaml:3: flows[0]: unknown workload "a" in flow "a -> b"; workloads: none declared']


# -- the JSON Schema shipped in the package ------------------------------------------------------

VALIDATOR = jsonschema.Draft202012Validator(schema())

#: Files the parser accepts: the schema must accept them too.
GOOD = [
    Path(INTENTS).read_text(),
    HEAD,
    HEAD + "workloads:\nflows:\n",
    HEAD + "dns: {anyNamespace: true, nodeLocal: true, selector: app=dns}\n",
    HEAD + "namespaces: [a, b]\nworkloads:\n  x: {namespace: a, selector: 'app in (x,y)'}\nflows: ['x -> x', 'internet -> x:80']\n",
]

#: Structural mistakes both reject (the parser with a located message).
BOTH_REJECT = [
    "kind: Intents\n",
    HEAD + "extra: 1\n",
    HEAD + "defaultDeny: both\n",
    HEAD + "namespaces: []\n",
    HEAD + "namespaces: [Bad]\n",
    HEAD + "namespaces: [a, a]\n",
    HEAD + "dns: yes please\n",
    HEAD + "dns: {nodeLocal: 3}\n",
    HEAD + "workloads: [a]\n",
    HEAD + "workloads:\n  Bad: app=x\n",
    HEAD + "workloads:\n  internet: app=x\n",
    HEAD + "workloads:\n  web: {namespace: a}\n",
    HEAD + "workloads:\n  web: {selector: app=web, extra: 1}\n",
    HEAD + "workloads:\n  web: 3\n",
    HEAD + "flows: [3]\n",
    HEAD + "flows: ['no arrow']\n",
    HEAD + "flows: {a: b}\n",
]


def test_schema_is_valid_and_packaged() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    shipped = ROOT / "src" / "podwall" / "generate" / "schema" / "intents.schema.json"
    assert schema_text() == shipped.read_text() and json.loads(schema_text())["properties"]["apiVersion"]["const"] == "podwall/v1alpha1"
    assert run("generate", "intents", "--schema").stdout == schema_text()


@pytest.mark.parametrize("text", GOOD)
def test_schema_accepts_what_the_parser_accepts(text: str) -> None:
    parse_intents(text)
    VALIDATOR.validate(yaml.safe_load(text))


@pytest.mark.parametrize("text", BOTH_REJECT)
def test_schema_rejects_what_the_parser_rejects(text: str) -> None:
    with pytest.raises(InputErrors):
        parse_intents(text)
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text)))


def test_scaffolds_pass_the_schema() -> None:
    for args in (["-f", TUTORIAL], ["-f", str(ROOT / "tests" / "generate" / "data" / "shop"), "--name", "shop"]):
        text = run("generate", "intents", *args).stdout
        parse_intents(text)
        VALIDATOR.validate(yaml.safe_load(text))


# -- never a traceback ----------------------------------------------------------------------------

NASTY = [
    HEAD + "workloads:\n  <<: {a: app=a}\n",
    HEAD + "workloads: !!python/object:os.system {}\n",
    HEAD + "name: !!binary aGVsbG8=\n",
    HEAD + "flows: [!!timestamp 2001-12-14]\n",
    HEAD + "workloads:\n  ? [a]\n  : x\n",
    HEAD + "workloads:\n  ~: app=x\n",
    HEAD + "workloads: &a {x: app=x}\nflows: *a\n",
    HEAD + "namespaces: " + "[" * 3000 + "]" * 3000 + "\n",
    HEAD + "dns: {nodeLocal: !!int nope}\n",
    "\ufeff" + HEAD,
    "%YAML 1.1\n---\n" + HEAD,
    "\x00",
]


@pytest.mark.parametrize("text", NASTY)
def test_odd_yaml_is_an_error_not_a_traceback(text: str) -> None:
    try:
        parse_intents(text, "f.yaml")
    except InputErrors as errors:
        assert all(str(e).startswith("f.yaml") and "\n" not in str(e) for e in errors.errors)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("ab:-> *[]{}\n,!&#'\"0123456789./=()") + ["workloads", "flows", "dns", "  "]), max_size=40))
def test_random_text_never_crashes(pieces: list[str]) -> None:
    try:
        parse_intents(HEAD + "".join(pieces), "f.yaml")
    except InputErrors:
        pass
