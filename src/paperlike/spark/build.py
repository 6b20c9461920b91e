"""The whole build on Spark, and the ordinary model folder it writes.

The heavy steps run on the executors (:mod:`paperlike.spark`'s functions); the small results
a model holds whole are collected to the driver: the records, the vocabulary and IDF, the
joined pairs and the groups. The TF-IDF rows and counts are not collected: the executors write
them in row ranges into a staging folder and the driver copies the ranges into its matrices
(:mod:`paperlike.spark.rows`). The driver then does what needs every
text at once and is cheap beside the rest (the LSA of the ranker, the look-up tables) through
:meth:`PaperIndex.assemble`, and :func:`paperlike.store.save` writes the folder, under the
model's lock, so ``paperlike similar``, ``check``, ``dupes`` and ``serve`` open it unchanged.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from .. import store
from ..allpairs import LEFT_OUT_SHARE, TITLE_LEFT_OUT_SHARE
from ..dedup import Deduplicator
from ..dedup.candidates import TEXT_JOIN, TITLE_JOIN
from ..errors import ModelError
from ..index import PaperIndex
from ..records import Decision, Skipped
from ..sources import MAX_RECORD_BYTES
from . import dedup as spark_dedup
from .join import pairs_above
from .records import collect_records, identities, read, texts
from .rows import assemble_rows, write_rows
from .session import to_arrow
from .vectors import count_terms, vectors, vocabulary

__all__ = ["build_index", "rebuild", "BuildReport"]


class BuildReport:
    """What a Spark build read and found, and how long each step took (seconds)."""

    def __init__(self) -> None:
        self.skipped: list[Skipped] = []
        self.steps: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def step(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.steps[name] = round(now - started, 3)
        return now


def build_index(spark: SparkSession, paths: str | os.PathLike | Iterable[str | os.PathLike], *,
                format: str | None = None, year: int | None = None, strict: bool = False,
                max_record_bytes: int = MAX_RECORD_BYTES, decisions: Iterable[Decision] = (),
                report: BuildReport | None = None, staging: str | os.PathLike | None = None) -> PaperIndex:
    """The index a local :meth:`PaperIndex.fit` builds over the records of the files, built on
    Spark: the same records, texts, vocabulary, vectors, pairs and groups.

    ``staging``: the folder in which the executors write their ranges of TF-IDF rows (into a
    folder of this build's own, removed after) for the driver to assemble; it must be on a file
    system both reach and the executors may write (a shared one on a cluster). None: this
    machine's temporary folder, which does only for a local master."""
    report = report if report is not None else BuildReport()
    at = time.perf_counter()
    numbered, records, report.skipped = collect_records(
        read(spark, paths, format=format, year=year, max_record_bytes=max_record_bytes), strict)
    numbered = numbered.persist()
    at = report.step("read", at)
    text_rows, of_record = texts(numbered)
    of_record_table = to_arrow(of_record)
    text_of_record = np.empty(len(records), dtype=np.int64)
    text_of_record[of_record_table.column("record").to_numpy()] = of_record_table.column("text").to_numpy()
    text_table = to_arrow(text_rows)
    record_of_text = np.empty(text_table.num_rows, dtype=np.int64)
    record_of_text[text_table.column("text").to_numpy()] = text_table.column("record").to_numpy()
    n_texts = len(record_of_text)
    representatives = text_rows.join(numbered, "record").select("text", "json").persist()
    at = report.step("texts", at)

    terms = count_terms(representatives).persist()
    vectorizer = vocabulary(terms, n_texts)
    n_cols = len(vectorizer.vocabulary_)
    rows = vectors(terms, vectorizer).persist()
    base = Path(staging if staging is not None else tempfile.gettempdir())
    folder = base / f"paperlike-rows-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise ModelError(f"{base}: cannot make the staging folder for the TF-IDF rows "
                         f"({exc.strerror or exc}); choose a writable --staging folder") from None
    try:
        ranges = write_rows(rows, folder)
        X, counts = assemble_rows(folder, ranges, n_texts, n_cols)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report.counts["row ranges"] = ranges.num_rows
    terms.unpersist()
    at = report.step("vectors", at)

    text_pairs = pairs_above(rows, n_cols, TEXT_JOIN, LEFT_OUT_SHARE)
    title_pairs = pairs_above(rows.filter(F.col("titled")), n_cols, TITLE_JOIN, TITLE_LEFT_OUT_SHARE,
                              idx="t_idx", val="t_val")
    candidates = (text_pairs.select("i", "j").union(title_pairs.select("i", "j"))
                  .union(spark_dedup.blocked_pairs(representatives))
                  .filter(F.col("i") < F.col("j")).distinct().persist())
    report.counts["candidates"] = candidates.count()
    at = report.step("candidates", at)

    generic = spark_dedup.generic_title_keys(representatives)
    rules = Deduplicator()
    judged = spark_dedup.verdicts(candidates, representatives, rows, rules, generic,
                                  vectorizer.terms_are_words(), n_cols).persist()
    found = to_arrow(judged)
    found = found.take(np.lexsort((found.column("j").to_numpy(), found.column("i").to_numpy())))
    decision = found.column("decision").to_pylist()
    i, j = found.column("i").to_pylist(), found.column("j").to_pylist()
    rule, score = found.column("rule").to_pylist(), found.column("score").to_pylist()
    kept = [(a, b, r, s) for a, b, d, r, s in zip(i, j, decision, rule, score) if d == "same"]
    maybe = [(a, b, s) for a, b, d, s in zip(i, j, decision, score) if d == "maybe"]
    report.counts["same"], report.counts["maybe"] = len(kept), len(maybe)
    labels = np.arange(n_texts, dtype=np.int64)
    if kept:
        grouped = to_arrow(spark_dedup.components(judged.filter(F.col("decision") == "same")))
        labels[grouped.column("node").to_numpy()] = grouped.column("label").to_numpy()
    at = report.step("rules and groups", at)

    chosen = [records[r] for r in record_of_text.tolist()]

    def group(index: PaperIndex) -> None:
        index.dedup.fit_verdicts(chosen, kept, maybe, generic, index.decided_texts(), labels=labels)

    index = PaperIndex(vectorizer, dedup=rules).assemble(
        records, text_of_record, record_of_text, counts, X, group, decisions=decisions,
        identities=identities(records))
    report.step("assemble", at)
    report.counts.update(records=len(records), texts=n_texts, terms=n_cols, nnz=int(X.nnz))
    for frame in (rows, candidates, judged, representatives, numbered):
        frame.unpersist()
    return index


def rebuild(path: str | Path, spark: SparkSession, paths: str | os.PathLike | Iterable[str | os.PathLike], *,
            notice: Callable[[str], None] | None = None, report: BuildReport | None = None,
            **options) -> PaperIndex:
    """:func:`build_index` saved at ``path`` as an ordinary model folder, under the model's
    write lock, keeping the decisions the model held (as :func:`paperlike.api.rebuild`). The
    executors write the TF-IDF rows into the model's staging area (beside the model folder,
    which must then be on a file system the executors share), unless ``staging`` says where."""
    with store.writing(path, notice):
        decisions = store.read_decisions(path)
        own = options.get("staging") is None
        if own:
            options["staging"] = store.staging_of(path)
        try:
            index = build_index(spark, paths, decisions=decisions, report=report, **options)
            store.save(index, path)
        finally:
            if own:
                try:
                    options["staging"].rmdir()  # left empty by a build that failed
                except OSError:
                    pass  # gone: save renamed it into the model
    return index
