"""How fast duplicates of bibliographic records are found: a whole library, and one incoming record.

The library is 10,000 bibliographic records without abstracts: every record of the two labelled
sets of bib-dedupe's benchmark and of DBLP-ACM (8,181), and copies of records drawn from them
(seed 0) as another database would export them: the title in upper or lower case with a
trailing period, the authors as MEDLINE writes them (``Last FM``), the pages' last page
abbreviated (``91-2``). Timed, each in a fresh process:

- the build: ``PaperIndex().fit(records)`` from the list of records (reading is not timed),
  the whole of which the duplicate search (``Deduplicator.fit``) is the larger part, given
  separately;
- ``check`` of one record against the built index: 400 records, half copies of indexed records
  and half records from the pool that are not indexed, p50 and p99.

Run: ``python benchmarks/dedup_speed.py`` (about a minute); writes the ``dedup-speed`` section
of RESULTS.md.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import DATA, machine, write_section  # noqa: E402

SIZE = 10_000
SEED = 0
CHECKS = 400


def _sources() -> list[Path]:
    bib = DATA / "bib-dedupe"
    return [bib / "cytology_screening" / "records_pre_merged.csv", bib / "haematology" / "records_pre_merged.csv",
            DATA / "dblp-acm" / "DBLP.csv", DATA / "dblp-acm" / "ACM.csv"]


def _medline(name: str) -> str:
    parts = name.replace(".", " ").split()
    return f"{parts[-1]} {''.join(p[0] for p in parts[:-1])}" if len(parts) > 1 else name


def _copy(record, n: int, rnd: random.Random):
    title = record.title or ""
    title = (title.upper() if rnd.random() < 0.5 else title.lower()).rstrip(".") + "."
    pages = record.pages
    if pages and "-" in pages:
        first, last = pages.split("-", 1)
        if len(first) == len(last) and first.isdigit() and last.isdigit() and first[:-1] == last[:-1]:
            pages = f"{first}-{last[-1]}"
    return record.model_copy(update={"id": f"copy-{n}", "title": title, "pages": pages,
                                     "authors": [_medline(a) for a in record.authors]})


def library(rnd: random.Random):
    import paperlike

    records = paperlike.read_records(_sources()).records
    pool = [r for r in records if r.title]
    copies = [_copy(r, n, rnd) for n, r in enumerate(rnd.sample(pool, SIZE - len(records)))]
    return records + copies


def main() -> None:
    from paperlike import Deduplicator, PaperIndex

    rnd = random.Random(SEED)
    records = library(rnd)
    held_out = rnd.sample(records, CHECKS // 2)
    indexed = [r for r in records if r not in held_out]
    start = time.perf_counter()
    index = PaperIndex().fit(indexed)
    build = time.perf_counter() - start
    reps = [index.records_[i] for i in index.record_of_text_]
    start = time.perf_counter()
    Deduplicator().fit(reps, index.vectorizer, index.X_)
    dedup = time.perf_counter() - start
    incoming = [_copy(r, n, rnd) for n, r in enumerate(rnd.sample(indexed, CHECKS // 2))] + held_out
    times, statuses = [], {}
    for record in incoming:
        start = time.perf_counter()
        result = index.check(record)
        times.append(time.perf_counter() - start)
        statuses[result.status] = statuses.get(result.status, 0) + 1
    times.sort()
    p50, p99 = statistics.median(times) * 1000, times[int(0.99 * (len(times) - 1))] * 1000
    lines = [
        "## Duplicates of bibliographic records: speed (`benchmarks/dedup_speed.py`)",
        "",
        machine(),
        "",
        f"{len(records):,} bibliographic records without abstracts (the two bib-dedupe sets and DBLP-ACM, "
        f"and copies as another database exports them; seed {SEED}): {len(indexed):,} indexed "
        f"({index.n_papers:,} papers found), {len(held_out)} held out to be checked.",
        "",
        "| step | time |",
        "|---|---|",
        f"| build (`PaperIndex.fit`: texts, TF-IDF, ranking, duplicates) | {build:.2f} s |",
        f"| of which the duplicate search alone (`Deduplicator.fit` on the built texts, without the vectoriser's title rows) | {dedup:.2f} s |",
        f"| `check` of one record, p50 / p99 over {len(incoming)} ({', '.join(f'{v} {k}' for k, v in sorted(statuses.items()))}) | {p50:.2f} / {p99:.2f} ms |",
    ]
    text = "\n".join(lines)
    print(text)
    write_section("dedup-speed", text)


if __name__ == "__main__":
    main()
