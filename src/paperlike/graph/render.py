"""A neighbourhood's picture as one self-contained HTML page: inline SVG, CSS and a few lines of
JavaScript for the tooltips, nothing fetched when it opens.

The page's frame, style sheet and script are package files (``paperlike/templates/graph.html``,
``graph.css``, ``graph.js``); this module fills the frame with the graph's SVG, list and data.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import OutputError
from ..results import Graph, GraphNode
from .layout import FONT, HEIGHT, WIDTH, Placed, layout


@cache
def _template(name: str) -> str:
    """A file of the page (package data under ``paperlike/templates``)."""
    return (resources.files("paperlike") / "templates" / name).read_text(encoding="utf-8")


PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948",
           "#ff9da7", "#9c755f", "#8cd17d"]
NO_CATEGORY = "#9aa3ae"


def category_colours(graph: Graph) -> dict[str | None, str]:
    """A colour per category, the most frequent first; grey for none and beyond the palette."""
    counts = Counter(node.category for node in graph.nodes if node.category)
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    colours: dict[str | None, str] = dict(zip(ranked, PALETTE))
    return {c: colours.get(c, NO_CATEGORY) for c in [*ranked, None]}


def render_html(graph: Graph) -> str:
    """The graph as one HTML page that needs nothing else to open: no script, style sheet or
    font is loaded from anywhere; the papers' own links are links only."""
    placed = layout(graph)
    colours = category_colours(graph)
    where = {node.id: p for node, p in zip(graph.nodes, placed)}
    query_id = graph.nodes[0].id
    top = max((n.score for n in graph.nodes[1:]), default=1.0) or 1.0
    heaviest = max((e.weight for e in graph.edges), default=1.0) or 1.0
    svg = [f'<svg id="graph" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
           f'aria-label="{_e(_heading(graph))}">']
    svg.append('<g class="edges">')
    for edge in sorted(graph.edges, key=lambda e: (e.source == query_id, e.weight)):
        a, b = where[edge.source], where[edge.target]
        kind = "q" if edge.source == query_id else "nn"
        width = 1 + 6 * edge.weight / heaviest
        opacity = 0.3 + 0.6 * edge.weight / heaviest
        svg.append(f'<line class="e {kind}" data-a="{_e(edge.source)}" data-b="{_e(edge.target)}" '
                   f'x1="{a.x:.1f}" y1="{a.y:.1f}" x2="{b.x:.1f}" y2="{b.y:.1f}" '
                   f'stroke-width="{width:.2f}" stroke-opacity="{opacity:.2f}">'
                   f'<title>cosine {edge.weight:.3f}</title></line>')
    svg.append('</g><g class="nodes">')
    for node, p in zip(graph.nodes, placed):
        svg.append(_node_svg(node, p, colours[node.category]))
    svg.append('</g><g class="labels">')
    for node, p in zip(graph.nodes, placed):
        lines = "".join(f'<tspan x="{p.lx:.1f}" dy="{0 if i == 0 else FONT * 1.2:.1f}">{_e(line)}</tspan>'
                        for i, line in enumerate(p.lines))
        svg.append(f'<text class="lbl{" ql" if node.rank == 0 else ""}" data-node="{_e(node.id)}" '
                   f'x="{p.lx:.1f}" y="{p.ly:.1f}" text-anchor="{p.anchor}">{lines}</text>')
    svg.append("</g></svg>")
    data = json.dumps(graph.model_dump(mode="json"), ensure_ascii=False).replace("<", "\\u003c")
    return _template("graph.html").format(
        title=_e(_heading(graph)), heading=_heading_html(graph), intro=_e(_intro(graph)),
        svg="\n".join(svg), legend=_legend(graph, colours), items=_list_items(graph, colours, top),
        css=_template("graph.css"), script=_template("graph.js"), data=data,
    )


