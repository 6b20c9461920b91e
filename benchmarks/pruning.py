"""Would an exact bound on the frequent terms make an id query cheaper? (issue 4)

An id query reads the postings of all its terms: about 12.5 million at a million texts, and the
2-core batch of 1000 id queries is bound by them (the "memory floor" rows of the scale table).
Most of those postings belong to a few frequent terms of small weight. This script measures an
exact way of skipping them, on a saved model:

- F is the model's ``K`` most frequent terms; each text's norm over them, ``r_d = ||x_d,F||``,
  is computed once (a float32 per text).
- A query walks only its terms outside F, giving ``E_d``. By Cauchy-Schwarz the skipped part is
  at most ``||w_F|| r_d``.
- The best ``2 c`` texts by ``E`` get their F part exactly (their rows of X), and the ``c``-th best
  of those full scores, ``theta``, is a lower bound on the true ``c``-th best score. Here ``c`` is
  the ranker's ``candidates`` + 1, the texts ``similar`` re-ranks (its own paper's text left out).
- Every text with ``E_d + ||w_F|| r_d >= theta`` gets its F part exactly too. Every other text
  scores below ``theta``, so the best ``c`` texts and their scores are those of the full walk
  (checked on every query, to float32 rounding).

It prints, for each ``K``: the share of postings skipped, how many texts needed their F part,
and the time per query against the full walk, both on one thread. The "pruning" section of
RESULTS.md gets the table.

    python benchmarks/pruning.py --model /tmp/paperlike-scratch/run-1m-s0/model
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402


def frequent_norms(X: sp.csr_matrix, frequent: np.ndarray) -> np.ndarray:
    """Each row's Euclidean norm over the ``frequent`` columns (a boolean mask), float32."""
    squares = np.where(frequent[X.indices], X.data.astype(np.float64) ** 2, 0.0)
    out = np.zeros(X.shape[0])
    filled = np.diff(X.indptr) > 0
    out[filled] = np.sqrt(np.add.reduceat(squares, X.indptr[:-1][filled]))
    return out.astype(np.float32)


