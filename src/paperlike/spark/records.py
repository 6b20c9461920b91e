"""Records on Spark: input files read one task per file, and texts collapsed by content hash."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from ..dedup import completeness
from ..errors import BadRecordError, EmptyCorpusError, InputError, PaperlikeError
from ..index import same_text_key
from ..keys import lookup_hash_int
from ..records import Record, Skipped
from ..sources import MAX_RECORD_BYTES, input_files, read_file, with_unique_ids
from .session import one_process, to_arrow

__all__ = ["read", "collect_records", "texts", "identities"]

# The fields of paperlike.dedup.completeness before the id, which breaks ties.
_RANKED = 6
_READ_SCHEMA = "file int, seq long, json string, skipped string, error string"


def read(spark: SparkSession, paths: str | os.PathLike | Iterable[str | os.PathLike], *,
         format: str | None = None, year: int | None = None,
         max_record_bytes: int = MAX_RECORD_BYTES) -> DataFrame:
    """The records of the files and folders, one Spark task per file (a gzip file is one task
    however large: split a large corpus into many files to use many cores): columns ``file``,
    ``seq`` (its place in the file), ``json`` (the record), ``skipped`` (a malformed record,
    as JSON) and ``error`` (a file that cannot be read). The paths must be readable from
    every executor (a shared file system)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = [(str(path), named) for path, named in input_files(paths)]
    if not files:
        raise EmptyCorpusError("no records found in the inputs: no files")
    for path, named in files:
        if named and not os.path.exists(path):
            raise InputError(f"{path}: no such file; check the path")

    def read_one(item: tuple[int, tuple[str, bool]]) -> Iterator[tuple]:
        one_process()
        k, (path, named) = item
        try:
            for seq, found in enumerate(read_file(path, named, format=format, year=year,
                                                  max_record_bytes=max_record_bytes)):
                if isinstance(found, Record):
                    yield k, seq, found.model_dump_json(), None, None
                else:
                    yield k, seq, None, found.model_dump_json(), None
        except PaperlikeError as exc:
            yield k, -1, None, None, json.dumps({"kind": type(exc).__name__, "message": str(exc)})

    rdd = spark.sparkContext.parallelize(list(enumerate(files)), numSlices=len(files))
    return spark.createDataFrame(rdd.flatMap(read_one), _READ_SCHEMA)


def collect_records(raw: DataFrame, strict: bool = False) -> tuple[DataFrame, list[Record], list[Skipped]]:
    """The records numbered in the input's order (``record``, ``json``, ids made unique as
    :func:`paperlike.read_records` makes them), the records themselves on the driver (the
    model holds them), and those skipped. An unreadable file raises its error."""
    raw = raw.persist()
    problems = raw.filter(F.col("json").isNull()).orderBy("file", "seq").collect()
    for row in problems:
        if row.error is not None:
            error = json.loads(row.error)
            raise (EmptyCorpusError if error["kind"] == "EmptyCorpusError" else InputError)(error["message"])
    skipped = [Skipped.model_validate_json(row.skipped) for row in problems]
    if strict and skipped:
        first = skipped[0]
        raise BadRecordError(first.path, first.line, first.reason + " (rejected by --strict)")
    lines = raw.filter(F.col("json").isNotNull()).select("json").rdd.map(lambda row: row[0])
    numbered = lines.zipWithIndex().map(lambda pair: (pair[1], pair[0])).toDF("record long, json string")
    table = to_arrow(numbered.select("json"))
    jsons = table.column(0).to_pylist()
    read_as = [Record.model_validate_json(j) for j in jsons]
    del jsons, table
    if not read_as:
        raise EmptyCorpusError("no records found in the inputs" + (
            f" ({len(skipped)} malformed, first: {skipped[0].path}:{skipped[0].line}: {skipped[0].reason})"
            if skipped else ""))
    records = with_unique_ids(read_as)
    renamed = {k: r.id for k, (r, was) in enumerate(zip(records, read_as)) if r is not was}
    if renamed:
        names = raw.sparkSession.sparkContext.broadcast(renamed)

        def rename(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            new = names.value
            for batch in batches:
                batch = batch.copy()
                for k in np.flatnonzero(batch["record"].isin(list(new)).to_numpy()).tolist():
                    record = int(batch["record"].iat[k])
                    batch.iat[k, 1] = Record.model_validate_json(batch["json"].iat[k]).model_copy(
                        update={"id": new[record]}).model_dump_json()
                yield batch

        numbered = numbered.mapInPandas(rename, "record long, json string")
    return numbered, records, skipped


def identities(records: Sequence[Record]) -> np.ndarray:
    """Each record's text identity hash (as the index keeps them)."""
    return np.array([lookup_hash_int(same_text_key(r)) for r in records], dtype=np.uint64)


def texts(records: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Records that are one text (the same :func:`paperlike.index.same_text_key`, by its hash)
    collapsed: the texts (``text``, numbered in order of their first record, and ``record``, the
    most complete of their records, whose ``json`` stands for them) and each record's
    ``text``. Nothing is compared before this: identical copies cost one text."""
    def identify(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        one_process()
        for batch in batches:
            papers = [Record.model_validate_json(j) for j in batch["json"]]
            found = np.array([lookup_hash_int(same_text_key(p)) for p in papers], dtype=np.uint64)
            # completeness(): six fields, then the id reversed (the smallest id wins a tie).
            keys = np.array([completeness(p)[:_RANKED] for p in papers], dtype=np.int64).reshape(-1, _RANKED)
            columns = {"record": batch["record"], "identity": found.view(np.int64)}
            columns.update({f"c{k}": keys[:, k] for k in range(_RANKED)})
            columns["id"] = [p.id for p in papers]
            yield pd.DataFrame(columns)

    schema = "record long, identity long, " + ", ".join(f"c{k} long" for k in range(_RANKED)) + ", id string"
    ids = records.mapInPandas(identify, schema).persist()
    firsts = ids.groupBy("identity").agg(F.min("record").alias("first"))
    # The most complete record of each text, as PaperIndex picks it: in the JVM, a window per text.
    best = Window.partitionBy("identity").orderBy(*(F.desc(f"c{k}") for k in range(_RANKED)), F.asc("id"))
    chosen = (ids.withColumn("rank", F.row_number().over(best)).filter(F.col("rank") == 1)
              .select("identity", F.col("record").alias("chosen")))
    grouped = (firsts.join(chosen, "identity")
               .select("identity", "first", F.col("chosen").alias("record")))
    numbered = (grouped.rdd.sortBy(lambda row: row["first"]).zipWithIndex()
                .map(lambda pair: (pair[1], pair[0]["identity"], pair[0]["record"]))
                .toDF("text long, identity long, record long")).persist()
    of_record = ids.join(numbered.select("identity", "text"), "identity").select("record", "text")
    return numbered.select("text", "record"), of_record
