"""Hostile manifests: no text of the input reaches nft, ``ip`` or any other interpreter.

Every string field podwall reads (names, namespaces, label keys and values,
annotations, NetworkPolicy names, admin rule names of ANP/BANP/CNP, Service and
port names, named ports, container names, owner references) is given each
payload below (newline, quotes, ``;``, braces, ``#``, ``$``, NUL, 4 KiB, and the
two attacks of issue 10: a rule name that ``include``s a file, one that adds an
``accept`` rule). Where the loader refuses the value, ``lab rules`` and ``lab run``
must end in an input error (exit 2, no traceback, nothing printed on stdout).
Where it accepts it, the scripts are those of the same manifests with benign
names, and, loaded into nft (by ``lab rules`` output and by a real ``lab run``),
the kernel holds exactly the benign ruleset: ``nft -j list`` compared as JSON.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import podwall
from podwall.errors import PodwallError
from podwall.lab import Lab, plan_lab

from tests.cli.harness import CNI_GENERIC, run
from tests.lab.conftest import fresh_run_id

#: A file the include attack names; its text must never show up anywhere.
MARKER_FILE = Path(f"/tmp/podwall-hostile-{secrets.token_hex(4)}")
MARKER = f"podwall-secret-{secrets.token_hex(8)}"

#: payload name -> the text appended to a field's benign value
PAYLOADS = {
    "newline": "\nx",
    "double-quote": '"',
    "single-quote": "'",
    "semicolon": ";",
    "open-brace": "{",
    "close-brace": "}",
    "hash": "#",
    "dollar": "$x",
    "nul": "\x00",
    "4KiB": "k" * 4096,
    "controls-unicode": "\r\x7f\u2028\u00e9",
    "nft-define": "\ndefine x = 1\n$x",
    # issue 10: a name that includes a root-readable file (nft printed it in podwall's error) ...
    "include-etc-hostname": '\ninclude "/etc/hostname"\n',
    "include-attack": f'\ninclude "{MARKER_FILE}"\n',  # the same with a file whose text the test knows
    # ... and one whose comment line break leaves an accept rule in the chain
    "accept-attack": ")\naccept\n#",
}


def _ns(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels, "annotations": {"note": "n"}}}


def _pod(ns: str, name: str, labels: dict, ports: list[dict], owner: bool = False) -> dict:
    meta: dict = {"name": name, "namespace": ns, "labels": labels, "annotations": {"note": "n"}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "b-rs", "uid": "u-1",
                                    "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "c", "image": "img", "ports": ports}]}}


def _netpol(ns: str, name: str, spec: dict) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns, "annotations": {"note": "n"}}, "spec": spec}


def _admin(kind: str, api: str, name: str, spec: dict) -> dict:
    return {"apiVersion": f"policy.networking.k8s.io/{api}", "kind": kind,
            "metadata": {"name": name, "annotations": {"note": "n"}}, "spec": spec}


def _peers(**labels: str) -> list[dict]:
    return [{"namespaces": {"matchLabels": labels}}]


def world() -> list[dict]:
    """Two namespaces, three pods, a Service, NetworkPolicies with named ports and an ipBlock, ANP/BANP/CNP."""
    http = {"name": "http", "containerPort": 80}
    return [
        _ns("x", {"ns": "x", "extra": "v"}),
        _ns("y", {"ns": "y"}),
        _pod("x", "a", {"app": "a", "extra": "v"}, [http, {"name": "dns", "containerPort": 53, "protocol": "UDP"}]),
        _pod("x", "b", {"app": "b"}, [{"name": "http", "containerPort": 8080}], owner=True),
        _pod("y", "c", {"app": "c"}, [http]),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "x"},
         "spec": {"selector": {"app": "a"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        _netpol("x", "deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _netpol("x", "allow-web", {
            "podSelector": {"matchLabels": {"app": "a"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "b"}}}], "ports": [{"port": "http"}]}]}),
        _netpol("x", "b-egress", {
            "podSelector": {"matchLabels": {"app": "b"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "a"}}}], "ports": [{"port": "http"}]},
                       {"to": [{"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}}]}]}),
        _admin("AdminNetworkPolicy", "v1alpha1", "guard", {
            "priority": 10, "subject": {"namespaces": {"matchLabels": {"ns": "x"}}},
            # r1 shares r0's peers (one set, commented once): where a line break in r1's
            # name used to leave an accept rule in the chain
            "ingress": [{"name": "r0", "action": "Pass", "from": _peers(ns="y"),
                         "ports": [{"portNumber": {"port": 9999, "protocol": "TCP"}}]},
                        {"name": "r1", "action": "Deny", "from": _peers(ns="y")}],
            "egress": [{"name": "r2", "action": "Allow", "ports": [{"namedPort": "http"}],
                        "to": [{"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "c"}}}}]}]}),
        _admin("BaselineAdminNetworkPolicy", "v1alpha1", "default", {
            "subject": {"namespaces": {}},
            "ingress": [{"name": "r3", "action": "Deny", "from": _peers(ns="x")}]}),
        _admin("ClusterNetworkPolicy", "v1alpha2", "sandbox", {
            "tier": "Admin", "priority": 5, "subject": {"namespaces": {"matchLabels": {"ns": "y"}}},
            "egress": [{"name": "r4", "action": "Deny", "to": [{"networks": ["192.0.2.0/25"]}],
                        "protocols": [{"tcp": {"destinationPort": {"number": 443}}}]}]}),
    ]


Docs = list[dict]


def _each(docs: Docs, kind: str) -> Iterator[dict]:
    return (d for d in docs if d["kind"] == kind)


def _rename_namespace(docs: Docs, p: str) -> None:
    for d in docs:
        meta = d["metadata"]
        if meta.get("name") == "x" and d["kind"] == "Namespace":
            meta["name"] += p
        if meta.get("namespace") == "x":
            meta["namespace"] += p


def _named_ports(docs: Docs, p: str) -> None:
    for d in _each(docs, "Pod"):
        for port in d["spec"]["containers"][0]["ports"]:
            if port["name"] == "http":
                port["name"] += p
    for d in docs:
        text = json.dumps(d)
        if '"http"' in text and d["kind"] != "Pod":
            d.clear()
            d.update(json.loads(text.replace('"port": "http"', f'"port": {json.dumps("http" + p)}')
                                .replace('"namedPort": "http"', f'"namedPort": {json.dumps("http" + p)}')
                                .replace('"targetPort": "http"', f'"targetPort": {json.dumps("http" + p)}')))


def _by_name(kind: str, name: str) -> Callable[[Docs, str], None]:
    def rename(docs: Docs, p: str) -> None:
        for d in _each(docs, kind):
            if d["metadata"]["name"] == name:
                d["metadata"]["name"] += p
    return rename


def _rules(kind: str) -> Callable[[Docs, str], None]:
    def rename(docs: Docs, p: str) -> None:
        for d in _each(docs, kind):
            for rule in (*d["spec"].get("ingress", ()), *d["spec"].get("egress", ())):
                rule["name"] += p
    return rename


def _metadata(mutate: Callable[[dict, str], None], kinds: tuple[str, ...]) -> Callable[[Docs, str], None]:
    def apply(docs: Docs, p: str) -> None:
        for d in docs:
            if d["kind"] in kinds:
                mutate(d["metadata"], p)
    return apply


def _label_key(meta: dict, p: str) -> None:
    if "extra" in meta.get("labels", {}):
        meta["labels"]["extra" + p] = meta["labels"].pop("extra")


def _label_value(meta: dict, p: str) -> None:
    if "extra" in meta.get("labels", {}):
        meta["labels"]["extra"] += p


def _annotation_key(meta: dict, p: str) -> None:
    if "annotations" in meta:
        meta["annotations"] = {"note" + p: "n"}


def _annotation_value(meta: dict, p: str) -> None:
    if "annotations" in meta:
        meta["annotations"] = {"note": "n" + p}


def _owner(docs: Docs, p: str) -> None:
    for d in _each(docs, "Pod"):
        for ref in d["metadata"].get("ownerReferences", ()):
            ref["name"] += p
            ref["kind"] += p


def _container(docs: Docs, p: str) -> None:
    for d in _each(docs, "Pod"):
        d["spec"]["containers"][0]["name"] += p
        d["spec"]["containers"][0]["image"] += p


def _service_port(docs: Docs, p: str) -> None:
    for d in _each(docs, "Service"):
        d["spec"]["ports"][0]["name"] += p


ALL_KINDS = ("Namespace", "Pod", "NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
             "ClusterNetworkPolicy")

#: field -> how to append a payload to it (benign values are prefixes: every sort order is kept)
FIELDS: dict[str, Callable[[Docs, str], None]] = {
    "namespace-name": _rename_namespace,
    "pod-name": _by_name("Pod", "a"),
    "networkpolicy-name": _by_name("NetworkPolicy", "allow-web"),
    "service-name": _by_name("Service", "web"),
    "anp-name": _by_name("AdminNetworkPolicy", "guard"),
    "banp-name": _by_name("BaselineAdminNetworkPolicy", "default"),
    "cnp-name": _by_name("ClusterNetworkPolicy", "sandbox"),
    "anp-rule-names": _rules("AdminNetworkPolicy"),
    "banp-rule-names": _rules("BaselineAdminNetworkPolicy"),
    "cnp-rule-names": _rules("ClusterNetworkPolicy"),
    "label-key": _metadata(_label_key, ("Namespace", "Pod")),
    "label-value": _metadata(_label_value, ("Namespace", "Pod")),
    "annotation-key": _metadata(_annotation_key, ALL_KINDS),
    "annotation-value": _metadata(_annotation_value, ALL_KINDS),
    "named-port": _named_ports,
    "service-port-name": _service_port,
    "container-name-image": _container,
    "owner-reference": _owner,
}


def manifest(payload: str = "", fields: tuple[str, ...] = ()) -> str:
    """The world as one JSON ``List``, ``payload`` appended to each of ``fields``."""
    docs = copy.deepcopy(world())
    for field in fields:
        FIELDS[field](docs, payload)
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})


def accepted(text: str) -> bool:
    """Whether the loader takes the manifest (podwall's own verdict: the test follows the loader)."""
    try:
        podwall.load_text(text, "<stdin>")
    except PodwallError:
        return False
    return True


def scripts_only(listing: str) -> str:
    """``lab rules`` output without its legend (the only lines that quote the input)."""
    return "\n".join(line for line in listing.split("\n") if not (line.startswith("# ") and '"' in line))


BENIGN = manifest()


@functools.cache
def benign_listing() -> str:
    listing = run("lab", "rules", "-f", "-", stdin=BENIGN)
    assert (listing.exit_code, listing.stderr) == (0, CNI_GENERIC)
    return listing.stdout


@pytest.fixture(scope="module", autouse=True)
def marker_file() -> Iterator[None]:
    MARKER_FILE.write_text(MARKER + "\n")
    yield
    MARKER_FILE.unlink()


def test_the_benign_world_is_accepted_and_uses_every_tier() -> None:
    cluster = podwall.load_text(BENIGN, "<stdin>")
    assert {p.kind for p in cluster.admin_policies} == {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
                                                         "ClusterNetworkPolicy"}
    for text in ("@named_tcp_", "goto ingress_policies", "goto ingress_baseline", "tcp dport { 443 } drop"):
        assert text in benign_listing()


def test_the_api_allows_the_attacks_in_rule_names() -> None:
    """The CRDs only limit a rule name's length: the loader must take both attacks there."""
    for payload in ("include-etc-hostname", "include-attack", "accept-attack"):
        assert accepted(manifest(PAYLOADS[payload], ("anp-rule-names", "banp-rule-names", "cnp-rule-names")))


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_no_input_text_reaches_a_script(field: str, payload: str) -> None:
    text = PAYLOADS[payload]
    hostile = manifest(text, (field,))
    rules = run("lab", "rules", "-f", "-", stdin=hostile)
    if not accepted(hostile):
        assert (rules.exit_code, rules.stdout) == (2, ""), rules.stderr
        assert rules.stderr and all(line.startswith(("<stdin>:", "podwall: ")) for line in rules.stderr[:-1].split("\n"))
        started = run("lab", "run", "-f", "-", stdin=hostile)
        assert (started.exit_code, started.stdout, started.stderr) == (2, "", rules.stderr)
        return
    assert (rules.exit_code, rules.stderr) == (0, CNI_GENERIC)
    assert scripts_only(rules.stdout) == scripts_only(benign_listing())
    assert rules.stdout.isascii() and rules.stdout.replace("\t", "").replace("\n", "").isprintable(), \
        "the legend quotes the input as printable ASCII literals"


# -- in the kernel -----------------------------------------------------------------------------------


def hostile_everywhere(payload: str) -> str:
    """The world with ``payload`` in every field the loader accepts it in."""
    text = PAYLOADS[payload]
    fields = tuple(f for f in sorted(FIELDS) if accepted(manifest(text, (f,))))
    hostile = manifest(text, fields)
    assert accepted(hostile)
    return hostile


def nft_json(netns: str, table: str) -> list[dict]:
    """``nft -j list table inet TABLE`` in ``netns``, without handles and metainfo."""
    done = subprocess.run(["ip", "netns", "exec", netns, "nft", "-j", "list", "table", "inet", table],
                          capture_output=True, text=True, timeout=60, check=True)

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "handle"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(item) for item in json.loads(done.stdout)["nftables"] if "metainfo" not in item]


