import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import normalize

from paperlike import allpairs, parallel
from paperlike.allpairs import pairs_above


def brute(X, t):
    S = (X @ X.T).tocoo()
    keep = (S.row < S.col) & (S.data >= t - 1e-6)
    return set(zip(S.row[keep].tolist(), S.col[keep].tolist()))


@pytest.fixture(scope="module")
def patch():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.3, 0.5, 0.7, 0.8, 0.9, 0.95]),
       st.sampled_from([1 << 24, 64]), st.booleans(), st.sampled_from([0.3, 0.65, 0.93, 0.99]),
       st.sampled_from([1 << 16, 7]))
def test_no_pair_is_lost_against_brute_force(patch, seed, threshold, per_chunk, one_job, share, per_block):
    # Small chunks: many of them, joined two at a time on two threads unless PAPERLIKE_JOBS=1.
    patch.setattr(allpairs, "_PRODUCTS_PER_CHUNK", per_chunk)
    patch.setattr(allpairs, "_ROWS_PER_BLOCK", per_block)
    patch.setenv("PAPERLIKE_JOBS", "1" if one_job else "2")
    rng = np.random.default_rng(seed)
    n, vocab = int(rng.integers(2, 120)), int(rng.integers(5, 60))
    # Zipf-like term frequencies, so that some terms are frequent and get set aside.
    probs = 1 / np.arange(1, vocab + 1)
    dense = rng.random((n, vocab)) < np.clip(probs * 3, 0, 0.9) * rng.random((n, 1))
    X = normalize(sp.csr_matrix(dense * rng.random((n, vocab)), dtype=np.float32))
    i, j, cos = pairs_above(X, threshold, share)
    assert set(zip(i.tolist(), j.tolist())) == brute(X, threshold)
    exact = np.asarray(X[i].multiply(X[j]).sum(axis=1)).ravel()
    np.testing.assert_allclose(cos, exact, atol=1e-5)


def test_identical_rows_are_found(seed_index):
    X = sp.vstack([seed_index.X_, seed_index.X_[:5]]).tocsr()
    i, j, cos = pairs_above(X, 0.99)
    n = seed_index.X_.shape[0]
    assert {(a, n + a) for a in range(5)} <= set(zip(i.tolist(), j.tolist()))
    assert cos.min() == pytest.approx(1.0, abs=1e-5)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_each_chunk_meets_only_the_texts_from_its_first_row_on(seed):
    rng = np.random.default_rng(seed)
    n, vocab = int(rng.integers(2, 60)), int(rng.integers(2, 30))
    P = sp.random(n, vocab, density=0.3, format="csr", random_state=rng, dtype=np.float32)
    PT = P.T.tocsr()
    edges = sorted({0, n, *rng.integers(0, n, 3).tolist()})
    chunks = list(zip(edges[:-1], edges[1:]))
    for (start, end), begin in allpairs._with_tails(P, PT, chunks):
        expected = (P[start:end] @ P.T).toarray()
        expected[:, :start] = 0
        got = allpairs._tail_product(P, PT, start, end, begin).toarray()
        np.testing.assert_allclose(got, expected, rtol=1e-6)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_a_join_shared_by_two_processes_finds_each_pair_once(patch, seed):
    patch.setattr(allpairs, "_PRODUCTS_PER_CHUNK", 32)
    patch.setenv("PAPERLIKE_JOBS", "2")
    rng = np.random.default_rng(seed)
    n, vocab = int(rng.integers(20, 100)), int(rng.integers(5, 30))
    X = normalize(sp.random(n, vocab, density=0.3, format="csr", random_state=rng, dtype=np.float32))
    join = allpairs.SharedJoin(X, 0.5, shared=True)
    assert len(join.chunks) > 1
    with parallel.in_child(join.run) as theirs:
        mine = join.run()
        other = theirs()
    found = list(zip(mine[0].tolist(), mine[1].tolist())) + list(zip(other[0].tolist(), other[1].tolist()))
    assert len(found) == len(set(found))
    assert set(found) == brute(X, 0.5)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.floats(1e-5, 1e-2))
def test_a_pair_at_the_threshold_is_found_when_the_bound_is_nearly_tight(seed, tiny):
    # b leaves out a frequent term that a barely has, and a's other terms are b's: the first
    # bound's square root is near 0 there, where float32 rounding is magnified most.
    rng = np.random.default_rng(seed)
    vocab, rare = 40, rng.integers(2, 8)
    filler = np.zeros((30, vocab), dtype=np.float32)
    filler[:, 0] = 1.0
    filler[np.arange(30), rng.integers(20, vocab, 30)] = 1.0
    b = np.zeros(vocab)
    b[1:1 + rare] = rng.random(rare) + 0.5
    b /= np.linalg.norm(b)
    b = np.concatenate([[0.43], b[1:] * np.sqrt(1 - 0.43 ** 2)])
    a = b.copy()
    a[0] = tiny
    a[1:1 + rare] *= 1 + rng.normal(0, 1e-3, rare)
    X = normalize(sp.csr_matrix(np.vstack([filler, a, b]), dtype=np.float32))
    cosine = float(X[30].multiply(X[31]).sum())
    for threshold in (cosine, cosine - 1e-7):
        i, j, _ = pairs_above(X, threshold)
        assert (30, 31) in set(zip(i.tolist(), j.tolist()))


def test_a_shared_join_whose_count_stays_locked_ends_with_an_error(patch):
    # As when the other process is killed while it holds the lock: an error, not a wait forever.
    import threading

    from paperlike.errors import WorkerError

    patch.setattr(allpairs, "_LOCK_WAIT", 0.2)
    X = normalize(sp.random(30, 10, density=0.4, format="csr", random_state=1, dtype=np.float32))
    join = allpairs.SharedJoin(X, 0.5, shared=True)
    holder = threading.Thread(target=join._taken.get_lock().acquire)
    holder.start()
    holder.join()
    with pytest.raises(WorkerError, match="PAPERLIKE_JOBS=1"):
        join.run()



@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6))
def test_first_at_least_is_a_search_within_each_row(seed):
    rng = np.random.default_rng(seed)
    n, vocab = int(rng.integers(1, 40)), int(rng.integers(1, 50))
    P = sp.random(n, vocab, density=float(rng.random()), format="csr", random_state=rng, dtype=np.float32)
    P.sort_indices()
    rows = rng.integers(0, n, size=int(rng.integers(0, 100)))
    ranks = rng.integers(0, vocab + 2, size=len(rows))
    expected = [P.indptr[r] + np.searchsorted(P.indices[P.indptr[r]:P.indptr[r + 1]], k) for r, k in zip(rows, ranks)]
    assert allpairs._first_at_least(P, rows, ranks).tolist() == [int(e) for e in expected]
