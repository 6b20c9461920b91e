"""A reading list as the query, and diverse results.

A reading list is ids, titles, files of records (any input format), or a plain file of ids and
titles, one per line. Each entry is found in the index (by id, title, or as a version of a known
paper) or, for a record read from a file, used by its own text. The liked papers' TF-IDF rows are
averaged (a centroid) and the disliked ones' average is subtracted (Rocchio's formula), and the
result is scored like any query: exact, through the inverted index, and explained by the terms
it shares with each result. benchmarks/recommend_choice.py measures the centroid against
scoring each liked paper separately and against arxiv-sanity's per-query linear SVM.

``--diverse`` re-ranks the best candidates by maximal marginal relevance (Carbonell and
Goldstein, 1998): each next result is the one most like the query and least like the results
already chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .csr import sp, sparse
from .errors import InputError, QueryError
from .identifiers import arxiv_id, doi
from .models import ListItem, Paper, Skipped
from .sources import MAX_RECORD_BYTES, read_records

__all__ = ["ROCCHIO_NEGATIVE", "MMR_LAMBDA", "MMR_POOL", "METHODS", "expand_items", "Resolved",
           "resolve_items", "list_vector", "svm_scores", "diverse_order"]

# centroid: exact and fast (an inverted-index query); svm: arxiv-sanity's per-list classifier,
# better on held-out papers of one author (recall@10 0.112 against 0.083) at ~2 s a list on
# 40k papers, growing with the corpus (benchmarks/RESULTS.md, "Combining a reading list").
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


def expand_items(items: Iterable[str | Path | Paper], files: bool = True,
                 max_record_bytes: int = MAX_RECORD_BYTES) -> list[tuple[str, str | Paper | Skipped]]:
    """Each reading-list entry as (how it was given, an id/title string or a record).

    A path to a file of records gives its records, and its malformed records as Skipped (they
    are reported, not used); a file in no known format is read as a plain list, one id or title
    per line (blank lines and ``#`` comments skipped). A string that names a missing file
    (``list.bib``) is an InputError. With ``files`` false (a service answering requests) no
    string is ever read as a path. A record of a file over ``max_record_bytes`` is skipped
    as malformed.
    """
    out: list[tuple[str, str | Paper | Skipped]] = []
    for item in items:
        if isinstance(item, Paper):
            out.append((item.id, item))
            continue
        path = Path(item)
        if files and (isinstance(item, Path) or (len(str(item)) < 4096 and path.is_file())):
            out.extend(_file_items(path, max_record_bytes))
        elif files and _names_a_file(str(item)):
            raise InputError(f"{item}: no such file; check the path (or give the paper's id or title)")
        else:
            out.append((str(item), str(item)))
    return out


# What a reading list's file is called; a string ending so, with no space in it, is a path that
# was mistyped, not a title (a DOI or an arXiv id never ends so).
FILE_SUFFIXES = (".bib", ".bibtex", ".ris", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt", ".gz", ".sqlite")


def _names_a_file(item: str) -> bool:
    return not any(c.isspace() for c in item) and item.lower().endswith(FILE_SUFFIXES)


def _file_items(path: Path, max_record_bytes: int) -> list[tuple[str, Paper | Skipped]]:
    """A file's records, and its malformed records (reported, not used), in file order."""
    try:
        corpus = read_records([path], max_record_bytes=max_record_bytes)
    except InputError as exc:
        if "unknown format" not in str(exc):
            raise
        return _plain_list(path)
    entries = [(r.source.line if r.source else 0, f"{r.source.path}:{r.source.line}" if r.source else r.id, r)
               for r in corpus.records]
    entries += [(bad.line, f"{bad.path}:{bad.line}", bad) for bad in corpus.skipped]
    return [(given, entry) for _, given, entry in sorted(entries, key=lambda e: e[0])]


def _plain_list(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; convert it to UTF-8") from None
    return [(line.strip(), line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]


class Resolved:
    """Reading-list entries resolved against an index: the report, the papers found, and the
    TF-IDF rows of the entries used by their own text."""

    def __init__(self) -> None:
        self.items: list[ListItem] = []
        self.papers: list[int] = []
        self.external: list[sp.csr_matrix] = []

    def rows(self, index) -> list[sp.csr_matrix]:
        return [index.vector_of_paper(p) for p in dict.fromkeys(self.papers)] + self.external


def resolve_items(index, entries: Sequence[tuple[str, str | Paper | Skipped]], role: str) -> Resolved:
    """Find each entry in the index; see :class:`paperlike.models.ListItem` for the statuses."""
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


def _find(index, entry: str | Paper) -> tuple[int | None, Paper | None]:
    """The paper an entry names (or is a version of), and the record it came as, if any."""
    if isinstance(entry, Paper):
        # Only ids that mean the same paper everywhere: a CSV's own "17" may be another's 17.
        own = entry.id.split("#", 1)[0]
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
