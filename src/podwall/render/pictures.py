"""``podwall render``: the connection list drawn as Mermaid, DOT, SVG, PNG or a self-contained HTML report."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from podwall.engine import EngineOptions
from podwall.engine.connlist import Focus
from podwall.errors import UsageError
from podwall.lint import LintReport
from podwall.model import Cluster
from podwall.model.quick import frozen
from podwall.render.dot import IMAGE_FORMATS, dot, dot_image
from podwall.render.html import html_report
from podwall.render.mermaid import mermaid
from podwall.render.picture import AUTO_EDGES, AUTO_WORKLOADS, PictureView, aggregate, fits, picture

#: ``-o`` choices; svg and png run Graphviz's ``dot``.
RENDER_FORMATS = ("mermaid", "dot", "svg", "png", "html")


@frozen
class Rendering:
    """A drawing (text, or bytes for PNG), the view it was drawn in, and notes for the user (stderr)."""

    content: str | bytes
    view: PictureView
    notes: tuple[str, ...] = ()


def render(
    cluster: Cluster,
    output: str = "mermaid",
    *,
    by: PictureView | str | None = None,
    namespaces: Collection[str] | None = None,
    focus: Focus | None = None,
    options: EngineOptions = EngineOptions(),
    inputs: Sequence[str] = (),
    source: Sequence[str] | None = None,
    lint_report: LintReport | None = None,
    title: str = "podwall report",
) -> Rendering:
    """Draw a loaded input.

    ``by`` ``workload`` draws every workload, ``namespace`` namespaces with pair
    counts on edges; None picks workloads for small inputs and namespaces above
    ``AUTO_WORKLOADS`` workloads or ``AUTO_EDGES`` edges (the HTML report decides
    in the browser, drilling down on click). ``namespaces`` and ``focus`` filter
    as ``reach -o connlist`` does. ``inputs`` (the ``-f`` paths), ``source``,
    ``lint_report`` and ``title`` are used by the HTML report only (see ``html_report``).
    """
    if output not in RENDER_FORMATS:
        raise UsageError(f"unknown output {output!r}: use one of {', '.join(RENDER_FORMATS)}")
    try:
        view = PictureView(by) if by is not None else None
    except ValueError:
        raise UsageError(f"invalid view {by!r}: must be workload or namespace") from None
    if output == "html":
        text = html_report(cluster, options, namespaces=namespaces, focus=focus, by=view, inputs=inputs,
                           source=source, lint_report=lint_report, title=title)  # fmt: skip
        return Rendering(text, view or PictureView.WORKLOAD)
    pic = picture(cluster, options, namespaces=namespaces, focus=focus)
    notes: tuple[str, ...] = ()
    if view is None:
        view = PictureView.WORKLOAD if fits(pic) else PictureView.NAMESPACE
        if view is PictureView.NAMESPACE:
            notes = (
                f"more than {AUTO_WORKLOADS} workloads or {AUTO_EDGES} connections: drawn by namespace "
                "(--by workload draws every workload; -n or --focus-workload narrows the picture)",
            )
    if view is PictureView.NAMESPACE:
        pic = aggregate(pic)
    if output == "mermaid":
        return Rendering(mermaid(pic), view, notes)
    text = dot(pic)
    if output in IMAGE_FORMATS:
        return Rendering(dot_image(text, output), view, notes)
    return Rendering(text, view, notes)
