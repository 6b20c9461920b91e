import numpy as np
import pytest
from conftest import title_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.neighbors import NearestNeighbors

import paperlike
from paperlike.csr import sparse
from paperlike.errors import NotFoundError, QueryError


def _titles(index, similar):
    return [title_of(index, n.id) for n in similar.results]


def test_fastcorrect_2_finds_the_other_error_correction_papers(seed_index):
    titles = _titles(seed_index, seed_index.similar("FastCorrect 2", k=2))
    assert {t.split(":")[0] for t in titles} == {"SoftCorrect", "Mask the Correct Tokens"}


def test_softcorrect_finds_fastcorrect_2_and_mask_the_correct_tokens(seed_index):
    titles = _titles(seed_index, seed_index.similar("SoftCorrect", k=2))
    assert {t.split(":")[0] for t in titles} == {"FastCorrect 2", "Mask the Correct Tokens"}


def test_nemotron_h_neighbours_are_the_nemotron_family(seed_index):
    results = seed_index.similar("Nemotron-H: A Family of Accurate and Efficient Hybrid Mamba-Transformer Models", k=5)
    assert results.query.kind == "title"
    labels = [n.label for n in results.results]
    assert sum("Nemotron" in label for label in labels) >= 4


def test_a_paper_is_its_own_nearest_before_exclusion(seed_index):
    for text in range(seed_index.X_.shape[0]):
        scores = seed_index.scores(seed_index.X_[text])
        assert scores.argmax() == text or scores[scores.argmax()] == pytest.approx(scores[text])
        assert scores[text] == pytest.approx(1.0, abs=1e-5)


def test_results_never_repeat_a_paper_nor_show_the_query(seed_index):
    for record in seed_index.records_:
        got = seed_index.similar(record.id, k=50, kind="id")
        ids = [n.id for n in got.results]
        assert len(ids) == len(set(ids))
        paper = seed_index.paper_of_text_[seed_index.text_of_record_[seed_index.records_.index(record)]]
        own = {seed_index.records_[r].id for r in seed_index.records_of_paper(int(paper))}
        shown = set(ids) | {v for n in got.results for v in n.versions}
        assert not own & shown


def test_copies_of_one_text_are_one_result_with_their_versions(seed_index):
    results = seed_index.similar("Nemotron-H", k=10).results
    super_ = next(n for n in results if n.title and n.title.startswith("Nemotron 3 Super"))
    # three listing copies and one bare "Abstract:" line of the same abstract
    assert len(super_.versions) == 3


def test_results_match_brute_force_cosine(seed_index):
    nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(seed_index.X_)
    for text in range(seed_index.X_.shape[0]):
        distances, neighbours = nn.kneighbors(seed_index.X_[text], n_neighbors=seed_index.X_.shape[0])
        ours = seed_index.scores(seed_index.X_[text])
        np.testing.assert_allclose(np.sort(ours)[::-1], np.sort(1 - distances.ravel())[::-1], atol=1e-5)


def test_query_reading(seed_index):
    assert seed_index.resolve("SoftCorrect")[0].kind == "title"
    assert seed_index.resolve("softcorrect: error correction with soft detection for automatic speech recognition")[0].kind == "title"
    assert seed_index.resolve("SoftCorect: Error Correction with Soft Detection for Automatic Speech Recognition")[0].kind == "title"
    assert seed_index.resolve("error correction for speech")[0].kind == "text"
    record = seed_index.records_[5]
    assert seed_index.resolve(record.id)[0].kind == "id"
    assert seed_index.resolve("Mask the Correct Tokens", kind="text")[0].kind == "text"
    assert seed_index.resolve("SoftCorrect", kind="title")[0].kind == "title"
    with pytest.raises(NotFoundError, match="no paper titled"):
        seed_index.resolve("error correction for speech", kind="title")


def test_unknown_ids_and_unknown_words_are_query_errors(seed_index):
    with pytest.raises(NotFoundError, match="no record with id"):
        seed_index.similar("2501.12345")
    with pytest.raises(QueryError, match="no record with id"):
        seed_index.similar("SoftCorrect", kind="id")
    with pytest.raises(QueryError, match="vocabulary"):
        seed_index.similar("zzzqqq xyzzy")
    with pytest.raises(QueryError, match="empty"):
        seed_index.similar("   ")


def test_explanations_are_terms_both_texts_share(seed_index):
    got = seed_index.similar("SoftCorrect", k=3)
    vocabulary = set(seed_index.vectorizer.vocabulary_)
    for n in got.results:
        assert n.terms and set(n.terms) <= vocabulary
    assert "correction" in got.results[0].terms


def test_a_tiny_corpus_keeps_every_term():
    records = [paperlike.Record(id=f"p{i}", title=t, abstract=a) for i, (t, a) in enumerate([
        ("Graphs", "Spectral methods for sparse graphs."),
        ("Proteins", "Folding proteins with deep networks."),
    ])]
    index = paperlike.build_index(records)
    assert list(index.vectorizer.vocabulary_) == ["deep", "folding", "graphs", "methods", "networks", "proteins", "sparse", "spectral"]
    assert index.similar("sparse graphs", k=1).results[0].id == "p0"


def test_a_corpus_of_stop_words_only_is_refused():
    with pytest.raises(paperlike.EmptyCorpusError, match="no terms to index"):
        paperlike.build_index([paperlike.Record(id="p", title="The", abstract="and of the")])


_words = st.sampled_from("speech error model graph token latency decoder attention mamba expert "
                         "translation beam search noise robust".split())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_words, min_size=3, max_size=12), min_size=2, max_size=12, unique_by=tuple))
def test_every_paper_is_nearest_to_itself(texts):
    records = [paperlike.Record(id=f"p{i}", abstract=" ".join(words)) for i, words in enumerate(texts)]
    index = paperlike.build_index(records)
    for text in range(index.X_.shape[0]):
        scores = index.scores(index.X_[text])
        if index.X_[text].nnz:
            assert scores[text] == pytest.approx(scores.max(), abs=1e-6)


def test_inverted_index_scores_equal_brute_force(seed_index):
    for query in ("FastCorrect 2", "Sortformer", "speech recognition with large language models"):
        _, _, vector = seed_index.resolve(query)
        brute = (seed_index.X_ @ sparse(vector).T).toarray().ravel()
        assert np.allclose(seed_index.scores(vector), brute, atol=1e-6)
