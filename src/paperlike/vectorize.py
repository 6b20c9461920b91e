"""TF-IDF vectors of papers: which text of a record is embedded, and how it is weighted.

The parameters were chosen by measurement on the arXiv crawl (benchmarks/tfidf_choice.py and
benchmarks/RESULTS.md): every one is written out here with its default, so that a saved model's
manifest says exactly how its vectors were made.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .models import Paper

__all__ = ["Vectorizer", "paper_text"]

# Keeps hyphenated and alphanumeric terms whole ("mixture-of-experts", "gpt-4", "3b").
TOKEN_PATTERN = r"(?u)\b\w[\w\-]*\w\b|\b\w\b"


def paper_text(paper: Paper, title_weight: int = 2) -> str:
    """The text embedded for a record: the title (repeated) and the abstract.

    A record with no abstract (a bibliographic entry) is embedded on its title, authors and
    venue, the only words it has.
    """
    title = paper.title or ""
    if paper.abstract:
        return " ".join([title] * title_weight + [paper.abstract])
    return " ".join([title] * title_weight + paper.authors + [paper.venue or ""])


class Vectorizer:
    """TF-IDF over title and abstract; ``fit`` learns the vocabulary and IDF from a corpus.

    Fitted state: ``vocabulary_`` (terms in column order), ``idf_``, and ``pruning_relaxed_``
    (True when the corpus was too small for min_df/max_df and every term was kept).
    """

    def __init__(
        self,
        *,
        title_weight: int = 2,
        lowercase: bool = True,
        strip_accents: str | None = "unicode",
        token_pattern: str = TOKEN_PATTERN,
        stop_words: str | None = "english",
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 2,
        max_df: float = 0.5,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        smooth_idf: bool = True,
    ) -> None:
        self.title_weight = title_weight
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.ngram_range = tuple(ngram_range)
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.smooth_idf = smooth_idf

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, JSON-ready (as the manifest stores them)."""
        names = inspect.signature(type(self).__init__).parameters
        params = {name: getattr(self, name) for name in names if name != "self"}
        params["ngram_range"] = list(self.ngram_range)
        return params

    def _tfidf(self, *, min_df: int | float, max_df: int | float,
               vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
        return TfidfVectorizer(
            input="content",
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            preprocessor=None,          # text is normalised once, by paperlike.text
            tokenizer=None,
            analyzer="word",
            token_pattern=self.token_pattern,
            stop_words=self.stop_words,
            ngram_range=self.ngram_range,
            min_df=min_df,
            max_df=max_df,
            max_features=self.max_features,
            vocabulary=vocabulary,
            binary=False,
            norm="l2",
            use_idf=True,
            smooth_idf=self.smooth_idf,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )

    def _texts(self, papers: Iterable[Paper]) -> list[str]:
        return [paper_text(p, self.title_weight) for p in papers]

    def fit_transform(self, papers: Sequence[Paper]) -> sp.csr_matrix:
        """Learn vocabulary and IDF from the papers; their L2-normalised TF-IDF rows."""
        texts = self._texts(papers)
        self.pruning_relaxed_ = False
        try:
            tfidf = self._tfidf(min_df=self.min_df, max_df=self.max_df)
            matrix = tfidf.fit_transform(texts)
        except ValueError:
            # A handful of papers may share no term min_df times (or every term exceeds
            # max_df): keep every term rather than refuse a small corpus.
            self.pruning_relaxed_ = True
            tfidf = self._tfidf(min_df=1, max_df=1.0)
            matrix = tfidf.fit_transform(texts)
        self._fitted = tfidf
        self.vocabulary_ = tfidf.get_feature_names_out()
        self.idf_ = tfidf.idf_.astype(np.float32)
        return matrix.tocsr()

    def fit(self, papers: Sequence[Paper]) -> Vectorizer:
        self.fit_transform(papers)
        return self

    def transform(self, papers: Iterable[Paper]) -> sp.csr_matrix:
        """TF-IDF rows of papers, in the fitted vocabulary (unknown words are dropped)."""
        return self.transform_texts(self._texts(papers))

    def transform_texts(self, texts: Iterable[str]) -> sp.csr_matrix:
        """TF-IDF rows of free texts (already normalised), in the fitted vocabulary."""
        return self._fitted.transform(list(texts)).tocsr()

    @classmethod
    def from_fitted(cls, params: dict[str, Any], vocabulary: Sequence[str], idf: np.ndarray) -> Vectorizer:
        """A fitted Vectorizer rebuilt from saved parameters, vocabulary and IDF (no pickle)."""
        vectorizer = cls(**{k: tuple(v) if k == "ngram_range" else v for k, v in params.items()})
        tfidf = vectorizer._tfidf(min_df=1, max_df=1.0, vocabulary={t: i for i, t in enumerate(vocabulary)})
        tfidf.idf_ = np.asarray(idf, dtype=np.float64)
        vectorizer._fitted = tfidf
        vectorizer.vocabulary_ = np.asarray(vocabulary, dtype=object)
        vectorizer.idf_ = np.asarray(idf, dtype=np.float32)
        vectorizer.pruning_relaxed_ = False
        return vectorizer
