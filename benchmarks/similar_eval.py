"""How good is "papers like this"? paperlike's ranking against anchors, in one run (issue 6).

On the arXiv crawl in ../shared/data (one record per arXiv id, the last-crawled line, versions
collapsed), for ``--queries`` random query papers (seed 0), every system is measured on:

- R1: precision@10 of neighbours sharing the query's primary category (query paper excluded).
- R2: precision@10 and recall@10 of neighbours sharing an author (normalised name, exact
  match). Authors are never indexed. Recall is over the queries with at least one such paper.
- R3: known-item retrieval. The system is built on the abstracts alone (no titles); the query
  is the paper's bare title; MRR@10 and hit@1 of its own abstract (ties count against it).
- build s: building the title+abstract index (shared parts, such as an SVD used by several
  systems, are built once and charged in full to each system that uses them).
- ms/query: one query at a time: a stored paper as the query (R1) and a title (R3). For the
  anchors, scores over the whole corpus and the top 10, mean over the first
  ``LATENCY_QUERIES`` query papers; for paperlike, every call of ``similar``.

Anchors: scikit-learn's TfidfVectorizer defaults; arxiv-sanity-lite's recipe; BM25 (the
``bm25s`` package, k1=1.5, b=0.75, its English stop words; a paper query is all its tokens);
LSA (paperlike's TF-IDF + TruncatedSVD 256, cosine); the hybrid cos(TF-IDF) + 0.5 cos(LSA)
re-ranked over the union of both top-100 lists. Then paperlike 0.1's ranking (TF-IDF cosine, as
a reference), and paperlike itself (class ``PaperlikeSystem``): a real ``PaperIndex`` built
from the records and its ``similar`` called for every query, by id and by title, with the
default ``Ranker`` and with the LSA off; ``--ranker JSON`` adds other Ranker parameters.
``--candidates`` adds the recipes explored before paperlike had one (class ``Recipe``,
benchmark-only code; see benchmarks/RANKING.md).

    pip install bm25s                                     # benchmark-only dependency
    python benchmarks/similar_eval.py                     # full run, ~10 min on 2 cores; writes RESULTS.md
    python benchmarks/similar_eval.py --queries 500 --limit-papers 10000 --only 'BM25|paperlike'
    python benchmarks/similar_eval.py --only 'BM25|hybrid|paperlike, ' --ranker '{"n_components": 128}'
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize as l2_rows

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from _results import machine, write_section  # noqa: E402
from tfidf_choice import (  # noqa: E402
    ARXIV_SANITY_LITE,
    DATASET,
    SEED,
    K,
    Record,
    latest_rows,
    own_rank_block,
    paper,
    reciprocal_at_k,
    stderr_of_mean,
    top_k_block,
)

from paperlike.vectorize import TOKEN_PATTERN, Vectorizer  # noqa: E402

N_QUERIES = 2000
CHUNK = 250  # queries per dense block of scores (250 x 40,717 float32 = 40 MB)
LATENCY_QUERIES = 200
SVD_SEED = 0

# paperlike 0.1.x's TfidfVectorizer (Vectorizer() defaults: sublinear tf, min_df=1, english
# stop words, unicode accents stripped, sklearn's token pattern, float32, l2 rows).
PAPERLIKE_TFIDF = Vectorizer()._tfidf(min_df=1, max_df=1.0).get_params()
PAPERLIKE_TOKENS = dict(strip_accents="unicode", token_pattern=TOKEN_PATTERN, stop_words="english",
                        lowercase=True, dtype=np.float32)


# --- corpus and shared components -------------------------------------------------------


@dataclass
class Corpus:
    papers: list[Record]
    query_rows: np.ndarray
    cache: dict = field(default_factory=dict)  # component key -> (component, build seconds)

    def texts(self, kind: str, title_weight: int = 1) -> list[str]:
        if kind == "abstract":
            return [p.abstract for p in self.papers]
        return [" ".join([p.title] * title_weight + [p.abstract]) for p in self.papers]

    def titles(self, rows: np.ndarray) -> list[str]:
        return [self.papers[r].title for r in rows]

    def component(self, key: tuple, build: Callable[[], object]) -> tuple[object, float]:
        """A part shared by several systems (a TF-IDF matrix, an SVD), built once per run."""
        if key not in self.cache:
            started = time.perf_counter()
            built = build()
            self.cache[key] = (built, time.perf_counter() - started)
        return self.cache[key]


class Tfidf:
    """L2-normalised TF-IDF rows and their transpose (paperlike's index)."""

    def __init__(self, params: dict, texts: list[str]) -> None:
        self.vectorizer = TfidfVectorizer(**params)
        self.X = self.vectorizer.fit_transform(texts).astype(np.float32).tocsr()
        self.XT = self.X.T.tocsr()

    def rows(self, rows: np.ndarray) -> np.ndarray:
        return (self.X[rows] @ self.XT).toarray()

    def texts(self, texts: list[str]) -> np.ndarray:
        return (self.vectorizer.transform(texts).astype(np.float32) @ self.XT).toarray()


class Lsa:
    """TruncatedSVD of TF-IDF rows; unit-length r-dimensional rows (float32 or float16)."""

    def __init__(self, tfidf: Tfidf, r: int, dtype=np.float32, sample: int | None = None) -> None:
        self.tfidf = tfidf
        self.svd = TruncatedSVD(r, algorithm="randomized", n_iter=5, random_state=SVD_SEED)
        if sample and sample < tfidf.X.shape[0]:  # fit on a random sample, project every paper
            rows = np.sort(np.random.default_rng(SVD_SEED).choice(tfidf.X.shape[0], sample, replace=False))
            self.svd.fit(tfidf.X[rows])
            self.Z = l2_rows(self.svd.transform(tfidf.X)).astype(np.float32)
        else:
            self.Z = l2_rows(self.svd.fit_transform(tfidf.X)).astype(np.float32)
        if np.dtype(dtype) == np.float16:  # stored as float16, computed in float32
            self.Z = self.Z.astype(np.float16).astype(np.float32)
        self.components = self.svd.components_.astype(np.float32)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        x = self.tfidf.vectorizer.transform(texts).astype(np.float32)
        return l2_rows(np.asarray(x @ self.components.T)).astype(np.float32)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        return (self.Z[rows] @ self.Z.T).astype(np.float32)

    def texts(self, texts: list[str]) -> np.ndarray:
        return (self.embed_texts(texts) @ self.Z.T).astype(np.float32)


def restrict(total: np.ndarray, parts: list[np.ndarray], n: int) -> np.ndarray:
    """total, kept only on the union of each part's top-n columns per row (-inf elsewhere)."""
    if n >= total.shape[1]:
        return total
    out = np.full_like(total, -np.inf)
    for part in parts:
        top = np.argpartition(-part, n, axis=1)[:, :n]
        np.put_along_axis(out, top, np.take_along_axis(total, top, axis=1), axis=1)
    return out


# --- systems ----------------------------------------------------------------------------


class System:
    """A ranking: build on texts, then dense scores (queries x papers) for stored papers
    (``rows``) or free texts (``texts``)."""

    name = "system"
    title_weight = 1

    def build(self, corpus: Corpus, kind: str) -> float:
        """Build on the corpus's texts of this kind; returns the build seconds."""
        raise NotImplementedError

    def rows(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def texts(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> str:
        return ""

    def single_row(self, row: int) -> np.ndarray:
        return self.rows(np.array([row]))

    def single_text(self, text: str) -> np.ndarray:
        return self.texts([text])

    # How the measurement asks (dense score blocks; PaperlikeSystem overrides these with
    # paperlike's own ``similar``).

    def neighbours(self, corpus: Corpus, query_rows: np.ndarray) -> tuple[np.ndarray, float]:
        """The K neighbours of each query paper (-1 where none), and ms per single query
        (over the first LATENCY_QUERIES)."""
        found = np.empty((len(query_rows), K), dtype=np.int64)
        for start in range(0, len(query_rows), CHUNK):
            rows = query_rows[start:start + CHUNK]
            found[start:start + len(rows)] = top_k_block(self.rows(rows), rows)
        ms = np.mean([latency_ms(lambda r=r: self.single_row(r), 1) for r in query_rows[:LATENCY_QUERIES]])
        return found, float(ms)

    def title_ranks(self, corpus: Corpus, query_rows: np.ndarray) -> tuple[np.ndarray, float]:
        """The rank of each query paper's own abstract for its title, and ms per single query."""
        ranks = np.concatenate([own_rank_block(self.texts(corpus.titles(query_rows[s:s + CHUNK])),
                                               query_rows[s:s + CHUNK])
                                for s in range(0, len(query_rows), CHUNK)])
        titles = corpus.titles(query_rows[:LATENCY_QUERIES])
        ms = np.mean([latency_ms(lambda t=t: self.single_text(t), 1) for t in titles])
        return ranks, float(ms)


class PaperlikeSystem(System):
    """paperlike itself: a real ``PaperIndex`` (records grouped into papers, TF-IDF, versions,
    BM25 and LSA, exactly as ``paperlike index`` builds it) and its ``similar``, one call per
    query: ``kind="id"`` for a query paper, ``kind="text"`` for a title (R3's index holds no
    titles). A result is a paper; its row is its canonical record's. Time per query is the
    mean over every query of the call, from the query string to the pydantic results."""

    def __init__(self, name: str, ranker: dict | None = None) -> None:
        self.name, self.ranker = name, ranker

    def build(self, corpus: Corpus, kind: str) -> float:
        from paperlike.index import PaperIndex
        from paperlike.rank import Ranker
        from paperlike.records import Record as Record

        records = [Record(id=f"r{i}", title=None if kind == "abstract" else p.title, abstract=p.abstract,
                          categories=[p.primary]) for i, p in enumerate(corpus.papers)]
        ranker = Ranker(**(self.ranker or {}))
        fit, self.ranker_seconds = ranker.fit, 0.0

        def timed_fit(*args):
            started = time.perf_counter()
            out = fit(*args)
            self.ranker_seconds = time.perf_counter() - started
            return out

        ranker.fit = timed_fit
        started = time.perf_counter()
        self.index = PaperIndex(ranker=ranker).fit(records)
        seconds = time.perf_counter() - started
        del ranker.fit
        self.row_of_id = {r.id: i for i, r in enumerate(self.index.records_)}
        if kind == "full":
            self.full_ranker_seconds = self.ranker_seconds
        return seconds

    def _ask(self, query: str, kind: str):
        started = time.perf_counter()
        found = self.index.similar(query, k=K, kind=kind)
        return found, (time.perf_counter() - started) * 1000

    def neighbours(self, corpus, query_rows):
        found = np.full((len(query_rows), K), -1, dtype=np.int64)
        times = []
        for i, q in enumerate(query_rows.tolist()):
            got, ms = self._ask(f"r{q}", "id")
            times.append(ms)
            found[i, :len(got.results)] = [self.row_of_id[n.id] for n in got.results]
        self.paper_times = np.array(times)
        return found, float(np.mean(times))

    def title_ranks(self, corpus, query_rows):
        from paperlike.errors import QueryError

        index = self.index
        ranks, times = np.full(len(query_rows), np.inf), []
        for i, q in enumerate(query_rows.tolist()):
            own = index.paper_of_record(q)
            try:
                got, ms = self._ask(corpus.papers[q].title, "text")
            except QueryError:  # no word of the title in the vocabulary
                continue
            times.append(ms)
            for rank, n in enumerate(got.results, 1):
                if index.paper_of_record(self.row_of_id[n.id]) == own:
                    ranks[i] = rank
                    break
        self.title_times = np.array(times)
        return ranks, float(np.mean(times))

    def describe(self) -> str:
        from paperlike.rank import Ranker

        changed = {k: v for k, v in (self.ranker or {}).items() if Ranker().get_params()[k] != v}
        what = ("the default `PaperIndex()`" if not changed
                else "`PaperIndex(ranker=Ranker(" + ", ".join(f"{k}={v}" for k, v in changed.items()) + "))`")
        return (f"{what} and its `similar` through the real code path; ranking fit "
                f"{self.full_ranker_seconds:.1f} s of the build (the rest: grouping, TF-IDF, versions)")


class TfidfSystem(System):
    def __init__(self, name: str, params: dict, title_weight: int) -> None:
        self.name, self.params, self.title_weight = name, params, title_weight

    def build(self, corpus: Corpus, kind: str) -> float:
        key = ("tfidf", repr(sorted(self.params.items())), kind, self.title_weight)
        self.tfidf, seconds = corpus.component(
            key, lambda: Tfidf(self.params, corpus.texts(kind, self.title_weight)))
        return seconds

    def rows(self, rows):
        return self.tfidf.rows(rows)

    def texts(self, texts):
        return self.tfidf.texts(texts)


class LsaSystem(System):
    """Cosine of LSA rows (paperlike's TF-IDF, title x2); the hybrid when weight > 0."""

    def __init__(self, name: str, r: int = 256, lexical_weight: float = 0.0, lsa_weight: float = 1.0,
                 rerank: int | None = None, title_weight: int = 2) -> None:
        self.name, self.r, self.title_weight = name, r, title_weight
        self.lexical_weight, self.lsa_weight, self.rerank = lexical_weight, lsa_weight, rerank

    def build(self, corpus: Corpus, kind: str) -> float:
        tfidf_key = ("tfidf", repr(sorted(PAPERLIKE_TFIDF.items())), kind, self.title_weight)
        self.tfidf, t1 = corpus.component(
            tfidf_key, lambda: Tfidf(PAPERLIKE_TFIDF, corpus.texts(kind, self.title_weight)))
        self.lsa, t2 = corpus.component(tfidf_key + ("lsa", self.r, "float32"),
                                          lambda: Lsa(self.tfidf, self.r))
        return t1 + t2

    def _combine(self, lexical: Callable, dense: Callable, arg) -> np.ndarray:
        topical = dense(arg)
        if not self.lexical_weight:
            return topical
        exact = lexical(arg)
        total = self.lexical_weight * exact + self.lsa_weight * topical
        return restrict(total, [exact, topical], self.rerank) if self.rerank else total

    def rows(self, rows):
        return self._combine(self.tfidf.rows, self.lsa.rows, rows)

    def texts(self, texts):
        return self._combine(self.tfidf.texts, self.lsa.texts, texts)


class Bm25sSystem(System):
    """The bm25s package: k1=1.5, b=0.75, Lucene IDF, its English stop words; the query is
    every token of the query text (a stored paper: its whole indexed text)."""

    name = "BM25 (bm25s)"

    def build(self, corpus: Corpus, kind: str) -> float:
        import bm25s

        self.bm25s = bm25s
        started = time.perf_counter()
        docs = corpus.texts(kind, 1)
        tokens = bm25s.tokenize(docs, stopwords="en", return_ids=False, show_progress=False)
        self.retriever = bm25s.BM25(k1=1.5, b=0.75)
        self.retriever.index(tokens, show_progress=False)
        self.doc_ids = [self.retriever.get_tokens_ids(t) for t in tokens]
        return time.perf_counter() - started

    def _scores(self, ids: list[int]) -> np.ndarray:
        if not ids:
            return np.zeros(self.retriever.scores["num_docs"], dtype=np.float32)
        return self.retriever.get_scores_from_ids(ids)

    def rows(self, rows):
        return np.stack([self._scores(self.doc_ids[r]) for r in rows])

    def texts(self, texts):
        tokens = self.bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)
        return np.stack([self._scores(self.retriever.get_tokens_ids(t)) for t in tokens])


class StemmedAnalyzer:
    """scikit-learn's word analyzer, then :func:`s_stem` on each word (picklable)."""

    def __init__(self, **params) -> None:
        self.words = CountVectorizer(**params).build_analyzer()

    def __call__(self, text: str) -> list[str]:
        return [" ".join(map(s_stem, term.split(" "))) for term in self.words(text)]


def s_stem(word: str) -> str:
    """Harman's S-stemmer (plurals only): -ies -> -y, -es -> -e, -s -> '' (not -ss, -us, -is,
    -aies/-eies, -aes/-ees/-oes), for words longer than 3 letters."""
    if len(word) <= 4 or not word.endswith("s") or word in ("series", "species"):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith(("ss", "us", "is", "ias")):
        return word
    return word[:-1]


class Terms:
    """paperlike's unigrams (min_df=1), plus, with ``bigrams``, word pairs seen in at least
    ``bigram_min_df`` papers (stop words removed first, as scikit-learn does); with ``stem``,
    every word (after stop-word removal) goes through :func:`s_stem`."""

    def __init__(self, bigrams: bool, bigram_min_df: int = 2, stem: bool = False) -> None:
        def vectorizer(**extra) -> CountVectorizer:
            if not stem:
                return CountVectorizer(**PAPERLIKE_TOKENS, **extra)
            min_df = extra.pop("min_df", 1)
            return CountVectorizer(analyzer=StemmedAnalyzer(**PAPERLIKE_TOKENS, **extra), min_df=min_df,
                                   dtype=np.float32)

        self.parts = [vectorizer()]
        if bigrams:
            self.parts.append(vectorizer(ngram_range=(2, 2), min_df=bigram_min_df))

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([part.fit_transform(texts) for part in self.parts]).tocsr()

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([part.transform(texts) for part in self.parts]).tocsr()

    def transform_unigrams(self, texts: list[str]) -> sp.csr_matrix:
        """Counts of the unigrams only, in the full column space (bigram columns empty)."""
        unigrams = self.parts[0].transform(texts)
        width = sum(len(part.vocabulary_) for part in self.parts)
        return sp.csr_matrix((unigrams.data, unigrams.indices, unigrams.indptr), shape=(len(texts), width))


class Bm25Lexical:
    """One sparse matrix S of saturated, length-normalised term frequencies,
    S_td = tf (k1+1) / (tf + k1 (1-b+b dl/avgdl)) (paperlike's tokens), and per-term IDFs:
    BM25's idf_t = ln(1 + (N - df + 0.5) / (df + 0.5)) and scikit-learn's smooth
    idf_t = ln((1+N) / (1+df)) + 1. IDF is a per-term factor, so it can be applied on the query
    side of an inverted-index walk: score = sum over query terms of q_t * S_td.
    W = S * BM25 idf (title queries); Wn = rows of S * doc_idf, L2-normalised (paper queries)."""

    def __init__(self, texts: list[str], k1: float, b: float, ngram_range=(1, 1),
                 doc_idf: str = "bm25", stem: bool = False) -> None:
        self.counter = Terms(bigrams=tuple(ngram_range) == (1, 2), stem=stem)
        counts = self.counter.fit_transform(texts).tocsr().astype(np.float32)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.idf_smooth = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        dl = np.asarray(counts.sum(axis=1)).ravel()
        denominator_per_row = k1 * (1 - b + b * dl / max(dl.mean(), 1e-9))
        tf = counts.data
        row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
        counts.data = (tf * (k1 + 1) / (tf + denominator_per_row[row_of])).astype(np.float32)
        self.S = counts
        self.W = (counts @ sp.diags(self.idf)).tocsr()
        self.WT = self.W.T.tocsr()
        doc_weights = self.W if doc_idf == "bm25" else (counts @ sp.diags(self.idf_smooth)).tocsr()
        self.Wn = l2_rows(doc_weights).astype(np.float32).tocsr()
        self.WnT = self.Wn.T.tocsr()


def top_terms(rows: sp.csr_matrix, m: int) -> sp.csr_matrix:
    """Each row with only its m largest entries kept."""
    rows = rows.tocsr().copy()
    for i in range(rows.shape[0]):
        a, b = rows.indptr[i], rows.indptr[i + 1]
        if b - a > m:
            data = rows.data[a:b]
            data[data < np.partition(data, b - a - m)[b - a - m]] = 0
    rows.eliminate_zeros()
    return rows


@dataclass
class Recipe(System):
    """Candidate paperlike ranking: exact sparse lexical score + lambda * cos(LSA).

    Stored paper as the query: cosine of BM25-weighted rows (``doc_mode="cos"``) or the BM25
    sum over the paper's distinct terms (``"sum"``), + ``lam_doc`` * cos(LSA rows).
    Text (title) as the query: BM25 sum over the query's distinct terms, divided by its
    maximum over the corpus, + ``lam_text`` * cos(LSA of the text's TF-IDF, LSA rows).
    ``rerank``: the blend is computed only on the lexical top-N (plus the LSA top-N if
    ``lsa_candidates``); None = exactly over all papers.
    """

    name: str
    k1: float = 1.2
    b: float = 0.75
    title_weight: int = 2
    r: int = 256
    lam_doc: float = 0.0
    lam_text: float = 0.0
    doc_mode: str = "cos"  # "cos" (BM25 rows), "sum", or "tfidf" (paperlike 0.1's TF-IDF cosine)
    doc_idf: str = "bm25"  # IDF of the paper-query cosine: "bm25" or "smooth" (scikit-learn's)
    rerank: int | None = None
    lsa_candidates: bool = True
    dense_dtype: str = "float32"
    ngram_range: tuple = (1, 1)
    title_bigrams: bool = True  # False: a text query looks up its unigrams only
    doc_terms: int | None = None  # a paper query keeps only its top-m weighted terms
    stem: bool = False  # plural stemming (s_stem) of the lexical terms
    svd_sample: int | None = None  # fit the SVD on this many random papers, project all

    def _query_counts(self, texts: list[str]) -> sp.csr_matrix:
        counter = self.lex.counter
        q = counter.transform(texts) if self.title_bigrams else counter.transform_unigrams(texts)
        q = q.tocsr().astype(np.float32)
        q.data[:] = 1.0
        return q

    def build(self, corpus: Corpus, kind: str) -> float:
        key = ("bm25", kind, self.title_weight, self.k1, self.b, self.ngram_range, self.doc_idf)
        key += ("stem",) if self.stem else ()
        self.lex, seconds = corpus.component(
            key, lambda: Bm25Lexical(corpus.texts(kind, self.title_weight), self.k1, self.b,
                                     self.ngram_range, self.doc_idf, self.stem))
        self.lsa = None
        tfidf_key = ("tfidf", repr(sorted(PAPERLIKE_TFIDF.items())), kind, self.title_weight)
        if self.doc_mode == "tfidf" or self.lam_doc or self.lam_text:
            tfidf, t1 = corpus.component(
                tfidf_key, lambda: Tfidf(PAPERLIKE_TFIDF, corpus.texts(kind, self.title_weight)))
            self.tfidf = tfidf
            seconds += t1
        if self.lam_doc or self.lam_text:
            dtype = np.dtype(self.dense_dtype)
            lsa_key = tfidf_key + ("lsa", self.r, dtype.name) + ((self.svd_sample,) if self.svd_sample else ())
            self.lsa, t2 = corpus.component(lsa_key, lambda: Lsa(tfidf, self.r, dtype, self.svd_sample))
            seconds += t2
        return seconds

    def _blend(self, exact: np.ndarray, topical: Callable[[], np.ndarray] | None, lam: float) -> np.ndarray:
        if not lam or self.lsa is None:
            return exact
        dense = topical()
        total = exact + lam * dense
        if self.rerank:
            total = restrict(total, [exact, dense] if self.lsa_candidates else [exact], self.rerank)
        return total

    def rows(self, rows):
        if self.doc_mode == "cos":
            q = self.lex.Wn[rows]
            if self.doc_terms:
                q = top_terms(q, self.doc_terms)
            exact = (q @ self.lex.WnT).toarray()
        elif self.doc_mode == "tfidf":
            exact = self.tfidf.rows(rows)
        else:
            q = self.lex.W[rows].copy()
            q.data[:] = 1.0
            exact = (q @ self.lex.WT).toarray()
            exact /= np.maximum(exact[np.arange(len(rows)), rows], 1e-9)[:, None]  # self-score = 1
        return self._blend(exact, lambda: self.lsa.rows(rows), self.lam_doc)

    def texts(self, texts):
        exact = (self._query_counts(texts) @ self.lex.WT).toarray()
        exact /= np.maximum(exact.max(axis=1), 1e-9)[:, None]
        return self._blend(exact, lambda: self.lsa.texts(texts), self.lam_text)

    def _fast(self, exact: np.ndarray, z: Callable[[], np.ndarray], lam: float) -> np.ndarray:
        """One query, as an index would run it: the lexical top-N, then N dot products with
        the query's LSA vector (no pass over all n x r)."""
        if not lam or self.lsa is None or not self.rerank or self.lsa_candidates:
            return None
        cand = np.argpartition(-exact[0], self.rerank)[:self.rerank]
        out = np.full_like(exact, -np.inf)
        out[0, cand] = exact[0, cand] + lam * (self.lsa.Z[cand] @ z()[0])
        return out

    def single_row(self, row: int) -> np.ndarray:
        if self.doc_mode != "cos" or not self.rerank or self.lsa_candidates or not self.lam_doc:
            return self.rows(np.array([row]))
        exact = (self.lex.Wn[row] @ self.lex.WnT).toarray()
        return self._fast(exact, lambda: self.lsa.Z[[row]], self.lam_doc)

    def single_text(self, text: str) -> np.ndarray:
        if not self.rerank or self.lsa_candidates or not self.lam_text:
            return self.texts([text])
        exact = (self._query_counts([text]) @ self.lex.WT).toarray()
        exact /= max(exact.max(), 1e-9)
        return self._fast(exact, lambda: self.lsa.embed_texts([text]), self.lam_text)

    def describe(self) -> str:
        doc = {"cos": f"cosine of BM25 rows ({self.doc_idf} idf)", "sum": "BM25 sum over its terms",
               "tfidf": "TF-IDF cosine (paperlike 0.1)"}[self.doc_mode]
        parts = [f"BM25 k1={self.k1} b={self.b}, title x{self.title_weight}; paper query: {doc}"]
        if self.stem:
            parts.append("plural-stemmed terms")
        if self.doc_terms:
            parts.append(f"paper query pruned to its top {self.doc_terms} terms")
        if self.ngram_range != (1, 1):
            parts.append("+ bigrams (min_df=2)" + ("" if self.title_bigrams else " for paper queries only"))
        if self.lam_doc or self.lam_text:
            parts.append(f"+ LSA r={self.r} {self.dense_dtype}, lambda paper {self.lam_doc} / title {self.lam_text}")
            if self.svd_sample:
                parts.append(f"SVD fitted on {self.svd_sample:,} random papers")
            if self.rerank:
                parts.append(f"re-ranked over lexical top-{self.rerank}"
                             + (f" + LSA top-{self.rerank}" if self.lsa_candidates else " only"))
        return ", ".join(parts)


def anchors() -> list[System]:
    return [
        TfidfSystem("sklearn defaults", {"dtype": np.float32}, 1),
        TfidfSystem("arxiv-sanity-lite", ARXIV_SANITY_LITE, 1),
        Bm25sSystem(),
        LsaSystem("LSA-256"),
        LsaSystem("hybrid TF-IDF + 0.5 LSA, top-100", lexical_weight=1.0, lsa_weight=0.5, rerank=100),
    ]


def paperlike_systems() -> list[System]:
    """paperlike 0.1's ranking (a reference: TF-IDF cosine, as dense blocks), then paperlike's
    default through its own code, then variants of its Ranker's parameters (same code)."""
    return [
        TfidfSystem("paperlike 0.1 (TF-IDF cosine)", PAPERLIKE_TFIDF, 2),
        PaperlikeSystem("paperlike (default)"),
        PaperlikeSystem("paperlike, no LSA", dict(lambda_paper=0.0, lambda_text=0.0)),
        PaperlikeSystem("paperlike, LSA-128", dict(n_components=128)),
    ]


def candidates() -> list[System]:
    """Every recipe explored before paperlike had one (names: see RANKING.md). "B" = BM25 weights
    (k1=1.2, b=0.75, title x2) with scikit-learn's smooth IDF for paper queries; "C" = B with
    plural-stemmed terms; "+ LSA-r x/y" = lambda x for paper queries, y for title queries."""
    b_ = dict(doc_idf="smooth")
    c_ = dict(doc_idf="smooth", stem=True)
    return [
        Recipe("A: BM25, BM25-idf cosine for papers"),
        Recipe("B: BM25, smooth-idf cosine for papers", **b_),
        Recipe("B, k1=0.9", **b_, k1=0.9),
        Recipe("B, k1=2.0", **b_, k1=2.0),
        Recipe("B, b=0.5", **b_, b=0.5),
        Recipe("B, b=0.9", **b_, b=0.9),
        Recipe("B + bigrams", **b_, ngram_range=(1, 2)),
        Recipe("C: B + plural stems", **c_),
        Recipe("A + LSA-128 0.4/1.0", r=128, lam_doc=0.4, lam_text=1.0),
        Recipe("B + LSA-128 0.4/1.0", **b_, r=128, lam_doc=0.4, lam_text=1.0),
        Recipe("TF-IDF papers, B titles + LSA-128 0.4/1.0", doc_mode="tfidf", r=128, lam_doc=0.4, lam_text=1.0),
        Recipe("B top-30 query terms + LSA-128 0.4/1.0", **b_, doc_terms=30, r=128, lam_doc=0.4, lam_text=1.0),
        Recipe("C + LSA-128 0.3/1.0", **c_, r=128, lam_doc=0.3, lam_text=1.0),
        Recipe("C + LSA-128 0.4/1.0", **c_, r=128, lam_doc=0.4, lam_text=1.0),
        Recipe("C + LSA-128 0.5/1.0", **c_, r=128, lam_doc=0.5, lam_text=1.0),
        Recipe("C + LSA-128 1.0/1.0", **c_, r=128, lam_doc=1.0, lam_text=1.0),
        Recipe("C + LSA-128 0.4/0.5", **c_, r=128, lam_doc=0.4, lam_text=0.5),
        Recipe("C + LSA-128 0.4/1.5", **c_, r=128, lam_doc=0.4, lam_text=1.5),
        Recipe("C + LSA-128 0.4/1.0, lexical top-1000", **c_, r=128, lam_doc=0.4, lam_text=1.0,
               rerank=1000, lsa_candidates=False),
        Recipe("C + LSA-128 0.4/1.0, lexical top-200", **c_, r=128, lam_doc=0.4, lam_text=1.0,
               rerank=200, lsa_candidates=False),
        Recipe("C + LSA-128 0.4/1.0, float16", **c_, r=128, lam_doc=0.4, lam_text=1.0, dense_dtype="float16"),
        Recipe("C + LSA-64 0.4/1.0", **c_, r=64, lam_doc=0.4, lam_text=1.0),
        Recipe("C + LSA-256 0.4/1.0", **c_, r=256, lam_doc=0.4, lam_text=1.0),
        Recipe("recommended: C + LSA-128 0.3/0.5, lexical top-1000", **c_, r=128, lam_doc=0.3, lam_text=0.5,
               rerank=1000, lsa_candidates=False),
        Recipe("C + LSA-128 0.3/0.5, lexical top-1000, SVD fitted on 10k", **c_, r=128, lam_doc=0.3,
               lam_text=0.5, rerank=1000, lsa_candidates=False, svd_sample=10000),
        Recipe("C + LSA-64 0.3/0.5, lexical top-1000", **c_, r=64, lam_doc=0.3, lam_text=0.5,
               rerank=1000, lsa_candidates=False),
        Recipe("C + bigrams for papers + LSA-128 0.25/1.0", **c_, ngram_range=(1, 2), title_bigrams=False,
               r=128, lam_doc=0.25, lam_text=1.0),
    ]


# --- measurement ------------------------------------------------------------------------


@dataclass
class Result:
    system: System
    category: np.ndarray
    author_p: np.ndarray
    author_r: np.ndarray  # queries with at least one author-sharing paper
    reciprocal: np.ndarray
    hit1: np.ndarray
    build_seconds: float
    paper_ms: float
    title_ms: float


def author_neighbours(papers: list[Record], query_rows: np.ndarray) -> list[set[int]]:
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(papers):
        for a in p.authors:
            by_author[a].append(i)
    related = []
    for q in query_rows:
        found = set()
        for a in papers[q].authors:
            found.update(by_author[a])
        found.discard(q)
        related.append(found)
    return related


def latency_ms(score: Callable[[], np.ndarray], repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        s = score()[0]
        top = np.argpartition(-s, K)[:K]
        top[np.argsort(-s[top])]
    return (time.perf_counter() - started) / repeats * 1000


def measure(system: System, corpus: Corpus, related: list[set[int]]) -> Result:
    papers, query_rows = corpus.papers, corpus.query_rows
    build_seconds = system.build(corpus, "full")
    found, paper_ms = system.neighbours(corpus, query_rows)
    category = np.array([np.mean([n >= 0 and papers[n].primary == papers[q].primary for n in row])
                         for q, row in zip(query_rows, found)])
    hits = np.array([sum(int(n) in rel for n in row if n >= 0) for row, rel in zip(found, related)])
    author_p = hits / K
    sizes = np.array([len(rel) for rel in related])
    author_r = hits[sizes > 0] / sizes[sizes > 0]

    system.build(corpus, "abstract")
    ranks, title_ms = system.title_ranks(corpus, query_rows)
    reciprocal = reciprocal_at_k(ranks)
    return Result(system, category, author_p, author_r, reciprocal, (ranks == 1).astype(float),
                  build_seconds, float(paper_ms), float(title_ms))


# --- report -----------------------------------------------------------------------------


def mean_se(values: np.ndarray, digits: int = 3) -> str:
    return f"{values.mean():.{digits}f} ± {stderr_of_mean(values):.{digits}f}"


def results_table(results: list[Result]) -> str:
    lines = ["| system | R1 P@10 | R2 P@10 | R2 R@10 | R3 MRR@10 | R3 hit@1 | build s | ms/paper query | ms/title query |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.system.name} | {mean_se(r.category)} | {mean_se(r.author_p)} | "
                     f"{mean_se(r.author_r)} | {mean_se(r.reciprocal)} | {mean_se(r.hit1)} | "
                     f"{r.build_seconds:.1f} | {r.paper_ms:.1f} | {r.title_ms:.1f} |")
    return "\n".join(lines)


def difference(values: np.ndarray, base: np.ndarray) -> str:
    delta = values - base
    return f"{delta.mean():+.3f} ± {stderr_of_mean(delta):.3f}"


def differences_table(result: Result, others: list[Result]) -> str:
    lines = [f"| {result.system.name} minus | ΔR1 P@10 | ΔR2 P@10 | ΔR3 MRR@10 |", "|---|---|---|---|"]
    for o in others:
        lines.append(f"| {o.system.name} | {difference(result.category, o.category)} | "
                     f"{difference(result.author_p, o.author_p)} | {difference(result.reciprocal, o.reciprocal)} |")
    return "\n".join(lines)


MEASURES = (("R1 P@10", "category"), ("R2 P@10", "author_p"), ("R3 MRR@10", "reciprocal"))


def verdict(result: Result, anchors_: list[Result]) -> str:
    """Against the best anchor on each measure: the paired difference, and whether the target
    of issue 6 holds (at least as good within one SE on all three, better on two)."""
    lines = [f"| {result.system.name} against the best anchor | best anchor | its value | paperlike | "
             "paired difference | |", "|---|---|---|---|---|---|"]
    better = tied = 0
    for label, attr in MEASURES:
        best = max(anchors_, key=lambda a: getattr(a, attr).mean())
        ours, theirs = getattr(result, attr), getattr(best, attr)
        delta = ours - theirs
        se = stderr_of_mean(delta)
        if delta.mean() > se:
            word, better = "better", better + 1
        elif delta.mean() >= -se:
            word, tied = "as good (within one SE)", tied + 1
        else:
            word = "worse"
        lines.append(f"| {label} | {best.system.name} | {mean_se(theirs)} | {mean_se(ours)} | "
                     f"{difference(ours, theirs)} | {word} |")
    holds = better + tied == len(MEASURES) and better >= 2
    lines.append("")
    lines.append(f"Target of issue 6 (as good as the best anchor on R1, R2 and R3 within one SE, better on "
                 f"at least two, single queries under 10 ms): **{'met' if holds and max(result.paper_ms, result.title_ms) < 10 else 'not met'}** "
                 f"(better on {better}, as good on {tied}; {result.paper_ms:.1f} / {result.title_ms:.1f} ms per paper / "
                 f"title query).")
    return "\n".join(lines)


def section(results: list[Result], n_anchors: int, corpus: Corpus, seconds: float, best: str) -> str:
    n_q = len(corpus.query_rows)
    recall_n = len(results[0].author_r)
    described = "\n".join(f"- {r.system.name}: {r.system.describe()}" for r in results if r.system.describe())
    chosen = [r for r in results if re.fullmatch(best, r.system.name)] or results[-1:]
    tables = "\n\n".join(differences_table(r, results[:n_anchors + 1]) for r in chosen)
    verdicts = "\n\n".join(verdict(r, results[:n_anchors]) for r in chosen) if n_anchors else ""
    return f"""## "Papers like this": paperlike against anchors (`benchmarks/similar_eval.py`)

{machine()}.
{len(corpus.papers):,} papers (one per arXiv id, last crawl), {n_q:,} query papers (seed {SEED}),
TruncatedSVD random_state={SVD_SEED}; total run {seconds / 60:.1f} min.

R1 = P@10 of neighbours with the query's primary category; R2 = P@10 and R@10 of neighbours
sharing an author (authors never indexed; R@10 over the {recall_n:,} queries with at least one
such paper); both on title + abstract, query paper excluded. R3 = the bare title as the query
against the abstracts only (every system rebuilt on abstracts), MRR@10 and hit@1 of the own
abstract, ties against it. ± = one standard error over the queries. build s = the
title+abstract index, including any SVD (for paperlike: `PaperIndex.fit`, all of it); ms/query =
one query at a time on a shared 2-core machine: for the anchors whole-corpus scores plus top 10,
mean over {LATENCY_QUERIES} queries; for paperlike the `similar` call (query string to results),
mean over all {n_q:,} queries. The first {n_anchors} rows are the anchors of issue 6; "paperlike
0.1" is the ranking paperlike had before issue 6 (TF-IDF cosine), "paperlike (default)" what it
ships now, measured through its own code.

{results_table(results)}

{described}

{verdicts}

Paired differences (same queries, ± paired standard error):

{tables}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=N_QUERIES)
    parser.add_argument("--limit-papers", type=int, default=None,
                        help="a random subset of this many papers (quick iteration)")
    parser.add_argument("--only", default=None, help="regex: run only systems whose name matches")
    parser.add_argument("--best", default=r"paperlike \(default\)",
                        help="regex (full match): the systems the paired-differences tables are about")
    parser.add_argument("--candidates", action="store_true",
                        help="also the exploration recipes of benchmarks/RANKING.md (benchmark-only "
                             "code, ~10 more minutes)")
    parser.add_argument("--ranker", action="append", default=[], metavar="JSON",
                        help='also paperlike with these Ranker parameters, e.g. \'{"n_components": 64}\' '
                             "(repeatable)")
    parser.add_argument("--no-write", action="store_true", help="print only; RESULTS.md untouched")
    args = parser.parse_args()

    started = time.perf_counter()
    papers = [paper(row) for row in latest_rows(DATASET)]
    if args.limit_papers:
        keep = np.sort(np.random.default_rng(SEED + 1).choice(len(papers), args.limit_papers, replace=False))
        papers = [papers[i] for i in keep]
    query_rows = np.sort(np.random.default_rng(SEED).choice(len(papers), args.queries, replace=False))
    corpus = Corpus(papers, query_rows)
    related = author_neighbours(papers, query_rows)
    print(f"{len(papers):,} papers, {len(query_rows):,} queries", file=sys.stderr, flush=True)

    variants = [PaperlikeSystem("paperlike, " + ", ".join(f"{k}={v}" for k, v in json.loads(r).items()),
                                json.loads(r)) for r in args.ranker]
    systems = anchors() + paperlike_systems() + variants + (candidates() if args.candidates else [])
    n_anchors = len(anchors())
    if args.only:
        chosen = [s for s in systems if re.search(args.only, s.name)]
        n_anchors = sum(1 for s in chosen if s in systems[:n_anchors])
        systems = chosen
    results = []
    for system in systems:
        t = time.perf_counter()
        r = measure(system, corpus, related)
        results.append(r)
        print(f"  {system.name}: R1 {r.category.mean():.4f}  R2 {r.author_p.mean():.4f}/{r.author_r.mean():.4f}  "
              f"R3 {r.reciprocal.mean():.4f} hit1 {r.hit1.mean():.4f}  build {r.build_seconds:.1f}s  "
              f"{r.paper_ms:.1f}/{r.title_ms:.1f} ms  ({time.perf_counter() - t:.0f}s)", file=sys.stderr, flush=True)
        for ref in results[:-1]:
            if ref.system.name.startswith(("hybrid", "BM25 (")):
                print(f"      minus {ref.system.name[:12]}: R1 {difference(r.category, ref.category)}  "
                      f"R2 {difference(r.author_p, ref.author_p)}  R3 {difference(r.reciprocal, ref.reciprocal)}",
                      file=sys.stderr, flush=True)
    markdown = section(results, n_anchors, corpus, time.perf_counter() - started, args.best)
    print(markdown)
    if not (args.no_write or args.limit_papers or args.only or args.candidates or args.ranker
            or args.queries != N_QUERIES):
        write_section("similar-eval", markdown)


if __name__ == "__main__":
    main()
