"""A picture as a Mermaid flowchart: a subgraph per namespace, one edge per allowed (source, destination).

Mermaid identifiers are generated (``w0``, ``x0``, ``ic``, ``ns0``); names are
quoted labels, with ``"``, ``<`` and ``>`` as Mermaid entity codes, so any name
is safe. Workloads no policy protects are drawn dashed red and say so in their
label; external ranges are parallelograms, the ingress controller a hexagon.
"""

from __future__ import annotations

from podwall.render.picture import Node, Picture, Role

UNPROTECTED_STYLE = "fill:#fdecea,stroke:#c0392b,stroke-width:2px,stroke-dasharray:5 3"
OUTSIDE_STYLE = "fill:#f4f4f4,stroke:#888888"
#: Edge colours of ``podwall diff -o mermaid`` by change.
CHANGE_COLOURS = {"added": "#2e7d32", "removed": "#c62828", "changed": "#ef8f00"}


def _text(label: str) -> str:
    """A label safe inside Mermaid double quotes."""
    return label.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _unprotected(node: Node) -> str:
    if node.role is Role.NAMESPACE:
        return f"{node.unprotected_members} unprotected" if node.unprotected_members else ""
    if not node.unprotected:
        return ""
    return "unprotected: " + ", ".join(d.value.lower() for d in node.unprotected)


def node_label(node: Node) -> list[str]:
    """The lines of a node's label (shared with DOT)."""
    if node.role is Role.WORKLOAD:
        lines = [node.label, node.kind]
    elif node.role is Role.NAMESPACE:
        lines = [node.label, f"{node.members} workload{'' if node.members == 1 else 's'}"]
    elif node.role is Role.EXTERNAL:
        lines = [node.label, "external"]
    else:
        lines = [node.label]
    marker = _unprotected(node)
    return lines + [marker] if marker else lines


def _shape(mid: str, node: Node) -> str:
    label = "<br/>".join(_text(line) for line in node_label(node))
    if node.role is Role.EXTERNAL:
        return f'{mid}[/"{label}"/]'
    if node.role is Role.CONTROLLER:
        return f'{mid}{{{{"{label}"}}}}'
    return f'{mid}["{label}"]'


def mermaid(pic: Picture, *, changes: dict[tuple[str, str], str] | None = None) -> str:
    """The flowchart text; ``changes`` colours edges by (source, destination): added, removed or changed."""
    ids: dict[str, str] = {}
    counters = {Role.WORKLOAD: 0, Role.EXTERNAL: 0, Role.NAMESPACE: 0}
    prefix = {Role.WORKLOAD: "w", Role.EXTERNAL: "x", Role.NAMESPACE: "n"}
    for node in pic.nodes:
        if node.role is Role.CONTROLLER:
            ids[node.id] = "ic"
        else:
            ids[node.id] = f"{prefix[node.role]}{counters[node.role]}"
            counters[node.role] += 1
    out = [
        f"%% podwall {'render' if changes is None else 'diff'} -o mermaid: {pic.view.value} view, {pic.workloads} workloads, {len(pic.edges)} edges",
        "%% dashed red: no NetworkPolicy or admin policy protects it in that direction",
        "flowchart LR",
    ]
    groups, outside = pic.by_namespace()
    for i, (namespace, members) in enumerate(groups):
        out.append(f'    subgraph ns{i}["{_text(namespace)}"]')
        out.extend(f"        {_shape(ids[n.id], n)}" for n in members)
        out.append("    end")
    out.extend(f"    {_shape(ids[n.id], n)}" for n in outside)
    styled: dict[str, list[int]] = {}
    for i, edge in enumerate(pic.edges):
        out.append(f'    {ids[edge.source]} -->|"{_text(edge.label(pic.view))}"| {ids[edge.destination]}')
        change = (changes or {}).get((edge.source, edge.destination))
        if change:
            styled.setdefault(change, []).append(i)
    out.append(f"    classDef unprotected {UNPROTECTED_STYLE}")
    out.append(f"    classDef outside {OUTSIDE_STYLE}")
    marked = [ids[n.id] for n in pic.nodes if _unprotected(n)]
    if marked:
        out.append(f"    class {','.join(marked)} unprotected")
    others = [ids[n.id] for n in pic.nodes if n.role in (Role.EXTERNAL, Role.CONTROLLER)]
    if others:
        out.append(f"    class {','.join(others)} outside")
    for change, indexes in sorted(styled.items()):
        out.append(f"    linkStyle {','.join(map(str, indexes))} stroke:{CHANGE_COLOURS[change]},stroke-width:2px")
    return "\n".join(out) + "\n"
