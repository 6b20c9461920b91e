"""A picture of a neighbourhood: the query's paper, its k nearest papers, and how alike they are.

:func:`build_graph` gives the data, a :class:`~paperlike.results.Graph`: one node per paper (its
versions are one node), an edge from the query to each neighbour weighted by its score, and an
edge between two neighbours whose cosine reaches ``min_cosine``, so that clusters show.
:func:`layout` places it and :func:`render_html` draws it as one self-contained HTML page:
inline SVG, CSS and a few lines of JavaScript for the tooltips, nothing fetched when it opens.
The three are modules of their own: :mod:`.data`, :mod:`.layout` and :mod:`.render` (the
page's frame, style sheet and script are package files under ``paperlike/templates``).

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

from ..defaults import DEFAULT_MIN_COSINE
from .data import QUERY_NODE, build_graph, paper_url
from .layout import HEIGHT, WIDTH, layout
from .render import render_html, write_html

__all__ = ["DEFAULT_MIN_COSINE", "QUERY_NODE", "build_graph", "paper_url", "layout", "render_html",
           "write_html", "WIDTH", "HEIGHT"]
