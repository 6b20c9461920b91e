"""The inverted-index walk: a query's score for every text from its terms' posting lists alone.

The index is the transposed TF-IDF matrix ``XT`` (terms x texts, CSR), so a term's postings are
one contiguous slice of ``XT.indices`` and of a data array aligned with them; the walk adds
``weight * value`` of every posting of every query term into one array of scores, without
copying the postings out (:func:`_walk_direct`), in two threads on long lists (:func:`walk`). The kernel is scipy's
private ``_sparsetools.csc_matvec``, loaded without importing scipy.sparse
(:func:`paperlike.csr.kernels`: a query does no other sparse algebra).
"""

from __future__ import annotations

import numpy as np

from .csr import Rows, kernels, sp
from .parallel import two_at_a_time

__all__ = ["walk", "direct_kernel"]

SPLIT_POSTINGS = 200_000  # below this, handing half to a thread costs more than it saves

_kernel_ok: bool | None = None


def walk(XT: sp.csr_matrix, data: np.ndarray, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``sum over i of weights[i] * data[postings of terms[i]]`` for every text (float32), with
    ``data`` aligned with ``XT.indices`` (``XT.data`` itself, or another array of that layout).
    ``terms`` must be distinct.

    Posting lists of over ``SPLIT_POSTINGS`` in all are split in two halves of the terms, summed
    by two threads (the kernel releases the GIL). The halves are the same with one thread
    (``PAPERLIKE_JOBS=1``, :func:`paperlike.parallel.one_thread`), so the sums, and the answers,
    do not depend on how many threads made them.
    """
    terms = np.asarray(terms, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float32)
    if len(terms) == 0:
        return np.zeros(XT.shape[1], dtype=np.float32)
    indptr = np.asarray(XT.indptr)
    if not direct_kernel() or int(indptr[-1]) > np.iinfo(np.asarray(XT.indices).dtype).max:
        return _walk_copying(XT, data, terms, weights)
    lengths = (indptr[terms + 1] - indptr[terms]).astype(np.int64)
    if int(lengths.sum()) < SPLIT_POSTINGS or len(terms) == 1:
        return _walk_direct(XT, data, terms, weights)
    # Split by the data alone, threads or not, so that every answer sums in the same order.
    cut = int(np.searchsorted(np.cumsum(lengths), lengths.sum() / 2)) + 1
    cut = min(max(cut, 1), len(terms) - 1)
    first, second = two_at_a_time(lambda part: _walk_direct(XT, data, *part),
                                  [(terms[:cut], weights[:cut]), (terms[cut:], weights[cut:])])
    first += second
    return first


def direct_kernel() -> bool:
    """Whether scipy's compiled kernel is there and gives the plain sum's answer: the public
    (copying) path is used where it is missing or disagrees, with the same results."""
    global _kernel_ok
    if _kernel_ok is None:
        _kernel_ok = _kernel_agrees()
    return _kernel_ok


def _walk_direct(XT: sp.csr_matrix, data: np.ndarray, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The walk in scipy's compiled CSC mat-vec kernel, on the index's own arrays.

    On a large index an id query touches millions of postings, and copying them out before
    summing (scipy's row indexing, or concatenating the slices) costs more than the summing. So
    the kernel is handed a column pointer made of the query terms' slices, interleaved with
    empty "gap" columns (the terms are visited in decreasing order, so each gap's start lies
    after its end and the kernel's loop over it is empty). Both this and the split of
    :func:`walk` are measured in benchmarks/RESULTS.md ("Design measurements").
    """
    order = np.argsort(-terms, kind="stable")
    terms, weights = terms[order], weights[order]
    indptr, indices = np.asarray(XT.indptr), np.asarray(XT.indices)
    m = len(terms)
    columns = np.empty(2 * m, dtype=indices.dtype)
    columns[0::2], columns[1::2] = indptr[terms], indptr[terms + 1]
    column_weights = np.zeros(2 * m - 1, dtype=np.float32)
    column_weights[0::2] = weights
    scores = np.zeros(XT.shape[1], dtype=np.float32)
    kernels().csc_matvec(XT.shape[1], 2 * m - 1, columns, indices,
                            np.asarray(data, dtype=np.float32), column_weights, scores)
    return scores


def _walk_copying(XT: sp.csr_matrix, data: np.ndarray, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    n = XT.shape[1]
    if len(terms) == 0:
        return np.zeros(n, dtype=np.float32)
    starts, ends = XT.indptr[terms].tolist(), XT.indptr[terms + 1].tolist()
    texts = np.concatenate([XT.indices[a:b] for a, b in zip(starts, ends)])
    values = np.concatenate([data[a:b] for a, b in zip(starts, ends)])
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.subtract(ends, starts), out=indptr[1:])
    postings = sp.csr_matrix((values, texts, indptr), shape=(len(terms), n))
    return np.asarray(postings.T @ weights, dtype=np.float32)


def _kernel_agrees() -> bool:
    if kernels() is None:
        return False
    # A small matrix of uneven rows, and 17 of its 40 terms in no order (numbers made up with
    # arithmetic: numpy.random is an import a query would otherwise not pay for).
    cells = np.arange(40 * 300).reshape(40, 300)
    stored = (cells * 7919) % 997 < 200
    values = (((cells * 104729) % 1009) / 1009).astype(np.float32)
    indptr = np.concatenate([[0], np.cumsum(stored.sum(axis=1))]).astype(np.int32)
    XT = Rows(values[stored], np.nonzero(stored)[1].astype(np.int32), indptr, stored.shape)
    terms = ((np.arange(17) * 23) % 40).astype(np.int64)
    weights = ((np.arange(17) * 13 % 17 + 1) / 17).astype(np.float32)
    try:
        got = _walk_direct(XT, XT.data, terms, weights)
    except (AttributeError, TypeError, ValueError):
        return False
    expected = (np.where(stored, values, 0)[terms].astype(np.float64) * weights[:, None]).sum(axis=0)
    return bool(np.allclose(got, expected, atol=1e-6))
