"""Calibrating the duplicate threshold: pairwise precision and recall of paperlike's grouping at
several abstract-cosine thresholds, on the two labelled sets, in one run.

    python benchmarks/dedup_threshold.py

The arXiv crawl is labelled by arXiv id (one id is one paper); DBLP-ACM by its matches.csv.
Each set is indexed once; only the grouping is redone per threshold.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import DATA, machine, write_section  # noqa: E402

import paperlike  # noqa: E402
from paperlike.evaluate import score_grouping  # noqa: E402

THRESHOLDS = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
TITLE_THRESHOLDS = (0.8, 0.85, 0.9, 0.95)


def labelled_sets() -> dict[str, tuple[list[paperlike.Record], list]]:
    arxiv = paperlike.read_records([DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"]).records
    dblp = paperlike.read_records([DATA / "dblp-acm" / "DBLP.csv", DATA / "dblp-acm" / "ACM.csv"]).records
    return {
        "arXiv crawl 2025 (truth: same id)": (arxiv, paperlike.truth_from_field(arxiv, "id")),
        "DBLP-ACM (truth: matches.csv)": (dblp, paperlike.truth_from_pairs(dblp, DATA / "dblp-acm" / "matches.csv")),
    }


def sweep(records, truth, settings) -> list[tuple[dict, paperlike.DupeScores, float]]:
    index = paperlike.build_index(records)
    texts = [index.records_[i] for i in index.record_of_text_]
    rows = []
    for params in settings:
        start = time.perf_counter()
        dedup = paperlike.Deduplicator(**params).fit(texts, index.vectorizer, index.X_)
        seconds = time.perf_counter() - start
        rows.append((params, score_grouping(dedup.paper_of_text_[index.text_of_record_].tolist(), truth), seconds))
    return rows


def table(rows) -> str:
    lines = ["| threshold | title threshold | precision | recall | F1 | B-cubed F1 | grouping s |",
             "|---|---|---|---|---|---|---|"]
    for params, s, seconds in rows:
        lines.append(f"| {params['threshold']} | {params['title_threshold']} | {s.precision:.4f} | "
                     f"{s.recall:.4f} | {s.f1:.4f} | {s.bcubed_f1:.4f} | {seconds:.1f} |")
    return "\n".join(lines)


def main() -> None:
    sets = labelled_sets()
    settings = ([{"threshold": t, "title_threshold": 0.9} for t in THRESHOLDS]
                + [{"threshold": 0.8, "title_threshold": t} for t in TITLE_THRESHOLDS if t != 0.9])
    parts = [f"## Duplicate threshold (`benchmarks/dedup_threshold.py`)\n\n{machine()}\n"]
    for name, (records, truth) in sets.items():
        rows = sweep(records, truth, settings)
        parts.append(f"### {name}: {len(records):,} records\n\n{table(rows)}\n")
        print(name)
        print(table(rows))
    parts.append(
        "The abstract threshold is calibrated on the arXiv crawl: every value from 0.7 to 0.9 keeps "
        "precision and recall above 0.995 there, and 0.8 sits in the middle of that plateau, "
        "away from both edges (revised abstracts measured 0.92-0.98, different papers that share "
        "a title 0.16-0.73). The title threshold only matters for records without abstracts; "
        "DBLP-ACM was not used to choose it (0.9 was set before measuring it), and the rows "
        "above show how much it would move F1 there.")
    write_section("dedup-threshold", "\n".join(parts))


if __name__ == "__main__":
    main()
