"""The estimators' shared parameters and the error an unfitted one raises (paperlike.params)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from paperlike import Deduplicator, NotFittedError, PaperIndex, PaperlikeError, Vectorizer
from paperlike.lsa import Lsa
from paperlike.params import Params, check_fitted
from paperlike.rank import Ranker
from paperlike.records import Record

ROW = sp.csr_matrix(np.ones((1, 3), dtype=np.float32))

UNFITTED = [
    ("Vectorizer", Vectorizer, lambda v: v.transform([Record(id="a", title="a title")])),
    ("Vectorizer", Vectorizer, lambda v: v.transform_texts(["some words"])),
    ("Vectorizer", Vectorizer, lambda v: v.counts([Record(id="a", title="a title")])),
    ("Vectorizer", Vectorizer, lambda v: v.term_index()),
    ("Vectorizer", Vectorizer, lambda v: v.analyzer()),
    ("Vectorizer", Vectorizer, lambda v: v.weigh(ROW)),
    ("Ranker", Ranker, lambda r: r.text_scores(ROW.T.tocsr(), np.array([0]))),
    ("Ranker", Ranker, lambda r: r.embed(ROW)),
    ("Ranker", Ranker, lambda r: r.blend(np.zeros(3, dtype=np.float32), None, 0.3)),
    ("Lsa", Lsa, lambda lsa: lsa.transform(ROW)),
    ("Deduplicator", Deduplicator, lambda d: d.extend([], [], [], np.zeros(0, dtype=np.int64))),
    ("PaperIndex", PaperIndex, lambda i: i.similar("a query")),
    ("PaperIndex", PaperIndex, lambda i: i.recommend(["x"])),
    ("PaperIndex", PaperIndex, lambda i: i.dupes()),
    ("PaperIndex", PaperIndex, lambda i: i.check(Record(id="a", title="a title"))),
]


@pytest.mark.parametrize(("name", "cls", "use"), UNFITTED)
def test_an_unfitted_estimator_says_to_fit_it(name, cls, use):
    with pytest.raises(NotFittedError) as raised:
        use(cls())
    message = str(raised.value)
    assert name in message and "fit()" in message
    assert isinstance(raised.value, PaperlikeError) and isinstance(raised.value, AttributeError)
    assert raised.value.exit_code == 1


def test_get_params_reads_the_constructor_in_its_order():
    assert list(Vectorizer().get_params()) == ["title_weight", "lowercase", "strip_accents", "token_pattern",
                                               "stop_words", "ngram_range", "min_df", "max_df", "max_features",
                                               "sublinear_tf", "smooth_idf"]
    assert Lsa(16, sample=100).get_params() == {"n_components": 16, "sample": 100, "n_iter": 5, "random_state": 0}
    assert Deduplicator(threshold=0.7).get_params() == {"threshold": 0.7, "title_threshold": 0.9}
    assert Ranker(k1=1.5).get_params()["k1"] == 1.5


@pytest.mark.parametrize("cls", [Vectorizer, Ranker, Lsa, Deduplicator])
def test_params_are_json_and_rebuild_the_same_estimator(cls):
    params = cls().get_params()
    assert json.loads(json.dumps(params)) == params
    assert cls(**params).get_params() == params


def test_a_tuple_parameter_is_a_list_in_the_params_and_a_tuple_on_the_object():
    vectorizer = Vectorizer(ngram_range=(1, 2))
    assert vectorizer.get_params()["ngram_range"] == [1, 2]
    assert vectorizer.set_params(ngram_range=[1, 3]) is vectorizer
    assert vectorizer.ngram_range == (1, 3)  # the constructor's normalisation applies


def test_set_params_keeps_the_fitted_state_and_rejects_unknown_names(tmp_path):
    vectorizer = Vectorizer().fit([Record(id="a", title="graph neural networks"),
                                   Record(id="b", title="protein folding")])
    vocabulary = list(vectorizer.vocabulary_)
    vectorizer.set_params(title_weight=3)
    assert vectorizer.title_weight == 3 and list(vectorizer.vocabulary_) == vocabulary
    with pytest.raises(ValueError, match="Vectorizer has no parameter 'k2'"):
        vectorizer.set_params(k2=1)


def test_check_fitted_names_what_needed_the_fit():
    class Thing(Params):
        def __init__(self, *, size: int = 1) -> None:
            self.size = size

    thing = Thing()
    with pytest.raises(NotFittedError, match=r"^this Thing is not fitted yet: call its fit\(\) before counting"):
        check_fitted(thing, ("table_", "total_"), "counting")
    thing.table_ = {}
    with pytest.raises(NotFittedError):
        check_fitted(thing, ("table_", "total_"))
    thing.total_ = 0
    check_fitted(thing, ("table_", "total_"))
    check_fitted(thing, "size")
