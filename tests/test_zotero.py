"""Zotero's own database read in place (issue 22): a library made through Zotero's tables
(tests/zotero_db.py), indexed and used as a reading list by collection, while a writer holds it."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner
from zotero_db import ZoteroDB

import paperlike
from paperlike.cli import app

LOOP = FIXTURES / "loop"
runner = CliRunner()

FOLD_ABSTRACT = ("We predict the three-dimensional fold of a protein from its amino acid sequence with a graph "
                 "attention network over residue contact graphs.")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def zotero(tmp_path):
    z = ZoteroDB(tmp_path / "zotero.sqlite")
    fold = z.item("FOLD2022", "journalArticle", {
        "title": "Graph Attention Networks for Protein Folding", "abstractNote": FOLD_ABSTRACT,
        "DOI": "10.1000/JPS.2022.101", "publicationTitle": "Journal of Protein Science",
        "date": "2022-03-00 March 2022", "volume": "12", "pages": "101-118"},
        [("Ada", "Rivera", "author"), ("Bo", "Chen", "author"), ("Eve", "Editor", "editor")])
    dock = z.item("DOCK2026", "preprint", {
        "title": "Equivariant Transformers for Protein Docking", "repository": "arXiv",
        "archiveID": "arXiv:2601.01234", "url": "https://arxiv.org/abs/2601.01234v2", "date": "2026-01-15"},
        [("Chiara", "Rossi", "author")])
    speech = z.item("SPEECH26", "conferencePaper", {
        "title": "Large Language Models Correct Speech Recognition Errors",
        "abstractNote": "Error correction for automatic speech recognition rewrites the recognised sentence.",
        "proceedingsTitle": "Proceedings of Interspeech 2026", "date": "2026"},
        [(None, "The Speech Consortium", "author")])
    z.note("NOTE0001", fold, "<p>read again</p>")
    z.item("ATTACH01", "attachment", {"title": "Full Text PDF"})
    gone = z.item("TRASHED1", "journalArticle", {"title": "A Paper In The Trash", "abstractNote": "Deleted."})
    z.trash(gone)
    proteins = z.collection("COLL0001", "Proteins", [fold])
    z.collection("COLL0002", "Docking", [dock], parent=proteins)
    z.collection("COLL0003", "Speech", [speech])
    return z.close()


def test_index_reads_items_with_their_fields_and_collections(zotero, tmp_path):
    result = run("index", zotero, "--model", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "indexed 3 records" in result.stdout  # no note, attachment or trashed item
    records = {r.title: r for r in paperlike.read_records(zotero).records}
    fold = records["Graph Attention Networks for Protein Folding"]
    assert fold.id == "10.1000/jps.2022.101" and fold.doi == "10.1000/jps.2022.101"
    assert fold.authors == ["Ada Rivera", "Bo Chen"]  # authors, not the editor
    assert fold.date == "2022-03" and fold.venue == "Journal of Protein Science"
    assert (fold.volume, fold.pages, fold.entry_type) == ("12", "101-118", "article")
    assert fold.abstract == FOLD_ABSTRACT and fold.extra["collections"] == ["Proteins"]
    assert fold.extra["key"] == "FOLD2022" and fold.source.line >= 1
    dock = records["Equivariant Transformers for Protein Docking"]
    assert dock.id == "2601.01234" and dock.venue == "arXiv" and dock.extra["collections"] == ["Proteins/Docking"]
    speech = records["Large Language Models Correct Speech Recognition Errors"]
    assert speech.authors == ["The Speech Consortium"] and speech.entry_type == "inproceedings"


def test_reading_while_zotero_holds_its_database_changes_nothing(zotero, tmp_path):
    before = hashlib.sha256(zotero.read_bytes()).hexdigest()
    writer = sqlite3.connect(zotero)  # as Zotero runs: an exclusive lock, a write under way
    writer.execute("PRAGMA locking_mode = EXCLUSIVE")
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("UPDATE items SET version = 1")
    try:
        with pytest.raises(sqlite3.OperationalError):  # SQLite itself cannot read it now
            sqlite3.connect(f"file:{zotero}?mode=ro", uri=True).execute("SELECT count(*) FROM items").fetchone()
        records = paperlike.read_records(zotero).records
        assert len(records) == 3
    finally:
        writer.rollback()
        writer.close()
    assert hashlib.sha256(zotero.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in zotero.parent.iterdir()) == ["zotero.sqlite"]  # no journal, no copy left


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "arxiv"
    assert run("index", LOOP / "crawl.jsonl", LOOP / "today.jsonl", "--model", path).exit_code == 0
    return path


def test_recommend_for_a_collection_by_name(zotero, model):
    proteins = json.loads(run("recommend", "--like", zotero, "--collection", "proteins", "--json",
                              "--model", model).stdout)
    liked = [i for i in proteins["inputs"] if i["role"] == "like"]
    assert len(liked) == 2 and {i["id"] for i in liked} == {"2102.05231", "2601.01234"}  # with its subcollection
    assert proteins["results"][0]["id"] == "2605.00011"
    docking = json.loads(run("recommend", "--like", zotero, "--collection", "Proteins/Docking", "--json",
                             "--model", model).stdout)
    assert [i["id"] for i in docking["inputs"]] == ["2601.01234"]
    speech = json.loads(run("recommend", "--like", zotero, "--collection", "Speech", "--json", "--model", model).stdout)
    assert speech["results"][0]["id"] == "2605.00012"


def test_a_collection_that_is_not_there_names_those_that_are(zotero, model):
    result = run("recommend", "--like", zotero, "--collection", "Astronomy", "--model", model)
    assert result.exit_code == 1
    assert "no collection named 'Astronomy' holds an item; its collections: Proteins, Proteins/Docking, Speech" \
        in result.stderr
    without = run("recommend", "--like", LOOP / "my.bib", "--collection", "Proteins", "--model", model)
    assert without.exit_code == 2 and "--like ~/Zotero/zotero.sqlite" in without.stderr


def test_the_whole_library_and_a_feed_from_a_collection(zotero, model):
    whole = run("recommend", "--like", zotero, "--json", "--model", model)
    assert whole.exit_code == 0 and len(json.loads(whole.stdout)["inputs"]) == 3
    feed = run("feed", "--like", zotero, "--collection", "Speech", "--since", "2000", "--json", "--model", model)
    assert feed.exit_code == 0, feed.output
    assert json.loads(feed.stdout)["results"][0]["id"] == "2605.00012"


def test_a_sqlite_file_that_is_not_zotero_is_a_one_line_error(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = run("index", other, "--model", tmp_path / "m")
    assert result.exit_code == 1 and "not a Zotero database" in result.stderr
