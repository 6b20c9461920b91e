"""How long counting a corpus's words takes, under one checkout or several taking turns.

Each run is a fresh process with ``PYTHONPATH`` set to a checkout's sources: it reads the
corpus (not timed), then times the vectoriser's counting of every title and abstract in one
process (``vectorize._count``) and ``Vectorizer.fit_fields`` (the build's counting, in two
processes on a large corpus), and prints the count matrix's nonzeros and the vocabulary's size,
which must be the same under every checkout. The checkouts take turns run by run, since the
machine's speed drifts.

Run: ``python benchmarks/tokenise.py CORPUS --src after=src --src before=/tmp/old/src --runs 2``
(prints; RESULTS.md is written by hand from it).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import turns_on_corpus  # noqa: E402

_CHILD = r'''
import sys, time
from paperlike.sources import read_records
from paperlike.vectorize import Vectorizer, _FieldTexts, _count
corpus = read_records([sys.argv[1]], columnar=True)
records = corpus.records
vectorizer = Vectorizer()
start = time.perf_counter()
terms, counts = _count(vectorizer._counter(), _FieldTexts(records))
counted = time.perf_counter() - start
start = time.perf_counter()
vectorizer.fit_fields(records)
fitted = time.perf_counter() - start
print(f"{counted:.2f} {fitted:.2f} {counts.nnz} {len(terms)}")
'''


def show(found: dict[str, list[list[str]]]) -> None:
    """The runs' figures as a Markdown table, by checkout."""
    print("| checkout | counting, one process (s) | fit_fields (s) | nonzeros | terms |")
    print("|---|---|---|---:|---:|")
    for label, runs in found.items():
        print(f"| {label} | {' / '.join(r[0] for r in runs)} | {' / '.join(r[1] for r in runs)} "
              f"| {runs[0][2]} | {runs[0][3]} |")


def main() -> None:
    turns_on_corpus(__doc__.splitlines()[0], _CHILD, 2, show, slice(2, 4),
                    "the checkouts counted different nonzeros or vocabularies")


if __name__ == "__main__":
    main()
