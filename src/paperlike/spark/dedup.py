"""Duplicate search on Spark: blocking keys, the pair rules on each candidate, components.

The candidates are the local build's (:func:`paperlike.dedup.candidates.candidate_pairs`): the
text join, the title join and the blocks of texts sharing one of
:data:`~paperlike.dedup.candidates.BLOCKING_KEYS` (a ``groupBy`` on the key, blocks of more
than ``MAX_BLOCK`` texts left out as the local build leaves them). Each candidate pair meets
both its records and both its abstracts' rows in one Arrow batch, where
:func:`~paperlike.dedup.candidates.signals_of_rows` and :meth:`Deduplicator.verdict` apply the
rules. Connected components of the joined pairs are found by large-star / small-star
(Kiveris et al., 2014) on DataFrames, no JVM graph package needed.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..dedup import Deduplicator
from ..dedup.candidates import BLOCKING_KEYS, MAX_BLOCK, generic_titles, signals_of_rows
from ..records import Record
from ..text import folded_text
from .session import one_process
from .vectors import csr_of

__all__ = ["blocked_pairs", "generic_title_keys", "verdicts", "components"]


def blocked_pairs(representatives: DataFrame) -> DataFrame:
    """Pairs (``i`` < ``j``) of texts that share a blocking key, each key apart, from blocks
    of 2 to ``MAX_BLOCK`` texts."""
    def keys(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        one_process()
        for batch in batches:
            kinds, values, owners = [], [], []
            for text, raw in zip(batch["text"].tolist(), batch["json"].tolist()):
                paper = Record.model_validate_json(raw)
                for kind, key in enumerate(BLOCKING_KEYS):
                    value = key(paper)
                    if value:
                        kinds.append(kind)
                        values.append(value)
                        owners.append(text)
            yield pd.DataFrame({"kind": pd.Series(kinds, dtype="int32"), "key": pd.Series(values, dtype=object),
                                "text": pd.Series(owners, dtype="int64")})

    found = representatives.select("text", "json").mapInPandas(keys, "kind int, key string, text long").persist()
    sizes = found.groupBy("kind", "key").count().filter((F.col("count") > 1) & (F.col("count") <= MAX_BLOCK))
    members = found.join(sizes.select("kind", "key"), ["kind", "key"])
    a, b = members.alias("a"), members.alias("b")
    return (a.join(b, (F.col("a.kind") == F.col("b.kind")) & (F.col("a.key") == F.col("b.key"))
                   & (F.col("a.text") < F.col("b.text")))
            .select(F.col("a.text").alias("i"), F.col("b.text").alias("j")))


def generic_title_keys(representatives: DataFrame) -> set[str]:
    """:func:`~paperlike.dedup.candidates.generic_titles` of the texts: only the records
    without abstract whose (source file, title) recurs three times or more are collected."""
    def keys(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        one_process()
        for batch in batches:
            rows = []
            for text, raw in zip(batch["text"].tolist(), batch["json"].tolist()):
                paper = Record.model_validate_json(raw)
                if paper.title and not paper.abstract:
                    rows.append((text, paper.source.path if paper.source else "", folded_text(paper.title)))
            yield pd.DataFrame(rows, columns=["text", "path", "title"]).astype({"text": "int64"})

    found = representatives.select("text", "json").mapInPandas(keys, "text long, path string, title string")
    recurring = found.groupBy("path", "title").count().filter(F.col("count") >= 3)
    rows = (found.join(recurring.select("path", "title"), ["path", "title"]).join(representatives, "text")
            .select("json").collect())
    return generic_titles([Record.model_validate_json(row.json) for row in rows])


def verdicts(candidates: DataFrame, representatives: DataFrame, rows: DataFrame, dedup: Deduplicator,
             generic: set[str], terms_are_words: bool, n_cols: int) -> DataFrame:
    """What the rules say of each candidate pair (``i`` < ``j``): ``decision`` (``same`` or
    ``maybe``; the others are dropped), ``rule`` and ``score``. ``rows`` holds the texts'
    abstract rows (``a_idx``, ``a_val``, ``has_abstract``)."""
    spark = candidates.sparkSession
    shared = spark.sparkContext.broadcast((dedup.get_params(), generic))
    side = representatives.join(rows.select("text", "a_idx", "a_val", "has_abstract"), "text")
    left = side.select(*(F.col(c).alias(f"i_{c}") for c in ("json", "a_idx", "a_val", "has_abstract")),
                       F.col("text").alias("i"))
    right = side.select(*(F.col(c).alias(f"j_{c}") for c in ("json", "a_idx", "a_val", "has_abstract")),
                        F.col("text").alias("j"))
    both = candidates.join(left, "i").join(right, "j")

    def judge(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        one_process()
        params, generic_keys = shared.value
        rules = Deduplicator(**params)
        for batch in batches:
            n = batch.num_rows
            if not n:
                continue
            papers = [Record.model_validate_json(j) for j in
                      batch.column("i_json").to_pylist() + batch.column("j_json").to_pylist()]
            A = csr_of(pa.concat_arrays([batch.column("i_a_idx"), batch.column("j_a_idx")]),
                       pa.concat_arrays([batch.column("i_a_val"), batch.column("j_a_val")]), n_cols)
            has = np.concatenate([batch.column("i_has_abstract").to_numpy(zero_copy_only=False),
                                  batch.column("j_has_abstract").to_numpy(zero_copy_only=False)])
            position = np.where(has, np.arange(2 * n), -1)
            li, lj = np.arange(n), np.arange(n, 2 * n)
            cosines, ceilings = signals_of_rows(papers, A, position, li, lj, rules.threshold, terms_are_words)
            out = {"i": [], "j": [], "decision": [], "rule": [], "score": []}
            ii, jj = batch.column("i").to_pylist(), batch.column("j").to_pylist()
            for k in range(n):
                found = rules.verdict(papers[k], papers[n + k], cosines[k], ceilings[k], generic_keys)
                if found is not None:
                    for name, value in zip(out, (ii[k], jj[k], *found)):
                        out[name].append(value)
            yield pa.RecordBatch.from_pydict({
                "i": pa.array(out["i"], pa.int64()), "j": pa.array(out["j"], pa.int64()),
                "decision": pa.array(out["decision"], pa.string()), "rule": pa.array(out["rule"], pa.string()),
                "score": pa.array(out["score"], pa.float64())})

    return both.mapInArrow(judge, "i long, j long, decision string, rule string, score double")


def components(edges: DataFrame, max_rounds: int = 64) -> DataFrame:
    """Connected components of a graph given by its edges (columns ``i``, ``j``): each node
    of an edge (``node``) with the smallest node of its component (``label``), by alternating
    large-star and small-star steps until no edge changes."""
    current = (edges.select(F.col("i").alias("u"), F.col("j").alias("v"))
               .filter(F.col("u") != F.col("v")).distinct().localCheckpoint())
    signature = None
    for _ in range(max_rounds):
        current = _small_star(_large_star(current)).localCheckpoint()
        now = current.agg(F.count("*"), F.sum(F.hash("u", "v").cast("long"))).first()
        if tuple(now) == signature:
            break
        signature = tuple(now)
    # Converged: every edge joins a node to its component's smallest node.
    return (current.select(F.greatest("u", "v").alias("node"), F.least("u", "v").alias("label"))
            .union(current.select(F.least("u", "v").alias("node"), F.least("u", "v").alias("label")))
            .groupBy("node").agg(F.min("label").alias("label")))


def _both_ways(edges: DataFrame) -> DataFrame:
    return edges.union(edges.select(F.col("v").alias("u"), F.col("u").alias("v")))


def _large_star(edges: DataFrame) -> DataFrame:
    """Each node u links its larger neighbours to the smallest of u and its neighbours."""
    both = _both_ways(edges)
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (both.filter(F.col("v") > F.col("u")).join(smallest, "u")
            .select(F.col("v").alias("u"), F.col("m").alias("v")).filter(F.col("u") != F.col("v")).distinct())


def _small_star(edges: DataFrame) -> DataFrame:
    """Each node u links itself and its smaller neighbours to the smallest of them."""
    down = _both_ways(edges).filter(F.col("v") < F.col("u"))
    smallest = down.groupBy("u").agg(F.min("v").alias("m"))
    linked = down.join(smallest, "u")
    return (linked.select(F.col("v").alias("u"), F.col("m").alias("v"))
            .union(linked.select(F.col("u"), F.col("m").alias("v")))
            .filter(F.col("u") != F.col("v")).distinct())
