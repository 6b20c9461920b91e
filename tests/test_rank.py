"""The ranking of ``similar`` (paperlike.rank, paperlike.lsa) against brute force."""

import json
import shutil

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import title_of
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import paperlike
from paperlike import api, store
from paperlike.csr import sparse
from paperlike.errors import ModelError
from paperlike.index import PaperIndex
from paperlike.rank import Ranker

# The seed corpus is below Ranker's lsa_min_texts: these tests force the LSA on.
LSA_ON = dict(lsa_min_texts=0, n_components=16)


@pytest.fixture(scope="module")
def lsa_index(seed_corpus) -> PaperIndex:
    return PaperIndex(ranker=Ranker(**LSA_ON)).fit(seed_corpus.records)


def brute_bm25(index: PaperIndex, terms: np.ndarray) -> np.ndarray:
    """BM25 by its formula from raw counts, every text scored, divided by the largest."""
    reps = [index.records_[r] for r in index.record_of_text_]
    tf = index.vectorizer.counts(reps).toarray().astype(np.float64)
    n = tf.shape[0]
    df = (tf > 0).sum(axis=0)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    dl = tf.sum(axis=1)
    k1, b = index.ranker.k1, index.ranker.b
    S = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / dl.mean())[:, None])
    scores = S[:, terms] @ idf[terms]
    return scores / scores.max() if scores.max() > 0 else scores


def brute_embeddings(index: PaperIndex, rows: sp.csr_matrix) -> np.ndarray:
    lsa = index.ranker.lsa_
    full = np.zeros((index.X_.shape[1], lsa.rank_))
    full[lsa.terms_] = lsa.components_
    z = sparse(rows).toarray() @ full
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return np.divide(z, norms, out=np.zeros_like(z), where=norms > 0)


def brute_similar(index: PaperIndex, query: str, k: int) -> list[tuple[str, float]]:
    """The documented score of every text, computed densely; one result per paper."""
    read, paper, vector = index.resolve(query)
    if paper is None:
        lex, lam = brute_bm25(index, vector.indices), index.ranker.lambda_text
    else:
        lex, lam = (index.X_ @ sparse(vector).T).toarray().ravel(), index.ranker.lambda_paper
    if index.ranker.lsa_ is None:
        lam, Z, z = 0.0, np.zeros((len(lex), 1)), np.zeros(1)
    else:
        Z = brute_embeddings(index, index.X_)
        z = (brute_embeddings(index, vector)[0] if paper is None
             else Z[int(index.text_of_record_[index.canonical_record(paper)])])
    own = [] if paper is None else [int(index.text_of_record_[r]) for r in index.records_of_paper(paper)]
    lex[own] = 0
    chosen = np.argsort(-lex, kind="stable")[:index.ranker.candidates]
    chosen = chosen[lex[chosen] > 0]
    scores = lex / (1 + lam)
    scores[chosen] = (lex[chosen] + lam * np.clip(Z[chosen] @ z, 0, 1)) / (1 + lam)
    best: dict[int, float] = {}
    for t in np.flatnonzero(scores > 0):
        p = int(index.paper_of_text_[t])
        if p != paper:
            best[p] = max(best.get(p, 0.0), float(scores[t]))
    ranked = sorted(best.items(), key=lambda item: -item[1])[:k]
    return [(index.records_[index.canonical_record(p)].id, s) for p, s in ranked]


QUERIES = ("FastCorrect 2", "SoftCorrect", "speaker diarization", "error correction of speech recognition output",
           "Nemotron-H", "mixture of experts routing", "streaming speech translation")


@pytest.mark.parametrize("query", QUERIES)
def test_similar_equals_the_brute_force_formula(lsa_index, query):
    got = lsa_index.similar(query, k=8).results
    expected = brute_similar(lsa_index, query, 8)
    # Embeddings are stored as float16: scores agree to ~1e-3, so compare scores, and the ids
    # wherever the brute-force scores are not within that of each other.
    np.testing.assert_allclose([n.score for n in got], [s for _, s in expected], atol=2e-3)
    brute = dict(brute_similar(lsa_index, query, 1000))
    for n in got:
        assert brute[n.id] == pytest.approx(n.score, abs=2e-3)


def test_bm25_text_scores_equal_the_formula(seed_index):
    for query in ("speaker diarization", "error correction of speech recognition output", "mamba hybrid"):
        vector = seed_index.vector_of_text(query)
        ours = seed_index.ranker.text_scores(seed_index.XT_, vector.indices)
        np.testing.assert_allclose(ours, brute_bm25(seed_index, vector.indices), atol=1e-5)


def test_embeddings_are_unit_rows_of_the_projection(lsa_index):
    Z = np.asarray(lsa_index.ranker.Z_, dtype=np.float32)
    np.testing.assert_allclose(Z, brute_embeddings(lsa_index, lsa_index.X_), atol=2e-3)
    norms = np.linalg.norm(Z, axis=1)
    assert np.allclose(norms[norms > 0], 1, atol=2e-3)


