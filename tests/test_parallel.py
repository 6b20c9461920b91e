"""Work split over two processes gives what one process gives."""

from __future__ import annotations

import numpy as np
import pytest

import paperlike
from paperlike import parallel


def test_both_returns_both_results_in_order():
    data = list(range(10))
    assert parallel.both(lambda: sum(data), lambda: max(data)) == (45, 9)
    assert parallel.both(lambda: 1, lambda: 2, parallel=False) == (1, 2)


def test_an_error_in_the_child_is_raised_here():
    def fail():
        raise ValueError("child failed")

    with pytest.raises(ValueError, match="child failed"):
        parallel.both(lambda: 1, fail)


def test_dedup_in_two_processes_joins_the_same_pairs(seed_corpus, monkeypatch):
    one = paperlike.build_index(seed_corpus)
    monkeypatch.setitem(parallel.PARALLEL_MIN, "texts", 2)
    two = paperlike.build_index(seed_corpus)
    assert np.array_equal(one.dedup.pairs_, two.dedup.pairs_)
    assert one.dedup.rules_ == two.dedup.rules_
    assert np.array_equal(one.paper_of_text_, two.paper_of_text_)


@pytest.mark.parametrize("name", ["versions.jsonl", "broken.jsonl", "arxiv_api.jsonl"])
def test_json_lines_read_in_two_processes_are_the_records_read_in_one(name, monkeypatch):
    from conftest import FIXTURES

    one = paperlike.read_records([FIXTURES / name])
    monkeypatch.setitem(parallel.PARALLEL_MIN, "bytes", 1)
    two = paperlike.read_records([FIXTURES / name])
    assert [r.model_dump() for r in two.records] == [r.model_dump() for r in one.records]
    assert two.skipped == one.skipped
    assert len(one.records) > 1
    columns = paperlike.read_records([FIXTURES / name], columnar=True)  # the child's half as packed batches
    assert [r.model_dump() for r in columns.records] == [r.model_dump() for r in one.records]
    assert columns.skipped == one.skipped


def test_a_child_that_dies_is_an_error_not_a_wait():
    import os
    import signal

    from paperlike.errors import WorkerError

    with pytest.raises(WorkerError, match="want of memory.*PAPERLIKE_JOBS=1"):
        parallel.both(lambda: 1, lambda: os.kill(os.getpid(), signal.SIGKILL))


def test_paperlike_jobs_1_works_in_one_process(monkeypatch):
    import os

    monkeypatch.setenv("PAPERLIKE_JOBS", "1")
    assert not parallel.can_fork()
    assert parallel.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())
    monkeypatch.delenv("PAPERLIKE_JOBS")
    here, there = parallel.both(os.getpid, os.getpid)
    assert here != there


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_two_at_a_time_keeps_the_order(monkeypatch, jobs, n):
    monkeypatch.setenv("PAPERLIKE_JOBS", jobs)
    assert parallel.two_at_a_time(lambda x: x * x, list(range(n))) == [x * x for x in range(n)]


def test_identity_hashes_in_two_processes_are_those_of_one(seed_corpus, monkeypatch):
    from paperlike import index

    one = index.same_text_hashes(seed_corpus.records)
    monkeypatch.setitem(parallel.PARALLEL_MIN, "records", 2)
    two = index.same_text_hashes(seed_corpus.records)
    assert one.dtype == two.dtype == np.uint64 and np.array_equal(one, two) and len(one) == len(seed_corpus.records)


def test_a_model_saved_with_its_key_tables_built_in_a_child_is_the_same(seed_corpus, tmp_path, monkeypatch):
    import json

    from paperlike import store

    def saved(folder):
        built = paperlike.build_index(seed_corpus)
        assert getattr(built, "_keys", None) is None  # built by the save, not before it
        paperlike.save_index(built, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        # additions.json holds when the build was made (as the manifest's "created" does)
        return {name: meta["sha256"] for name, meta in manifest["files"].items() if name != "additions.json"}

    monkeypatch.setenv("PAPERLIKE_JOBS", "1")
    one = saved(tmp_path / "one")
    monkeypatch.delenv("PAPERLIKE_JOBS")
    monkeypatch.setitem(parallel.PARALLEL_MIN, "records", 2)
    two = saved(tmp_path / "two")
    assert two == one and "keys_id_hash.npy" in one
    for name, digest in one.items():  # the manifest's digests are those of the files
        assert store._sha256(tmp_path / "two" / name) == digest
    loaded = paperlike.load_index(tmp_path / "two")
    record = seed_corpus.records[3]
    assert loaded.records_[loaded.record_by_id(record.id)].id == record.id


def test_worth_forking_reads_the_one_table_and_paperlike_jobs(monkeypatch):
    monkeypatch.delenv("PAPERLIKE_JOBS", raising=False)
    if not parallel.can_fork():
        pytest.skip("one core, or no fork")
    assert parallel.PARALLEL_MIN == {"texts": 20_000, "records": 50_000, "bytes": 16 << 20}
    for kind, size in parallel.PARALLEL_MIN.items():
        assert parallel.worth_forking(kind, size) and not parallel.worth_forking(kind, size - 1)
    monkeypatch.setitem(parallel.PARALLEL_MIN, "texts", 2)
    assert parallel.worth_forking("texts", 2)
    monkeypatch.setenv("PAPERLIKE_JOBS", "1")
    assert not parallel.worth_forking("texts", 10**9) and parallel.second_thread() is None
    with pytest.raises(KeyError):
        parallel.worth_forking("pages", 1)
