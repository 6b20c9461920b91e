"""Which TfidfVectorizer parameters should paperlike use?

Compares scikit-learn's defaults, arxiv-sanity-lite's recipe and a one-or-two-things-at-a-time
grid around a base configuration, on the arXiv crawl in ../shared/data (one record per arXiv id,
the last-crawled line). Every title and abstract goes through ``paperlike.text.normalize``.

- R1: precision@10 of neighbours sharing the query's primary category.
- R2: precision@10 of neighbours sharing at least one author (normalised name, exact match).
  Authors are never part of the indexed text.
- R3: known-item retrieval. The vectorizer is fitted on the abstracts only; the query is the
  paper's bare title; MRR@10 and hit@1 of the paper's own abstract.
- Small corpora: the smallest corpus each parameter set can be fitted on, its vocabulary and
  R3 hit@1 on random corpora of 62 papers (the size of a seed corpus).

R1 and R2 index ``title`` (repeated ``title_weight`` times) + " " + ``abstract``. Neighbours
are the exact cosine top-10 over the L2-normalised TF-IDF rows (sparse matrix products), the
query paper itself excluded, for 2,000 random query papers (seed 0). Run:

    python benchmarks/tfidf_choice.py     # about 9 minutes on 2 cores; writes RESULTS.md
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from _results import DATA, machine, write_section  # noqa: E402

from paperlike.text import normalize  # noqa: E402

DATASET = DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"
N_QUERIES = 2000
K = 10
SEED = 0
CHUNK = 250  # query rows per dense block of scores: 250 x 40,717 float32 = 40 MB
SMALL_N = 62  # papers in a small (seed) corpus
SMALL_TRIALS = 50  # random small corpora for R3 hit@1

HYPHEN_TOKENS = r"(?u)\b\w[\w\-]*\w\b|\b\w\b"  # keeps "in-context", "gpt-4o", "3d", "x"

# arxiv-sanity-lite's compute.py (its defaults -n 20000 --min_df 5 --max_df 0.1). It also
# appends the author names to each document, which this benchmark never does.
ARXIV_SANITY_LITE = dict(
    ngram_range=(1, 2), max_features=20000, min_df=5, max_df=0.1, sublinear_tf=True,
    stop_words="english", strip_accents="unicode", lowercase=True, analyzer="word",
    token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", norm="l2", use_idf=True,
    smooth_idf=True, dtype=np.float32,
)
# The two parameter sets that fit any corpus (min_df=1, max_df=1.0): unigrams vs bigrams.
UNIGRAMS_VS_BIGRAMS = ("min_df=1, max_df=1.0", "bigrams, min_df=1, max_df=1.0")
BASE = dict(
    sublinear_tf=True, min_df=2, max_df=0.5, stop_words="english", strip_accents="unicode",
    dtype=np.float32,
)


@dataclass(frozen=True)
class Record:
    title: str
    abstract: str
    primary: str
    authors: frozenset[str]


@dataclass(frozen=True)
class Config:
    name: str
    params: dict = field(hash=False)
    title_weight: int = 2

    def vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(**self.params)

    def params_key(self) -> str:
        """Equal for configs whose vectorizers are equal (whatever their title weight)."""
        return repr(sorted(self.params.items()))


@dataclass
class Result:
    config: Config
    category: np.ndarray  # per query: precision@10, same primary category
    author: np.ndarray  # per query: precision@10, a shared author
    reciprocal: np.ndarray  # per query: reciprocal rank of the own abstract, 0 beyond rank 10
    vocab: int
    fit_seconds: float


def variant(name: str, title_weight: int = 2, **changes) -> Config:
    return Config(name, {**BASE, **changes}, title_weight)


def configs() -> list[Config]:
    return [
        Config("sklearn defaults", {}, title_weight=1),
        Config("arxiv-sanity-lite", ARXIV_SANITY_LITE, title_weight=1),
        variant("base"),
        variant("sublinear_tf=False", sublinear_tf=False),
        variant("min_df=1", min_df=1),
        variant("min_df=3", min_df=3),
        variant("min_df=5", min_df=5),
        variant("max_df=0.3", max_df=0.3),
        variant("max_df=0.8", max_df=0.8),
        variant("max_df=1.0", max_df=1.0),
        variant("min_df=1, max_df=1.0", min_df=1, max_df=1.0),
        variant("stop_words=None", stop_words=None),
        variant("strip_accents=None", strip_accents=None),
        variant("hyphen tokens", token_pattern=HYPHEN_TOKENS),
        variant("title weight 1", title_weight=1),
        variant("title weight 3", title_weight=3),
        variant("max_features=20000", max_features=20000),
        variant("bigrams", ngram_range=(1, 2)),
        variant("bigrams, min_df=3", ngram_range=(1, 2), min_df=3),
        variant("bigrams, max_features=100000", ngram_range=(1, 2), max_features=100000),
        variant("bigrams, max_features=20000", ngram_range=(1, 2), max_features=20000),
        variant("bigrams, hyphen tokens", ngram_range=(1, 2), token_pattern=HYPHEN_TOKENS),
        variant("bigrams, min_df=1, max_df=1.0", ngram_range=(1, 2), min_df=1, max_df=1.0),
    ]


# --- data -------------------------------------------------------------------------------


def latest_rows(path: Path) -> list[dict]:
    """One JSON row per arXiv id, the last-crawled (a later line wins a tie), sorted by id."""
    latest: dict[str, tuple[tuple[str, int], dict]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for order, line in enumerate(lines):
            row = json.loads(line)
            seen = (row["crawled"], order)
            if row["id"] not in latest or seen > latest[row["id"]][0]:
                latest[row["id"]] = (seen, row)
    return [latest[paper_id][1] for paper_id in sorted(latest)]


def paper(row: dict) -> Record:
    authors = frozenset(name for name in map(normalize, row["authors"]) if name)
    return Record(normalize(row["title"]), normalize(row["summary"]), row["categories"][0], authors)


def indexed_text(p: Record, title_weight: int) -> str:
    return " ".join([p.title] * title_weight + [p.abstract])


# --- retrieval --------------------------------------------------------------------------


def score_blocks(queries: sp.csr_matrix, index: sp.csr_matrix) -> Iterator[tuple[int, np.ndarray]]:
    """(first query row, dense cosines of CHUNK query rows x all index rows); rows have unit norm."""
    index_t = index.T.tocsr()
    for start in range(0, queries.shape[0], CHUNK):
        yield start, (queries[start:start + CHUNK] @ index_t).toarray()


def top_k_block(scores: np.ndarray, self_rows: np.ndarray | None = None) -> np.ndarray:
    """The K best columns of each row of a dense score block, unordered, the row's own column
    (self_rows) excluded; -1 where the score is not positive. Shared with similar_eval.py."""
    if self_rows is not None:
        scores[np.arange(len(scores)), self_rows] = -np.inf
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    top[np.take_along_axis(scores, top, axis=1) <= 0] = -1
    return top


def own_rank_block(scores: np.ndarray, own_rows: np.ndarray) -> np.ndarray:
    """Rank of each row's own column in a dense score block; ties count against it, inf if its
    score is not positive. Shared with similar_eval.py."""
    own = scores[np.arange(len(scores)), own_rows]
    rank = (scores >= own[:, None]).sum(axis=1).astype(float)
    rank[own <= 0] = np.inf
    return rank


def nearest(index: sp.csr_matrix, query_rows: np.ndarray) -> np.ndarray:
    """The K rows nearest each query row (itself excluded), unordered; -1 where the cosine is 0."""
    found = np.empty((len(query_rows), K), dtype=np.int64)
    for start, scores in score_blocks(index[query_rows], index):
        found[start:start + len(scores)] = top_k_block(scores, query_rows[start:start + len(scores)])
    return found


def own_ranks(queries: sp.csr_matrix, index: sp.csr_matrix, own_rows: np.ndarray) -> np.ndarray:
    """Rank of each query's own index row; ties count against it, inf if its cosine is 0."""
    return np.concatenate([own_rank_block(scores, own_rows[start:start + len(scores)])
                           for start, scores in score_blocks(queries, index)])


