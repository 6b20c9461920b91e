"""How to combine a reading list into one query: measured on the arXiv crawl.

    python benchmarks/recommend_choice.py [--lists 300]
    python benchmarks/recommend_choice.py --negatives [--lists 300]   # the weight of --not only

Reading lists are real: the papers of one author (text only: the index never sees author
names, the crawl's records all have abstracts). For each author with at least 6 papers, 5 are
the list and the others are held out; a method is good when the held-out papers come back in
its top 10 (the list's own papers excluded). Methods, in the same run on the same lists:

- centroid: the average of the list's TF-IDF rows, scored through the inverted index
  (paperlike's ``recommend``);
- max: each candidate's best cosine to any one paper of the list (as if each paper were
  queried alone and the lists merged);
- RRF: reciprocal-rank fusion of the per-paper rankings (k = 60);
- SVM: arxiv-sanity's per-query linear SVM over the whole matrix (the list positive, every
  other paper negative; ``LinearSVC(class_weight="balanced", C=0.01)``, as its serve.py).

``--negatives`` measures how much the disliked papers (``--not``) should weigh, as relevance
feedback is measured (the residual collection): on the same lists, the centroid's first 10
results are shown, the ones that are not the author's become the ``--not`` papers, and the
second query (Rocchio, the disliked centroid subtracted with weight gamma) is scored on what was
not shown yet: recall@10 of the held-out papers not among the first 10. gamma = 0 is the same
list with no ``--not`` (the centroid's next 10).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import DATA, machine, write_section  # noqa: E402

import paperlike  # noqa: E402
from paperlike.recommend import ROCCHIO_NEGATIVE, list_vector  # noqa: E402

LIST_SIZE = 5
K = 10
SEED = 2026


def author_lists(index, n_lists: int) -> list[tuple[list[int], set[int]]]:
    """(list papers, held-out papers) for authors with more than LIST_SIZE papers."""
    papers_of = defaultdict(set)
    for paper in range(index.n_papers):
        for author in index.records_[index.canonical_record(paper)].authors:
            papers_of[author].add(paper)
    rng = random.Random(SEED)
    authors = sorted(a for a, ps in papers_of.items() if len(ps) > LIST_SIZE)
    rng.shuffle(authors)
    out = []
    for author in authors[:n_lists]:
        papers = sorted(papers_of[author])
        rng.shuffle(papers)
        out.append((papers[:LIST_SIZE], set(papers[LIST_SIZE:])))
    return out


def top_papers(index, scores: np.ndarray, exclude: list[int]) -> list[int]:
    return [p for p, _ in index.top_papers(scores, K, exclude)]



def methods(index):
    def rows(papers):
        return [index.vector_of_paper(p) for p in papers]

    def centroid(papers):
        return index.scores(list_vector(rows(papers), []))

    def best(papers):
        return np.max([index.scores(r) for r in rows(papers)], axis=0)

    def rrf(papers):
        total = np.zeros(index.X_.shape[0])
        for r in rows(papers):
            s = index.scores(r)
            order = np.argsort(-s, kind="stable")
            rank = np.empty(len(s))
            rank[order] = np.arange(1, len(s) + 1)
            total += np.where(s > 0, 1.0 / (60 + rank), 0.0)
        return total

    def svm(papers):
        from sklearn.svm import LinearSVC

        texts = {int(index.text_of_record_[index.canonical_record(p)]) for p in papers}
        y = np.zeros(index.X_.shape[0])
        y[list(texts)] = 1
        clf = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(index.X_, y)
        s = clf.decision_function(index.X_)
        return s - s.min() + 1e-6  # top_papers keeps positive scores only

    return {"centroid (paperlike)": centroid, "max of per-paper cosines": best,
            "reciprocal-rank fusion": rrf, "arxiv-sanity SVM": svm}


GAMMAS = (0.0, 0.25, 0.5, 1.0)


def negatives(index, lists, start: float) -> None:
    """The weight of the disliked papers, on the residual collection; see the module's docstring."""
    rows_of = lambda papers: [index.vector_of_paper(p) for p in papers]  # noqa: E731
    results = {gamma: [] for gamma in GAMMAS}
    used, disliked = 0, []
    for papers, held in lists:
        shown = top_papers(index, index.scores(list_vector(rows_of(papers), [])), papers)
        wrong = [p for p in shown if p not in held]
        left = held - set(shown)
        if not wrong or not left:
            continue  # nothing to dislike, or nothing left to find
        used += 1
        disliked.append(len(wrong))
        for gamma in GAMMAS:
            found = top_papers(index, index.scores(list_vector(rows_of(papers), rows_of(wrong), gamma)),
                               papers + shown)
            results[gamma].append(len(left & set(found)) / min(len(left), K))
    lines = [
        "## The weight of disliked papers (`benchmarks/recommend_choice.py --negatives`)", "",
        f"{machine()}; {index.n_papers:,} papers of the arXiv crawl; the {len(lists)} reading lists above, "
        f"of which {used} had a first top 10 with papers not the author's and held-out papers outside it; "
        f"those papers ({np.mean(disliked):.1f} per list on average) are the `--not` list of a second query, "
        f"scored on the papers not shown yet; total run {(time.perf_counter() - start) / 60:.1f} min.", "",
        "| `--not` weight (Rocchio's gamma) | recall@10 of the held-out papers not yet shown | ± s.e. | "
        "against no `--not` (paired ± s.e.) | lists better | lists worse |",
        "|---|---|---|---|---|---|",
    ]
    base = np.array(results[0.0])
    for gamma in GAMMAS:
        r = np.array(results[gamma])
        d = r - base
        label = f"{gamma:g}" + (" (no `--not`)" if gamma == 0 else " (paperlike)" if gamma == ROCCHIO_NEGATIVE else "")
        lines.append(f"| {label} | {r.mean():.3f} | {r.std(ddof=1) / np.sqrt(len(r)):.3f} | "
                     f"{d.mean():+.3f} ± {d.std(ddof=1) / np.sqrt(len(d)):.3f} | "
                     f"{int((d > 0).sum())} | {int((d < 0).sum())} |")
        print(lines[-1], flush=True)
    write_section("recommend-negatives", "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lists", type=int, default=300)
    parser.add_argument("--negatives", action="store_true",
                        help="measure only the weight of the disliked papers (its own section)")
    args = parser.parse_args()
    start = time.perf_counter()
    records = paperlike.read_records([DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"]).records
    index = paperlike.build_index(records)
    lists = author_lists(index, args.lists)
    if args.negatives:
        negatives(index, lists, start)
        return
    rows = []
    for name, method in methods(index).items():
        recalls, hits, seconds = [], [], []
        for papers, held in lists:
            t = time.perf_counter()
            found = top_papers(index, method(papers), papers)
            seconds.append(time.perf_counter() - t)
            got = len(held & set(found))
            recalls.append(got / min(len(held), K))
            hits.append(got > 0)
        r = np.array(recalls)
        rows.append((name, r.mean(), r.std(ddof=1) / np.sqrt(len(r)), np.mean(hits), np.median(seconds) * 1000))
        print(f"{name}: recall@10 {r.mean():.3f} ± {rows[-1][2]:.3f}, hit@10 {np.mean(hits):.3f}, "
              f"{rows[-1][4]:.1f} ms per list", flush=True)
    lines = [
        "## Combining a reading list (`benchmarks/recommend_choice.py`)", "",
        f"{machine()}; {index.n_papers:,} papers of the arXiv crawl; {len(lists)} reading lists "
        f"(the papers of one author, {LIST_SIZE} in the list, the rest held out; authors drawn with seed "
        f"{SEED}); total run {(time.perf_counter() - start) / 60:.1f} min.", "",
        "| method | recall@10 of the held-out papers | ± s.e. | lists with a held-out paper in the top 10 | ms per list |",
        "|---|---|---|---|---|",
    ]
    for name, mean, se, hit, ms in rows:
        lines.append(f"| {name} | {mean:.3f} | {se:.3f} | {hit:.3f} | {ms:.1f} |")
    write_section("recommend-choice", "\n".join(lines))


if __name__ == "__main__":
    main()
