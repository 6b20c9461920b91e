"""Duplicate detection ("which records are versions of one paper"): paperlike against two peers,
in the same run on the same records.

The peers are not dependencies of paperlike; install them into the venv for this benchmark only:

    pip install datasketch       # MinHash + LSH (2.0.0 measured)
    pip install bib-dedupe       # CoLRev's bibliographic deduplicator (0.11.0 measured; pulls pandas)

A peer whose package is missing is skipped with a message. Run:

    python benchmarks/dedup_peers.py          # every dataset, about 20 minutes on 2 cores; writes RESULTS.md
    python benchmarks/dedup_peers.py --datasets cytology haematology dblp-acm   # ~2.5 minutes; prints only
    python benchmarks/dedup_peers.py --datasets seeds --no-peers               # paperlike alone

Options: ``--datasets`` runs a subset of ``cytology haematology dblp-acm arxiv seeds`` (all by
default); ``--no-peers`` runs paperlike only; ``--write`` writes the ``dedup-peers`` section of
RESULTS.md. The section is written by default only by a complete run (every dataset, peers
included), so that a partial run never replaces the full tables; a partial run prints its tables
and writes them (replacing the whole section) only when given ``--write``.

Datasets: bib-dedupe's two labelled benchmark sets ``cytology`` and ``haematology``
(``../shared/data/bib-dedupe/<set>/records_pre_merged.csv``, truth ``merged_record_ids.csv``: one
group of ids a line), DBLP-ACM, the arXiv crawl (and its subset, see the end) and the seed corpus.

Every tool gets the same records, read with ``paperlike.read_records``, and must give one label
per record; labels are scored with ``paperlike.evaluate.score_grouping`` (pairwise and B-cubed).
On cytology and haematology the truth is ``paperlike.evaluate.truth_from_groups``, and every tool is
scored over ALL rows of the CSV: the rows paperlike's reader skips (neither title nor abstract:
2 on haematology) are added as singleton predictions with their truth labels (those in a truth
group come from ``truth_from_groups``'s ``missing``; those in none as singletons of their own),
and bib-dedupe is given the original CSV (see below), so it labels every row itself.
Each (dataset, tool) runs in a process of its own, which reads the records, runs the tool from
the list of records to labels (timed with ``time.perf_counter``; reading the records is not
timed), scores them and reports its peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``; for
bib-dedupe also the largest of its worker processes). The parent watches every job once a
second: a job that leaves the machine under ``MIN_AVAILABLE_GB`` of available memory, or runs
over its time limit, is killed with its worker processes.

Tools:

1. paperlike: ``PaperIndex().fit(records)`` with its default ``Deduplicator()`` (what
   ``paperlike.evaluate_dupes`` runs), labels ``index.paper_of_text_[index.text_of_record_]``;
   seconds: that fit. Its "maybe" pairs (``len(index.dedup.maybe_)``, pairs of texts left for a
   person to decide) are not accepted; their number is given under each table.
2. MinHash + LSH (datasketch) with text-dedup's (ChenghaoMou/text-dedup) MinHash settings: word
   5-gram shingles of the lower-cased text split on non-word characters (a text of fewer than 5
   words is one shingle, as text-dedup's ``ngrams``), ``num_perm=256``, seed 42, datasketch's
   default SHA-1 32-bit hash, ``MinHashLSH(threshold=0.5)`` with datasketch's optimal bands for
   that threshold (text-dedup uses the same ``optimal_param``). Candidates from LSH are verified
   with the exact Jaccard of the two shingle sets >= 0.5 (sets of 64-bit hashes of the shingles),
   groups are connected components (union-find). Text: title + " " + abstract; title + authors +
   venue for records without an abstract. On DBLP-ACM two more rows: 3-word shingles, and
   3-word shingles of the title alone.
3. bib-dedupe: ``prep -> block -> match -> cluster`` from ``bib_dedupe.bib_dedupe`` with its
   defaults (``cpu=-1``: both cores). Records map to its frame as ID = row number, ENTRYTYPE
   "article", title, author in BibTeX form ("Last, First and Last, First", last word = surname),
   year, journal = venue, abstract, doi. Its duplicate clusters become labels; its "maybe" pairs
   (meant for manual review) are left out, and a second row shows them all accepted. Variants:
   on arXiv, journal "arXiv" for records without a venue (every one of bib-dedupe's duplicate
   rules needs an agreeing container title, or volume/pages/DOI, which arXiv listings lack); on
   DBLP-ACM, ``search_set`` = the record's source file (bib-dedupe then never pairs two records
   of one file, information that paperlike does not get). On cytology and haematology it gets
   instead its native input: the original CSV read with ``pandas.read_csv(path, dtype=str)``, its
   columns exactly as they are (ID, title, year, author, pages, volume, number, ENTRYTYPE, journal);
   its clusters name the CSV ids. Reading the CSV is not timed.

If bib-dedupe fails or runs over ``BIB_DEDUPE_LIMIT_S`` on the whole arXiv crawl, all three
tools also run on a subset: every record of ``SUBSET_IDS`` arXiv ids drawn with seed ``SEED``.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import DATA, RESULTS, machine, write_section  # noqa: E402

SEED = 0
SUBSET_IDS = 5000
MIN_AVAILABLE_GB = 3.0
JOB_LIMIT_S = 30 * 60
BIB_DEDUPE_LIMIT_S = 15 * 60

MINHASH = dict(ngram=5, num_perm=256, threshold=0.5, seed=42)

DATASETS = {
    "cytology": "bib-dedupe benchmark: cytology_screening (truth: merged_record_ids.csv)",
    "haematology": "bib-dedupe benchmark: haematology (truth: merged_record_ids.csv)",
    "dblp-acm": "DBLP-ACM (truth: matches.csv)",
    "arxiv": "arXiv crawl 2025 (truth: same arXiv id)",
    "arxiv-subset": f"arXiv crawl, subset: every record of {SUBSET_IDS:,} random arXiv ids (seed {SEED})",
    "seeds": "seed corpus (no truth)",
}
CHOICES = ["cytology", "haematology", "dblp-acm", "arxiv", "seeds"]  # what --datasets takes; arxiv-subset follows arxiv
BIB_DEDUPE_SETS = {"cytology": "cytology_screening", "haematology": "haematology"}

PEERS = {"minhash": "datasketch", "bib-dedupe": "bib_dedupe"}
PIP = {"minhash": "pip install datasketch", "bib-dedupe": "pip install bib-dedupe"}


# -- data ------------------------------------------------------------------------------------


def load(dataset: str):
    """Records and truth labels (None for the seeds) of a dataset, read with paperlike, and a dict
    of extras: ``unread``, the truth labels of records of the input that paperlike's reader
    skipped (they count as singleton predictions), and for bib-dedupe's sets ``csv`` (the path)
    and ``csv_truth`` (truth labels of every CSV row, in file order)."""
    import paperlike
    from paperlike.evaluate import base_id, truth_from_groups

    if dataset in BIB_DEDUPE_SETS:
        folder = DATA / "bib-dedupe" / BIB_DEDUPE_SETS[dataset]
        path, groups = folder / "records_pre_merged.csv", folder / "merged_record_ids.csv"
        records = paperlike.read_records([path]).records
        truth, missing = truth_from_groups(records, groups)
        with open(path, newline="", encoding="utf-8") as f:
            csv_ids = [row["ID"] for row in csv.DictReader(f)]
        read = {base_id(r) for r in records}
        skipped = [i for i in csv_ids if i not in read]
        assert len(csv_ids) == len(set(csv_ids)) and len(read) == len(records) and len(skipped) >= len(missing)
        # skipped rows in a truth group come back as `missing`; the others are singletons of their own
        unread = missing + [("unread-alone", k) for k in range(len(skipped) - len(missing))]
        csv_truth, csv_missing = truth_from_groups([paperlike.Record(id=i) for i in csv_ids], groups)
        assert not csv_missing and len(records) + len(unread) == len(csv_truth)
        return records, truth, dict(unread=unread, csv=str(path), csv_truth=csv_truth)
    return (*_load(dataset), dict(unread=[]))


def _load(dataset: str):
    import paperlike
    from paperlike.evaluate import base_id

    if dataset in ("arxiv", "arxiv-subset"):
        records = paperlike.read_records([DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"]).records
        if dataset == "arxiv-subset":
            ids = sorted({base_id(r) for r in records})
            chosen = set(random.Random(SEED).sample(ids, SUBSET_IDS))
            records = [r for r in records if base_id(r) in chosen]
        return records, paperlike.truth_from_field(records, "id")
    if dataset == "dblp-acm":
        folder = DATA / "dblp-acm"
        records = paperlike.read_records([folder / "DBLP.csv", folder / "ACM.csv"]).records
        return records, paperlike.truth_from_pairs(records, folder / "matches.csv")
    if dataset == "seeds":
        return paperlike.read_records(paperlike.seed_paths()).records, None
    raise ValueError(dataset)


# -- tools: records -> labels ----------------------------------------------------------------


def run_paperlike(records, truth) -> list[dict]:
    from paperlike import PaperIndex

    start = time.perf_counter()
    index = PaperIndex().fit(records)  # default Deduplicator(), as paperlike.evaluate_dupes
    seconds = time.perf_counter() - start
    labels = index.paper_of_text_[index.text_of_record_].tolist()
    return [dict(tool="paperlike", labels=labels, seconds=seconds,
                 info=dict(maybe_pairs=int(len(index.dedup.maybe_))))]


_NON_WORD = re.compile(r"\W+", re.UNICODE)


def _minhash_text(record, title_only: bool = False) -> str:
    if title_only:
        return record.title or ""
    if record.abstract:
        return f"{record.title or ''} {record.abstract}"
    return " ".join([record.title or "", " ".join(record.authors), record.venue or ""])


def _shingles(text: str, n: int) -> list[str]:
    words = [w for w in _NON_WORD.split(text.lower()) if w]
    if not words:
        return []
    if len(words) < n:  # text-dedup's ngrams: a short text is one shingle
        return [" ".join(words)]
    return list(dict.fromkeys(" ".join(words[i:i + n]) for i in range(len(words) - n + 1)))


def run_minhash(records, truth, ngram: int = MINHASH["ngram"], title_only: bool = False) -> list[dict]:
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from paperlike.evaluate import labels_from_pairs

    start = time.perf_counter()
    shingles = [_shingles(_minhash_text(r, title_only), ngram) for r in records]
    hashed = [np.unique(np.fromiter((hash(s) for s in sh), dtype=np.int64, count=len(sh)))
              for sh in shingles]
    keep = [i for i, sh in enumerate(shingles) if sh]
    minhashes = MinHash.bulk(([s.encode("utf-8") for s in shingles[i]] for i in keep),
                             num_perm=MINHASH["num_perm"], seed=MINHASH["seed"])
    lsh = MinHashLSH(threshold=MINHASH["threshold"], num_perm=MINHASH["num_perm"])
    with lsh.insertion_session() as session:
        for i, m in zip(keep, minhashes):
            session.insert(i, m, check_duplication=False)
    joined = []

    candidates = verified = 0
    for i, m in zip(keep, minhashes):
        for j in lsh.query(m):
            if j <= i:
                continue
            candidates += 1
            a, b = hashed[i], hashed[j]
            inter = np.intersect1d(a, b, assume_unique=True).size
            if inter / (a.size + b.size - inter) >= MINHASH["threshold"]:
                verified += 1
                joined.append((i, j))
    labels = labels_from_pairs(len(records), joined).tolist()
    seconds = time.perf_counter() - start
    name = "MinHash+LSH" + ("" if ngram == MINHASH["ngram"] else f", {ngram}-word shingles")
    name += ", title only" if title_only else ""
    return [dict(tool=name, labels=labels, seconds=seconds,
                 info=dict(candidate_pairs=candidates, verified_pairs=verified,
                           empty=len(records) - len(keep),
                           short=sum(1 for sh in shingles if len(sh) == 1),
                           bands_rows=list(lsh.b_r) if hasattr(lsh, "b_r") else [lsh.b, lsh.r]))]


def _bibtex_author(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


def run_bib_dedupe(records, truth, search_sets: bool = False, default_journal: str | None = None,
                   stage=lambda s: None) -> list[dict]:
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    start = time.perf_counter()
    stage("frame")
    rows = []
    for i, r in enumerate(records):
        row = dict(ID=f"r{i}", ENTRYTYPE="article", title=r.title or "",
                   author=" and ".join(_bibtex_author(a) for a in r.authors),
                   year=str(r.year) if r.year is not None else "", journal=r.venue or default_journal or "",
                   abstract=r.abstract or "", doi=r.doi or "")
        if search_sets:
            row["search_set"] = Path(r.source.path).name if r.source else ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    stage("prep")
    prepared = prep(frame, verbosity_level=0)
    stage("block")
    pairs = block(prepared, verbosity_level=0)
    stage("match")
    matched = match(pairs, verbosity_level=0)
    stage("cluster")
    clusters = cluster(matched, verbosity_level=0)
    labels = _labels_from_clusters(len(records), clusters)
    seconds = time.perf_counter() - start
    counts = matched["duplicate_label"].value_counts().to_dict() if len(matched) else {}
    info = dict(blocked_pairs=int(len(pairs)), duplicate_pairs=int(counts.get("duplicate", 0)),
                maybe_pairs=int(counts.get("maybe", 0)))
    name = "bib-dedupe" + (" (told each record's source file)" if search_sets else "")
    name += f", journal \"{default_journal}\" where no venue" if default_journal else ""
    out = [dict(tool=name, labels=labels, seconds=seconds, info=info)]
    if info["maybe_pairs"]:
        accepted = matched.assign(duplicate_label=matched["duplicate_label"].replace("maybe", "duplicate"))
        out.append(dict(tool=f"{name}, every \"maybe\" accepted",
                        labels=_labels_from_clusters(len(records), cluster(accepted, verbosity_level=0)),
                        seconds=seconds, info=dict(note="same run as bib-dedupe")))
    return out


def run_bib_dedupe_csv(records, truth, csv_path: str, stage=lambda s: None) -> list[dict]:
    """bib-dedupe on its native input, the original CSV; labels cover every row of the CSV."""
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    stage("read csv")
    frame = pd.read_csv(csv_path, dtype=str)
    position = {str(i): k for k, i in enumerate(frame["ID"])}
    start = time.perf_counter()
    stage("prep")
    prepared = prep(frame, verbosity_level=0)
    stage("block")
    pairs = block(prepared, verbosity_level=0)
    stage("match")
    matched = match(pairs, verbosity_level=0)
    stage("cluster")
    clusters = cluster(matched, verbosity_level=0)
    labels = _labels_from_clusters(len(frame), clusters, position)
    seconds = time.perf_counter() - start
    counts = matched["duplicate_label"].value_counts().to_dict() if len(matched) else {}
    info = dict(blocked_pairs=int(len(pairs)), duplicate_pairs=int(counts.get("duplicate", 0)),
                maybe_pairs=int(counts.get("maybe", 0)))
    out = [dict(tool="bib-dedupe", labels=labels, seconds=seconds, info=info, over_csv=True)]
    if info["maybe_pairs"]:
        accepted = matched.assign(duplicate_label=matched["duplicate_label"].replace("maybe", "duplicate"))
        out.append(dict(tool="bib-dedupe, every \"maybe\" accepted",
                        labels=_labels_from_clusters(len(frame), cluster(accepted, verbosity_level=0), position),
                        seconds=seconds, info=dict(note="same run as bib-dedupe"), over_csv=True))
    return out


def _labels_from_clusters(n: int, clusters, position: dict | None = None) -> list:
    """One label per row: the cluster's, or the row's own; ``position`` maps an ID to its row
    (default: the ``r{i}`` IDs that run_bib_dedupe gives)."""
    labels: list = list(range(n))
    for k, members in enumerate(clusters):
        for member in members:
            labels[position[str(member)] if position is not None else int(str(member)[1:])] = n + k
    return labels


TOOLS = {
    "paperlike": run_paperlike,
    "minhash": run_minhash,
    "minhash-3": lambda records, truth, **kw: run_minhash(records, truth, ngram=3),
    "minhash-title": lambda records, truth, **kw: run_minhash(records, truth, ngram=3, title_only=True),
    "bib-dedupe": run_bib_dedupe,
    "bib-dedupe-sets": lambda records, truth, **kw: run_bib_dedupe(records, truth, search_sets=True, **kw),
    "bib-dedupe-arxiv": lambda records, truth, **kw: run_bib_dedupe(records, truth, default_journal="arXiv", **kw),
    "bib-dedupe-csv": run_bib_dedupe_csv,
}


# -- worker: one (dataset, tool) in its own process ------------------------------------------


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def worker(dataset: str, tool: str, out: Path) -> None:
    from paperlike.evaluate import score_grouping

    stage_file = out.with_suffix(".stage")

    def stage(name: str) -> None:
        stage_file.write_text(name)

    stage("read records")
    records, truth, extra = load(dataset)
    unread = extra["unread"]
    rss_records = _maxrss_mb(resource.RUSAGE_SELF)
    stage("run")
    kwargs = {"stage": stage} if tool.startswith("bib-dedupe") else {}
    if tool == "bib-dedupe-csv":
        kwargs["csv_path"] = extra["csv"]
    rows = TOOLS[tool](records, truth, **kwargs)
    for row in rows:
        labels = row.pop("labels", None)
        if labels is not None:
            if row.pop("over_csv", False):  # labels every row of the CSV itself
                assert len(labels) == len(extra["csv_truth"])
                row["scores"] = score_grouping(labels, extra["csv_truth"]).model_dump()
            elif truth is not None:  # records the reader skipped: singleton predictions
                row["scores"] = score_grouping(list(labels) + [("unread", k) for k in range(len(unread))],
                                               list(truth) + list(unread)).model_dump()
            sizes = Counter(labels)
            row["groups"] = sum(1 for s in sizes.values() if s > 1)
            row["grouped_records"] = sum(s for s in sizes.values() if s > 1)
            row["papers"] = len(sizes)
    result = dict(rows=rows, records=len(records), unread=len(unread), rss_records_mb=rss_records,
                  rss_peak_mb=_maxrss_mb(resource.RUSAGE_SELF),
                  rss_workers_mb=_maxrss_mb(resource.RUSAGE_CHILDREN))
    out.write_text(json.dumps(result))


# -- parent: run jobs under a watchdog -------------------------------------------------------


def _memory_available() -> int:
    """MemAvailable of the machine, in bytes (one cheap read; nothing else runs meanwhile)."""
    text = Path("/proc/meminfo").read_text()
    return int(re.search(r"^MemAvailable:\s+(\d+) kB", text, re.M).group(1)) * 1024


def run_job(dataset: str, tool: str, limit_s: float = JOB_LIMIT_S) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        start, load_start = time.perf_counter(), os.getloadavg()[0]
        proc = subprocess.Popen([sys.executable, __file__, "--worker", dataset, tool, str(out)],
                                start_new_session=True)
        before, peak, failure = _memory_available(), 0, None
        while proc.poll() is None:
            time.sleep(1.0)
            available = _memory_available()
            peak = max(peak, before - available)
            elapsed = time.perf_counter() - start
            if available < MIN_AVAILABLE_GB * 2**30:
                failure = f"killed when the machine had under {MIN_AVAILABLE_GB:.0f} GB left"
            elif elapsed > limit_s:
                failure = f"killed at the {limit_s / 60:.0f}-minute limit"
            if failure:
                stage_file = out.with_suffix(".stage")
                where = stage_file.read_text() if stage_file.exists() else "?"
                failure += f" after {elapsed:.0f} s, in its {where} step"
                os.killpg(proc.pid, 9)
                proc.wait()
                break
        elapsed = time.perf_counter() - start
        if failure is None and (proc.returncode != 0 or not out.exists()):
            failure = f"failed (exit code {proc.returncode}) after {elapsed:.0f} s; see its traceback above"
        load = [load_start, os.getloadavg()[0]]
        if failure:
            return dict(failed=failure, peak_job_gb=peak / 2**30, load=load)
        result = json.loads(out.read_text())
        result["peak_job_gb"] = peak / 2**30
        result["load"] = load
        return result


def fmt(x, digits=4):
    return "–" if x is None else f"{x:.{digits}f}"


def table(results: list[tuple[str, dict]], dataset: str) -> str:
    scored = dataset != "seeds"
    if scored:
        head = ("| tool | precision | recall | F1 | B-cubed F1 | pairs found (correct) | seconds | peak RSS MB |\n"
                "|---|---|---|---|---|---|---|---|")
    else:
        head = ("| tool | groups (>1 record) | records in groups | papers | seconds | peak RSS MB |\n"
                "|---|---|---|---|---|---|")
    lines = [head]
    for _, result in results:
        if "failed" in result:
            lines.append(f"| {result['tool']} | {result['failed']} |" + " |" * (6 if scored else 4))
            continue
        if "skipped" in result:
            lines.append(f"| {result['tool']} | not installed: `{result['skipped']}` |" + " |" * (6 if scored else 4))
            continue
        for row in result["rows"]:
            rss = f"{result['rss_peak_mb']:,.0f}"
            if row["tool"].startswith("bib-dedupe") and result["rss_workers_mb"] > 0:
                rss += f" (workers {result['rss_workers_mb']:,.0f})"
            if "same run" in row.get("info", {}).get("note", ""):
                rss = "same run"
            if scored:
                s = row["scores"]
                lines.append(f"| {row['tool']} | {fmt(s['precision'])} | {fmt(s['recall'])} | {fmt(s['f1'])} "
                             f"| {fmt(s['bcubed_f1'])} | {s['predicted_pairs']:,} ({s['correct_pairs']:,}) "
                             f"| {row['seconds']:.1f} | {rss} |")
            else:
                lines.append(f"| {row['tool']} | {row['groups']} | {row['grouped_records']} | {row['papers']} "
                             f"| {row['seconds']:.2f} | {rss} |")
    return "\n".join(lines)


def parse_args(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="Duplicate detection: paperlike against MinHash+LSH and "
                                     "bib-dedupe (see the module docstring).")
    parser.add_argument("--datasets", nargs="+", choices=CHOICES, default=CHOICES, metavar="NAME",
                        help=f"datasets to run, of {' '.join(CHOICES)} (default: all)")
    parser.add_argument("--no-peers", action="store_true", help="run paperlike only")
    parser.add_argument("--write", action="store_true",
                        help="write the dedup-peers section of RESULTS.md even for a partial run "
                             "(a complete run writes it anyway)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    missing = {}
    for tool, module in PEERS.items():
        if args.no_peers:
            break
        if importlib.util.find_spec(module) is None:
            missing[tool] = PIP[tool]
            print(f"{tool}: package not installed, skipping it (install with `{PIP[tool]}`)", flush=True)

    full_plan = {
        "cytology": ["paperlike", "minhash", "bib-dedupe-csv"],
        "haematology": ["paperlike", "minhash", "bib-dedupe-csv"],
        "dblp-acm": ["paperlike", "minhash", "minhash-3", "minhash-title", "bib-dedupe", "bib-dedupe-sets"],
        "arxiv": ["paperlike", "minhash", "bib-dedupe", "bib-dedupe-arxiv"],
        "seeds": ["paperlike", "minhash", "bib-dedupe"],
    }
    plan = {d: [t for t in full_plan[d] if not args.no_peers or t == "paperlike"]
            for d in CHOICES if d in args.datasets}
    complete = not args.no_peers and set(plan) == set(CHOICES)
    results: dict[str, list[tuple[str, dict]]] = {}

    def run(dataset: str, tool: str, limit_s: float = JOB_LIMIT_S) -> dict:
        peer = "minhash" if tool.startswith("minhash") else "bib-dedupe" if tool.startswith("bib-dedupe") else None
        label = {"paperlike": "paperlike", "minhash": "MinHash+LSH", "minhash-3": "MinHash+LSH, 3-word shingles",
                 "minhash-title": "MinHash+LSH, 3-word shingles, title only",
                 "bib-dedupe": "bib-dedupe", "bib-dedupe-sets": "bib-dedupe (told each record's source file)",
                 "bib-dedupe-arxiv": "bib-dedupe, journal \"arXiv\" where no venue",
                 "bib-dedupe-csv": "bib-dedupe"}[tool]
        if peer in missing:
            result = dict(tool=label, skipped=missing[peer])
        else:
            print(f"[{time.perf_counter() - t0:6.0f} s] {dataset}: {label} ...", flush=True)
            result = run_job(dataset, tool, limit_s)
            result["tool"] = label
            if "failed" in result:
                print(f"    {label} on {dataset}: {result['failed']}", flush=True)
            else:
                for row in result["rows"]:
                    s = row.get("scores")
                    extra = (f"P {s['precision']:.4f} R {s['recall']:.4f} F1 {s['f1']:.4f} B3F1 {s['bcubed_f1']:.4f}"
                             if s else f"{row['groups']} groups / {row['papers']} papers")
                    print(f"    {row['tool']}: {extra}, {row['seconds']:.1f} s, info {row.get('info', {})}", flush=True)
                print(f"    peak RSS {result['rss_peak_mb']:,.0f} MB (records alone {result['rss_records_mb']:,.0f} MB), "
                      f"machine memory in use rose by up to {result['peak_job_gb']:.2f} GB", flush=True)
        results.setdefault(dataset, []).append((tool, result))
        return result

    for dataset, tools in plan.items():
        for tool in tools:
            limit = BIB_DEDUPE_LIMIT_S if (dataset == "arxiv" and tool.startswith("bib-dedupe")) else JOB_LIMIT_S
            run(dataset, tool, limit)
    full_bib = dict(results.get("arxiv", [])).get("bib-dedupe", {})
    if "failed" in full_bib:
        for tool in ["paperlike", "minhash", "bib-dedupe"]:
            run("arxiv-subset", tool)

    markdown = report(results, time.perf_counter() - t0)
    print("\n" + markdown)
    if complete or args.write:
        write_section("dedup-peers", markdown)
        print(f"\nWrote the dedup-peers section of {RESULTS}.")
    else:
        print("\nA partial run: RESULTS.md left as it is (give --write to replace its dedup-peers section "
              "with these tables).")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def report(results: dict, total_s: float) -> str:
    out = [
        "## Duplicate detection against peers (`benchmarks/dedup_peers.py`)",
        "",
        f"{machine()}; paperlike {_version('paperlike')}, datasketch {_version('datasketch')}, "
        f"bib-dedupe {_version('bib-dedupe')}, pandas {_version('pandas')}; total run {total_s / 60:.1f} min.",
        "",
        "All tools get the same records (read with `paperlike.read_records`) and give one label per record, "
        "scored with `paperlike.evaluate.score_grouping`: pairwise precision/recall/F1 over pairs of "
        "records placed together, and B-cubed F1. Seconds: from the list of records to labels (reading the "
        "files not included). Each tool runs in a process of its own; peak RSS is that process's "
        "`ru_maxrss` and includes the records it holds (the row under each table gives the RSS of the "
        "records alone). paperlike and MinHash use one core; bib-dedupe uses both (its defaults, `cpu=-1`), "
        "and its worker processes' largest RSS is given in brackets. On bib-dedupe's two benchmark sets "
        "(cytology, haematology) the truth is `merged_record_ids.csv` (`truth_from_groups`), bib-dedupe is "
        "given the original CSV instead (its native input), and every tool is scored over every row of the "
        "CSV: a row paperlike's reader skips (no title and no abstract) is a singleton for paperlike and MinHash.",
        "",
        "Settings:",
        "",
        "- paperlike: `PaperIndex().fit(records)` with the default `Deduplicator()` (threshold 0.8, title "
        "threshold 0.9; what `paperlike.evaluate_dupes` runs), labels `paper_of_text_[text_of_record_]`; "
        "seconds: that fit. Its `maybe` pairs (left for a person) are not accepted; their count is under "
        "each table.",
        f"- MinHash+LSH: datasketch `MinHash.bulk` + `MinHashLSH` with text-dedup's MinHash settings: word "
        f"{MINHASH['ngram']}-gram shingles of the lower-cased text split on `\\W+` (a text under "
        f"{MINHASH['ngram']} words is one shingle, as text-dedup's `ngrams`), num_perm={MINHASH['num_perm']}, "
        f"seed {MINHASH['seed']}, SHA-1 32-bit hashes, LSH threshold {MINHASH['threshold']} (datasketch's "
        f"optimal bands/rows, as text-dedup's `optimal_param`); every LSH candidate pair is kept only if the "
        f"exact Jaccard of the two shingle sets is >= {MINHASH['threshold']}; groups = connected components. "
        "Text = title + abstract, or title + authors + venue where there is no abstract. text-dedup's own "
        "CLI default threshold is 0.7 and it does no verification; 0.5 + verification is the recipe asked for.",
        "- bib-dedupe: `prep -> block -> match -> cluster` with its defaults; frame columns ID (row number), "
        "ENTRYTYPE `article`, title, author as BibTeX `Last, First and Last, First` (last word = surname), "
        "year, journal = venue, abstract, doi. Only its `duplicate` pairs count; its `maybe` pairs are meant "
        "for a person to review, and the row \"every maybe accepted\" shows the grouping if a reviewer "
        "said yes to all of them (same run, same seconds). Variants: journal \"arXiv\" for the arXiv "
        "records, which have no venue (every duplicate rule of bib-dedupe needs an agreeing container "
        "title, or volume/pages/DOI, so without one it can only say `maybe`), and on DBLP-ACM `search_set` = "
        "the record's source file (DBLP.csv / ACM.csv), which makes bib-dedupe never pair two records of "
        "one file; paperlike is not told this. On cytology and haematology: the original "
        "`records_pre_merged.csv` read with `pandas.read_csv(path, dtype=str)`, its columns as they are "
        "(ID, title, year, author, pages, volume, number, ENTRYTYPE, journal); reading it is not timed.",
        "",
    ]
    for dataset in DATASETS:
        if dataset not in results:
            continue
        first_ok = next((r for _, r in results[dataset] if "records" in r), None)
        n = f": {first_ok['records'] + first_ok.get('unread', 0):,} records" if first_ok else ""
        out += [f"### {DATASETS[dataset]}{n}", "", table(results[dataset], dataset), ""]
        if first_ok:
            out.append(f"Records alone: {first_ok['rss_records_mb']:,.0f} MB peak RSS before any tool ran.")
        notes = []
        if first_ok and first_ok.get("unread"):
            notes.append(f"paperlike's reader skips {first_ok['unread']:,} of the records (neither title nor "
                         "abstract); for paperlike and MinHash they count as singletons, so every tool is "
                         "scored over every record.")
        for _, result in results[dataset]:
            for row in result.get("rows", []):
                info = row.get("info", {})
                if row["tool"] == "paperlike" and "maybe_pairs" in info:
                    notes.append(f"paperlike: {info['maybe_pairs']:,} `maybe` pairs (of texts; left for a "
                                 "person to decide, not accepted).")
                if "candidate_pairs" in info:
                    notes.append(f"{row['tool']}: {info['candidate_pairs']:,} LSH candidate pairs, "
                                 f"{info['verified_pairs']:,} verified, {info['short']:,} records of a single "
                                 f"shingle, {info['empty']:,} with no words; bands x rows {info['bands_rows']}.")
                if "blocked_pairs" in info:
                    notes.append(f"{row['tool']}: {info['blocked_pairs']:,} blocked pairs, "
                                 f"{info['duplicate_pairs']:,} `duplicate`, {info['maybe_pairs']:,} `maybe`.")
            if "failed" in result:
                notes.append(f"{result['tool']}: {result['failed']} (the machine's memory in use had "
                             f"risen by up to {result['peak_job_gb']:.1f} GB).")
        if dataset != "seeds":
            f1s = sorted(((row["scores"]["f1"], row["tool"]) for _, r in results[dataset]
                          for row in r.get("rows", []) if "scores" in row), reverse=True)
            if f1s:
                close = [f"{tool} ({f1:.5f})" for f1, tool in f1s[1:] if f1s[0][0] - f1 < 0.001]
                notes.append(f"Best pairwise F1: {f1s[0][1]} ({f1s[0][0]:.5f})"
                             + (f"; within 0.001 of it: {', '.join(close)}." if close else "."))
                true_pairs = next(row["scores"]["true_pairs"] for _, r in results[dataset]
                                  for row in r.get("rows", []) if "scores" in row)
                notes.append(f"True pairs: {true_pairs:,}.")
        if notes:
            out += [""] + [f"- {note}" for note in notes]
        out.append("")
    loads = [x for rs in results.values() for _, r in rs for x in r.get("load", [])]
    if loads:
        out += [f"1-minute load average at the start and end of the jobs: {min(loads):.1f} to {max(loads):.1f} "
                "(one busy core is 1.0; bib-dedupe's jobs use two).", ""]
    out += interpretation(results)
    return "\n".join(out)


def _find(results: dict, dataset: str, tool: str) -> tuple[dict | None, dict | None]:
    """The row named ``tool`` of a dataset's results, and the job result holding it."""
    for _, result in results.get(dataset, []):
        for row in result.get("rows", []):
            if row["tool"] == tool:
                return row, result
    return None, None