def reciprocal_at_k(ranks: np.ndarray) -> np.ndarray:
    return np.where(ranks <= K, 1.0 / ranks, 0.0)


def precision(query_rows: np.ndarray, found: np.ndarray, related: Callable[[int, int], bool]) -> np.ndarray:
    """Per query: the share of its K neighbours related to it (a missing neighbour is not)."""
    return np.array([sum(n >= 0 and related(q, n) for n in row) / K for q, row in zip(query_rows, found)])


# --- measurements -----------------------------------------------------------------------


def neighbour_metrics(config: Config, papers: list[Record],
                      query_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, float]:
    """(R1 per query, R2 per query, vocabulary size, fit seconds) on title + abstract."""
    vectorizer = config.vectorizer()
    started = time.perf_counter()
    index = vectorizer.fit_transform([indexed_text(p, config.title_weight) for p in papers]).tocsr()
    fit_seconds = time.perf_counter() - started
    found = nearest(index, query_rows)
    category = precision(query_rows, found, lambda q, n: papers[q].primary == papers[n].primary)
    author = precision(query_rows, found, lambda q, n: bool(papers[q].authors & papers[n].authors))
    return category, author, len(vectorizer.vocabulary_), fit_seconds


def known_item_ranks(config: Config, papers: list[Record], query_rows: np.ndarray) -> np.ndarray:
    """R3: rank of each query paper's own abstract when its bare title is the query."""
    vectorizer = config.vectorizer()
    index = vectorizer.fit_transform([p.abstract for p in papers]).tocsr()
    queries = vectorizer.transform([papers[row].title for row in query_rows]).tocsr()
    return own_ranks(queries, index, query_rows)


