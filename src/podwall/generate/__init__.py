"""``generate``: NetworkPolicies from recipes and intents files, verified by the engine.

Every recipe is a typed function returning a ``Generation`` (policies with their
comments, the flows they must allow, notes); ``verify`` judges a Generation in a
cluster; ``render`` / ``files`` turn it into YAML or JSON. Nothing here prints.
"""

from podwall.generate.allow import allow
from podwall.generate.allow_namespace import allow_namespace
from podwall.generate.deny import deny
from podwall.generate.dns import DnsTarget, dns
from podwall.generate.egress_cidr import egress_cidr, parse_cidr
from podwall.generate.emit import files, manifest, render, to_json, to_yaml
from podwall.generate.from_intents import from_intents, model_cluster
from podwall.generate.intents import Intents, IntentsError, parse_intents, schema, schema_text
from podwall.generate.isolate import isolate_namespace
from podwall.generate.policies import Generated, Generation, IntendedFlow, NetParty, PodParty, with_policies
from podwall.generate.ports import parse_port, parse_ports
from podwall.generate.scaffold import SYSTEM_NAMESPACES, env_references, scaffold_intents, telling_selector
from podwall.generate.selectors import parse_selector, selector_text
from podwall.generate.verify import Check, Opened, Status, Verification, verify

__all__ = [
    "Check",
    "DnsTarget",
    "Generated",
    "Generation",
    "IntendedFlow",
    "Intents",
    "IntentsError",
    "NetParty",
    "Opened",
    "PodParty",
    "Status",
    "Verification",
    "allow",
    "allow_namespace",
    "deny",
    "dns",
    "egress_cidr",
    "env_references",
    "files",
    "from_intents",
    "isolate_namespace",
    "manifest",
    "model_cluster",
    "parse_cidr",
    "parse_intents",
    "parse_port",
    "parse_ports",
    "parse_selector",
    "render",
    "scaffold_intents",
    "schema",
    "schema_text",
    "SYSTEM_NAMESPACES",
    "telling_selector",
    "selector_text",
    "to_json",
    "to_yaml",
    "verify",
    "with_policies",
]