def interpretation(results: dict) -> list[str]:
    """What the tables say: the figures from this run, and the kinds of error that remain, as
    read off the records behind them on 2026-12-06 (the quality figures are deterministic)."""
    def scores(dataset: str, tool: str) -> str:
        row, _ = _find(results, dataset, tool)
        if not row or "scores" not in row:
            return "(not run)"
        s = row["scores"]
        return f"P {s['precision']:.4f} / R {s['recall']:.4f} / F1 {s['f1']:.4f}"

    lines = ["What the tables say:", ""]
    for dataset in ("cytology", "haematology", "dblp-acm", "arxiv"):
        if dataset in results:
            lines.append(f"- {DATASETS[dataset].split(' (')[0]}: paperlike {scores(dataset, 'paperlike')}; "
                         f"bib-dedupe {scores(dataset, 'bib-dedupe')}.")
    lines += [
        "- Errors that remain (paperlike): on cytology, pairs the rules leave to a person or keep apart: "
        "a record whose pages are a damaged field (`Suppl-2`), a supplement page beside a page range of "
        "another volume string. On haematology, the truth also joins what paperlike keeps apart as other "
        "publications: an erratum or a reply with its paper (\"Erratum: ...\", \"... - Reply\"), errata "
        "printed under the paper's title at other pages of the same volume (these go to the `maybe` queue), "
        "a meeting abstract with the article (other issue and pages), and four trial registrations that "
        "differ by population (adult / adolescent, plasma-sensitive / resistant). On DBLP-ACM, the wrong "
        "pairs are mostly two entries of one library that the truth maps to one entry of the other "
        "(DBLP's `GottlobKP03` and `GottlobKP03a`, a \"Trade Press News\" column under one author), and "
        "tutorials given at two conferences under one title; the pairs missed are short titles under other "
        "venue names with nothing else to confirm them (left as `maybe`), and book reviews whose two "
        "libraries name different authors (the reviewer, the book's authors).",
        "- arXiv crawl: two arXiv ids are a veto, like two DOIs, so the crawl's listings of one abstract "
        "under two ids' titles are no longer joined; every revision (the same id with a rewritten abstract "
        "or a new title) is joined.",
        "- MinHash over title + authors + venue fails on DBLP-ACM because the two libraries order authors "
        "and name venues differently; bib-dedupe, given arXiv listings as they are, joins nothing, since "
        "each of its rules needs an agreeing container title, volume, pages or DOI.",
    ]
    return lines


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
    else:
        main()