def measure(configs_: list[Config], papers: list[Record], query_rows: np.ndarray) -> list[Result]:
    ranks_by_params: dict[str, np.ndarray] = {}  # R3 does not depend on the title weight
    results = []
    for config in configs_:
        key = config.params_key()
        if key not in ranks_by_params:
            ranks_by_params[key] = known_item_ranks(config, papers, query_rows)
        category, author, vocab, fit_seconds = neighbour_metrics(config, papers, query_rows)
        reciprocal = reciprocal_at_k(ranks_by_params[key])
        results.append(Result(config, category, author, reciprocal, vocab, fit_seconds))
        print(f"  {config.name}: R1 {category.mean():.4f}  R2 {author.mean():.4f}  "
              f"R3 {reciprocal.mean():.4f}  fit {fit_seconds:.1f}s", file=sys.stderr, flush=True)
    return results


def smallest_fittable(config: Config, abstracts: list[str]) -> int | None:
    """The smallest n such that the vectorizer fits the first n abstracts (None: not even all)."""
    for n in range(1, len(abstracts) + 1):
        try:
            config.vectorizer().fit(abstracts[:n])
            return n
        except ValueError:  # "After pruning, no terms remain", "max_df corresponds to < ..."
            continue
    return None


def small_corpus_hits(config: Config, papers: list[Record], rng: np.random.Generator) -> tuple[float, float]:
    """(median vocabulary, R3 hit@1) over SMALL_TRIALS random corpora of SMALL_N papers."""
    vocabs, hits = [], []
    for _ in range(SMALL_TRIALS):
        sample = [papers[i] for i in rng.choice(len(papers), SMALL_N, replace=False)]
        vectorizer = config.vectorizer()
        try:
            index = vectorizer.fit_transform([p.abstract for p in sample]).tocsr()
        except ValueError:
            vocabs.append(0)
            hits.extend([0.0] * SMALL_N)
            continue
        queries = vectorizer.transform([p.title for p in sample]).tocsr()
        vocabs.append(len(vectorizer.vocabulary_))
        hits.extend(own_ranks(queries, index, np.arange(SMALL_N)) == 1)
    return float(np.median(vocabs)), float(np.mean(hits))


SmallCorpusRow = tuple[str, int | None, float, float]  # name, fits from n, vocab, hit@1


def small_corpus_rows(configs_: list[Config], papers: list[Record]) -> list[SmallCorpusRow]:
    """Per distinct parameter set: (name, smallest fittable n, median vocab, hit@1) at SMALL_N."""
    rows, seen = [], set()
    for config in configs_:
        if config.params_key() in seen:
            continue
        seen.add(config.params_key())
        rng = np.random.default_rng(SEED)
        first = [papers[i].abstract for i in rng.choice(len(papers), SMALL_N, replace=False)]
        rows.append((config.name, smallest_fittable(config, first), *small_corpus_hits(config, papers, rng)))
    return rows


# --- report -----------------------------------------------------------------------------


def stderr_of_mean(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(len(values)))


def mean_se(values: np.ndarray, digits: int = 3) -> str:
    return f"{values.mean():.{digits}f} ± {stderr_of_mean(values):.{digits}f}"


def params_text(config: Config) -> str:
    shown = {k: v for k, v in config.params.items() if k != "dtype"}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items()) or "TfidfVectorizer()"