def nft_load(netns: str, script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", netns, "nft", "-f", "-"], input=script, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture(scope="module")
def scratch() -> Iterator[str]:
    name = f"{fresh_run_id()}-hostile"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    yield name
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def rulesets(netns: str, listing: str) -> list[list[dict]]:
    """Each subject's table of a ``lab rules`` output, loaded in turn and listed."""
    tables = []
    for chunk in listing.split("\n# podwall lab: "):
        script = chunk if chunk.startswith("#") else "# podwall lab: " + chunk
        done = nft_load(netns, script)
        assert done.returncode == 0 and done.stdout == "", done.stderr
        assert MARKER not in done.stderr
        tables.append(nft_json(netns, "podwall"))
    return tables


@pytest.mark.lab
@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_lab_rules_output_loads_into_the_benign_ruleset(scratch: str, payload: str) -> None:
    hostile = run("lab", "rules", "-f", "-", stdin=hostile_everywhere(payload))
    assert hostile.exit_code == 0 and MARKER not in hostile.stdout + hostile.stderr
    expected = rulesets(scratch, benign_listing())
    assert len(expected) == 3
    assert rulesets(scratch, hostile.stdout) == expected


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[Lab, dict[str, list[dict]]]]:
    """One lab for the benign world, with the benign ruleset of each subject as the kernel lists it."""
    benign = podwall.load_text(BENIGN, "<benign>")
    with Lab(plan_lab(benign, run_id=fresh_run_id()), timeout=0.5) as built:
        built.apply(benign)
        yield built, {s.key: nft_json(s.netns, built.plan.table) for s in built.plan.subjects}


