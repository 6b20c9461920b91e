"""Exact all-pairs cosine join: every pair of rows whose cosine reaches a threshold t.

No all-against-all product: prefix filtering with a score bound (Bayardo et al. 2007; Anastasiu
and Karypis's L2AP, 2014), so that no pair is lost and none is approximated, at the cost of the
products of each row's rarest terms. How the bound works: :func:`pairs_above`.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable, Iterator

import numpy as np

from .csr import sp, sparse
from .errors import WorkerError
from .parallel import two_at_a_time

__all__ = ["pairs_above", "SharedJoin", "dot_products", "frequency_ranks", "indexed_rows", "JOIN_MARGIN"]

# The join keeps pairs whose computed cosine is at least the threshold less this: a cosine
# computed as exactly the threshold may be a hair below it in float32.
JOIN_MARGIN = 1e-6

# Rows are joined in chunks whose product has at most about this many terms (memory: ~16 bytes
# each), so the peak does not grow with the corpus.
_PRODUCTS_PER_CHUNK = 1 << 24
# Rows prepared for the join a block at a time.
_ROWS_PER_BLOCK = 1 << 16
# The longest wait for the lock on the count of chunks taken (seconds).
_LOCK_WAIT = 120.0
# A row's left-out part has norm at most this share of the threshold (beta = (share * t)^2):
# more left out means fewer products but more candidates to bound and verify. The fastest
# shares for whole texts (t = 0.9) and for titles (t = 0.7, short rows with many candidates)
# were measured (benchmarks/RESULTS.md, "Design measurements").
LEFT_OUT_SHARE = 0.96
TITLE_LEFT_OUT_SHARE = 0.65


def dot_products(X: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The dot product of rows ``rows[k]`` and ``cols[k]`` of X for each k (the cosine, for
    L2-normalised rows), a chunk of pairs at a time."""
    out = np.zeros(len(rows), dtype=np.float32)
    for start in range(0, len(rows), 1 << 16):
        r, c = rows[start:start + (1 << 16)], cols[start:start + (1 << 16)]
        out[start:start + len(r)] = np.asarray(X[r].multiply(X[c]).sum(axis=1)).ravel()
    return out


def _indexed_parts(X: sp.csr_matrix, beta: float) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Each row's indexed part (columns renumbered by frequency rank, most frequent first), the
    rank of its first indexed term, and the norm of the part it leaves out."""
    n, vocab = X.shape
    rank = frequency_ranks(np.bincount(X.indices, minlength=vocab))
    # A block of rows at a time: the whole matrix renumbered, sorted and summed at once would be
    # two copies of X's values beside X, at the build's peak of memory.
    blocks = [indexed_rows(X[start:start + _ROWS_PER_BLOCK], rank, beta)
              for start in range(0, n, _ROWS_PER_BLOCK)]
    data, indices, lengths, left_out = (np.concatenate([b[k] for b in blocks]) for k in range(4))
    del blocks
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    P = sp.csr_matrix((data, indices, indptr.astype(np.int32) if indptr[-1] < 2**31 - 1 else indptr),
                      shape=(n, vocab))
    has_index = lengths > 0
    first_rank = np.full(n, vocab, dtype=np.int64)
    first_rank[has_index] = P.indices[indptr[:-1][has_index]]
    return P, first_rank, left_out


def frequency_ranks(df: np.ndarray) -> np.ndarray:
    """Each column's rank, from the most frequent (0) to the least (ties by column)."""
    rank = np.empty(len(df), dtype=np.int32)
    rank[np.argsort(-np.asarray(df), kind="stable")] = np.arange(len(df), dtype=np.int32)
    return rank


