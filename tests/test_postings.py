"""The inverted-index walk (paperlike.postings) and the choice of the re-ranked texts against
brute force."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike import parallel, postings
from paperlike.index import PaperIndex
from paperlike.rank import Ranker, best_positive


def brute_walk(XT: sp.csr_matrix, data: np.ndarray, terms, weights) -> np.ndarray:
    dense = np.zeros(XT.shape[0])
    dense[np.asarray(terms, dtype=np.int64)] = weights
    full = sp.csr_matrix((data, XT.indices, XT.indptr), shape=XT.shape)
    return np.asarray(full.T @ dense).ravel()


@st.composite
def walks(draw):
    n_terms, n_texts = draw(st.integers(1, 30)), draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    XT = sp.random(n_terms, n_texts, density=draw(st.floats(0.0, 1.0)), format="csr",
                   dtype=np.float32, random_state=rng)
    XT.indices, XT.indptr = XT.indices.astype(np.int32), XT.indptr.astype(np.int32)
    terms = rng.choice(n_terms, size=draw(st.integers(0, n_terms)), replace=False)
    weights = rng.standard_normal(len(terms)).astype(np.float32)
    return XT, terms, weights


def test_the_compiled_kernel_is_used_on_this_scipy():
    # Were scipy's private kernel gone or changed, the walk would quietly copy postings again.
    assert postings.direct_kernel()


@settings(max_examples=150, deadline=None)
@given(walks(), st.sampled_from([0, 10**9]), st.booleans())
def test_walk_equals_brute_force(monkeypatch_walk, case, split, one_job):
    XT, terms, weights = case
    monkeypatch_walk.setattr(postings, "SPLIT_POSTINGS", split)  # 0: every walk split in two threads
    monkeypatch_walk.setenv("PAPERLIKE_JOBS", "1" if one_job else "2")
    other = np.arange(XT.nnz, dtype=np.float32)  # another data array of the same layout (BM25's)
    for data in (XT.data, other):
        assert_walk_close(postings.walk(XT, data, terms, weights), XT, data, terms, weights)
    assert_walk_close(postings._walk_copying(XT, XT.data, np.asarray(terms, dtype=np.int64), weights),
                      XT, XT.data, terms, weights)


def assert_walk_close(actual, XT, data, terms, weights):
    # The walk sums in float32, so its error grows with the size of the summands, not of the
    # sum: the bound of recursive summation, n * eps * sum |w x| (BM25-sized data cancels to
    # small totals from summands in the hundreds).
    expected = brute_walk(XT, data, terms, weights)
    magnitude = brute_walk(XT, np.abs(data), terms, np.abs(weights))
    bound = 1e-6 + (len(terms) + 1) * np.finfo(np.float32).eps * magnitude
    assert actual.shape == expected.shape
    assert np.all(np.abs(actual - expected) <= bound), np.max(np.abs(actual - expected) - bound)


@pytest.fixture(scope="module")
def monkeypatch_walk():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([-1.0, 0.0, 0.1, 0.25, 0.5, 0.7, 1.0]) | st.floats(-1, 1, width=32),
                min_size=0, max_size=400),
       st.integers(1, 50))
def test_best_positive_are_the_largest_positive_values(values, c):
    values = np.array(values, dtype=np.float32)
    got = best_positive(values, c)
    assert len(set(got.tolist())) == len(got)
    expected = np.sort(values[values > 0])[::-1][:c]
    np.testing.assert_array_equal(np.sort(values[got])[::-1], expected)


def test_best_positive_takes_the_sampled_cut_on_large_arrays():
    rng = np.random.default_rng(1)
    values = rng.random(200_000).astype(np.float32) ** 4
    values[rng.choice(200_000, 50_000, replace=False)] = 0
    for c in (1, 10, 1000, 5000):
        got = best_positive(values, c)
        np.testing.assert_array_equal(np.sort(values[got]), np.sort(values)[-c:])


@pytest.mark.parametrize("candidates", [5, 30, 200])
def test_top_papers_among_the_re_ranked_equals_the_full_search(seed_corpus, candidates):
    index = PaperIndex(ranker=Ranker(lsa_min_texts=0, n_components=16, candidates=candidates)).fit(seed_corpus.records)
    allowed = np.arange(index.n_papers) % 3 != 0
    taken = 0
    for query in ("FastCorrect 2", "speaker diarization", "mixture of experts routing", "Nemotron-H"):
        read, paper, vector = index.resolve(query, None)
        exclude = [] if paper is None else [paper]
        for mask in (None, allowed):
            scores, topic, ceiling = index.ranked_scores(paper, vector, exclude, mask)
            among = np.fromiter(topic, dtype=np.int64)
            for k in (1, 3, 10):
                fast = index.top_papers(scores, k, exclude, mask, among, ceiling)
                assert fast == index.top_papers(scores, k, exclude, mask)
                taken += len(index._top_papers_of(scores, among, k, exclude, mask)) == k
    assert taken  # the shortcut answered some of them


@settings(max_examples=60, deadline=None)
@given(walks())
def test_the_sums_do_not_depend_on_the_threads(monkeypatch_walk, case):
    XT, terms, weights = case
    monkeypatch_walk.setattr(postings, "SPLIT_POSTINGS", 0)
    monkeypatch_walk.setenv("PAPERLIKE_JOBS", "2")
    threaded = postings.walk(XT, XT.data, terms, weights)
    with parallel.one_thread():
        alone = postings.walk(XT, XT.data, terms, weights)
    np.testing.assert_array_equal(threaded, alone)  # bit for bit: a batch answers as single calls
