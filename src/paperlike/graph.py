"""A picture of a neighbourhood: the query's paper, its k nearest papers, and how alike they are.

:func:`build_graph` gives the data, a :class:`~paperlike.models.Graph`: one node per paper (its
versions are one node), an edge from the query to each neighbour weighted by its score, and an
edge between two neighbours whose cosine reaches ``min_cosine``, so that clusters show.
:func:`layout` places it and :func:`render_html` draws it as one self-contained HTML page:
inline SVG, CSS and a few lines of JavaScript for the tooltips, nothing fetched when it opens.

    >>> import paperlike
    >>> index = paperlike.build_index(paperlike.read_records(paperlike.seed_paths()))
    >>> graph = build_graph(index, "FastCorrect 2", k=2)
    >>> [(n.rank, n.label.split(":")[0], n.score) for n in graph.nodes]
    [(0, 'FastCorrect 2', 1.0), (1, 'Mask the Correct Tokens', 0.3079), (2, 'SoftCorrect', 0.2527)]
    >>> [(e.source, e.target, e.weight) for e in graph.edges][2]  # two neighbours alike each other
    ('pl-fe42dd4ae64b', 'pl-45b67b78facc', 0.2908)
    >>> render_html(graph).startswith("<!DOCTYPE html>")
    True
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .citation import citation_fields
from .csr import sp, sparse
from .defaults import DEFAULT_MIN_COSINE
from .errors import OutputError
from .index import PaperIndex
from .models import Filters, Graph, GraphEdge, GraphNode, Paper

__all__ = ["DEFAULT_MIN_COSINE", "QUERY_NODE", "build_graph", "paper_url", "layout", "render_html",
           "write_html"]

QUERY_NODE = "query"  # the id of the query's node when the query is free text


# -- the data ------------------------------------------------------------------------------------

def build_graph(index: PaperIndex, query: str, k: int = 10, kind: str | None = None,
                min_cosine: float = DEFAULT_MIN_COSINE, filters: Filters | None = None,
                diverse: bool = False) -> Graph:
    """The query's paper (or text) and its k nearest papers, with the edges between them.

    The neighbours are ``similar``'s results, with the same ``filters`` and ``diverse``.
    A query edge weighs the neighbour's score; an edge between two neighbours weighs their
    cosine, the highest between any text of one and any text of the other, as a score is.
    """
    found = index.similar(query, k=k, kind=kind, filters=filters, diverse=diverse)
    read = found.query
    if read.id is None:
        head = GraphNode(id=QUERY_NODE, title=None, label=read.text, url=None, score=1.0, rank=0)
    else:
        head = _paper_node(index, index.paper_of_record(index.record_by_id(read.id)), 1.0, 0, [])
    papers = [index.paper_of_record(index.record_by_id(n.id)) for n in found.results]
    nodes = [head] + [_paper_node(index, paper, n.score, rank, n.terms)
                      for rank, (paper, n) in enumerate(zip(papers, found.results), 1)]
    edges = [GraphEdge(source=head.id, target=n.id, weight=n.score) for n in nodes[1:]]
    cosines = paper_cosines(index, papers)
    pairs = [(round(float(cosines[i, j]), 4), i, j)
             for i in range(len(papers)) for j in range(i + 1, len(papers))]
    edges += [GraphEdge(source=nodes[i + 1].id, target=nodes[j + 1].id, weight=w)
              for w, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])) if w >= min_cosine]
    return Graph(query=read, min_cosine=min_cosine, nodes=nodes, edges=edges)


def _paper_node(index: PaperIndex, paper: int, score: float, rank: int, terms: list[str]) -> GraphNode:
    records = [index.records_[r] for r in index.records_of_paper(paper)]
    head = records[0]
    category = next((r.categories[0] for r in records if r.categories), None)
    return GraphNode(id=head.id, title=head.title, label=head.label, url=paper_url(records),
                     versions=[r.id for r in records[1:]], score=score, rank=rank,
                     category=category, terms=terms)


def paper_cosines(index: PaperIndex, papers: Sequence[int]) -> np.ndarray:
    """The cosine of every two of the papers: the highest between any of their texts."""
    texts = [sorted({int(index.text_of_record_[r]) for r in index.records_of_paper(p)}) for p in papers]
    out = np.zeros((len(papers), len(papers)))
    if not papers:
        return out
    rows = sp.vstack([sparse(index.row(t)) for ts in texts for t in ts])
    owner = np.repeat(np.arange(len(papers)), [len(ts) for ts in texts])
    np.maximum.at(out, (owner[:, None], owner[None, :]), (rows @ rows.T).toarray())
    return out


def paper_url(records: Sequence[Paper]) -> str | None:
    """The arXiv abstract page of the paper whose records these are, else its doi.org link,
    else None (:func:`paperlike.citation.citation_fields`)."""
    return citation_fields(records)["url"]


# -- the layout ----------------------------------------------------------------------------------

WIDTH, HEIGHT = 820, 640
_FONT = 12.5          # label font size, px
_CHAR = 0.58 * _FONT  # a character's width, roughly, in the page's sans-serif font
_LABEL_CHARS = 26     # per label line; two lines at most


@dataclass
class Placed:
    """Where a node is drawn: its centre, its radius, and its label's lines, anchor and origin."""

    x: float
    y: float
    r: float
    lines: list[str]
    anchor: str = "start"
    lx: float = 0.0
    ly: float = 0.0