def rows_dot(X: sp.csr_matrix, texts: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(texts, X[texts] @ weights) without copying the rows: scipy's CSR mat-vec over the rows'
    own slices, visited in decreasing order so that the gaps between them are empty rows."""
    from scipy.sparse import _sparsetools

    texts = np.sort(texts)[::-1]
    rows = np.empty(2 * len(texts), dtype=X.indices.dtype)
    rows[0::2], rows[1::2] = X.indptr[texts], X.indptr[texts + 1]
    out = np.zeros(max(2 * len(texts) - 1, 0), dtype=np.float32)
    if len(texts):
        _sparsetools.csr_matvec(len(out), X.shape[1], rows, X.indices, X.data, weights, out)
    return texts, out[0::2]


def pruned_scores(index, frequent: np.ndarray, norms: np.ndarray, terms: np.ndarray, weights: np.ndarray,
                  need: int) -> tuple[np.ndarray, float, int]:
    """Scores exact wherever they are at least the returned floor, which the ``need`` best reach;
    and how many texts had their frequent part added. Falls back to the full walk (floor 0)."""
    from paperlike.postings import walk
    from paperlike.rank import best_positive

    XT, X = index.XT_, index.X_
    skip = frequent[terms]
    if not skip.any():
        return walk(XT, XT.data, terms, weights), 0.0, 0
    scores = walk(XT, XT.data, terms[~skip], weights[~skip])
    top = best_positive(scores, 2 * need)
    if len(top) < need:
        return walk(XT, XT.data, terms, weights), 0.0, 0
    dense = np.zeros(X.shape[1], dtype=np.float32)
    dense[terms[skip]] = weights[skip]
    top, part = rows_dot(X, top, dense)
    full = scores[top] + part
    floor = float(np.partition(full, len(full) - need)[len(full) - need])
    # Rounded up, so that float32 rounding never drops a text the bound keeps.
    reach = np.float32(np.sqrt(float(np.sum(weights[skip].astype(np.float64) ** 2))) * (1 + 1e-5))
    chosen = np.flatnonzero(scores + reach * norms >= floor - 1e-6)
    chosen, part = rows_dot(X, chosen, dense)
    scores[chosen] += part
    return scores, floor, len(chosen)


def full_walk_ms(XT: sp.csr_matrix, queries: list) -> float:
    """Milliseconds per query of the full walk (every posting of every term)."""
    from paperlike.postings import walk

    t0 = time.perf_counter()
    for t, w in queries:
        walk(XT, XT.data, t, w)
    return (time.perf_counter() - t0) / len(queries) * 1e3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a saved model (e.g. the scale benchmark's)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, nargs="+", default=[30, 50, 100], help="how many frequent terms to skip")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    import paperlike
    from paperlike import parallel
    from paperlike.postings import walk
    from paperlike.rank import best_positive

    index = paperlike.load_index(args.model)
    X, XT = index.X_, index.XT_
    # One index dtype, so that scipy's kernels take the arrays as they are.
    X = sp.csr_matrix((np.asarray(X.data), np.asarray(X.indices), np.asarray(X.indptr).astype(X.indices.dtype)
                       if X.nnz < 2**31 else np.asarray(X.indptr)), shape=X.shape)
    index.X_ = X
    need = index.ranker.candidates + 1
    rng = np.random.default_rng(0)
    texts = rng.choice(X.shape[0], size=min(args.queries, X.shape[0]), replace=False)
    queries = [(X.indices[X.indptr[t]:X.indptr[t + 1]].astype(np.int64), X.data[X.indptr[t]:X.indptr[t + 1]])
               for t in texts]
    df = np.diff(XT.indptr)
    by_df = np.argsort(-df, kind="stable")
    postings = np.array([df[t].sum() for t, _ in queries], dtype=np.float64)
    rows = []
    with parallel.one_thread():
        for t, w in queries:  # a first pass reads the memory-mapped pages in: untimed
            walk(XT, XT.data, t, w)
        full_ms = full_walk_ms(XT, queries)
        for K in args.k:
            frequent = np.zeros(X.shape[1], dtype=bool)
            frequent[by_df[:K]] = True
            t0 = time.perf_counter()
            norms = frequent_norms(X, frequent)
            prep = time.perf_counter() - t0
            counts, wrong = [], 0
            skipped = np.array([df[t[frequent[t]]].sum() for t, _ in queries]) / postings
            t0 = time.perf_counter()
            for t, w in queries:
                _, _, n = pruned_scores(index, frequent, norms, t, w, need)
                counts.append(n)
            ms = (time.perf_counter() - t0) / len(queries) * 1e3
            for (t, w), own in zip(queries, texts):  # the check, untimed
                got, floor, _ = pruned_scores(index, frequent, norms, t, w, need)
                ref = walk(XT, XT.data, t, w)
                got[own] = ref[own] = 0  # the query's own text is never a candidate
                same = np.allclose(np.sort(ref[best_positive(ref, need - 1)]),
                                   np.sort(got[best_positive(got, need - 1)]), atol=1e-6)
                wrong += not same
            rows.append((K, float(np.median(skipped)), int(np.median(counts)), int(np.percentile(counts, 90)),
                         ms, prep, wrong))
            print(f"K={K}: skipped {np.median(skipped):.0%} of postings, texts completed median "
                  f"{np.median(counts):.0f} p90 {np.percentile(counts, 90):.0f}, {ms:.2f} ms/query "
                  f"(full walk {full_ms:.2f}), norms {prep:.1f} s, answers differing: {wrong}/{len(queries)}")
        after_ms = full_walk_ms(XT, queries)
    print(f"full walk {full_ms:.2f} ms/query before the pruned runs, {after_ms:.2f} after")
    full_ms = min(full_ms, after_ms)
    lines = [machine() + f"; model {args.model.name} ({X.shape[0]:,} texts, {X.nnz:,} nonzeros); "
             f"{len(queries)} id queries (rows of X drawn with seed 0), one thread, "
             f"{int(np.median(postings)):,} postings per query (median).", "",
             "`python benchmarks/pruning.py " + " ".join(sys.argv[1:] if argv is None else argv) + "`", "",
             "| K frequent terms skipped | postings skipped (median) | texts completed (median / p90) | "
             "ms per query | full walk ms (the faster of a pass before and after) | norms computed s | top candidates differing from the full walk |",
             "|---|---|---|---|---|---|---|"]
    for K, skip, med, p90, ms, prep, wrong in rows:
        lines.append(f"| {K} | {skip:.0%} | {med:,} / {p90:,} | {ms:.2f} | {full_ms:.2f} | {prep:.1f} | "
                     f"{wrong}/{len(queries)} |")
    print("\n".join(lines))
    if not args.no_write:
        write_section("pruning", "## Exact pruning of the frequent terms (`benchmarks/pruning.py`)\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
