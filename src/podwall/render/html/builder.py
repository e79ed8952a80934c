"""The self-contained HTML report: posture, an interactive graph, the matrix as a heatmap, lint findings.

Everything is inlined (the vendored Cytoscape.js and fcose, the report's own
script and style, the data as JSON), so the file works opened from disk with no
network. The data is the picture of ``podwall.render.picture`` (the connection
list), the unprotected workloads and exposure of the engine, ``podwall explain``'s
text for matrix cells (rendered by ``explain_text``) and ``podwall lint``'s findings.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from podwall import __version__
from podwall.engine import EngineOptions, Probe
from podwall.engine.connlist import ConnLine, Focus, connlist, node_name
from podwall.engine.connset import ConnSet
from podwall.engine.conventions import view as plugin_view
from podwall.engine.explaining import Subject, explain_subjects
from podwall.engine.exposure_analysis import ExposureReport, exposure_analysis
from podwall.lint import Finding, LintReport, Severity, lint
from podwall.model import Cluster, Direction, Pod
from podwall.render.explain_text import explain_text
from podwall.render.picture import Picture, PictureView, Role, picture, role_of

#: Above this many (cell, port) explanations the report carries none (the cells say how to ask for one).
EXPLAIN_LIMIT = 6000
#: The browser draws workloads one by one up to these counts, namespaces (drill down on click) above.
GRAPH_LIMIT = 250
EDGE_LIMIT = 1500
#: The matrix shows workloads up to this count, namespaces (drill down on click) above.
MATRIX_LIMIT = 400

_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "fc00::/7", "fe80::/10", "::1/128")
)  # fmt: skip


def reaches_internet(name: str) -> bool:
    """Whether an external range (``first-last[External]``) holds an address outside the private and local blocks."""
    first_text, _, last_text = name.removesuffix("[External]").partition("-")
    first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text or first_text)
    return not any(
        net.version == first.version and net.network_address <= first and last <= net.broadcast_address
        for net in _PRIVATE
    )


def _asset(name: str) -> str:
    return resources.files("podwall.render").joinpath(name).read_text(encoding="utf-8")


def _vendored() -> tuple[list[str], list[tuple[str, str]]]:
    """The vendored scripts in load order, and (package, license text) pairs."""
    manifest = json.loads(_asset("assets/assets.json"))
    scripts, licenses = [], []
    for package in manifest["packages"]:
        for path in package["files"]:
            text = _asset(f"assets/{package['name']}/{Path(path).name}")
            if path.endswith(".js"):
                scripts.append(text)
            else:
                licenses.append((f"{package['name']} {package['version']} ({package['license']})", text))
    return scripts, licenses


def _script_safe(text: str) -> str:
    """Text that cannot close the ``<script>`` element it is inlined in."""
    return re.sub(r"</(?=script)", r"<\\/", text, flags=re.IGNORECASE)


def _pods_by_node(cluster: Cluster) -> dict[str, list[Pod]]:
    found: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        found.setdefault(node_name(pod), []).append(pod)
    return found


def explain_name(node: str, pods: Sequence[Pod]) -> str:
    """The name ``podwall explain`` takes for a workload node: ``ns/Kind/name`` when its pods share one."""
    keys = {p.workload_key for p in pods}
    return keys.pop() if len(keys) == 1 else node


def _declared(pods: Sequence[Pod]) -> list[Probe]:
    return sorted({Probe(cp.port, cp.protocol) for p in pods for cp in p.ports})


def _fallback(conns: ConnSet | None) -> list[Probe]:
    """For a destination that declares no port: the first port of each allowed range (three at most)."""
    return [] if conns is None else [Probe(lo, proto) for proto, lo, _hi in conns.intervals][:3]


def explanations(
    cluster: Cluster, pic: Picture, options: EngineOptions, limit: int = EXPLAIN_LIMIT
) -> tuple[list[str], dict[str, list[list[object]]], str | None]:
    """``explain_text`` for every workload pair of the picture on each port that matters, if within ``limit``.

    The pairs are judged as ``explain`` judges them: on the input as the network plugin sees it.

    A cell is explained on the destination's declared ports, else on the first
    port of each allowed range. Returns the distinct texts, cells keyed
    ``"source index,destination index"`` holding ``[port, text index, allowed]``,
    and why cells carry none (None: all do).
    """
    cluster = plugin_view(cluster, options.conventions)
    index = {n.id: i for i, n in enumerate(pic.nodes)}
    workloads = [n.id for n in pic.nodes if n.role is Role.WORKLOAD]
    pods = _pods_by_node(cluster)
    declared = {w: _declared(pods[w]) for w in workloads}
    conns = {(e.source, e.destination): e.conns for e in pic.edges}
    kept = set(workloads)
    count = (len(workloads) - 1) * sum(len(ports) for ports in declared.values()) + sum(
        len(_fallback(c)) for (s, d), c in conns.items() if s in kept and d in kept and not declared[d]
    )
    if count > limit:
        return [], {}, (
            f"{count:,} cell explanations exceed the report's limit of {limit:,}: "
            "run the podwall explain command shown for a cell"
        )
    plan = [
        (s, d, probe)
        for s in workloads
        for d in workloads
        if s != d
        for probe in (declared[d] or _fallback(conns.get((s, d))))
    ]
    subjects = {w: Subject(explain_name(w, pods[w]), tuple(pods[w])) for w in workloads}
    texts: dict[str, int] = {}
    cells: dict[str, list[list[object]]] = {}
    for s, d, probe in plan:
        result = explain_subjects(cluster, subjects[s], subjects[d], probe, options)
        text = explain_text(result)
        number = texts.setdefault(text, len(texts))
        cells.setdefault(f"{index[s]},{index[d]}", []).append([str(probe), number, 1 if result.allowed else 0])
    return list(texts), cells, None


def _namespaces(cluster: Cluster, pic: Picture) -> list[dict[str, object]]:
    rows = []
    for ns in pic.namespaces:
        members = [n for n in pic.nodes if n.role is Role.WORKLOAD and n.namespace == ns]
        policies = [p for p in cluster.policies if p.namespace == ns]
        rows.append({
            "name": ns,
            "workloads": len(members),
            "unprotected": sum(1 for n in members if n.unprotected),
            "ingress": any(p.isolates_namespace(Direction.INGRESS) for p in policies),
            "egress": any(p.isolates_namespace(Direction.EGRESS) for p in policies),
            "policies": len(policies),
        })  # fmt: skip
    return rows


def _yes(flag: object) -> str:
    return '<td class="yes">yes</td>' if flag else '<td class="no">no</td>'


def _posture_html(namespaces: list[dict[str, object]], pic: Picture, internet: list[ConnLine], report: LintReport) -> str:
    e = html.escape
    unprotected = [n for n in pic.nodes if n.role is Role.WORKLOAD and n.unprotected]
    deny_in = sum(1 for ns in namespaces if ns["ingress"])
    deny_out = sum(1 for ns in namespaces if ns["egress"])
    tiles = [
        ("namespaces with default-deny ingress", f"{deny_in} of {len(namespaces)}", deny_in < len(namespaces)),
        ("namespaces with default-deny egress", f"{deny_out} of {len(namespaces)}", deny_out < len(namespaces)),
        ("workloads unprotected", f"{len(unprotected)} of {sum(1 for n in pic.nodes if n.role is Role.WORKLOAD)}",
         bool(unprotected)),
        ("connections open to the internet", str(len(internet)), bool(internet)),
    ]  # fmt: skip
    counts = {s: report.count(s) for s in Severity}
    tiles.append((
        "lint findings",
        " · ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}" for s in Severity),
        bool(counts[Severity.ERROR] or counts[Severity.WARNING]),
    ))  # fmt: skip
    out = [tiles_html(tiles)]
    out.append('<details class="posture-details"><summary>Namespaces, unprotected workloads, internet exposure</summary>')
    out.append('<table id="namespaces"><thead><tr><th>namespace</th><th>workloads</th><th>default-deny ingress</th>'
               "<th>default-deny egress</th><th>unprotected</th><th>policies</th></tr></thead><tbody>")
    for ns in namespaces:
        out.append(f'<tr data-ns="{e(str(ns["name"]))}"><td>{e(str(ns["name"]))}</td><td>{ns["workloads"]}</td>'
                   f'{_yes(ns["ingress"])}{_yes(ns["egress"])}<td>{ns["unprotected"]}</td><td>{ns["policies"]}</td></tr>')
    out.append("</tbody></table>")
    if unprotected:
        out.append('<h3>Workloads no policy protects</h3><ul id="unprotected">')
        out.extend(
            f"<li>{e(n.id)}: {e(', '.join(d.value.lower() for d in n.unprotected))}</li>" for n in unprotected
        )
        out.append("</ul>")
    if internet:
        out.append('<h3>Connections open to the internet</h3><ul id="internet">')
        out.extend(f"<li>{e(line.source)} =&gt; {e(line.destination)} : {e(str(line.conns))}</li>" for line in internet)
        out.append("</ul>")
    out.append("</details>")
    return "\n".join(out)


def html_report(
    cluster: Cluster,
    options: EngineOptions = EngineOptions(),
    *,
    namespaces: Collection[str] | None = None,
    focus: Focus | None = None,
    by: PictureView | str | None = None,
    inputs: Sequence[str] = (),
    source: Sequence[str] | None = None,
    lint_report: LintReport | None = None,
    explain_limit: int = EXPLAIN_LIMIT,
    title: str = "podwall report",
) -> str:
    """The report as one HTML document.

    ``namespaces`` and ``focus`` filter as for ``picture``; ``by`` starts the
    graph by workload or by namespace (None: by namespace above ``GRAPH_LIMIT``
    workloads or ``EDGE_LIMIT`` edges). ``inputs`` are the ``-f`` paths (named in
    the subtitle); ``source`` the command-line arguments that read the input
    again (``("--context", "prod")``; default ``-f`` each of ``inputs``), repeated
    in the ``podwall explain`` commands the report suggests. ``lint_report``
    defaults to ``lint`` with the default configuration.
    """
    view = PictureView(by) if by is not None else None
    every = connlist(cluster, options)
    pic = picture(cluster, options, namespaces=namespaces, focus=focus, lines=every)
    report = lint_report if lint_report is not None else lint(cluster, options=options, namespaces=namespaces)
    notes: list[str] = []
    workloads = [n for n in pic.nodes if n.role is Role.WORKLOAD]
    texts, cells, missing = explanations(cluster, pic, options, explain_limit)
    if missing:
        notes.append(f"Matrix cells carry no explanation: {missing}.")
    internet = [
        ConnLine(e.source, e.destination, e.conns)
        for e in pic.edges
        if any(role_of(end) is Role.EXTERNAL and reaches_internet(end) for end in (e.source, e.destination))
    ]
    ns_rows = _namespaces(plugin_view(cluster, options.conventions), pic)  # policies as the plugin enforces them
    index = {n.id: i for i, n in enumerate(pic.nodes)}
    exposure = _exposure(exposure_analysis(cluster, every, options=options), index)
    data = {
        "by": view.value if view is not None else "auto",
        "explain_command": explain_command(inputs, source),
        **graph_data(pic, _pods_by_node(cluster)),
        "exposure": exposure,
        # [object, severity, rule, name, message, fix, file, line]: the page groups them by rule
        "findings": [finding_row(f) for f in report.findings],
        "rules": len(report.rules),
        "explain": {"texts": texts, "cells": cells, "missing": missing},
    }
    subtitle = (
        f"{len(workloads)} workloads in {len(pic.namespaces)} namespaces, {len(pic.edges)} allowed connections"
        + (f" · from {', '.join(inputs)}" if inputs else f" · from the live cluster ({' '.join(source)})" if source else "")
    )
    return page(data, title=title, subtitle=subtitle, header=_posture_html(ns_rows, pic, internet, report), notes=notes)


def finding_row(f: Finding) -> list[object]:
    """A lint finding as the page reads it: ``[object, severity, rule, name, message, fix, file, line]``."""
    return [f.object, f.severity.value, f.rule, f.name, f.message, f.fix, f.file, f.line]


def graph_data(pic: Picture, pods: Mapping[str, Sequence[Pod]], changes: Mapping[tuple[str, str], str] | None = None
               ) -> dict[str, list[Any]]:
    """The picture as the page's script reads it: nodes, distinct connection sets, edges (with their change, if any).

    ``pods`` holds each workload node's pods (its declared ports and the name ``podwall explain`` takes).
    """
    conn_index: dict[ConnSet, int] = {}
    for edge in pic.edges:
        conn_index.setdefault(edge.conns, len(conn_index))
    index = {n.id: i for i, n in enumerate(pic.nodes)}
    changes = changes or {}
    return {
        "nodes": [
            [
                n.id, n.role.value, n.label, n.kind, n.namespace,
                [d.value for d in n.unprotected],
                sorted({f"{cp.port}/{cp.protocol.value}" for p in pods.get(n.id, ()) for cp in p.ports}),
                explain_name(n.id, pods[n.id]) if n.role is Role.WORKLOAD else _explain_outside(n.id),
            ]
            for n in pic.nodes
        ],  # fmt: skip
        "conns": [[str(c), [[p.value, lo, hi] for p, lo, hi in c.intervals]] for c in conn_index],
        "edges": [
            [index[e.source], index[e.destination], conn_index[e.conns]]
            + ([changes[e.source, e.destination]] if (e.source, e.destination) in changes else [])
            for e in pic.edges
        ],
    }


def tiles_html(tiles: Sequence[tuple[str, str, bool]]) -> str:
    """Header tiles: (label, value, whether it is bad news)."""
    e = html.escape
    out = ['<div class="tiles" id="posture">']
    for label, value, bad in tiles:
        out.append(f'<div class="tile{" bad" if bad else ""}"><div class="value">{e(value)}</div><div class="label">{e(label)}</div></div>')
    out.append("</div>")
    return "\n".join(out)


#: The page's optional sections: the render report has the matrix, the diff report the list of changes.
MATRIX_SECTION = "html/matrix.html"
CHANGES_SECTION = "html/changes.html"


def page(
    data: dict[str, Any],
    *,
    title: str,
    subtitle: str,
    header: str,
    notes: Sequence[str] = (),
    sections: Sequence[str] = (MATRIX_SECTION,),
    findings_title: str = "Lint findings",
    legend: str = "",
) -> str:
    """The HTML document around ``data`` (the graph's, see ``graph_data``, and the rest ``report.js`` reads).

    ``sections`` are the assets placed between the graph and the findings; ``legend`` more keys (HTML) for the graph.
    """
    scripts, licenses = _vendored()
    e = html.escape
    data = {"version": __version__, "limits": {"graph": GRAPH_LIMIT, "edges": EDGE_LIMIT, "matrix": MATRIX_LIMIT},
            "explain_command": explain_command((), None), "explain": {"texts": [], "cells": {}, "missing": None},
            "exposure": {"texts": [], "lines": []}, "by": "auto", **data}  # fmt: skip
    parts = {
        "title": e(title),
        "subtitle": e(subtitle),
        "version": e(__version__),
        "style": _asset("html/report.css"),
        "posture": header,
        "notes": "".join(f'<p class="note">{e(note)}</p>' for note in notes),
        "sections": "\n".join(_asset(s) for s in sections),
        "findings_title": e(findings_title),
        "legend": legend,
        "licenses": "\n".join(f"<h4>{e(name)}</h4><pre>{e(text)}</pre>" for name, text in licenses),
        "data": _script_safe(json.dumps(data, separators=(",", ":"))),
        "scripts": "\n".join(f"<script>{_script_safe(s)}</script>" for s in scripts),
        "app": _script_safe(_asset("html/report.js")),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("html/template.html"))


def explain_command(inputs: Sequence[str], source: Sequence[str] | None) -> str:
    """``podwall explain`` with the arguments that read the input (``-f MANIFESTS`` when unknown), shell-quoted."""
    args = list(source) if source is not None else [a for path in inputs for a in ("-f", path)]
    return shlex.join(["podwall", "explain", *(args or ["-f", "MANIFESTS"])])


def _exposure(found: ExposureReport, index: dict[str, int]) -> dict[str, list[Any]]:
    """Exposure lines of the picture's workloads: ``[node index, "=>" or "<=", peer, connections]`` (texts numbered)."""
    texts: dict[str, int] = {}
    lines = [
        [index[x.workload], "=>" if x.direction is Direction.EGRESS else "<=",
         texts.setdefault(x.peer, len(texts)), texts.setdefault(x.conn_text, len(texts))]
        for x in (*found.egress, *found.ingress)
        if x.workload in index
    ]  # fmt: skip
    return {"texts": list(texts), "lines": lines}


def _explain_outside(node_id: str) -> str:
    """What ``podwall explain`` takes for an external range (its first address) or the ingress controller."""
    if node_id.endswith("[External]"):
        return node_id.removesuffix("[External]").split("-", 1)[0]
    return "ingress-controller"
