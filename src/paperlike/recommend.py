"""A reading list as the query, and diverse results.

Each entry of a list (ids, titles, records: :mod:`paperlike.listfiles` reads files of them) is
found in the index or used by its own text; the liked papers' centroid less the disliked ones'
(Rocchio) is scored like any query, exactly and explained by its shared terms. ``--diverse``
re-ranks by maximal marginal relevance. Both, and how they were measured: docs/ranking.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .csr import sp, sparse
from .errors import QueryError
from .identifiers import arxiv_id, base_id, doi
from .records import Record, Skipped
from .results import ListItem

__all__ = ["ROCCHIO_NEGATIVE", "MMR_LAMBDA", "MMR_POOL", "METHODS", "entries_of", "Resolved",
           "resolve_items", "list_vector", "svm_scores", "diverse_order"]

# centroid: exact and fast (an inverted-index query); svm: arxiv-sanity's per-list classifier,
# better on held-out papers of one author, at seconds a list, growing with the corpus
# (benchmarks/RESULTS.md, "Combining a reading list").
METHODS = ("centroid", "svm")

# How much the disliked papers' centroid is subtracted (Rocchio's gamma, as in SMART): the best of
# 0, 0.25, 0.5 and 1 as relevance feedback on 288 author lists, though within noise of 0.25 and 1
# (benchmarks/RESULTS.md, "The weight of disliked papers").
ROCCHIO_NEGATIVE = 0.5
# Relevance against novelty in maximal marginal relevance (1.0 would be plain ranking): equal
# weights, as cosines to the query and between results are on one scale.
MMR_LAMBDA = 0.5
# How many of the best candidates MMR chooses among, per result asked for.
MMR_POOL = 10


def entries_of(items: Iterable[str | Record | tuple[str, str | Record | Skipped]]
               ) -> list[tuple[str, str | Record | Skipped]]:
    """Each reading-list entry as (how it was given, an id/title string or a record): a string
    is an id or a title (never a path: :func:`paperlike.listfiles.expand_items` reads files), a
    record is used as it is, and a pair is already so (a file's record, or one skipped)."""
    out: list[tuple[str, str | Record | Skipped]] = []
    for item in items:
        if isinstance(item, tuple):
            out.append(item)
        elif isinstance(item, Record):
            out.append((item.id, item))
        else:
            out.append((str(item), str(item)))
    return out


class Resolved:
    """Reading-list entries resolved against an index: the report, the papers found, and the
    TF-IDF rows of the entries used by their own text."""

    def __init__(self) -> None:
        self.items: list[ListItem] = []
        self.papers: list[int] = []
        self.external: list[sp.csr_matrix] = []

    def rows(self, index) -> list[sp.csr_matrix]:
        return [index.vector_of_paper(p) for p in dict.fromkeys(self.papers)] + self.external


def resolve_items(index, entries: Sequence[tuple[str, str | Record | Skipped]], role: str) -> Resolved:
    """Find each entry in the index; see :class:`paperlike.results.ListItem` for the statuses."""
    out = Resolved()
    for given, entry in entries:
        if isinstance(entry, Skipped):
            out.items.append(ListItem(given=given, role=role, status="unknown", reason=entry.reason))
            continue
        paper, record = _find(index, entry)
        if paper is not None:
            head = index.records_[index.canonical_record(paper)]
            out.papers.append(paper)
            out.items.append(ListItem(given=given, role=role, status="paper", id=head.id, title=head.title))
        elif record is not None and role != "exclude":
            vector = index.vectorizer.transform([record])
            status = "external" if vector.nnz else "unknown"
            if vector.nnz:
                out.external.append(vector)
            out.items.append(ListItem(given=given, role=role, status=status, id=record.id, title=record.title,
                                      reason=None if vector.nnz else "no word of it is in the model's vocabulary"))
        else:
            out.items.append(ListItem(given=given, role=role, status="unknown",
                                      id=record.id if record else None, title=record.title if record else None,
                                      reason="not found in the model"))
    return out


def _find(index, entry: str | Record) -> tuple[int | None, Record | None]:
    """The paper an entry names (or is a version of), and the record it came as, if any."""
    if isinstance(entry, Record):
        # Only ids that mean the same paper everywhere: a CSV's own "17" may be another's 17.
        own = base_id(entry.id)
        found = index.record_by_id(own) if arxiv_id(own) or doi(own) or own.startswith("pl-") else None
        if found is not None:
            return index.paper_of_record(found), entry
        result = index.check(entry)
        if result.match is not None:
            return index.paper_of_record(index.record_by_id(result.match.paper)), entry
        return None, entry
    try:
        _, paper, _ = index.resolve(entry)
    except QueryError:
        return None, None
    return paper, None


def list_vector(likes: Sequence[sp.csr_matrix], dislikes: Sequence[sp.csr_matrix],
                negative: float = ROCCHIO_NEGATIVE) -> sp.csr_matrix:
    """Rocchio's query: the liked rows' centroid less ``negative`` (``ROCCHIO_NEGATIVE``) times
    the disliked rows' centroid, negative weights dropped, L2-normalised."""
    if not likes:
        raise QueryError("none of the liked papers was found in the model or has known words",
                         hint="give ids or titles from 'paperlike papers', or files of records",
                         http_hint="give ids or titles of papers in the model, or records")
    query = sp.vstack([sparse(row) for row in likes]).mean(axis=0)
    if dislikes:
        query = query - negative * sp.vstack([sparse(row) for row in dislikes]).mean(axis=0)
    query = np.asarray(query, dtype=np.float32).ravel()
    query[query < 0] = 0
    norm = float(np.linalg.norm(query))
    if norm == 0:
        raise QueryError("the disliked papers cancel every word of the liked ones",
                         hint="drop some of --not", http_hint="drop some of the 'not' entries")
    return sp.csr_matrix(query / norm)


def svm_scores(X: sp.csr_matrix, positive_texts: Sequence[int], extra_rows: Sequence[sp.csr_matrix],
               negative_texts: Sequence[int] = ()) -> tuple[np.ndarray, sp.csr_matrix]:
    """arxiv-sanity's recipe: a linear SVM with the list's papers positive and every other text
    negative; each text's decision value (shifted to be positive) and the weights, as a sparse
    row of the terms that pull a paper up (what explains a result)."""
    from sklearn.svm import LinearSVC

    y = np.zeros(X.shape[0] + len(extra_rows), dtype=np.int8)
    y[list(positive_texts)] = 1
    y[X.shape[0]:] = 1
    weight = np.ones(len(y))
    weight[list(negative_texts)] = 2.0  # a disliked paper counts as two ordinary negatives
    train = sp.vstack([X, *extra_rows], format="csr") if extra_rows else X
    clf = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.01)
    clf.fit(train, y, sample_weight=weight)
    decision = np.asarray(X @ clf.coef_.ravel().astype(np.float32)) + float(clf.intercept_[0])
    scores = (decision - decision.min() + 1e-6).astype(np.float32)
    coef = clf.coef_.ravel().astype(np.float32)
    coef[coef < 0] = 0
    return scores, sp.csr_matrix(coef)


def diverse_order(candidates: np.ndarray, relevance: np.ndarray, rows: sp.csr_matrix, k: int,
                  weight: float = MMR_LAMBDA) -> list[int]:
    """Positions in ``candidates`` chosen by maximal marginal relevance, in order of choice.

    ``rows`` are the candidates' L2-normalised TF-IDF rows: their dot products are the
    similarities between candidates.
    """
    similarity = (rows @ rows.T).toarray()
    chosen: list[int] = []
    redundancy = np.zeros(len(candidates), dtype=np.float64)
    available = np.ones(len(candidates), dtype=bool)
    for _ in range(min(k, len(candidates))):
        gain = np.where(available, weight * relevance - (1 - weight) * redundancy, -np.inf)
        best = int(np.argmax(gain))
        chosen.append(best)
        available[best] = False
        redundancy = np.maximum(redundancy, similarity[best])
    return chosen
