"""How long reading a corpus and telling its texts apart take, under checkouts taking turns.

Each run is a fresh process with ``PYTHONPATH`` set to a checkout's sources. It times
``read_records(corpus, columnar=True)`` (what ``paperlike index`` reads with: two processes on
a large JSON-lines file), wall and the CPU of both processes, then the hashes of every record's
text key in one process (``index.same_text_hashes``, the build's "texts: identities" without its
second process), and prints the records read and a digest of the hashes, which must be the same
under every checkout. The checkouts take turns run by run, since the machine's speed drifts.

Run: ``python benchmarks/reading.py CORPUS --src after=src --src before=/tmp/old/src --runs 3``
(prints; RESULTS.md is written by hand from it).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import turns_on_corpus  # noqa: E402

_CHILD = r'''
import hashlib, os, resource, sys, time
from paperlike import index
from paperlike.sources import read_records
cpu = lambda: sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                  for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
start, used = time.perf_counter(), cpu()
records = read_records([sys.argv[1]], columnar=True).records
read, read_cpu = time.perf_counter() - start, cpu() - used
start = time.perf_counter()
os.environ["PAPERLIKE_JOBS"] = "1"  # one process: the keys' own cost
hashes = index.same_text_hashes(records)
keys = time.perf_counter() - start
print(f"{read:.2f} {read_cpu:.2f} {keys:.2f} {len(records)} {hashlib.sha256(hashes.tobytes()).hexdigest()[:16]}")
'''


def show(found: dict[str, list[list[str]]]) -> None:
    """The runs' figures as a Markdown table, by checkout."""
    print("| checkout | reading, wall (s) | reading, CPU (s) | text keys, one process (s) | records | hashes |")
    print("|---|---|---|---|---:|---|")
    for label, runs in found.items():
        cells = [" / ".join(r[k] for r in runs) + f" (median {statistics.median(float(r[k]) for r in runs):.2f})"
                 for k in range(3)]
        print(f"| {label} | {' | '.join(cells)} | {runs[0][3]} | {runs[0][4]} |")


def main() -> None:
    turns_on_corpus(__doc__.splitlines()[0], _CHILD, 3, show, slice(3, 5),
                    "the checkouts read different records or made different text keys")


if __name__ == "__main__":
    main()
