import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paperlike
from paperlike import store
from paperlike.csr import sparse
from paperlike.errors import ModelError


def test_save_load_round_trip_gives_identical_results(seed_index, seed_model):
    loaded = paperlike.load_index(seed_model)
    assert [r.model_dump() for r in loaded.records_] == [r.model_dump() for r in seed_index.records_]
    assert (sparse(loaded.X_) != seed_index.X_).nnz == 0
    for query in ("FastCorrect 2", "speaker diarization", seed_index.records_[7].id):
        assert loaded.similar(query, k=5) == seed_index.similar(query, k=5)


def test_a_model_is_only_npy_json_and_arrow_with_a_manifest(seed_model):
    names = {p.name for p in seed_model.iterdir()}
    assert all(n.endswith((".npy", ".json")) for n in names - {".verified", "records.arrow", "cite.arrow"})
    manifest = json.loads((seed_model / "manifest.json").read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert set(manifest["files"]) == names - {"manifest.json", ".verified"}
    assert manifest["counts"]["records"] == 62
    assert manifest["parameters"]["vectorizer"]["sublinear_tf"] is True


def test_a_damaged_file_is_refused(model_copy):
    data = (model_copy / "X_data.npy").read_bytes()
    (model_copy / "X_data.npy").write_bytes(data[:-4] + b"\0\0\0\1")
    with pytest.raises(ModelError, match="X_data.npy: damaged"):
        paperlike.load_index(model_copy)


def test_a_missing_file_is_refused(model_copy):
    (model_copy / "vocabulary.json").unlink()
    with pytest.raises(ModelError, match="vocabulary.json: missing"):
        paperlike.load_index(model_copy)


def test_another_format_version_is_refused(model_copy):
    manifest = json.loads((model_copy / "manifest.json").read_text())
    manifest["format_version"] = 99
    (model_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="format version 99"):
        paperlike.load_index(model_copy)


def test_a_folder_that_is_not_a_model_is_refused_and_never_overwritten(tmp_path, seed_index):
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(ModelError, match="not a paperlike model"):
        paperlike.load_index(tmp_path)
    with pytest.raises(ModelError, match="refusing to replace it"):
        paperlike.save_index(seed_index, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "precious"
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="damaged"):
        paperlike.load_index(tmp_path)


def test_a_failed_save_leaves_the_old_model_intact(model_copy, seed_index, monkeypatch):
    before = (model_copy / "manifest.json").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(ModelError, match="cannot save the model .*disk full.*the old model is intact"):
        paperlike.save_index(seed_index, model_copy)
    assert (model_copy / "manifest.json").read_bytes() == before
    assert paperlike.load_index(model_copy).similar("SoftCorrect", k=1).results
    assert [p.name for p in model_copy.parent.iterdir()] == ["copy"]  # no staging left behind


def test_a_crash_between_the_two_renames_is_recovered_on_load(model_copy):
    os.rename(model_copy, model_copy.parent / ".copy.old")
    assert paperlike.load_index(model_copy).similar("SoftCorrect", k=1).results
    assert model_copy.is_dir()


_word = st.sampled_from("alpha beta gamma delta speech graph error model latency token".split())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(min_size=1, max_size=30), st.lists(_word, min_size=1, max_size=8)),
                min_size=1, max_size=8))
def test_round_trip_of_any_corpus(tmp_path_factory, rows):
    records = [paperlike.Record(id=f"r{i}", title=title, abstract=" ".join(words))
               for i, (title, words) in enumerate(rows)]
    index = paperlike.build_index(records)
    path = paperlike.save_index(index, tmp_path_factory.mktemp("m") / "model")
    loaded = paperlike.load_index(path)
    assert list(loaded.records_) == index.records_
    assert (sparse(loaded.X_) != index.X_).nnz == 0
    assert list(loaded.vectorizer.vocabulary_) == list(index.vectorizer.vocabulary_)
    np.testing.assert_array_equal(loaded.paper_of_text_, index.paper_of_text_)


def test_checksums_are_remembered_until_a_file_changes(model_copy, monkeypatch):
    paperlike.load_index(model_copy)  # verifies and remembers
    hashed = []
    real = store._sha256
    monkeypatch.setattr(store, "_sha256", lambda p: hashed.append(p.name) or real(p))
    paperlike.load_index(model_copy)
    assert hashed == ["manifest.json"]  # only the manifest, to key the memo
    data = bytearray((model_copy / "idf.npy").read_bytes())
    data[-1] ^= 0xFF
    (model_copy / "idf.npy").write_bytes(bytes(data))  # same size, new content
    with pytest.raises(ModelError, match="idf.npy: damaged"):
        paperlike.load_index(model_copy)


def test_a_loaded_model_parses_records_only_when_asked(seed_model):
    loaded = paperlike.load_index(seed_model)
    assert type(loaded.records_).__name__ == "RecordFile"
    assert len(loaded.records_) == 62 and loaded.records_[-1].source.line >= 1
    assert isinstance(loaded.X_.data.base, np.memmap)  # mapped, not read into memory


def test_a_loaded_matrix_has_one_index_type(seed_model, seed_index):
    loaded = paperlike.load_index(seed_model)
    for matrix in (loaded.X_, loaded.XT_):  # scipy's form of the mapped arrays, made for algebra
        assert sparse(matrix).indices.dtype == sparse(matrix).indptr.dtype
        assert sparse(matrix).data is matrix.data  # shared, not copied
    assert (sparse(loaded.X_)[3] != seed_index.X_[3]).nnz == 0
    assert (sparse(loaded.X_.row(3)) != seed_index.X_[3]).nnz == 0


def test_the_arrays_of_an_index_are_the_files_of_the_format(seed_index):
    """What PaperIndex.to_arrays gathers from its components is what a model of this format holds
    (an array per .npy, a list per .json), beside the records."""
    from paperlike import manifest

    named = {f"{name}.npy" if isinstance(value, np.ndarray) else f"{name}.json"
             for name, value in seed_index.to_arrays().items()}
    expected = manifest.required_files(lsa=seed_index.ranker.lsa_ is not None) | set(manifest.OPTIONAL_FILES)
    assert named | {manifest.RECORDS, manifest.CITE} == expected


@pytest.mark.parametrize("lsa_min_texts", [1000, 10])  # the seeds' 60 texts: without LSA, and with
def test_from_arrays_gives_back_the_index_to_arrays_took(seed_corpus, lsa_min_texts):
    from paperlike.rank import Ranker
    from paperlike.records import Addition, Decision

    index = paperlike.PaperIndex(ranker=Ranker(lsa_min_texts=lsa_min_texts)).fit(seed_corpus.records)
    arrays = index.to_arrays()
    arrays["decisions"] = [Decision(**d) for d in arrays["decisions"]]
    arrays["additions"] = [Addition(**a) for a in arrays["additions"]]
    again = paperlike.PaperIndex.from_arrays(index.fitted_values(), arrays, index.records_)
    assert (again.ranker.lsa_ is None) == (lsa_min_texts > 60)
    for query in ("FastCorrect 2", "speaker diarization", index.records_[7].id):
        assert again.similar(query, k=5) == index.similar(query, k=5)
    assert again.dupes(maybe=True) == index.dupes(maybe=True)
    assert again.fitted_values() == index.fitted_values()
