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

_ROWS_PER_CHUNK = 4096
# Frequent terms are set aside while no more than this share of rows becomes "heavy".
_HEAVY_SHARE = 0.1


def _frequent_terms(X: sp.csr_matrix, threshold: float) -> np.ndarray:
    """A mask of the most frequent terms that can be set aside keeping few heavy rows."""
    df = np.bincount(X.indices, minlength=X.shape[1])
    order = np.argsort(-df, kind="stable")
    budget = max(16, int(_HEAVY_SHARE * X.shape[0]))
    squared = X.multiply(X).tocsc()
    norms_sq = np.zeros(X.shape[0])
    frequent = np.zeros(X.shape[1], dtype=bool)
    start, step = 0, 8
    while start < X.shape[1] and df[order[start]] > 1:
        chunk = order[start:start + step]
        grown = norms_sq + np.asarray(squared[:, chunk].sum(axis=1)).ravel()
        if np.count_nonzero(grown >= threshold * threshold) > budget:
            break
        norms_sq, frequent[chunk] = grown, True
        start, step = start + step, step * 2
    return frequent


def _exact(X: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact cosine of each (row, col) pair of L2-normalised rows."""
    out = np.zeros(len(rows), dtype=np.float32)
    for start in range(0, len(rows), 1 << 16):
        r, c = rows[start:start + (1 << 16)], cols[start:start + (1 << 16)]
        out[start:start + len(r)] = np.asarray(X[r].multiply(X[c]).sum(axis=1)).ravel()
    return out


def _restrict(X: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    part = (X @ sp.diags(columns.astype(np.float32))).tocsr()
    part.eliminate_zeros()
    return part


def pairs_above(X: sp.csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of L2-normalised rows with cosine >= threshold, and their cosines."""
    X = sp.csr_matrix(X, dtype=np.float32)
    t = threshold - 1e-6
    frequent = _frequent_terms(X, threshold)
    rare, common = _restrict(X, ~frequent), _restrict(X, frequent)
    rare_T = rare.T.tocsr()
    common_norm = np.sqrt(np.asarray(common.multiply(common).sum(axis=1)).ravel())
    found_i, found_j = [], []
    for start in range(0, X.shape[0], _ROWS_PER_CHUNK):
        block = (rare[start:start + _ROWS_PER_CHUNK] @ rare_T).tocoo()
        i, j = block.row.astype(np.int64) + start, block.col.astype(np.int64)
        hit = (i < j) & (block.data + common_norm[i] * common_norm[j] >= t)
        found_i.append(i[hit])
        found_j.append(j[hit])
    heavy = np.flatnonzero(common_norm >= t)
    if len(heavy) > 1:
        block = (X[heavy] @ X[heavy].T).tocoo()
        hit = (block.row < block.col) & (block.data >= t)
        found_i.append(heavy[block.row[hit]])
        found_j.append(heavy[block.col[hit]])
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    keys = np.unique(i * X.shape[0] + j)
    i, j = keys // X.shape[0], keys % X.shape[0]
    cosine = _exact(X, i, j)
    hit = cosine >= t
    return i[hit], j[hit], cosine[hit]
