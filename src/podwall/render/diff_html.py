"""``podwall diff -o html``: the diff as the render report's page, changed edges coloured in their context.

The page is ``podwall render -o html``'s (``render.html``: the same template,
script, vendored Cytoscape.js and graph data), drawn from the diff's picture
(``diff_picture``: unchanged connections plain, added green, removed red,
changed amber). The header has the summary line and counts, a section lists
every changed pair, and clicking a pair (its row or its edge) shows what
``diff -o json`` says of it: before, after, gained, lost and each reason on
both sides. The lint section holds the lint delta.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from podwall.diff import DiffReport
from podwall.engine.connlist import node_name
from podwall.model import Cluster, Pod
from podwall.render.diff_picture import diff_picture
from podwall.render.diff_words import display, new_ends, reason_words, summary
from podwall.render.html.builder import CHANGES_SECTION, finding_row, graph_data, page, tiles_html

LEGEND = (' <span class="key added">added</span> <span class="key removed">removed</span>'
          ' <span class="key changed">changed</span>')  # fmt: skip


def _pods(before: Cluster, after: Cluster) -> dict[str, list[Pod]]:
    """Each workload node's pods, from AFTER when it is there (a removed workload's from BEFORE)."""
    found: dict[str, list[Pod]] = {}
    for cluster in (before, after):
        mine: dict[str, list[Pod]] = {}
        for pod in cluster.pods:
            mine.setdefault(node_name(pod), []).append(pod)
        found.update(mine)
    return found


def _header(report: DiffReport) -> str:
    opened = report.opened
    delta = report.lint
    tiles = [
        ("connections opened", str(len(opened)), bool(opened)),
        ("from outside the cluster", str(sum(p.from_outside for p in opened)), any(p.from_outside for p in opened)),
        ("across namespaces", str(sum(p.across_namespaces for p in opened)), any(p.across_namespaces for p in opened)),
        ("connections closed", str(len(report.closed)), False),
        ("workloads newly isolated", str(len(report.newly_isolated)), False),
        ("workloads no longer isolated", str(len(report.released)), bool(report.released)),
    ]
    if delta is not None:
        tiles.append(("lint findings introduced · fixed", f"{len(delta.introduced)} · {len(delta.fixed)}",
                      bool(delta.introduced)))  # fmt: skip
    out = [tiles_html(tiles)]
    e = html.escape
    items = [
        f"{e(display(c.workload))}: {'newly isolated' if c.isolated else 'no longer isolated'} for {c.direction.value}"
        for c in report.isolation
    ]
    items += [f"added: {e(display(w))}" for w in report.workloads_added]
    items += [f"removed: {e(display(w))}" for w in report.workloads_removed]
    if items:
        out.append('<details class="posture-details" open><summary>Isolation and workloads</summary><ul id="diff-notes">')
        out.extend(f"<li>{item}</li>" for item in items)
        out.append("</ul></details>")
    return "\n".join(out)


def diff_html(
    report: DiffReport,
    before: Cluster,
    after: Cluster,
    *,
    sides: Sequence[str] = (),
    title: str = "podwall diff",
) -> str:
    """The diff as one self-contained HTML document; ``sides`` names BEFORE and AFTER in the subtitle."""
    pic, changes = diff_picture(report)
    data = graph_data(pic, _pods(before, after), changes)
    index = {(e.source, e.destination): k for k, e in enumerate(pic.edges)}
    pairs = []
    for pair in report.pairs:
        reasons = [reason_words(pair, r) for r in pair.reasons]
        pairs.append([
            index[pair.source, pair.destination], pair.change.value, str(pair.before), str(pair.after),
            str(pair.gained), str(pair.lost), [[r.sign, str(r.conns), r.before, r.after] for r in reasons],
            new_ends(pair),
        ])  # fmt: skip
    delta = report.lint
    findings = [] if delta is None else [
        finding_row(f) + [change] for change, found in (("introduced", delta.introduced), ("fixed", delta.fixed))
        for f in found
    ]  # fmt: skip
    data.update(
        findings=findings,
        rules=0,
        diff={
            "summary": summary(report),
            "pairs": pairs,
            "lint_none": "Lint was not run." if delta is None else "The change introduces and fixes no lint finding.",
        },
    )
    subtitle = summary(report) + (f" · {' -> '.join(sides)}" if sides else "")
    return page(data, title=title, subtitle=subtitle, header=_header(report), sections=(CHANGES_SECTION,),
                findings_title="Lint delta", legend=LEGEND)  # fmt: skip