def layout(graph: Graph, width: float = WIDTH, height: float = HEIGHT) -> list[Placed]:
    """Places the nodes (in graph order): the query in the middle, each neighbour nearer to it
    the higher its score, neighbours alike each other side by side around it.

    Around the query, the neighbours go in the order that keeps the most alike next to each
    other (a greedy tour mended by 2-opt on the edges' cosines), with less room between two
    alike neighbours than between two unrelated ones. Overlapping nodes are then pushed apart,
    and each label goes on the side of its node where it covers the least.
    """
    n = len(graph.nodes) - 1
    scores = np.array([node.score for node in graph.nodes[1:]])
    placed = [Placed(width / 2, height / 2, 26.0, _label_lines(graph.nodes[0], 2 * _LABEL_CHARS))]
    if n == 0:
        _place_labels(placed, width, height, np.zeros((0, 2)))
        return placed
    spread = float(scores.max() - scores.min()) or 1.0
    nearness = (scores.max() - scores) / spread               # 0 for the best, 1 for the worst
    radius = 11 + 10 * (1 - nearness) if n > 1 else np.array([18.0])
    alike = _alike(graph)
    order = _tour(alike)
    link = np.array([alike[order[i], order[(i + 1) % n]] for i in range(n)])
    gaps = 1 - 0.5 * link / max(float(link.max()), 1e-9) if n > 1 else np.array([1.0])
    angles = np.concatenate([[0.0], np.cumsum(gaps)[:-1]]) / gaps.sum() * 2 * math.pi
    widest = int(np.argmax(gaps))  # the widest gap faces up, where the header is
    angles += -math.pi / 2 - (angles[widest] + gaps[widest] / gaps.sum() * math.pi)
    rx, ry = width / 2 - 175, height / 2 - 55
    rho = 0.4 + 0.6 * nearness
    xy = np.zeros((n + 1, 2))
    xy[0] = placed[0].x, placed[0].y
    for slot, i in enumerate(order):
        xy[i + 1] = (width / 2 + rx * rho[i] * math.cos(angles[slot]),
                     height / 2 + ry * rho[i] * math.sin(angles[slot]))
    radii = np.concatenate([[placed[0].r], radius])
    xy = _separate(xy, radii, width, height)
    placed += [Placed(float(xy[i + 1, 0]), float(xy[i + 1, 1]), float(radius[i]),
                      _label_lines(graph.nodes[i + 1], _LABEL_CHARS)) for i in range(n)]
    _place_labels(placed, width, height, _edge_points(graph, placed))
    return placed


def _edge_points(graph: Graph, placed: list[Placed]) -> np.ndarray:
    """Points every 5 px along every edge, for labels to keep off the lines."""
    where = {node.id: np.array([p.x, p.y]) for node, p in zip(graph.nodes, placed)}
    points = [np.zeros((0, 2))]
    for edge in graph.edges:
        a, b = where[edge.source], where[edge.target]
        t = np.linspace(0, 1, max(2, int(np.hypot(*(b - a)) / 5)))[:, None]
        points.append(a * (1 - t) + b * t)
    return np.concatenate(points)


def _alike(graph: Graph) -> np.ndarray:
    """The neighbours' cosines from the edges between them (0 where there is none)."""
    position = {node.id: i - 1 for i, node in enumerate(graph.nodes)}
    n = len(graph.nodes) - 1
    alike = np.zeros((n, n))
    for edge in graph.edges:
        a, b = position[edge.source], position[edge.target]
        if a >= 0 and b >= 0:
            alike[a, b] = alike[b, a] = edge.weight
    return alike


