"""The exact all-pairs cosine join on Spark: every pair of rows whose cosine reaches t.

The algorithm of :mod:`paperlike.allpairs`, spread out: terms are ranked by frequency over the
rows, and each row indexes only its rarest terms, leaving out its most frequent ones as long
as their squared weights add up to at most beta (:func:`paperlike.allpairs.indexed_rows`, on
each Arrow batch). Two rows can reach t only if they share an indexed term, so the candidates
are a self-join of the indexed entries on the term (in the JVM, no Python per pair); the
products over shared indexed terms are summed per pair, and a pair whose bound
``s + |b left out| * sqrt(1 - (s / |b indexed|)^2)`` (b the row that leaves out more ranks,
as in the local join) falls short of t is dropped. Every other candidate is verified exactly,
both rows joined in, by :func:`paperlike.allpairs.dot_products` on numpy blocks: the same
float32 cosine as the local join, so the same pairs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..allpairs import JOIN_MARGIN, LEFT_OUT_SHARE, dot_products, frequency_ranks, indexed_rows
from .session import one_process, to_arrow
from .vectors import csr_of

__all__ = ["pairs_above", "indexed_entries"]

_INDEXED_SCHEMA = "rank int, row long, value float, first_rank int, left_out double, indexed_norm double"


def indexed_entries(rows: DataFrame, n_cols: int, beta: float, idx: str = "x_idx", val: str = "x_val",
                    key: str = "text") -> DataFrame:
    """Each row's indexed terms (``rank``, ``row``, ``value``) with what the bound reads of the
    row: the rank of its first indexed term, and the norms of its left-out and indexed parts."""
    df = to_arrow(rows.select(F.explode(idx).alias("col")).groupBy("col").count())
    counts = np.zeros(n_cols, dtype=np.int64)
    counts[df.column("col").to_numpy()] = df.column("count").to_numpy()
    ranks = rows.sparkSession.sparkContext.broadcast(frequency_ranks(counts))

    def index(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        one_process()
        rank = ranks.value
        for batch in batches:
            X = csr_of(batch.column(idx), batch.column(val), n_cols)
            data, where, lengths, left_out = indexed_rows(X, rank, beta)
            owner = np.repeat(np.arange(X.shape[0]), lengths)
            starts = (np.cumsum(lengths) - lengths).astype(np.int64)
            first = np.full(X.shape[0], n_cols, dtype=np.int64)
            has = lengths > 0
            first[has] = where[starts[has]]
            ids = batch.column(key).to_numpy()
            yield pa.RecordBatch.from_pydict({
                "rank": pa.array(where.astype(np.int32)), "row": pa.array(ids[owner].astype(np.int64)),
                "value": pa.array(data.astype(np.float32)), "first_rank": pa.array(first[owner].astype(np.int32)),
                "left_out": pa.array(left_out[owner]),
                "indexed_norm": pa.array(np.sqrt(np.maximum(0.0, 1.0 - left_out ** 2))[owner]),
            })

    return rows.select(key, idx, val).mapInArrow(index, _INDEXED_SCHEMA)


def pairs_above(rows: DataFrame, n_cols: int, threshold: float, left_out_share: float = LEFT_OUT_SHARE, *,
                idx: str = "x_idx", val: str = "x_val", key: str = "text") -> DataFrame:
    """Pairs (``i`` < ``j``, by ``key``) of the L2-normalised rows (column numbers ``idx`` and
    values ``val``, below ``n_cols``) whose cosine is at least ``threshold``, with ``cosine``:
    the pairs :func:`paperlike.allpairs.pairs_above` finds. Empty rows take no part."""
    rows = rows.filter(F.size(idx) > 0).select(key, idx, val)
    beta = (left_out_share * max(threshold, 0.0)) ** 2
    t = threshold - JOIN_MARGIN
    entries = indexed_entries(rows, n_cols, beta, idx, val, key)
    a, b = entries.alias("a"), entries.alias("b")
    products = (a.join(b, (F.col("a.rank") == F.col("b.rank")) & (F.col("a.row") < F.col("b.row")))
                .select(F.col("a.row").alias("i"), F.col("b.row").alias("j"),
                        (F.col("a.value").cast("double") * F.col("b.value").cast("double")).alias("p"),
                        # b: the row that leaves out more ranks (i on a tie, as the local join).
                        F.when(F.col("a.first_rank") >= F.col("b.first_rank"), F.col("a.left_out"))
                        .otherwise(F.col("b.left_out")).alias("lo"),
                        F.when(F.col("a.first_rank") >= F.col("b.first_rank"), F.col("a.indexed_norm"))
                        .otherwise(F.col("b.indexed_norm")).alias("norm")))
    sums = products.groupBy("i", "j").agg(F.sum("p").alias("s"), F.first("lo").alias("lo"),
                                          F.first("norm").alias("norm"))
    covered = F.least(F.col("s") / F.greatest(F.col("norm"), F.lit(1e-12)), F.lit(1.0))
    rest = F.sqrt(F.greatest(F.lit(0.0), 1.0 - covered * covered) + F.lit(1e-5))
    # The local join's first bound, with a margin for the float32 sums it is computed from.
    candidates = sums.filter(F.col("s") + F.col("lo") * rest >= t - 1e-5 - 1e-6).select("i", "j")
    left = rows.select(F.col(key).alias("i"), F.col(idx).alias("i_idx"), F.col(val).alias("i_val"))
    right = rows.select(F.col(key).alias("j"), F.col(idx).alias("j_idx"), F.col(val).alias("j_val"))
    both = candidates.join(left, "i").join(right, "j").select("i", "j", "i_idx", "i_val", "j_idx", "j_val")

    def verify(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        one_process()
        for batch in batches:
            n = batch.num_rows
            if not n:
                continue
            A = csr_of(batch.column("i_idx"), batch.column("i_val"), n_cols)
            B = csr_of(batch.column("j_idx"), batch.column("j_val"), n_cols)
            cosine = dot_products(sp.vstack([A, B], format="csr"), np.arange(n), np.arange(n, 2 * n))
            keep = cosine >= t
            yield pa.RecordBatch.from_pydict({
                "i": pa.array(batch.column("i").to_numpy()[keep]), "j": pa.array(batch.column("j").to_numpy()[keep]),
                "cosine": pa.array(cosine[keep].astype(np.float32))})

    return both.mapInArrow(verify, "i long, j long, cosine float")
