"""paperlike.terms queries a fitted vocabulary exactly as scikit-learn's TfidfVectorizer would,
bit for bit, without importing it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from paperlike import terms
from paperlike.text import normalize
from paperlike.vectorize import Vectorizer, paper_text

_WORDS = ["the", "of", "a", "I", "x", "Model", "models", "GPT-4", "3D", "l_2", "naïve", "Ærø",
          "résumé", "über", "ﬁne", "ASR", "asr", "speech", "2025", "e.g.", "self-attention", "α",
          "ℓ1", "ÉCOLE", "data;set", "(LLM)", "speech speech", "naive", "resume", "ecole"]

_SETTINGS = [
    {},  # paperlike's defaults
    {"sublinear_tf": False, "stop_words": None},
    {"strip_accents": "ascii", "lowercase": False},
    {"strip_accents": None, "ngram_range": (1, 2)},
    {"ngram_range": (2, 3), "token_pattern": r"(?u)\b\w+\b"},
    {"token_pattern": r"(?u)\b(\w\w+)\b"},  # one group: findall gives the group
]


def _pair(texts: list[str], **settings) -> tuple[TfidfVectorizer, terms.Terms]:
    """scikit-learn's vectoriser fitted on the texts, and Terms holding its vocabulary and IDF."""
    params = {**Vectorizer().get_params(), **settings}
    sk = TfidfVectorizer(lowercase=params["lowercase"], strip_accents=params["strip_accents"],
                         token_pattern=params["token_pattern"], stop_words=params["stop_words"],
                         ngram_range=tuple(params["ngram_range"]), sublinear_tf=params["sublinear_tf"],
                         dtype=np.float32)
    sk.fit(texts)
    ours = terms.Terms(sk.vocabulary_, sk.idf_, lowercase=params["lowercase"], strip_accents=params["strip_accents"],
                       token_pattern=params["token_pattern"], stop_words=params["stop_words"],
                       ngram_range=params["ngram_range"], sublinear_tf=params["sublinear_tf"])
    return sk, ours


def _identical(ours: sp.csr_matrix, theirs) -> None:
    theirs = sp.csr_matrix(theirs)
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    assert ours.indices.dtype == theirs.indices.dtype and ours.indptr.dtype == theirs.indptr.dtype
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert ours.data.tobytes() == theirs.data.tobytes()  # bit for bit


def test_the_stop_list_is_scikit_learns():
    assert terms.ENGLISH_STOP_WORDS == ENGLISH_STOP_WORDS


@pytest.mark.parametrize("settings", _SETTINGS)
def test_rows_of_the_seed_corpus_are_scikit_learns(seed_corpus, settings):
    texts = [paper_text(p) for p in seed_corpus.records]
    sk, ours = _pair(texts, **settings)
    queries = texts + [p.title or "" for p in seed_corpus.records] + ["", "the of a", "Speech recognition über ALLES"]
    _identical(ours.transform(queries), sk.transform(queries))
    _identical(ours.counts(queries), sp.csr_matrix(super(TfidfVectorizer, sk).transform(queries)))
    analyze = sk.build_analyzer()
    assert all(ours.build_analyzer()(q) == analyze(q) for q in queries)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=40).map(" ".join), min_size=2, max_size=8),
       st.lists(st.lists(st.sampled_from(_WORDS), max_size=60).map(" ".join), min_size=1, max_size=5),
       st.sampled_from(_SETTINGS))
def test_rows_of_any_text_are_scikit_learns(corpus, queries, settings):
    try:
        sk, ours = _pair(corpus, **settings)
    except ValueError:  # scikit-learn refuses a corpus of stop words only
        return
    _identical(ours.transform(queries), sk.transform(queries))


def test_a_saved_vectoriser_queries_as_scikit_learn(seed_corpus):
    """The query path of a loaded model (Vectorizer.from_fitted) gives the rows scikit-learn
    gave before, from the same saved vocabulary and IDF."""
    fitted = Vectorizer()
    fitted.fit_fields(seed_corpus.records)
    loaded = Vectorizer.from_fitted(fitted.get_params(), [str(t) for t in fitted.vocabulary_], fitted.idf_)
    sk = fitted._tfidf(min_df=1, max_df=1.0, vocabulary={str(t): i for i, t in enumerate(fitted.vocabulary_)})
    sk.idf_ = np.asarray(fitted.idf_, dtype=np.float64)
    texts = [normalize(p.title) for p in seed_corpus.records] + [normalize("error correction for speech recognition")]
    _identical(loaded.transform_texts(texts), sk.transform(texts))
    _identical(loaded.transform(seed_corpus.records), sk.transform([paper_text(p) for p in seed_corpus.records]))


def test_long_and_empty_rows_are_normalised_like_scikit_learn():
    from sklearn.preprocessing import normalize as sk_normalize

    rng = np.random.default_rng(0)
    lengths = [0, 1, 5, 0, 300, 2, 0]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    data = rng.random(indptr[-1], dtype=np.float32) * 10
    data[2] = 0.0
    X = sp.csr_matrix((data, np.concatenate([np.arange(n) for n in lengths]).astype(np.int32), indptr),
                      shape=(len(lengths), 400))
    expected = sk_normalize(X.copy(), norm="l2")
    terms.l2_normalize_rows(X)
    _identical(X, expected)
