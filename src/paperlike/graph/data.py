"""The data of a neighbourhood's picture: the query's paper (or text), its k nearest papers as
nodes (a paper's versions are one node), and edges weighted by how alike they are."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..citation import citation_fields
from ..csr import sp, sparse
from ..defaults import DEFAULT_MIN_COSINE
from ..index import PaperIndex
from ..records import Record
from ..requests import Filters
from ..results import Graph, GraphEdge, GraphNode

QUERY_NODE = "query"  # the id of the query's node when the query is free text


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


def paper_url(records: Sequence[Record]) -> str | None:
    """The arXiv abstract page of the paper whose records these are, else its doi.org link,
    else None (:func:`paperlike.citation.citation_fields`)."""
    return citation_fields(records)["url"]
