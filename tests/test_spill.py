"""Arrays a build moves out of its memory (paperlike.spill): the same values, read-only, in an
unlinked file beside the model; and a build that moves them makes the same model."""

from __future__ import annotations

import numpy as np
import pytest

import paperlike
from paperlike import spill
from paperlike.memory import release_free_memory
from paperlike.rank import Ranker


def test_arrays_stay_in_memory_outside_a_build(monkeypatch):
    monkeypatch.setattr(spill, "SPILL_MIN_BYTES", 1)
    array = np.arange(100, dtype=np.float32)
    assert spill.to_disk(array) is array


def test_a_spilled_array_is_a_read_only_map_of_a_file_already_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "SPILL_MIN_BYTES", 1)
    array = np.arange(1000, dtype=np.int32)
    with spill.beside(tmp_path / "model"):
        mapped = spill.to_disk(array)
    assert isinstance(mapped, np.memmap)
    assert np.array_equal(mapped, array)
    assert list(tmp_path.iterdir()) == []  # unlinked at once: nothing left if the build dies
    with pytest.raises(ValueError):
        mapped[0] = 1


def test_small_arrays_and_paperlike_spill_0_are_kept(tmp_path, monkeypatch):
    array = np.arange(10, dtype=np.float32)
    with spill.beside(tmp_path / "model"):
        assert spill.to_disk(array) is array  # under SPILL_MIN_BYTES
    monkeypatch.setattr(spill, "SPILL_MIN_BYTES", 1)
    monkeypatch.setenv("PAPERLIKE_SPILL", "0")
    with spill.beside(tmp_path / "model"):
        assert spill.to_disk(array) is array


def test_a_build_that_spills_saves_the_same_model(seed_corpus, tmp_path, monkeypatch):
    kept = paperlike.build_index(seed_corpus)
    monkeypatch.setattr(spill, "SPILL_MIN_BYTES", 1)
    built = paperlike.api.rebuild(tmp_path / "model", seed_corpus)
    assert isinstance(built.ranker.postings_, np.memmap)
    assert not built.XT_.data.flags.writeable and not built.XT_.indices.flags.writeable  # views of the maps
    assert kept.XT_.data.flags.writeable
    loaded = paperlike.load_index(tmp_path / "model")
    for name, value in kept.to_arrays().items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(np.asarray(value), np.asarray(loaded.to_arrays()[name])), name
    assert built.similar("speech recognition", k=5) == kept.similar("speech recognition", k=5)
    assert built.records_.nbytes > 0 and list(built.records_) == list(kept.records_)  # read back from the file
    assert list(loaded.records_) == list(kept.records_)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".paperlike-spill")]


def test_the_ranker_fitted_in_two_steps_is_the_ranker_fitted_at_once(seed_index):
    X, XT = paperlike.csr.sparse(seed_index.X_), paperlike.csr.sparse(seed_index.XT_)
    counts = seed_index.vectorizer.counts([seed_index.records_[i] for i in seed_index.record_of_text_.tolist()])
    one = Ranker(lsa_min_texts=2).fit(counts, X, XT)
    two = Ranker(lsa_min_texts=2).fit_bm25(counts, X, XT).fit_lsa(X)
    assert np.array_equal(one.postings_, two.postings_)
    assert np.array_equal(one.Z_, two.Z_)


def test_releasing_free_memory_is_harmless():
    release_free_memory()
    release_free_memory()


def test_saving_a_spilled_array_writes_the_bytes_np_save_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "SPILL_MIN_BYTES", 1)
    values = np.linspace(0, 1, 5000, dtype=np.float32)
    with spill.beside(tmp_path / "model"):
        mapped = spill.to_disk(values)
    for name, array in (("whole", mapped), ("view", np.asarray(mapped, dtype=np.float32)), ("part", mapped[10:])):
        spill.save(tmp_path / f"{name}.npy", array)
        np.save(tmp_path / f"{name}-numpy.npy", np.asarray(array), allow_pickle=False)
        assert (tmp_path / f"{name}.npy").read_bytes() == (tmp_path / f"{name}-numpy.npy").read_bytes(), name
    assert np.array_equal(np.load(tmp_path / "whole.npy"), values)
