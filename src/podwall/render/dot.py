"""A picture as Graphviz DOT (a cluster per namespace), and SVG or PNG through Graphviz's ``dot`` program.

The DOT text is plain emission (no Python dependency); the layout is Graphviz's.
Node identifiers are the connection-list names themselves, quoted, so an SVG's
``<title>`` elements carry them.
"""

from __future__ import annotations

import shutil
import subprocess

from podwall.errors import PodwallError
from podwall.render.mermaid import CHANGE_COLOURS, node_label
from podwall.render.picture import Node, Picture, PictureView, Role

#: Image formats ``dot`` writes for ``-o``.
IMAGE_FORMATS = ("svg", "png")


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attributes(node: Node) -> str:
    attrs = {"label": "\n".join(node_label(node))}
    if node.role is Role.EXTERNAL:
        attrs.update(shape="parallelogram", fillcolor="#f4f4f4", color="#888888")
    elif node.role is Role.CONTROLLER:
        attrs.update(shape="hexagon", fillcolor="#f4f4f4", color="#888888")
    if node.unprotected or node.unprotected_members:
        attrs.update(color="#c0392b", fillcolor="#fdecea", style="rounded,filled,dashed", penwidth="2")
    if node.role in (Role.EXTERNAL, Role.CONTROLLER) and "style" not in attrs:
        attrs["style"] = "filled"
    return ", ".join(f"{key}={quote(value)}" for key, value in attrs.items())


def dot(pic: Picture, *, changes: dict[tuple[str, str], str] | None = None) -> str:
    """The DOT text; ``changes`` colours edges by (source, destination): added, removed or changed."""
    out = [
        f"// podwall {'render' if changes is None else 'diff'} -o dot: {pic.view.value} view, {pic.workloads} workloads, {len(pic.edges)} edges",
        "// dashed red: no NetworkPolicy or admin policy protects it in that direction",
        "digraph podwall {",
        '    graph [rankdir=LR, fontname="Helvetica", fontsize=12];',
        '    node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ]
    groups, outside = pic.by_namespace()
    for namespace, members in groups:
        out.append(f"    subgraph {quote('cluster_' + namespace)} {{")
        out.append(f'        label={quote(namespace)}; style="rounded"; color="#9aa5b1";')
        out.extend(f"        {quote(n.id)} [{_attributes(n)}];" for n in members)
        out.append("    }")
    out.extend(f"    {quote(n.id)} [{_attributes(n)}];" for n in outside)
    for edge in pic.edges:
        attrs = f"label={quote(edge.label(pic.view))}"
        if pic.view is PictureView.NAMESPACE:
            attrs += f", tooltip={quote(str(edge.conns))}"
        change = (changes or {}).get((edge.source, edge.destination))
        if change:
            attrs += f", color={quote(CHANGE_COLOURS[change])}, fontcolor={quote(CHANGE_COLOURS[change])}, penwidth=2"
        out.append(f"    {quote(edge.source)} -> {quote(edge.destination)} [{attrs}];")
    out.append("}")
    return "\n".join(out) + "\n"


class GraphvizError(PodwallError):
    """``dot`` is missing or refused the input."""


def dot_image(text: str, fmt: str, program: str = "dot") -> bytes:
    """Run Graphviz's ``dot -T<fmt>`` on DOT text."""
    if fmt not in IMAGE_FORMATS:
        raise GraphvizError(f"unknown image format {fmt!r}: use {' or '.join(IMAGE_FORMATS)}")
    found = shutil.which(program)
    if found is None:
        raise GraphvizError(
            f"-o {fmt} needs Graphviz's {program!r} program, which is not on PATH "
            "(Debian/Ubuntu: apt-get install graphviz; or use -o dot and convert elsewhere)"
        )
    done = subprocess.run([found, f"-T{fmt}"], input=text.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise GraphvizError(f"{program} -T{fmt} failed: {message[0] if message else f'exit {done.returncode}'}")
    return done.stdout
