"""Exact all-pairs cosine join: every pair of rows whose cosine reaches a threshold t.

No all-against-all product. The most frequent terms F are set aside and the sparse product runs
over the remaining, rarer terms only; what F could add to a pair is bounded by Cauchy-Schwarz,
``x_F . y_F <= |x_F| |y_F|`` (bound-based pruning of frequent terms, in the spirit of the
all-pairs similarity search literature: Bayardo et al. 2007). A pair sharing no rare term can
reach t only if both rows have ``|x_F| >= t``; those few "heavy" rows are joined among
themselves directly. Every surviving candidate's exact cosine is computed, so no pair is lost
and none is approximated.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["pairs_above"]

# Rows are joined in chunks whose product has at most about this many terms (memory: ~12 bytes
# each), so the peak does not grow with the corpus.
_PRODUCTS_PER_CHUNK = 1 << 24
# Frequent terms are set aside while no more than this share of rows becomes "heavy".
_HEAVY_SHARE = 0.1


def _frequent_terms(X: sp.csr_matrix, threshold: float) -> np.ndarray:
    """A mask of the most frequent terms that can be set aside keeping few heavy rows."""
    df = np.bincount(X.indices, minlength=X.shape[1])
    order = np.argsort(-df, kind="stable")
    rank = np.empty(X.shape[1], dtype=np.int32)
    rank[order] = np.arange(X.shape[1], dtype=np.int32)
    rank_of_entry = rank[X.indices]
    row_of_entry = np.repeat(np.arange(X.shape[0], dtype=np.int32), np.diff(X.indptr))
    budget = max(16, int(_HEAVY_SHARE * X.shape[0]))
    norms_sq = np.zeros(X.shape[0])
    taken, step = 0, 8
    while taken < X.shape[1] and df[order[taken]] > 1:
        added = np.flatnonzero((rank_of_entry >= taken) & (rank_of_entry < taken + step))
        grown = norms_sq + np.bincount(row_of_entry[added], X.data[added].astype(np.float64) ** 2,
                                       minlength=X.shape[0])
        if np.count_nonzero(grown >= threshold * threshold) > budget:
            break
        norms_sq, taken, step = grown, taken + step, step * 2
    frequent = np.zeros(X.shape[1], dtype=bool)
    frequent[order[:taken]] = True
    return frequent


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    total = np.concatenate([[0.0], np.cumsum(values)])
    return total[indptr[1:]] - total[indptr[:-1]]


def _exact(X: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact cosine of each (row, col) pair of L2-normalised rows."""
    out = np.zeros(len(rows), dtype=np.float32)
    for start in range(0, len(rows), 1 << 16):
        r, c = rows[start:start + (1 << 16)], cols[start:start + (1 << 16)]
        out[start:start + len(r)] = np.asarray(X[r].multiply(X[c]).sum(axis=1)).ravel()
    return out


def _split(X: sp.csr_matrix, frequent: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """X's entries of the other terms, and of the frequent terms: two matrices, no copy beyond."""
    out = []
    common = frequent[X.indices]
    for keep in (~common, common):
        kept = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        out.append(sp.csr_matrix((X.data[keep], X.indices[keep], kept[X.indptr]), shape=X.shape))
    return out[0], out[1]


def _chunks(rare: sp.csr_matrix, rare_T: sp.csr_matrix) -> list[tuple[int, int]]:
    """Row ranges whose product with rare_T has about _PRODUCTS_PER_CHUNK terms at most."""
    df = np.diff(rare_T.indptr).astype(np.float64)
    cost = _row_sums(df[rare.indices], rare.indptr)
    bounds = np.searchsorted(np.cumsum(cost), np.arange(_PRODUCTS_PER_CHUNK, cost.sum() + _PRODUCTS_PER_CHUNK,
                                                         _PRODUCTS_PER_CHUNK), side="right")
    edges = sorted({0, rare.shape[0], *np.clip(bounds, 1, rare.shape[0]).tolist()})
    return list(zip(edges[:-1], edges[1:]))


def pairs_above(X: sp.csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of L2-normalised rows with cosine >= threshold, and their cosines."""
    X = sp.csr_matrix(X, dtype=np.float32)
    t = threshold - 1e-6
    frequent = _frequent_terms(X, threshold)
    rare, common = _split(X, frequent)
    common_norm = np.sqrt(_row_sums(common.data.astype(np.float64) ** 2, common.indptr))
    del common
    rare_T = rare.T.tocsr()
    found_i, found_j = [], []
    for start, end in _chunks(rare, rare_T):
        block = (rare[start:end] @ rare_T).tocoo()
        i, j = block.row.astype(np.int64) + start, block.col.astype(np.int64)
        hit = (i < j) & (block.data + common_norm[i] * common_norm[j] >= t)
        found_i.append(i[hit])
        found_j.append(j[hit])
        del block, i, j
    heavy = np.flatnonzero(common_norm >= t)
    if len(heavy) > 1:
        # Heavy rows share the frequent terms, so their product is nearly dense: in row chunks.
        H = X[heavy]
        HT = H.T.tocsr()
        rows = max(1, _PRODUCTS_PER_CHUNK // len(heavy))
        for start in range(0, len(heavy), rows):
            block = (H[start:start + rows] @ HT).tocoo()
            r = block.row.astype(np.int64) + start
            hit = (r < block.col) & (block.data >= t)
            found_i.append(heavy[r[hit]])
            found_j.append(heavy[block.col[hit]])
            del block, r
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    keys = np.unique(i * X.shape[0] + j)
    i, j = keys // X.shape[0], keys % X.shape[0]
    cosine = _exact(X, i, j)
    hit = cosine >= t
    return i[hit], j[hit], cosine[hit]
