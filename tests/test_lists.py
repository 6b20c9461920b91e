"""Reading lists in SQLite (paperlike.lists): what they keep, their errors, and that they
outlive the model they sit beside."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paperlike
from paperlike import lists as lists_module
from paperlike.errors import NotFoundError, UsageError
from paperlike.lists import ReadingLists, lists_path


@pytest.fixture
def lists(tmp_path) -> ReadingLists:
    return ReadingLists(tmp_path / "m.lists.sqlite")


def test_create_add_change_remove_delete(lists):
    assert lists.names() == []
    assert lists.create("  to read ").name == "to read"  # stripped
    lists.add("to read", "2102.05231", "like", title="FastCorrect 2")
    lists.add("to read", "2109.00001", "not")
    got = lists.add("to read", "2102.05231", "not")  # a second add changes the role, keeps place and title
    assert [(p.id, p.role, p.title) for p in got.items] == [("2102.05231", "not", "FastCorrect 2"),
                                                            ("2109.00001", "not", None)]
    lists.add("to read", "2102.05231", "like")
    lists.create("other")
    assert [(s.name, s.like, s.not_) for s in lists.names()] == [("other", 0, 0), ("to read", 1, 1)]
    assert [p.id for p in lists.remove("to read", "2109.00001").items] == ["2102.05231"]
    lists.delete("to read")
    assert [s.name for s in lists.names()] == ["other"]
    with pytest.raises(NotFoundError, match="no list named 'to read'"):
        lists.get("to read")


def test_errors_name_what_is_wrong(lists):
    lists.create("a")
    with pytest.raises(UsageError, match="already a list named 'a'"):
        lists.create("a")
    with pytest.raises(UsageError, match="must not be empty"):
        lists.create("   ")
    with pytest.raises(UsageError, match="at most 100 characters"):
        lists.create("x" * 101)
    with pytest.raises(UsageError, match="control character"):
        lists.create("a\nb")
    with pytest.raises(UsageError, match="has a '/'"):
        lists.create("reading/2026")
    with pytest.raises(NotFoundError, match="no list named 'b'"):
        lists.add("b", "x")
    with pytest.raises(NotFoundError, match="holds no paper 'x'"):
        lists.remove("a", "x")
    with pytest.raises(NotFoundError):
        lists.delete("b")
    with pytest.raises(ValueError):
        lists.add("a", "x", "maybe")


def test_a_list_holds_at_most_max_papers(lists, monkeypatch):
    monkeypatch.setattr(lists_module, "MAX_PAPERS", 2)
    lists.create("a")
    lists.add("a", "1")
    lists.add("a", "2")
    lists.add("a", "2", "not")  # a change of role is no new paper
    with pytest.raises(UsageError, match="holds 2 papers"):
        lists.add("a", "3")


def test_the_file_is_in_wal_mode_and_shared_by_every_object(tmp_path):
    path = tmp_path / "m.lists.sqlite"
    one, two = ReadingLists(path), ReadingLists(path)
    one.create("a")
    two.add("a", "x")
    assert [p.id for p in one.get("a").items] == ["x"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_threads_adding_at_once_lose_nothing(lists):
    lists.create("a")
    errors = []

    def add(start: int) -> None:
        try:
            for i in range(start, start + 25):
                lists.add("a", f"id{i}")
        except Exception as exc:  # noqa: BLE001  reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(k * 25,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(lists.get("a").items) == 100


def test_a_file_that_is_not_sqlite_is_a_one_line_error(tmp_path):
    path = tmp_path / "m.lists.sqlite"
    path.write_text("not a database, " * 100)
    with pytest.raises(UsageError, match="m.lists.sqlite: .*cannot"):
        ReadingLists(path).names()


def test_lists_sit_beside_the_model_and_outlive_a_rebuild(tmp_path, seed_corpus):
    model = tmp_path / "models" / "mine"
    assert lists_path(model) == tmp_path / "models" / "mine.lists.sqlite"
    paperlike.save_index(paperlike.build_index(seed_corpus), model)
    lists = ReadingLists(lists_path(model))
    lists.create("to read")
    lists.add("to read", seed_corpus.records[0].id)
    paperlike.api.rebuild(model, seed_corpus.records[:20])  # the folder is replaced whole
    assert [p.id for p in ReadingLists(lists_path(model)).get("to read").items] == [seed_corpus.records[0].id]
    assert not any(p.name.endswith(".sqlite") for p in model.iterdir())


@settings(max_examples=40, deadline=None)
@given(name=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn")), min_size=1, max_size=40))
def test_any_printable_name_round_trips(tmp_path_factory, name):
    if not name.strip() or "/" in name:
        return
    lists = ReadingLists(tmp_path_factory.mktemp("names") / "l.sqlite")
    made = lists.create(name).name
    assert lists.get(made).name == made
    assert [s.name for s in lists.names()] == [made]
