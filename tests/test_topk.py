"""The pruned top-k search returns exactly what scoring every text returns."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from paperlike import topk


def brute(X, q, k, eligible, groups):
    scores = np.asarray(X @ q.toarray().ravel()).ravel()
    texts = np.flatnonzero(eligible(np.arange(X.shape[0])))
    return topk.top_groups(texts, scores[texts], groups, k)


def corpus(seed, n, vocabulary):
    rng = np.random.default_rng(seed)
    # Zipf-like term frequencies: a few terms in most texts, most terms in few.
    p = 1.0 / np.arange(1, vocabulary + 1) ** 1.1
    lengths = rng.integers(1, 12, size=n)
    cols = rng.choice(vocabulary, size=int(lengths.sum()), p=p / p.sum())
    rows = np.repeat(np.arange(n), lengths)
    X = sp.csr_matrix((rng.random(len(cols)) + 0.05, (rows, cols)), shape=(n, vocabulary))
    X.sum_duplicates()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.csr_matrix(sp.diags(1 / norms) @ X, dtype=np.float32)
    X.sort_indices()
    return X, rng


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 250), vocabulary=st.integers(2, 60),
       k=st.integers(1, 12), probe=st.sampled_from([1, 8, 64, 4096]), grouped=st.booleans(),
       excluded=st.integers(0, 5), filtered=st.booleans())
def test_pruned_search_equals_brute_force(seed, n, vocabulary, k, probe, grouped, excluded, filtered):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(topk, "_PROBE_POSTINGS", probe)
        _check(seed, n, vocabulary, k, grouped, excluded, filtered)


def _check(seed, n, vocabulary, k, grouped, excluded, filtered):
    X, rng = corpus(seed, n, vocabulary)
    XT = X.T.tocsr()
    groups = rng.integers(0, max(1, n // 2), size=n) if grouped else None
    labels = groups if grouped else np.arange(n)
    banned = rng.choice(labels, size=min(excluded, n), replace=True)
    allowed = rng.random(labels.max() + 1) < 0.7 if filtered else np.ones(labels.max() + 1, dtype=bool)
    allowed[banned] = False

    def eligible(texts):
        return allowed[labels[texts]]

    q = X[rng.integers(0, n)] if rng.random() < 0.5 else corpus(seed + 1, 1, vocabulary)[0]
    texts, scores = topk.candidates(X, XT, topk.term_maxima(XT), q, k, eligible, groups)
    got = topk.top_groups(texts, scores, groups, k)
    want = brute(X, q, k, eligible, groups)
    assert [s for _, _, s in got] == pytest.approx([s for _, _, s in want], abs=1e-5)
    # Equal scores (a repeated row) may order two groups either way; otherwise the same groups.
    scores = [s for _, _, s in want]
    tied = any(abs(a - b) < 1e-5 for a, b in zip(scores, scores[1:]))
    assert tied or [g for g, _, _ in got] == [g for g, _, _ in want]


def test_the_index_search_equals_scoring_every_text(seed_index):
    for query in ("FastCorrect 2", "Sortformer", "Nemotron 3 Nano", "speech recognition with large language models"):
        _, paper, vector = seed_index.resolve(query)
        exclude = [] if paper is None else [paper]
        got = seed_index.best_papers(vector, 10, exclude)
        want = seed_index.top_papers(seed_index.scores(vector), 10, exclude)
        assert [p for p, _ in got] == [p for p, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
        assert [t for t, _ in seed_index.best_texts(vector, 7)] == [t for t, _ in seed_index.top_texts(seed_index.scores(vector), 7)]