def _node_svg(node: GraphNode, p: Placed, colour: str) -> str:
    parts = []
    step = max(4.0, 0.3 * p.r)
    for shift in (2 * step, step)[2 - min(2, len(node.versions)):]:  # a stack: one disc a version, two at most
        parts.append(f'<circle class="stack" cx="{p.x + shift:.1f}" cy="{p.y - shift:.1f}" '
                     f'r="{p.r:.1f}" fill="{colour}"/>')
    if node.rank == 0:
        parts.append(f'<circle class="halo" cx="{p.x:.1f}" cy="{p.y:.1f}" r="{p.r + 5:.1f}"/>')
    parts.append(f'<circle class="dot" cx="{p.x:.1f}" cy="{p.y:.1f}" r="{p.r:.1f}" fill="{colour}"/>')
    mark = "Q" if node.rank == 0 else str(node.rank)
    parts.append(f'<text class="rank" x="{p.x:.1f}" y="{p.y + 4.5:.1f}">{mark}</text>')
    versions = f" (+{len(node.versions)} versions)" if node.versions else ""
    parts.append(f"<title>{_e(node.label)}\n{_e(node.id)}{versions}, cosine {node.score:.3f}</title>")
    tag = (f'<a class="node" data-node="{_e(node.id)}" href="{_e(node.url)}" target="_blank" rel="noopener">'
           if node.url else f'<g class="node" data-node="{_e(node.id)}">')
    return tag + "".join(parts) + ("</a>" if node.url else "</g>")


def _heading(graph: Graph) -> str:
    return f"Papers like {_named(graph)}"


def _heading_html(graph: Graph) -> str:
    return f"Papers like <cite>{_e(_named(graph))}</cite>"


def _named(graph: Graph) -> str:
    q = graph.query
    if q.id:
        return q.title or q.id
    return f"the text “{q.text if len(q.text) <= 150 else q.text[:149].rstrip() + '…'}”"


def _intro(graph: Graph) -> str:
    n = len(graph.nodes) - 1
    return (f"The query (Q) and its {n} nearest papers by TF-IDF cosine of titles and abstracts. "
            "The nearer the middle and the larger, the more like the query; grey lines weigh that "
            f"likeness, orange lines join two neighbours alike each other (cosine ≥ {graph.min_cosine:g}). "
            "A stacked disc is a paper with several versions. Hover a paper for its details; "
            "click it for its page.")


def _legend(graph: Graph, colours: dict[str | None, str]) -> str:
    used = {node.category for node in graph.nodes}
    items = [f'<span><i style="background:{colour}"></i>{_e(category or "no category")}</span>'
             for category, colour in colours.items() if category in used]
    items += ['<span><i class="ring"></i>the query</span>',
              '<span><i class="stacked"></i>several versions</span>',
              '<span><i class="line q"></i>like the query</span>',
              f'<span><i class="line nn"></i>alike each other (≥ {graph.min_cosine:g})</span>']
    return "".join(items)


def _list_items(graph: Graph, colours: dict[str | None, str], top: float) -> str:
    rows = []
    for node in graph.nodes:
        title = _e(node.title or node.label)
        if node.url:
            title = f'<a href="{_e(node.url)}" target="_blank" rel="noopener">{title}</a>'
        facts = [f"{node.score:.3f}" if node.rank else "query", _e(node.id)]
        if node.versions:
            facts.append(f"+{len(node.versions)} version{'s' if len(node.versions) > 1 else ''}")
        bar = f'<b style="width:{100 * min(1.0, node.score / top):.0f}%"></b>' if node.rank else ""
        rows.append(
            f'<li data-node="{_e(node.id)}"><span class="badge" style="background:{colours[node.category]}">'
            f'{node.rank or "Q"}</span><div><div class="t">{title}</div>'
            f'<div class="m">{" · ".join(facts)}</div><div class="bar">{bar}</div></div></li>')
    return "\n".join(rows)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)



def write_html(graph: Graph, path: str | Path) -> Path:
    """Write the graph's page atomically: the file is whole or not there (or the old one)."""
    target = Path(path)
    text = render_html(graph)
    try:
        fd, staging = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write there: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(staging, 0o644)
        os.replace(staging, target)
    except OSError as exc:
        Path(staging).unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write there: {exc.strerror or exc}") from None
    return target
