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

from .errors import EmptyCorpusError
from .models import Paper

__all__ = ["Vectorizer", "paper_text"]

# scikit-learn's own pattern: keeping hyphenated terms whole ("mixture-of-experts") measured
# worse (title -> abstract MRR@10 0.724 against 0.760, benchmarks/RESULTS.md).
TOKEN_PATTERN = r"(?u)\b\w\w+\b"


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

    Fitted state: ``vocabulary_`` (terms in column order) and ``idf_``.

    Defaults, measured on 40,717 arXiv papers (benchmarks/RESULTS.md, "TF-IDF parameters"):
    ``sublinear_tf`` is worth +0.04 category precision@10 and +0.12 title->abstract MRR@10;
    ``min_df=1`` keeps the words found in one paper only, which are what pins a paper down by
    its title (+0.07 MRR@10, -0.004 precision), and works on a corpus of any size;
    ``max_df`` makes no difference between 0.5 and 1.0 once stop words are removed; the title
    twice (``title_weight=2``) is as good as once and better than three times. Bigrams gain
    +0.01 precision for a 26x vocabulary and 5x fit time, so they are an option, not the default.
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
        min_df: int | float = 1,
        max_df: int | float = 1.0,
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
        tfidf = self._tfidf(min_df=self.min_df, max_df=self.max_df)
        try:
            matrix = tfidf.fit_transform(texts)
        except ValueError as exc:  # only stop words, or min_df/max_df prune every term
            raise EmptyCorpusError(f"no terms to index: {exc}; check the inputs or min_df/max_df") from None
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

    def analyzer(self):
        """The function that splits a text into the terms this vectoriser counts."""
        return self._fitted.build_analyzer()

    def term_index(self) -> dict[str, int]:
        """Each known term's column."""
        return self._fitted.vocabulary_

    @classmethod
    def from_fitted(cls, params: dict[str, Any], vocabulary: Sequence[str], idf: np.ndarray) -> Vectorizer:
        """A fitted Vectorizer rebuilt from saved parameters, vocabulary and IDF (no pickle)."""
        vectorizer = cls(**{k: tuple(v) if k == "ngram_range" else v for k, v in params.items()})
        tfidf = vectorizer._tfidf(min_df=1, max_df=1.0, vocabulary={t: i for i, t in enumerate(vocabulary)})
        tfidf.idf_ = np.asarray(idf, dtype=np.float64)
        vectorizer._fitted = tfidf
        vectorizer.vocabulary_ = np.asarray(vocabulary, dtype=object)
        vectorizer.idf_ = np.asarray(idf, dtype=np.float32)
        return vectorizer
