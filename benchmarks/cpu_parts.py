"""Where a build's CPU time goes: ``py-spy`` samples every process and thread of one
``paperlike index CORPUS --model DIR`` and the samples are summed by part of the build.

    python benchmarks/cpu_parts.py CORPUS [--rate 50] [--raw OUT.txt]

Needs ``pip install py-spy`` (and the right to trace a child: root, or ptrace allowed). A
sample is put in the first part (in the order of PARTS) that one of its frames names; a
sample is 1/rate CPU-seconds of one thread (idle threads are not sampled). Prints a Markdown
table; the figures of a run go to RESULTS.md by hand, with the commit.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

# (part, what does the work, frames that name it: "file.py:function" or "file.py:" for any
# function of the file), the first that matches a sample's stack takes it.
PARTS = [
    ("joins: sparse products (texts >= 0.9, titles >= 0.7)", "scipy's CSR x CSR product",
     ["allpairs.py:_tail_product", "allpairs.py:dot_products"]),
    ("joins: mass before a rank (prefix-norm bound)", "numpy", ["allpairs.py:mass_before"]),
    ("joins: filtering each chunk's products by the bounds", "numpy", ["allpairs.py:_join_chunk"]),
    ("joins: indexed parts, chunks", "numpy, scipy", ["allpairs.py:"]),
    ("verification: rules and containment of candidates", "Python", ["rules.py:", "deduplicator.py:verdict"]),
    ("verification: abstract cosines (and ceilings)", "scipy", ["candidates.py:abstract_signals",
                                                                "vectorize.py:abstract_rows"]),
    ("blocking (opening words, paper names), other dedup", "Python", ["candidates.py:", "grouping.py:",
                                                                      "deduplicator.py:"]),
    ("tokenise and count (titles, abstracts)", "`bytes.translate`/`split`, a dict per token",
     ["vectorize.py:_count", "vectorize.py:_count_words", "vectorize.py:_count_in_parallel"]),
    ("read records (JSON, normalise, pydantic, into Arrow batches)", "`json`, pydantic, pyarrow",
     ["sources/", "jsondoc.py:", "table.py:pack", "columns.py:to_batch", "__init__.py:_read"]),
    ("save (records file, key tables, arrays, SHA-256)", "pyarrow, Python", ["store.py:", "columns.py:write"]),
    ("text identities (hash of each record's text key)", "Python, blake2b", ["index.py:same_text_hashes",
                                                                              "index.py:hashes"]),
    ("ranker (BM25 postings, LSA)", "numpy, scipy", ["rank.py:", "lsa.py:"]),
    ("matrix float32 + transpose, TF-IDF weights", "scipy", ["index.py:_set_matrix", "vectorize.py:_tfidf_rows"]),
    ("columns read back by the build's steps", "pyarrow (zstd)", ["table.py:"]),
]


def _part(stack: str) -> str:
    frames = stack.split(";")
    for name, _, marks in PARTS:
        for mark in marks:
            if any(_names(frame, mark) for frame in frames):
                return name
    return "rest (imports, grouping, facets, key tables, interpreter)"


def _names(frame: str, mark: str) -> bool:
    # a raw frame reads "function (path/to/file.py:line)"
    if " (" not in frame:
        return False
    function, where = frame.rsplit(" (", 1)
    path = where.rsplit(":", 1)[0]
    file_mark, _, function_mark = mark.partition(":")
    if not (path.endswith("/" + file_mark) or (file_mark.endswith("/") and f"/{file_mark}" in path)):
        return False
    return not function_mark or function.strip().rsplit(".", 1)[-1] == function_mark  # py-spy names Class.method


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--raw", type=Path, default=None, help="keep py-spy's raw samples here")
    parser.add_argument("--from-raw", action="store_true", help="sum the samples already in --raw, run nothing")
    args = parser.parse_args()
    spy = shutil.which("py-spy")
    if spy is None and not args.from_raw:
        sys.exit("py-spy is not installed: pip install py-spy")
    with tempfile.TemporaryDirectory() as work:
        raw = args.raw or Path(work) / "raw.txt"
        if not args.from_raw:
            subprocess.run([spy, "record", "--subprocesses", "--rate", str(args.rate), "--format", "raw", "-o",
                            str(raw), "--", sys.executable, "-m", "paperlike", "index", args.corpus, "--model",
                            f"{work}/model"], check=True)
        seconds: Counter[str] = Counter()
        for line in raw.read_text(encoding="utf-8").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                seconds[_part(stack)] += int(count) / args.rate
    total = sum(seconds.values())
    print("| part of the build | CPU s | what does the work |\n|---|---:|---|")
    works = {name: what for name, what, _ in PARTS}
    for name, value in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {value:.1f} | {works.get(name, '')} |")
    print(f"| **total** | **{total:.1f}** | |")


if __name__ == "__main__":
    main()
