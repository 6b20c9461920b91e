"""The vectoriser's own word counting gives exactly scikit-learn's vocabulary and counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike import vectorize
from paperlike.parallel import PARALLEL_MIN
from paperlike.vectorize import Vectorizer

# Words that exercise every rule: stop words, one-letter words, digits and underscores,
# accents, case, and punctuation between words.
_WORDS = ["the", "of", "a", "I", "x", "Model", "models", "GPT-4", "3D", "l_2", "naïve", "Ærø",
          "résumé", "über", "ﬁne", "ASR", "asr", "speech", "2025", "e.g.", "self-attention", "α",
          "ℓ1", "ÉCOLE", "data;set", "(LLM)"]


def _same_counts(texts: list[str]) -> None:
    counter = Vectorizer()._counter()
    terms, counts = vectorize._count_words(counter, texts)
    try:
        expected = counter.fit_transform(texts)
        expected_terms = list(counter.get_feature_names_out())
    except ValueError:  # scikit-learn refuses a corpus of stop words only
        expected_terms, expected = [], None
    assert terms == expected_terms
    if expected is not None:
        assert counts.shape == expected.shape
        assert (counts != expected).nnz == 0
        assert counts.dtype == np.int32 and counts.has_canonical_format


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join), min_size=1, max_size=8))
def test_word_counts_equal_scikit_learns(texts):
    _same_counts(texts)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30) | st.sampled_from(_WORDS), min_size=1, max_size=12), st.integers(1, 4))
def test_word_counts_equal_scikit_learns_on_any_text_in_blocks_of_any_size(texts, block):
    """Any characters at all, the ASCII texts and the others mixed in blocks of a few texts."""
    saved = vectorize._BLOCK_TEXTS
    vectorize._BLOCK_TEXTS = block
    try:
        _same_counts(texts)
    finally:
        vectorize._BLOCK_TEXTS = saved


def test_word_counts_equal_scikit_learns_on_the_seeds(seed_corpus):
    texts = [r.abstract or r.title for r in seed_corpus.records]
    _same_counts(texts)


def test_parallel_counts_equal_one_process(seed_corpus, monkeypatch):
    texts = [r.title or "" for r in seed_corpus.records] + [r.abstract or "" for r in seed_corpus.records]
    counter = Vectorizer()._counter()
    terms, counts = vectorize._count(counter, texts)
    monkeypatch.setitem(PARALLEL_MIN, "texts", 2)
    parallel_terms, parallel = vectorize._count_in_parallel(counter, texts, np.array([len(t) for t in texts]))
    assert parallel_terms == terms
    assert (parallel != counts).nnz == 0


def test_text_lengths_are_those_of_the_texts_counted(seed_corpus):
    """The lengths that cut the counting in two are those of the texts counted (titles, then
    the rest), and has_abstract says which papers have one, from one read of the fields."""
    from paperlike.records import Record

    papers = [*seed_corpus.records, Record(id="x1", title="A title alone", authors=["Ann Author"], venue="A venue")]
    lengths, has_abstract = vectorize._text_lengths(papers)
    assert lengths.tolist() == [len(t) for t in vectorize._FieldTexts(papers)]
    assert has_abstract.tolist() == [bool(p.abstract) for p in papers] and not has_abstract.all()


def test_fields_are_scikit_learns_tfidf_of_the_texts_titles_and_abstracts(seed_corpus):
    from sklearn.feature_extraction.text import TfidfVectorizer

    papers = seed_corpus.records
    vectorizer = Vectorizer()
    fields = vectorizer.fit_fields(papers)
    reference = vectorizer._tfidf(min_df=1, max_df=1.0)
    expected = reference.fit_transform([vectorize.paper_text(p) for p in papers])
    assert list(reference.get_feature_names_out()) == list(vectorizer.vocabulary_)
    np.testing.assert_allclose(fields.X.toarray(), expected.toarray(), atol=1e-6)
    rows = np.arange(len(papers))
    titles = TfidfVectorizer(vocabulary=reference.vocabulary_, stop_words="english", strip_accents="unicode",
                             sublinear_tf=True).fit([vectorize.paper_text(p) for p in papers])
    np.testing.assert_allclose(fields.title_rows(rows).toarray(),
                               titles.transform([p.title or "" for p in papers]).toarray(), atol=1e-6)
    abstracts = titles.transform([p.abstract or "" for p in papers]).toarray()
    np.testing.assert_allclose(fields.abstract_rows(rows).toarray(), abstracts, atol=1e-6)
    some = rows[::3]
    np.testing.assert_allclose(fields.abstract_rows(some).toarray(), abstracts[some], atol=1e-6)


def test_abstract_rows_are_empty_without_an_abstract_and_the_counts_less_the_titles_with_one():
    from paperlike import Record

    papers = [Record(id="a", title="Speech speech recognition", abstract="Speech recognition with speech models."),
              Record(id="b", title="Speech recognition", authors=["Ada Lovelace"], venue="Speech Letters"),
              Record(id="c", title="Graph neural networks", abstract="Graph networks for molecules.")]
    vectorizer = Vectorizer()
    fields = vectorizer.fit_fields(papers)
    rows = fields.abstract_rows(np.array([1, 0, 2, 0]))
    assert rows[0].nnz == 0  # authors and venue are no abstract
    assert (rows[1] != rows[3]).nnz == 0
    terms = vectorizer.term_index()
    speech = rows[1].toarray().ravel()
    # "speech" twice in the abstract (the title's three are taken out), "recognition" once
    assert speech[terms["speech"]] > speech[terms["recognition"]] > 0 and speech[terms["models"]] > 0
    assert rows[2].toarray().ravel()[terms["molecules"]] > 0 and rows[2].toarray().ravel()[terms["speech"]] == 0


def test_abstract_rows_are_the_same_once_the_counts_are_dropped(seed_corpus):
    fields = Vectorizer().fit_fields(seed_corpus.records)
    rows = np.arange(len(seed_corpus.records))[::2]
    before = fields.abstract_rows(rows)
    fields.drop_counts()
    assert fields.counts is None
    after = fields.abstract_rows(rows)
    assert before.nnz > 0 and (before != after).nnz == 0


@settings(deadline=None)  # the first example imports scikit-learn
@given(st.text() | st.lists(st.sampled_from(["Café", "e\u0301t\u00e9", "the", "ﬁnal", "ΑΒ", " ", "-", "x1", "Ǆ"])).map(" ".join))
def test_the_analyzer_of_non_ascii_texts_is_scikit_learns(text):
    counter = Vectorizer()._counter()
    assert vectorize._analyzer(counter)(text) == counter.build_analyzer()(text)