def test_only_the_lexical_candidates_are_re_ranked(seed_corpus):
    index = PaperIndex(ranker=Ranker(**LSA_ON, candidates=3)).fit(seed_corpus.records)
    got = index.similar("FastCorrect 2", k=10).results
    assert sum(n.topic is not None for n in got) <= 3
    assert [n.score for n in got] == [n.score for n in sorted(got, key=lambda n: -n.score)]
    expected = brute_similar(index, "FastCorrect 2", 10)
    np.testing.assert_allclose([n.score for n in got], [s for _, s in expected], atol=2e-3)


def test_text_results_name_the_query_terms_with_the_largest_bm25_contributions(seed_index):
    query = "error correction of speech recognition output"
    vector = seed_index.vector_of_text(query)
    words = set(seed_index.vectorizer.analyzer()(query))
    for n in seed_index.similar(query, k=5, kind="text").results:
        assert n.terms and set(n.terms) <= words
        text = int(seed_index.text_of_record_[seed_index.record_by_id(n.id)])
        found, weights = seed_index.ranker.text_contributions(seed_index.XT_, vector.indices, text)
        top = [str(seed_index.vectorizer.vocabulary_[t]) for t in found[np.argsort(-weights, kind="stable")]]
        assert n.terms == top[:seed_index.explain_terms]


def test_the_seed_corpus_keeps_its_neighbours_with_the_lsa_on(lsa_index):
    titles = [title_of(lsa_index, n.id) for n in lsa_index.similar("FastCorrect 2", k=2).results]
    assert {t.split(":")[0] for t in titles} == {"SoftCorrect", "Mask the Correct Tokens"}
    labels = [n.label for n in lsa_index.similar("Nemotron-H", k=5).results]
    assert sum("Nemotron" in label for label in labels) >= 4


def test_a_small_corpus_ranks_without_lsa(seed_index):
    assert seed_index.X_.shape[0] < seed_index.ranker.lsa_min_texts
    assert seed_index.ranker.lsa_ is None and seed_index.ranker.Z_ is None
    got = seed_index.similar("FastCorrect 2", k=3).results
    assert all(n.topic is None for n in got)
    _, _, vector = seed_index.resolve("FastCorrect 2")
    cosines = sorted((seed_index.X_ @ sparse(vector).T).toarray().ravel(), reverse=True)
    assert [n.score for n in got] == [round(float(c), 4) for c in cosines[1:4]]


def test_two_texts_are_enough_for_a_rank_one_lsa():
    records = [paperlike.Record(id="a", title="Graphs", abstract="Spectral methods for sparse graphs."),
               paperlike.Record(id="b", title="Proteins", abstract="Folding proteins with deep networks.")]
    index = PaperIndex(ranker=Ranker(lsa_min_texts=0)).fit(records)
    assert index.ranker.lsa_.rank_ == 1
    assert index.similar("sparse graphs", k=1).results[0].id == "a"


_words = st.sampled_from("speech error model graph token latency decoder attention mamba expert "
                         "translation beam search noise robust".split())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_words, min_size=3, max_size=10), min_size=3, max_size=12, unique_by=tuple),
       st.lists(_words, min_size=1, max_size=4))
def test_text_queries_match_brute_force_on_any_corpus(texts, query):
    records = [paperlike.Record(id=f"p{i}", abstract=" ".join(words)) for i, words in enumerate(texts)]
    index = PaperIndex(ranker=Ranker(lsa_min_texts=0, n_components=4)).fit(records)
    assume(set(query) & set(index.vectorizer.vocabulary_))
    got = index.similar(" ".join(query), k=5, kind="text").results
    expected = brute_similar(index, " ".join(query), 5)
    np.testing.assert_allclose([n.score for n in got], [s for _, s in expected], atol=2e-3)


# -- saved models ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lsa_model(lsa_index, tmp_path_factory):
    return paperlike.save_index(lsa_index, tmp_path_factory.mktemp("rank") / "lsa")


def test_round_trip_keeps_the_ranking_arrays_memory_mapped(lsa_index, lsa_model):
    loaded = paperlike.load_index(lsa_model)
    r, s = loaded.ranker, lsa_index.ranker
    assert r.get_params() == s.get_params() and r.avgdl_ == pytest.approx(s.avgdl_)
    for name in ("postings_", "idf_", "Z_"):
        np.testing.assert_array_equal(getattr(r, name), getattr(s, name))
        assert isinstance(getattr(r, name).base, np.memmap) or getattr(r, name).base is not None
    np.testing.assert_array_equal(r.lsa_.terms_, s.lsa_.terms_)
    np.testing.assert_array_equal(r.lsa_.components_, s.lsa_.components_)
    assert r.Z_.dtype == np.float16 and r.postings_.dtype == np.float32
    for query in QUERIES:
        assert loaded.similar(query, k=5) == lsa_index.similar(query, k=5)


def test_a_model_without_lsa_saves_no_lsa_files(seed_model):
    names = {p.name for p in seed_model.iterdir()}
    assert {"bm25_postings.npy", "bm25_idf.npy"} <= names
    assert not any(n.startswith("lsa_") for n in names)
    assert json.loads((seed_model / "manifest.json").read_text())["ranker"]["lsa"] is None


