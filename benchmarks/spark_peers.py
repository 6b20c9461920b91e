"""Duplicates on Spark: paperlike's Spark build beside text-dedup's Spark MinHash, on the arXiv crawl.

    python benchmarks/spark_peers.py [--master local[2]] [--text-dedup-path DIR] [--write]

text-dedup is not a dependency of paperlike, and ``pip install text-dedup`` (0.4.0) would
replace pins of this environment (rich 13, urllib3 1.26) and pull onnxruntime, Sphinx and
datasets; install the package alone into a folder of its own and name it:

    pip install --no-deps --target /tmp/td-site text-dedup==0.4.0 graphframes-py xxhash

Two processes, one per tool, each timed from its start (so both include starting Spark):

- **paperlike**: ``python -m paperlike.spark CRAWL --model DIR --master M`` (the whole build:
  vectors, exact joins, rules, groups, the model folder written); its groups are read from the
  model.
- **text-dedup**: the steps of ``text_dedup.minhash_spark``'s ``__main__`` with its own functions
  (``ngrams_length_check``, ``generate_hash_values``, ``optimal_param``, ``generate_edges``) and
  defaults (Jaccard threshold 0.7, 5-word shingles, 250 permutations, documents of at least 5
  tokens) on the texts (title and abstract) written to a Parquet file beforehand (not timed),
  with one change: its connected components come from GraphFrames, a JVM package fetched from
  Maven Central, which this machine cannot reach; they are computed here by
  :func:`paperlike.spark.components` (large-star / small-star), which gives the same components.
  Its Spark settings are its own but the shuffle partitions and default parallelism (8, as
  paperlike's session on a local master: its 8,192 and 100 are for a cluster).

Both are scored against the crawl's truth (two lines are versions of one paper exactly when
their arXiv id is equal) by ``paperlike.evaluate.score_grouping``: pairwise precision, recall
and F1 over the pairs of lines put together. Peak RSS as benchmarks/spark_build.py samples it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402
from spark_build import run_sampled  # noqa: E402

CRAWL = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-daily" / "arxiv-2025.jsonl.gz"
if not CRAWL.exists():
    CRAWL = Path("/work/shared/data/arxiv-daily/arxiv-2025.jsonl.gz")
TEXT_DEDUP = {"threshold": 0.7, "ngram_size": 5, "num_perm": 250, "min_length": 5}


def _text(record) -> str:
    """The document text-dedup deduplicates: the title and the abstract (as dedup_peers.py's MinHash)."""
    if record.abstract:
        return f"{record.title or ''} {record.abstract}"
    return " ".join([record.title or "", " ".join(record.authors), record.venue or ""])


def _disagreements(labels: list, truth: list, records, limit: int = 5) -> dict:
    """A few pairs put together against the truth (wrong) and kept apart against it (missed):
    the two ids and titles of each."""
    from collections import defaultdict
    from itertools import combinations

    def pairs(by: list, other: list) -> list:
        groups = defaultdict(list)
        for i, label in enumerate(by):
            groups[label].append(i)
        found = []
        for members in groups.values():
            for a, b in combinations(members, 2):
                if other[a] != other[b]:
                    found.append([f"{records[a].id}: {records[a].title}", f"{records[b].id}: {records[b].title}"])
                    if len(found) >= limit:
                        return found
        return found

    return {"wrong": pairs(labels, truth), "missed": pairs(truth, labels)}


def text_dedup_worker(parquet: str, out: str, master: str) -> None:
    """text_dedup.minhash_spark's pipeline (see the module doc); writes the label of each text."""
    started = time.perf_counter()
    import numpy as np
    import pyspark
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.functions import udf
    from pyspark.sql.types import BooleanType
    from text_dedup import minhash_spark as td

    from paperlike.spark import components

    spark = (SparkSession.builder.master(master).appName("MinHashLSH")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.storage.memoryFraction", "1")
             .config("spark.default.parallelism", "8")
             .config("spark.sql.autoBroadcastJoinThreshold", "20485760")
             .config("spark.sql.broadcastTimeout", "3600")
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "8g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    num_perm, ngram, min_length = TEXT_DEDUP["num_perm"], TEXT_DEDUP["ngram_size"], TEXT_DEDUP["min_length"]
    b, r = td.optimal_param(TEXT_DEDUP["threshold"], num_perm)
    ranges = [(i * r, (i + 1) * r) for i in range(b)]
    permutations = (td.RNG.randint(1, td.MOD_PRIME, size=(num_perm,), dtype=td.DTYPE),
                    td.RNG.randint(0, td.MOD_PRIME, size=(num_perm,), dtype=td.DTYPE))
    df = (spark.read.option("mergeSchema", "true").parquet(parquet)
          .filter(udf(td.ngrams_length_check, BooleanType())(F.col("content"), F.lit(ngram), F.lit(min_length)))
          .withColumn("__id__", F.monotonically_increasing_id())
          .persist(pyspark.StorageLevel.DISK_ONLY))
    kept = df.count()
    edges = (df.select("__id__", "content").rdd
             .flatMap(lambda x: td.generate_hash_values(content=x[1], idx=x[0], num_perm=num_perm, ngram_size=ngram,
                                                        min_length=min_length, hashranges=ranges,
                                                        permutations=permutations))
             .groupBy(lambda x: (x[0], x[1]))
             .flatMap(lambda x: td.generate_edges([ele[2] for ele in x[1]]))
             .distinct()).persist(pyspark.StorageLevel.DISK_ONLY)
    n_edges = edges.count()
    labels = {}
    if n_edges:
        edges_df = spark.createDataFrame(edges, schema="i long, j long")
        assignment = components(edges_df)
        found = df.select("rid", "__id__").join(assignment, df["__id__"] == assignment["node"])
        labels = {row.rid: row.label for row in found.select("rid", "label").collect()}
    seconds = time.perf_counter() - started
    spark.stop()
    Path(out).write_text(json.dumps({"labels": {str(k): int(v) for k, v in labels.items()}, "kept": kept,
                                     "edges": n_edges, "bands": b, "rows": r, "seconds_inside": round(seconds, 1),
                                     "numpy": np.__version__}))


def measure(master: str, text_dedup_path: str | None) -> list[dict]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from paperlike import read_records, store
    from paperlike.evaluate import score_grouping, truth_from_field

    here = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": here + os.pathsep + os.environ.get("PYTHONPATH", "")}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run = run_sampled([sys.executable, "-m", "paperlike.spark", str(CRAWL), "--model", str(tmp / "model"),
                           "--master", master, "--conf", "spark.driver.memory=8g"], env)
        index = store.load(tmp / "model")
        records = list(index.records_)
        truth = truth_from_field(records, "id")
        labels = index.paper_of_text_[index.text_of_record_].tolist()
        report = json.loads(run["stdout"].strip().splitlines()[-1])
        results.append({"tool": "paperlike Spark build", "seconds": run["seconds"], "peak_mb": run["peak_mb"],
                        "scores": score_grouping(labels, truth).model_dump(),
                        "info": {"candidate pairs": report["counts"]["candidates"]},
                        "examples": _disagreements(labels, truth, records)})
        del index
        if text_dedup_path is None:
            return results
        # text-dedup reads a Parquet folder of documents; the crawl read as paperlike reads it.
        crawl = read_records([CRAWL]).records
        assert [r.id for r in crawl] == [r.id for r in records]
        pq.write_table(pa.table({"rid": pa.array(range(len(crawl)), pa.int64()),
                                 "content": pa.array([_text(r) for r in crawl])}), tmp / "docs.parquet")
        td_env = {**env, "PYTHONPATH": env["PYTHONPATH"] + os.pathsep + text_dedup_path}
        run = run_sampled([sys.executable, __file__, "--worker", str(tmp / "docs.parquet"), str(tmp / "td.json"),
                           "--master", master], td_env)
        found = json.loads((tmp / "td.json").read_text())
        by_rid = {int(k): v for k, v in found["labels"].items()}
        labels = [("group", by_rid[i]) if i in by_rid else ("alone", i) for i in range(len(crawl))]
        results.append({"tool": "text-dedup 0.4.0 Spark MinHash", "seconds": run["seconds"], "peak_mb": run["peak_mb"],
                        "scores": score_grouping(labels, truth).model_dump(),
                        "info": {"LSH edges": found["edges"], "bands x rows": f"{found['bands']} x {found['rows']}",
                                 "documents kept (>= 5 tokens)": found["kept"]},
                        "examples": _disagreements(labels, truth, crawl, limit=40)})
    return results