@pytest.mark.lab
@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_lab_run_loads_the_benign_ruleset(lab: tuple[Lab, dict[str, list[dict]]], payload: str) -> None:
    built, expected = lab
    built.apply(podwall.load_text(hostile_everywhere(payload), "<hostile>"))
    assert {s.key: nft_json(s.netns, built.plan.table) for s in built.plan.subjects} == expected


def attacks() -> str:
    """The world with issue 10's attacks where they used to work: the accept rule in the name of
    the ANP rule whose set is shared (its comment was only in the chain), the include in the
    BANP's and the CNP's rule names."""
    docs = world()
    for doc in docs:
        if doc["kind"] == "AdminNetworkPolicy":
            doc["spec"]["ingress"][1]["name"] += PAYLOADS["accept-attack"]
        if doc["kind"] in ("BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"):
            for rule in (*doc["spec"].get("ingress", ()), *doc["spec"].get("egress", ())):
                rule["name"] += PAYLOADS["include-attack"]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})


def test_the_attacks_are_quoted_in_the_legend_only() -> None:
    listing = run("lab", "rules", "-f", "-", stdin=attacks()).stdout
    legend = [line for line in listing.split("\n") if line.startswith("# a") and '"' in line]
    assert re.search(r'# a\d spec\.ingress\[1\]: rule "r1\)\\naccept\\n#"$', "\n".join(legend), re.M)
    assert f'spec.ingress[0]: rule "r3\\ninclude \\"{MARKER_FILE}\\"\\n"' in "\n".join(legend)
    statements = {line for line in listing.split("\n") if line and not line.startswith(("\t", "# "))}
    assert statements == {"table inet podwall", "delete table inet podwall", "table inet podwall {", "}"}
    assert not any("include" in line for line in listing.split("\n") if line not in legend)  # only the legend quotes it


@pytest.mark.lab
def test_the_attacks_have_no_effect_on_a_run() -> None:
    """lab run with the attacks: the same verdicts as the benign run (the Deny holds), nothing leaked.

    Before the fix the first made the kernel allow y/c -> x/a (engine DENIED) and the
    second printed the marker file's text in the error of ``nft``.
    """
    args = ("lab", "run", "-f", "-", "--timeout", "0.5", "-o", "json")
    attacked = run(*args, stdin=attacks())
    benign = run(*args, stdin=BENIGN)
    assert (attacked.exit_code, benign.exit_code) == (0, 0), attacked.stdout + attacked.stderr
    assert MARKER not in attacked.stdout + attacked.stderr

    def verdicts(out: str) -> dict:
        return {(r["from"], r["to"], r["port"], r["protocol"]): (r["observed"], r["engine"])
                for r in json.loads(out)["results"]}

    seen = verdicts(attacked.stdout)
    assert seen == verdicts(benign.stdout)
    assert seen["y/c", "x/a", 80, "TCP"] == ("denied", "denied")