def _as_format_3(model, folder):
    """A copy of a model as paperlike 0.1 wrote it: format 3, no ranking files or parameters."""
    old = shutil.copytree(model, folder)
    manifest = json.loads((old / "manifest.json").read_text())
    for name in [n for n in manifest["files"] if n.startswith(("bm25_", "lsa_"))]:
        (old / name).unlink()
        del manifest["files"][name]
    manifest["format_version"] = 3
    del manifest["ranker"], manifest["parameters"]["ranker"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    (old / ".verified").unlink(missing_ok=True)
    return old


def test_an_older_model_is_refused_with_the_command_that_rebuilds_it(lsa_model, tmp_path):
    old = _as_format_3(lsa_model, tmp_path / "old")
    with pytest.raises(ModelError, match=rf"format version 3, this paperlike reads version {store.FORMAT_VERSION}; "
                                         r"rebuild it with 'paperlike index --refit --model .*old'"):
        paperlike.load_index(old)
    api.refit(old)  # --refit reads the older format
    index = paperlike.load_index(old)
    assert store.read_manifest(old)["format_version"] == store.FORMAT_VERSION
    assert len(index.records_) == 62 and index.ranker.postings_.shape == index.XT_.data.shape


# -- add ---------------------------------------------------------------------------------------


NEW = [paperlike.Record(id="new-1", title="Correcting speech recognition errors with a language model",
                       abstract="We correct the errors of automatic speech recognition output with a "
                                "pretrained language model that rewrites the recognised sentence."),
       paperlike.Record(id="new-2", title="Routing tokens among experts",
                       abstract="A mixture of experts layer routes each token to two experts.")]


def test_add_gives_new_texts_bm25_values_and_embeddings(seed_corpus, tmp_path):
    fitted = PaperIndex(ranker=Ranker(**LSA_ON)).fit(seed_corpus.records)
    idf, avgdl, n_old = fitted.ranker.idf_.copy(), fitted.ranker.avgdl_, fitted.X_.shape[0]
    model = paperlike.save_index(fitted, tmp_path / "m")
    report = api.add(model, NEW)
    assert report.new_papers == 2
    index = paperlike.load_index(model)
    ranker = index.ranker
    assert index.X_.shape[0] == n_old + 2 and ranker.Z_.shape[0] == n_old + 2
    np.testing.assert_array_equal(ranker.idf_, idf)
    assert ranker.avgdl_ == avgdl
    # The fit's statistics, every text's counts: the postings as a fresh computation gives them.
    reps = [index.records_[r] for r in index.record_of_text_]
    counts = index.vectorizer.counts(reps)
    dl = np.asarray(counts.sum(axis=1)).ravel()
    CT = counts.T.tocsr()
    norm = ranker.k1 * (1 - ranker.b + ranker.b * dl / avgdl)
    expected = CT.data * (ranker.k1 + 1) / (CT.data + norm[CT.indices])
    np.testing.assert_array_equal(CT.indices, index.XT_.indices)
    np.testing.assert_allclose(ranker.postings_, expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ranker.Z_[n_old:], dtype=np.float32),
                               ranker.lsa_.transform(sparse(index.X_)[n_old:]), atol=2e-3)
    assert index.similar("routing tokens among experts mixture", k=1, kind="text").results[0].id == "new-2"
    found = index.similar("new-1", k=3).results
    assert {"FastCorrect 2", "SoftCorrect", "Mask the Correct Tokens"} & {n.title.split(":")[0] for n in found}
    assert all(n.topic is not None for n in found)


def test_postings_taken_in_the_transposes_order_are_those_of_the_counts_transposed(seed_corpus):
    from paperlike.vectorize import Vectorizer

    fields = Vectorizer().fit_fields(seed_corpus.records)
    index = PaperIndex()
    order = index._set_matrix(fields.X)
    assert np.array_equal(index.XT_.toarray(), index.X_.T.toarray())
    assert np.array_equal(index.X_.data[order], index.XT_.data)
    taken = Ranker().fit(fields.counts, index.X_, index.XT_, order=order).postings_
    transposed = Ranker().fit(fields.counts, index.X_, index.XT_).postings_
    assert np.array_equal(taken, transposed) and len(taken) == index.XT_.nnz
    # counts with other non-zeros than X's: the order does not apply, and the mismatch is found
    dense = fields.counts.toarray()
    dense[0, np.flatnonzero(dense[0] == 0)[0]] = 1
    with pytest.raises(ValueError, match="different non-zeros"):
        Ranker().fit(sp.csr_matrix(dense), index.X_, index.XT_, order=order)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000))
def test_row_totals_are_scipys_row_sums(seed):
    from paperlike.rank import _row_totals

    rng = np.random.default_rng(seed)
    counts = sp.random(int(rng.integers(0, 9)), int(rng.integers(1, 7)), density=float(rng.random()),
                       format="csr", random_state=rng)
    counts.data = rng.integers(1, 50, len(counts.data)).astype(np.int32)
    totals = _row_totals(counts)
    assert totals.dtype == np.float64
    assert np.array_equal(totals, np.asarray(counts.sum(axis=1), dtype=np.float64).ravel())
