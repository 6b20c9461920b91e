"""A Spark session set up for paperlike's jobs."""

from __future__ import annotations

import os
import sys

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

__all__ = ["session", "one_process", "to_arrow"]


def session(master: str | None = None, app_name: str = "paperlike", *, shuffle_partitions: int | None = None,
            ui: bool = False, conf: dict[str, str] | None = None) -> SparkSession:
    """The active Spark session, or a new one on ``master`` (``local[2]``, ``spark://host:7077``,
    ``yarn``...; None: what spark-submit or the environment says, else ``local[*]``).

    Arrow batches for the Python workers; on a local master the Python workers run this
    interpreter, few shuffle partitions and no web UI unless asked; ``conf`` adds settings.
    """
    builder = SparkSession.builder.appName(app_name)
    local = master is None or master.startswith("local")
    if master is not None:
        builder = builder.master(master)
    if local:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "true" if ui else "false")
               .config("spark.sql.adaptive.enabled", "true")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.python.worker.reuse", "true")
               .config("spark.executorEnv.PAPERLIKE_JOBS", "1"))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    if shuffle_partitions or local:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions or 8))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def one_process() -> None:
    """Called in a Python worker: paperlike's own forking and threads off, Spark's tasks are
    the parallelism."""
    os.environ["PAPERLIKE_JOBS"] = "1"


def to_arrow(df: DataFrame) -> pa.Table:
    """The DataFrame collected to the driver as an Arrow table."""
    if hasattr(df, "toArrow"):  # pyspark 4
        return df.toArrow()
    return pa.Table.from_pandas(df.toPandas(), preserve_index=False)