def _tour(alike: np.ndarray) -> list[int]:
    """A round trip through the neighbours with alike ones adjacent: from the best-ranked one,
    always to the most alike not yet visited (the best-ranked on ties), then 2-opt."""
    n = len(alike)
    order, left = [0], list(range(1, n))
    while left:
        nxt = max(left, key=lambda j: (alike[order[-1], j], -j))
        order.append(nxt)
        left.remove(nxt)
    improved = n > 3
    while improved:
        improved = False
        for i in range(n - 1):
            for j in range(i + 2, n if i else n - 1):
                a, b, c, d = order[i], order[i + 1], order[j], order[(j + 1) % n]
                if alike[a, c] + alike[b, d] > alike[a, b] + alike[c, d] + 1e-9:
                    order[i + 1:j + 1] = order[i + 1:j + 1][::-1]
                    improved = True
    return order


def _separate(xy: np.ndarray, radii: np.ndarray, width: float, height: float) -> np.ndarray:
    """Push overlapping nodes apart (the query's stays put) and keep them inside the frame."""
    xy = xy.copy()
    need = radii[:, None] + radii[None, :] + 16
    for _ in range(200):
        delta = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((delta ** 2).sum(-1)) + np.eye(len(xy))
        overlap = np.clip(need - dist, 0, None)
        np.fill_diagonal(overlap, 0)
        if overlap.max() < 0.5:
            break
        push = (delta / dist[..., None] * overlap[..., None] / 2).sum(1)
        push[0] = 0
        xy += push
        xy[1:, 0] = np.clip(xy[1:, 0], radii[1:] + 8, width - radii[1:] - 8)
        xy[1:, 1] = np.clip(xy[1:, 1], radii[1:] + 8, height - radii[1:] - 8)
    return xy


def short_label(node: GraphNode) -> str:
    """A paper's name for the picture: the title's part before a colon when it names the paper
    ("SoftCorrect"), else the title or the abstract's opening words."""
    head, colon, _ = node.label.partition(":")
    return head.strip() if colon and 2 <= len(head.strip()) <= 40 else node.label


def _label_lines(node: GraphNode, width: int) -> list[str]:
    """The label wrapped into at most two lines of about ``width`` characters, '…' when cut."""
    words, lines = short_label(node).split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > width and lines[-1]:
            if len(lines) == 2:
                lines[-1] = lines[-1][: width - 1].rstrip() + "…"
                return lines
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    return lines


def _place_labels(placed: list[Placed], width: float, height: float, lines: np.ndarray) -> None:
    """Each label on the side of its node (outward first) where it covers the least of the
    nodes, the labels already placed and the edges (``lines``: points along them), the query's
    first."""
    pad = [10.0] + [4.0] * (len(placed) - 1)  # the query's halo is wider
    boxes: list[tuple[float, float, float, float]] = [
        (p.x - p.r - d, p.y - p.r - d, p.x + p.r + d, p.y + p.r + d) for p, d in zip(placed, pad)]
    cx, cy = width / 2, height / 2
    for i, p in enumerate(placed):
        w = max(len(line) for line in p.lines) * _CHAR
        h = len(p.lines) * _FONT * 1.2
        dx, dy = p.x - cx, (p.y - cy) * width / height
        sides = {  # name: (anchor, x, y of the first baseline, box)
            "right": ("start", p.x + p.r + 5, p.y - h / 2 + _FONT, (p.x + p.r + 3, p.y - h / 2, p.x + p.r + 7 + w, p.y + h / 2)),
            "left": ("end", p.x - p.r - 5, p.y - h / 2 + _FONT, (p.x - p.r - 7 - w, p.y - h / 2, p.x - p.r - 3, p.y + h / 2)),
            "below": ("middle", p.x, p.y + p.r + _FONT + 2, (p.x - w / 2, p.y + p.r + 2, p.x + w / 2, p.y + p.r + 4 + h)),
            "above": ("middle", p.x, p.y - p.r - h + _FONT - 2, (p.x - w / 2, p.y - p.r - h - 4, p.x + w / 2, p.y - p.r - 2)),
        }
        if i == 0:
            preference = ["below", "above", "right", "left"]
        elif abs(dx) >= abs(dy) * 0.6:
            preference = ["right", "below", "above", "left"] if dx > 0 else ["left", "below", "above", "right"]
        else:
            preference = ["below", "right", "left", "above"] if dy > 0 else ["above", "right", "left", "below"]
        others = boxes[:i] + boxes[i + 1:]

        def cost(side: str, sides=sides, others=others, preference=preference) -> float:
            box = sides[side][3]
            outside = (max(0, -box[0]) + max(0, box[2] - width) + max(0, -box[1]) + max(0, box[3] - height))
            crossed = np.count_nonzero((lines[:, 0] > box[0]) & (lines[:, 0] < box[2])
                                       & (lines[:, 1] > box[1]) & (lines[:, 1] < box[3]))
            return (sum(_overlap(box, other) for other in others) + 50 * outside + 25 * crossed
                    + 40 * preference.index(side))

        best = min(preference, key=cost)
        p.anchor, p.lx, p.ly, box = sides[best]
        boxes.append(box)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