def results_table(results: list[Result]) -> str:
    lines = ["| config | R1 P@10 | R2 P@10 | R3 MRR@10 | R3 hit@1 | vocab | fit s |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        hit1 = (r.reciprocal == 1.0).astype(float)
        lines.append(f"| {r.config.name} | {mean_se(r.category)} | {mean_se(r.author)} | "
                     f"{mean_se(r.reciprocal)} | {mean_se(hit1)} | {r.vocab:,} | {r.fit_seconds:.1f} |")
    return "\n".join(lines)


def difference(values: np.ndarray, base: np.ndarray) -> str:
    delta = values - base
    return f"{delta.mean():+.3f} ± {stderr_of_mean(delta):.3f}"


def differences_table(results: list[Result], base: Result) -> str:
    lines = ["| config | ΔR1 | ΔR2 | ΔR3 MRR@10 |", "|---|---|---|---|"]
    for r in results:
        if r is not base:
            lines.append(f"| {r.config.name} | {difference(r.category, base.category)} | "
                         f"{difference(r.author, base.author)} | "
                         f"{difference(r.reciprocal, base.reciprocal)} |")
    return "\n".join(lines)


def small_corpus_table(rows: list[SmallCorpusRow]) -> str:
    lines = [f"| parameters of | fits from n = | median vocab (n={SMALL_N}) | R3 hit@1 (n={SMALL_N}) |",
             "|---|---|---|---|"]
    for name, smallest, vocab, hit1 in rows:
        lines.append(f"| {name} | {smallest if smallest else f'> {SMALL_N}'} | {vocab:,.0f} | {hit1:.3f} |")
    return "\n".join(lines)


def significant(results: list[Result], base: Result, metric: str, sign: int) -> list[str]:
    """Names of configs better (sign=+1) or worse (-1) than base on metric by more than 2 paired SE."""
    names = []
    for r in results:
        delta = getattr(r, metric) - getattr(base, metric)
        if r is not base and sign * delta.mean() > 2 * stderr_of_mean(delta):
            names.append(f"{r.config.name} ({delta.mean():+.3f})")
    return names


def by_name(results: list[Result], name: str) -> Result:
    return next(r for r in results if r.config.name == name)


def comparison(results: list[Result], name: str, reference: str) -> str:
    """One line: name minus reference on R1, R2 and R3, paired over the same queries."""
    r, ref = by_name(results, name), by_name(results, reference)
    return (f"- {name} minus {reference}: R1 {difference(r.category, ref.category)}, "
            f"R2 {difference(r.author, ref.author)}, R3 MRR@10 {difference(r.reciprocal, ref.reciprocal)}.")


def interpretation(results: list[Result], base: Result) -> str:
    lines = [comparison(results, UNIGRAMS_VS_BIGRAMS[1], UNIGRAMS_VS_BIGRAMS[0])]
    for metric, label in (("category", "R1"), ("author", "R2"), ("reciprocal", "R3 MRR@10")):
        best = max(results, key=lambda r: getattr(r, metric).mean())
        better = significant(results, base, metric, +1) or ["none"]
        worse = significant(results, base, metric, -1) or ["none"]
        lines.append(f"- {label}: best is {best.config.name} ({getattr(best, metric).mean():.3f}). "
                     f"Better than base by > 2 paired SE: {', '.join(better)}. Worse: {', '.join(worse)}.")
    return "\n".join(lines)


def section(results: list[Result], small_rows: list[SmallCorpusRow], n_papers: int, seconds: float) -> str:
    base = by_name(results, "base")
    configs_text = "\n".join(f"- {r.config.name}: {params_text(r.config)}, title weight "
                             f"{r.config.title_weight}" for r in results[:3])
    return f"""## TF-IDF parameters (`benchmarks/tfidf_choice.py`)

{machine()}.
{n_papers:,} papers (one per arXiv id, last crawl), {N_QUERIES:,} query papers (seed {SEED}),
total run {seconds / 60:.1f} min.

R1 = precision@10 of neighbours with the query's primary category; R2 = precision@10 of
neighbours sharing an author (authors are not indexed); both index title × weight + abstract.
R3 = title → own abstract known-item retrieval with the vectorizer fitted on abstracts only.
Exact cosine top-10, query paper excluded; neighbours with cosine 0 count as misses, ties in R3
count against the own abstract. ± is one standard error over the {N_QUERIES:,} queries (sample std
of the per-query values / √{N_QUERIES}; at most the binomial √(p(1−p)/{N_QUERIES})). "fit s" is
`fit_transform` of the title+abstract corpus. dtype=np.float32 except for the sklearn defaults
(float64), and

{configs_text}
- every other row: base with the one or two changes in its name.

{results_table(results)}

Differences from base, paired over the same queries (± paired standard error):

{differences_table(results, base)}

Small corpora: the smallest n for which the vectorizer fits the first n abstracts of a random
sample (smaller n raise ValueError), and over {SMALL_TRIALS} random corpora of {SMALL_N} papers
the median vocabulary and R3 hit@1 (a failed fit counts as a miss):

{small_corpus_table(small_rows)}

{interpretation(results, base)}
"""


def main() -> None:
    started = time.perf_counter()
    papers = [paper(row) for row in latest_rows(DATASET)]
    query_rows = np.sort(np.random.default_rng(SEED).choice(len(papers), N_QUERIES, replace=False))
    print(f"{len(papers):,} papers, {N_QUERIES:,} queries", file=sys.stderr)
    results = measure(configs(), papers, query_rows)
    small_rows = small_corpus_rows(configs(), papers)
    markdown = section(results, small_rows, len(papers), time.perf_counter() - started)
    print(markdown)
    write_section("tfidf-choice", markdown)


if __name__ == "__main__":
    main()