def table(results: list[dict], master: str) -> str:
    base = results[0]
    lines = [f"| tool ({master}) | wall s | driver / JVM / Python workers MB | pairs found | wrong | missed | "
             "precision | recall | F1 | notes |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        s, m = r["scores"], r["peak_mb"]
        ratio = "" if r is base else f" ({r['seconds'] / base['seconds']:.2f}x)"
        notes = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in r["info"].items())
        lines.append(f"| {r['tool']} | {r['seconds']}{ratio} | {m['driver']:,} / {m['jvm']:,} / {m['workers']:,} | "
                     f"{s['predicted_pairs']:,} | {s['predicted_pairs'] - s['correct_pairs']:,} | "
                     f"{s['true_pairs'] - s['correct_pairs']:,} | {s['precision']:.5f} | {s['recall']:.5f} | "
                     f"{s['f1']:.5f} | {notes} |")
    return "\n".join(lines) + f"\n\nTruth: {base['scores']['true_pairs']:,} pairs of lines with one arXiv id, " \
                              f"{base['scores']['records']:,} lines.\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--text-dedup-path", default=None, help="the folder text-dedup was installed into (--target)")
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    parser.add_argument("--worker", nargs=2, metavar=("PARQUET", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        text_dedup_worker(*args.worker, args.master)
        return
    results = measure(args.master, args.text_dedup_path)
    for r in results:
        print(json.dumps(r), flush=True)
    text = table(results, args.master)
    print(text)
    if args.write:
        command = "python benchmarks/spark_peers.py" + (f" --text-dedup-path {args.text_dedup_path}"
                                                        if args.text_dedup_path else "") + " --write"
        write_section("spark-peers", f"## Duplicates on Spark: paperlike beside text-dedup\n\n`{command}` "
                                     f"({machine()})\n\n{text}")


if __name__ == "__main__":
    main()