# -- the page ------------------------------------------------------------------------------------

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
        lines = "".join(f'<tspan x="{p.lx:.1f}" dy="{0 if i == 0 else _FONT * 1.2:.1f}">{_e(line)}</tspan>'
                        for i, line in enumerate(p.lines))
        svg.append(f'<text class="lbl{" ql" if node.rank == 0 else ""}" data-node="{_e(node.id)}" '
                   f'x="{p.lx:.1f}" y="{p.ly:.1f}" text-anchor="{p.anchor}">{lines}</text>')
    svg.append("</g></svg>")
    data = json.dumps(graph.model_dump(mode="json"), ensure_ascii=False).replace("<", "\\u003c")
    return _PAGE.format(
        title=_e(_heading(graph)), heading=_heading_html(graph), intro=_e(_intro(graph)),
        svg="\n".join(svg), legend=_legend(graph, colours), items=_list_items(graph, colours, top),
        css=_CSS, script=_SCRIPT, data=data,
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


_CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
       "Liberation Sans", sans-serif; color: var(--ink); background: #fff; }
header { padding: 14px 22px 4px; }
h1 { font-size: 19px; margin: 0 0 4px; font-weight: 600; }
h1 cite { font-style: normal; color: #111827; }
header p { margin: 0; color: var(--muted); font-size: 12.5px; max-width: 1100px; }
main { display: flex; gap: 12px; padding: 0 14px 14px; align-items: flex-start; }
figure { flex: 1 1 auto; margin: 0; min-width: 0; }
#graph { width: 100%; height: auto; max-height: calc(100vh - 110px); display: block; }
figcaption { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted);
             padding: 0 8px; }
figcaption i { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
               margin-right: 5px; vertical-align: -1px; }
figcaption i.ring { border: 2.5px solid #111827; background: #fff; }
figcaption i.stacked { background: #9aa3ae; box-shadow: 3px -3px 0 #cfd4da; }
figcaption i.line { width: 22px; height: 3px; border-radius: 2px; vertical-align: 3px; }
figcaption i.line.q { background: #64748b; }
figcaption i.line.nn { background: #ea7a1c; }
.e { stroke-linecap: round; transition: opacity .15s; }
.e.q { stroke: #64748b; }
.e.nn { stroke: #ea7a1c; }
.node { cursor: pointer; transition: opacity .15s; }
.node .dot { stroke: #fff; stroke-width: 2; }
.node .stack { stroke: #fff; stroke-width: 1.5; opacity: .5; }
.node .halo { fill: none; stroke: #111827; stroke-width: 3; }
.rank { font-size: 12px; font-weight: 700; fill: #fff; text-anchor: middle; pointer-events: none;
        paint-order: stroke; stroke: rgba(0,0,0,.25); stroke-width: 2px; }
.lbl { font-size: 12.5px; fill: #1f2937; paint-order: stroke; stroke: #fff; stroke-width: 4px;
       stroke-linejoin: round; pointer-events: none; transition: opacity .15s; }
.lbl.ql { font-weight: 700; font-size: 13.5px; }
svg.focus .e:not(.on) { opacity: .07; }
svg.focus .node:not(.on), svg.focus .lbl:not(.on) { opacity: .3; }
ol { list-style: none; margin: 0; padding: 4px 0 0; width: 350px; flex: 0 0 350px; }
li { display: flex; gap: 9px; padding: 5px 8px; border-radius: 6px; font-size: 12.5px; }
li.on { background: #f3f4f6; }
li .badge { flex: 0 0 22px; height: 22px; border-radius: 50%; color: #fff; font-weight: 700;
            font-size: 11.5px; display: flex; align-items: center; justify-content: center; }
li[data-node] > div { min-width: 0; flex: 1; }
li .t { font-weight: 600; line-height: 1.3; }
li .t a { color: inherit; text-decoration: none; }
li .t a:hover { text-decoration: underline; }
li .m { color: var(--muted); font-size: 11.5px; white-space: nowrap; overflow: hidden;
        text-overflow: ellipsis; }
li .bar { height: 3px; background: var(--line); border-radius: 2px; margin-top: 3px; }
li .bar b { display: block; height: 3px; background: #64748b; border-radius: 2px; }
#tip { position: fixed; display: none; max-width: 380px; background: #fff; border: 1px solid #d1d5db;
       border-radius: 8px; box-shadow: 0 6px 20px rgba(0,0,0,.15); padding: 9px 11px; font-size: 12.5px;
       z-index: 10; }
#tip .t { font-weight: 600; margin-bottom: 3px; }
#tip .m { color: var(--muted); margin-top: 2px; }
#tip a { color: #2563eb; word-break: break-all; }
@media (max-width: 900px) { main { flex-direction: column; } ol { width: 100%; flex: none; } }
"""

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('graph-data').textContent);
  var nodes = {}; data.nodes.forEach(function (n) { nodes[n.id] = n; });
  var svg = document.getElementById('graph'), tip = document.getElementById('tip'), timer = null;
  function add(parent, tag, cls, text) {
    var el = document.createElement(tag); if (cls) el.className = cls;
    if (text) el.textContent = text; parent.appendChild(el); return el;
  }
  function focus(id) {
    var near = {}; near[id] = true;
    svg.querySelectorAll('.e').forEach(function (e) {
      var on = e.dataset.a === id || e.dataset.b === id;
      e.classList.toggle('on', on); if (on) { near[e.dataset.a] = true; near[e.dataset.b] = true; }
    });
    document.querySelectorAll('[data-node]').forEach(function (el) {
      el.classList.toggle('on', !!near[el.dataset.node] && (el.tagName !== 'LI' || el.dataset.node === id));
    });
    svg.classList.add('focus');
  }
  function unfocus() {
    svg.classList.remove('focus');
    document.querySelectorAll('.on').forEach(function (el) { el.classList.remove('on'); });
  }
  function show(id, x, y) {
    var n = nodes[id]; clearTimeout(timer); tip.textContent = '';
    add(tip, 'div', 't', n.title || n.label);
    add(tip, 'div', 'm', (n.rank ? 'neighbour ' + n.rank + ', cosine ' + n.score.toFixed(3) : 'the query') +
        (n.category ? ' · ' + n.category : ''));
    if (n.terms.length) add(tip, 'div', 'm', 'shares: ' + n.terms.join(', '));
    add(tip, 'div', 'm', n.versions.length ? 'versions: ' + [n.id].concat(n.versions).join(', ')
                                           : 'record ' + n.id);
    if (n.url) { var a = add(add(tip, 'div', 'm'), 'a', '', n.url); a.href = n.url; a.target = '_blank'; a.rel = 'noopener'; }
    tip.style.display = 'block';
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(x + 14, innerWidth - w - 8)) + 'px';
    tip.style.top = Math.max(4, Math.min(y + 14, innerHeight - h - 8)) + 'px';
  }
  function hide() { timer = setTimeout(function () { tip.style.display = 'none'; unfocus(); }, 250); }
  document.querySelectorAll('.node, li[data-node]').forEach(function (el) {
    var title = el.querySelector(':scope > title'); if (title) title.remove();
    el.addEventListener('mouseenter', function (ev) {
      focus(el.dataset.node);
      if (el.tagName !== 'LI') show(el.dataset.node, ev.clientX, ev.clientY);
    });
    el.addEventListener('mouseleave', el.tagName === 'LI' ? unfocus : hide);
  });
  tip.addEventListener('mouseenter', function () { clearTimeout(timer); });
  tip.addEventListener('mouseleave', hide);
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="paperlike graph">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>{heading}</h1><p>{intro}</p></header>
<main>
<figure>
{svg}
<figcaption>{legend}</figcaption>
</figure>
<ol>
{items}
</ol>
</main>
<div id="tip" role="tooltip"></div>
<script type="application/json" id="graph-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""


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