def indexed_rows(X: sp.csr_matrix, rank: np.ndarray, beta: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The indexed parts of some rows (any block of rows: each row's alone): their values and
    ranks, each row's number of them, and the norm of the part each row leaves out, whose
    squared norm is at most ``beta``."""
    # Renumbering the columns by rank and sorting each row's indices puts its frequent terms first.
    ranked = sp.csr_matrix((X.data.astype(np.float32), rank[X.indices], X.indptr), shape=X.shape)
    ranked.has_sorted_indices = False
    ranked.sort_indices()
    squares = ranked.data.astype(np.float64)
    squares *= squares
    total = np.concatenate([[0.0], np.cumsum(squares)])
    starts, ends = ranked.indptr[:-1].astype(np.int64), ranked.indptr[1:].astype(np.int64)
    # A row leaves out its longest prefix of mass <= beta. The running sum only grows, so one
    # binary search per row finds where that prefix ends (no pass over every entry).
    cut = np.minimum(np.searchsorted(total, total[starts] + beta, side="right") - 1, ends)
    left_out = np.sqrt(np.maximum(0.0, total[cut] - total[starts]))
    lengths = ends - cut
    kept = np.repeat(cut - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
    return ranked.data[kept], ranked.indices[kept], lengths, left_out


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    total = np.concatenate([[0.0], np.cumsum(values)])
    return total[indptr[1:]] - total[indptr[:-1]]


def _chunks(P: sp.csr_matrix, PT: sp.csr_matrix) -> list[tuple[int, int]]:
    """Row ranges whose product with the texts after them has about _PRODUCTS_PER_CHUNK terms
    at most (row i meets a term's texts after i only: about (n - i) / n of its posting list)."""
    n = P.shape[0]
    df = np.diff(PT.indptr).astype(np.float64)
    cost = _row_sums(df[P.indices], P.indptr) * (n - np.arange(n)) / n
    bounds = np.searchsorted(np.cumsum(cost), np.arange(_PRODUCTS_PER_CHUNK, cost.sum() + _PRODUCTS_PER_CHUNK,
                                                         _PRODUCTS_PER_CHUNK), side="right")
    edges = sorted({0, n, *np.clip(bounds, 1, n).tolist()})
    return list(zip(edges[:-1], edges[1:]))


def _with_tails(P: sp.csr_matrix, PT: sp.csr_matrix, chunks: Iterable[tuple[int, int]]
                ) -> Iterator[tuple[tuple[int, int], np.ndarray]]:
    """Each chunk (in increasing order, not necessarily all of them) with where each posting
    list's texts from the chunk's first row on begin: a pair is found once, from its first
    text, so the texts before a chunk are skipped."""
    begin, at = PT.indptr[:-1].copy(), 0
    for start, end in chunks:
        begin += np.bincount(P.indices[P.indptr[at]:P.indptr[start]], minlength=PT.shape[0]).astype(begin.dtype)
        at = start
        yield (start, end), begin.copy()


def _tail_product(P: sp.csr_matrix, PT: sp.csr_matrix, start: int, end: int, begin: np.ndarray) -> sp.csr_matrix:
    """``P[start:end] @ PT`` over the texts from ``start`` on only.

    Each posting list's skipped head becomes a row of its own, which no row of the chunk
    touches: term t's tail is row 2t + 1 of an interleaved view of PT's own arrays (no copy),
    and the chunk's term t is column 2t + 1.
    """
    vocab = PT.shape[0]
    indptr = np.empty(2 * vocab + 1, dtype=PT.indptr.dtype)
    indptr[0::2] = PT.indptr
    indptr[1::2] = begin
    tails = sp.csr_matrix((PT.data, PT.indices, indptr), shape=(2 * vocab, PT.shape[1]))
    rows = P[start:end]
    odd = sp.csr_matrix((rows.data, (rows.indices * 2 + 1).astype(rows.indices.dtype), rows.indptr),
                        shape=(end - start, 2 * vocab))
    return (odd @ tails).tocsr()


def pairs_above(X: sp.csr_matrix, threshold: float, left_out_share: float = LEFT_OUT_SHARE
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of L2-normalised rows with cosine >= threshold, and their cosines.

    ``left_out_share`` (below 1) is the most a row's left-out part may weigh, as a share of the
    threshold: it changes the time taken, never the pairs found.

    Terms are ranked from the most to the least frequent. Each row leaves its most frequent
    terms out of the index as long as their squared weights add up to at most beta, so its
    *indexed* part is its rarest terms (short posting lists). For two rows a and b, say b is the
    one that leaves out more ranks; every term b indexes, a indexes too, so the product of the
    indexed parts gives exactly ``s = a . b`` over b's indexed terms, and the rest of ``a . b``
    is at most ``|a_rest| |b_left_out|`` by Cauchy-Schwarz, with ``|b_left_out| <= sqrt(beta) <
    t``, where ``|a_rest|`` is the norm of a's terms of rank below b's first indexed one (a's
    left-out part and its indexed terms before that rank, read off a running sum; L2AP's
    prefix-norm bound). A pair whose bound ``s + |a_rest| |b_left_out|`` falls short of t cannot
    reach it; the exact cosine of every other candidate is computed. Each chunk of rows meets only the texts from its own first row on, so a pair's
    product is computed once, not twice.
    """
    return SharedJoin(X, threshold, left_out_share).run()


class SharedJoin:
    """The join of :func:`pairs_above`, cut into chunks of rows that processes take in turn.

    Made before a fork, its ``run`` may be called in the parent and in the child: each chunk
    is joined once, by whichever process takes it first (the count of chunks taken is in
    shared memory), so a process with other work to do first takes fewer. The pairs of all
    runs together are those of :func:`pairs_above`; one run alone does every chunk.
    """

    def __init__(self, X: sp.csr_matrix, threshold: float, left_out_share: float = LEFT_OUT_SHARE,
                 *, shared: bool = False) -> None:
        self.X = sp.csr_matrix(sparse(X), dtype=np.float32)
        self.t = threshold - JOIN_MARGIN
        self.parts = None
        self.chunks: list[tuple[int, int]] = []
        if self.X.shape[0] >= 2 and self.X.nnz:
            self.parts = _Parts(*_indexed_parts(self.X, (left_out_share * max(threshold, 0.0)) ** 2))
            self.chunks = _chunks(self.parts.P, self.parts.PT)
        # In shared memory only when asked: a process-shared lock needs the platform's
        # semaphores, which a join in one process has no use for.
        self._taken = multiprocessing.Value("q", 0) if shared else _Count()

    def run(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs (i < j) with cosine >= threshold of the chunks this run takes."""
        parts = self.parts
        if parts is None:
            return _no_pairs()

        def join(item: tuple[tuple[int, int], np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            (start, end), begin = item
            return _join_chunk(self.X, parts, _tail_product(parts.P, parts.PT, start, end, begin), start, self.t)

        # scipy's sparse product and row indexing release the GIL: two chunks at once, on two
        # threads (the chunks are taken here, on this thread, so in increasing order).
        found = two_at_a_time(join, _with_tails(parts.P, parts.PT, self._take()))
        if not found:
            return _no_pairs()
        return tuple(np.concatenate([part[k] for part in found]) for k in range(3))  # type: ignore[return-value]

    def _take(self) -> Iterator[tuple[int, int]]:
        while True:
            lock = self._taken.get_lock()
            # Held for a few instructions: a wait this long means the other process died
            # holding it (killed for want of memory), and would otherwise last forever.
            if not lock.acquire(timeout=_LOCK_WAIT):
                raise WorkerError("the second worker process stopped in the middle of the join; "
                                  "set PAPERLIKE_JOBS=1 to work in one process, which needs less memory")
            try:
                k = self._taken.value
                self._taken.value = k + 1
            finally:
                lock.release()
            if k >= len(self.chunks):
                return
            yield self.chunks[k]


class _Count:
    """A count of chunks taken, for a join that one process runs (the shared one's interface)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def get_lock(self) -> threading.Lock:
        return self._lock


def _no_pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros(0, dtype=np.float32)


class _Parts:
    """The indexed parts P (columns are frequency ranks), their transpose, and what the bounds
    read: each row's first indexed rank, the norms of its left-out and indexed parts, and the
    running squared mass along each row of P (to find the mass of a row's terms before a rank)."""

    def __init__(self, P: sp.csr_matrix, first_rank: np.ndarray, left_out: np.ndarray) -> None:
        self.P, self.first_rank, self.left_out = P, first_rank, left_out
        self.PT = P.T.tocsr()
        self.indexed_norm = np.sqrt(np.maximum(0.0, 1.0 - left_out ** 2))
        self.most_left_out = float(left_out.max())
        self.mass = np.zeros(P.nnz + 1)
        np.cumsum(P.data.astype(np.float64) ** 2, out=self.mass[1:])

    def mass_before(self, rows: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """The norm of each row's terms of rank below ``ranks``: its left-out part and the
        indexed terms before that rank."""
        at = _first_at_least(self.P, rows, ranks)
        indexed = self.mass[at] - self.mass[self.P.indptr[rows]]
        # A difference of two running sums (up to the whole matrix's mass) is off by up to
        # about 1e-10: the margin keeps a mass of nearly nothing from being read as less.
        return np.sqrt(np.maximum(0.0, self.left_out[rows] ** 2 + indexed) + 1e-9)


def _first_at_least(P: sp.csr_matrix, rows: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """For each k, the position in P's arrays of the first entry of row ``rows[k]`` whose rank
    is at least ``ranks[k]`` (the row's end if none is).

    A binary search within each row's own (short, sorted) slice, all rows a step at a time:
    one search over a key per entry of P costs several times as much (its every step a cache
    miss in an array of P's size) and holds an int64 per entry of P.
    """
    lo = np.asarray(P.indptr[rows], dtype=np.int64)
    hi = np.asarray(P.indptr[rows + 1], dtype=np.int64)
    ranks = np.asarray(ranks)
    open_ = np.flatnonzero(lo < hi)
    while len(open_):
        low, high = lo[open_], hi[open_]
        mid = (low + high) >> 1
        below = P.indices[mid] < ranks[open_]
        lo[open_] = np.where(below, mid + 1, low)
        hi[open_] = np.where(below, high, mid)
        open_ = open_[lo[open_] < hi[open_]]
    return lo


def _join_chunk(X: sp.csr_matrix, parts: _Parts, block: sp.csr_matrix, start: int, t: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs (i < j), i a row of the chunk's product ``block`` (its first row is ``start``),
    whose cosine reaches t, and their cosines."""
    # No pair with s below this can reach t, whatever it leaves out: most products end here.
    at = np.flatnonzero(block.data >= t - 1e-5 - parts.most_left_out)
    i = np.searchsorted(block.indptr, at, side="right").astype(np.int64) - 1 + start
    j, s = block.indices[at].astype(np.int64), block.data[at].astype(np.float64)
    del block, at
    upper = i < j
    i, j, s = i[upper], j[upper], s[upper]
    # b: the side that leaves out more ranks, a the other; the rest of a . b (over b's left-out
    # terms, all of rank below b's first) is at most |a's terms there| |b left out|. A first,
    # cheap bound on |a's terms there|: what a's indexed part leaves of its norm beyond s.
    b = np.where(parts.first_rank[i] >= parts.first_rank[j], i, j)
    covered = np.minimum(s / np.maximum(parts.indexed_norm[b], 1e-12), 1.0)
    # 1 - covered^2 is found from float32 products and norms taken to be 1: near covered = 1 its
    # square root would magnify their rounding (1e-7) a thousandfold, so it gets a margin that
    # is larger than that rounding, and the bound stays a bound.
    rest = np.sqrt(np.maximum(0.0, 1.0 - covered ** 2) + 1e-5)
    hit = s + parts.left_out[b] * rest >= t - 1e-5
    i, j, s, b, rest = i[hit], j[hit], s[hit], b[hit], rest[hit]
    # Then the exact norm of a's terms of rank below b's first: on whole texts it leaves a
    # fiftieth of the candidates the first bound leaves (300k texts at t = 0.9: 18k of 971k).
    rest = np.minimum(rest, parts.mass_before(i + j - b, parts.first_rank[b]) + 1e-6)
    hit = s + parts.left_out[b] * rest >= t - 1e-5
    # Verified chunk by chunk: on short rows (titles) the bound leaves many candidates, and
    # keeping them all for the end would hold every one of them in memory at once.
    i, j = i[hit], j[hit]
    cosine = dot_products(X, i, j)
    true = cosine >= t
    return i[true], j[true], cosine[true]
