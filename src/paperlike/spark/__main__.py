"""``spark-submit``'s entry: build a model on the cluster spark-submit names.

    spark-submit --master yarn --py-files paperlike.zip $(python -c 'import paperlike.spark.__main__ as m; print(m.__file__)') \\
        /shared/records/ --model /shared/models/all

or, where paperlike is installed on every node, ``python -m paperlike.spark INPUT... --model DIR``
(then ``--master`` picks the cluster). The inputs and the model folder must be on a file
system the driver (model) and the executors (inputs) can read and write; the executors also
write the TF-IDF rows into the model's staging area beside the model folder (or ``--staging``).
"""

from __future__ import annotations

import argparse
import json
import sys

from paperlike.errors import PaperlikeError
from paperlike.sources import MAX_RECORD_BYTES, seed_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paperlike.spark",
                                     description="Build a paperlike model on Apache Spark (docs/spark.md).")
    parser.add_argument("paths", nargs="*", help="files or folders of records (none: the seed corpus)")
    parser.add_argument("--model", required=True, help="the model folder to write")
    parser.add_argument("--master", default=None, help="Spark master URL (default: spark-submit's, else local[*])")
    parser.add_argument("--input-format", default=None, help="the records' format (default: detected)")
    parser.add_argument("--year", type=int, default=None, help="year for listing dates without one")
    parser.add_argument("--strict", action="store_true", help="reject the input if any record is malformed")
    parser.add_argument("--max-record-bytes", type=int, default=MAX_RECORD_BYTES)
    parser.add_argument("--staging", default=None,
                        help="folder the executors write the TF-IDF rows into for the driver to assemble "
                             "(default: the model's staging area beside --model; on a cluster, a shared file system)")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark setting (repeatable), as spark-submit's --conf")
    args = parser.parse_args(argv)
    from paperlike.spark.build import BuildReport, rebuild
    from paperlike.spark.session import session

    report = BuildReport()
    try:
        conf = dict(item.split("=", 1) for item in args.conf)
        index = rebuild(args.model, session(args.master, conf=conf), args.paths or [str(p) for p in seed_paths()],
                        report=report, format=args.input_format, year=args.year, strict=args.strict,
                        max_record_bytes=args.max_record_bytes, staging=args.staging)
    except PaperlikeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for item in report.skipped:
        print(f"skipped {item.path}:{item.line}: {item.reason}", file=sys.stderr)
    print(json.dumps({"model": args.model, "records": len(index.records_), "papers": index.n_papers,
                      "vocabulary": len(index.vectorizer.vocabulary_), "skipped": len(report.skipped),
                      "seconds": report.steps, "counts": report.counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
