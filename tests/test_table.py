"""Records as Arrow columns in memory (paperlike.table): a RecordTable reads as the list of
Records it was made from, by record, by slice, by column and by chosen rows; a build from a
table is the build from the list; a corpus read into columns is the corpus read as Records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_columns import papers

from paperlike import columns
from paperlike.index import PaperIndex
from paperlike.records import Record, Source, field_chunks, field_values, record_rows, rows_at
from paperlike.sources import read_records
from paperlike.table import RecordSubset, RecordTable

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ("id", "title", "authors", "abstract", "categories", "date", "doi", "venue", "volume", "issue", "pages",
         "isbn", "pmid", "entry_type", "source_path", "source_line")


def _value(record: Record, name: str):
    if name == "source_path":
        return record.source.path if record.source else None
    if name == "source_line":
        return record.source.line if record.source else None
    return getattr(record, name)


@settings(max_examples=40, deadline=None)
@given(st.lists(papers, max_size=12), st.integers(1, 5), st.booleans())
def test_a_table_reads_as_its_records(records, batch_rows, packed):
    table = RecordTable(packed=packed)
    for start in range(0, len(records), batch_rows):
        table.append(columns.to_batch(records[start:start + batch_rows]))
    assert len(table) == len(records)
    assert list(table) == records
    assert table == records
    for i, record in enumerate(records):
        assert table[i] == record
        assert table[i - len(records)] == record
        assert table.fields(i, ("id", "title", "authors")) == (record.id, record.title, record.authors)
    assert list(table[1:4]) == records[1:4]
    for name in NAMES:
        assert table.column(name) == [_value(r, name) for r in records]
        assert field_values(table, name) == field_values(records, name)
    assert [list(zip(*chunk)) for chunk in field_chunks(table, ("id", "pages"))] == \
        [list(zip(*chunk)) for chunk in table.chunks(("id", "pages"))]


@settings(max_examples=30, deadline=None)
@given(st.lists(papers, min_size=1, max_size=12), st.data())
def test_subsets_and_chosen_rows_read_the_records_at_their_positions(records, data):
    table = RecordTable.of(records, batch_rows=3)
    order = data.draw(st.lists(st.integers(0, len(records) - 1), max_size=15))
    subset = table.subset(np.array(order, dtype=np.int64))
    assert isinstance(subset, RecordSubset)
    assert list(subset) == [records[i] for i in order]
    assert subset.column("title") == [records[i].title for i in order]
    gathered = table.columns_at(np.array(order, dtype=np.int64), ("id", "authors", "extra", "source_line"))
    assert gathered[:2] == ([records[i].id for i in order], [records[i].authors for i in order])
    assert gathered[3] == [_value(records[i], "source_line") for i in order]
    assert [list(chunk) for chunk in subset.chunks(("title",))] == ([[[records[i].title for i in order]]] if order else [])
    names = ("id", "abstract", "date", "source_path", "source_line")
    found = rows_at(table, order, names)
    for i in order:
        row = found[i]
        assert tuple(row) == tuple(_value(records[i], n) for n in names)
        assert row.year == records[i].year
        assert row.source == records[i].source
    rows = list(record_rows(table, names))
    assert [r.id for r in rows] == [r.id for r in records]
    assert list(record_rows(records, names)) == records  # a list's records are their own rows


def test_ids_concat_and_files_from_a_table():
    records = [Record(id=f"r{i}", title=f"title {i}", abstract="words " * i, authors=["A. Author"],
                      source=Source(path="in.jsonl", line=i + 1)) for i in range(10)]
    table = RecordTable.of(records, batch_rows=4)
    renamed = table.with_ids([f"x{i}" for i in range(10)])
    assert [r.id for r in renamed] == [f"x{i}" for i in range(10)]
    assert [r.title for r in renamed] == [r.title for r in records]
    assert list(table.concat(records[:2])) == records + records[:2]
    with pytest.raises(ValueError, match="not fields"):
        table.column("source")
    with pytest.raises(IndexError):
        table[10]


def test_a_records_file_written_from_a_table_holds_the_records(tmp_path):
    records = [Record(id=f"r{i}", title=f"title {i}", abstract=None if i % 3 else "an abstract",
                      categories=["cs.CL"] * (i % 2)) for i in range(70)]
    for source, name in ((records, "list.arrow"), (RecordTable.of(records, batch_rows=17), "table.arrow")):
        path = tmp_path / name
        assert columns.write(source, path, batch_rows=8, cite=tmp_path / f"cite-{name}") == 70
        stored = columns.RecordFile(path, 70, ValueError, columns.CiteFile(tmp_path / f"cite-{name}", 70, ValueError))
        assert list(stored) == records
        assert stored.fields(69, ("id", "title")) == ("r69", "title 69")
        assert RecordTable.of(stored) == records  # a model's records file read back into a table


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.is_file() and p.name != "loop"))
def test_a_corpus_read_into_columns_is_the_corpus_read_as_records(name):
    try:
        plain = read_records(FIXTURES / name)
    except Exception as exc:  # a fixture that is an error case fails alike both ways
        with pytest.raises(type(exc)):
            read_records(FIXTURES / name, columnar=True)
        return
    table = read_records(FIXTURES / name, columnar=True)
    assert isinstance(table.records, RecordTable)
    assert list(table.records) == plain.records
    assert table.skipped == plain.skipped


def test_copies_sharing_an_id_get_the_same_suffixes_in_columns(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "x", "title": "One"}\n{"id": "x", "title": "Two"}\n', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": "x", "title": "Three"}\n', encoding="utf-8")
    plain = read_records(tmp_path)
    table = read_records(tmp_path, columnar=True)
    assert [r.id for r in plain.records] == ["x", "x#2", "x#3"]
    assert list(table.records) == plain.records


def test_an_index_built_from_a_table_is_the_index_built_from_its_records():
    corpus = read_records(FIXTURES / "versions.jsonl")
    from_list = PaperIndex().fit(corpus.records)
    from_table = PaperIndex().fit(read_records(FIXTURES / "versions.jsonl", columnar=True).records)
    a, b = from_list.to_arrays(), from_table.to_arrays()
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], np.ndarray):
            assert np.array_equal(a[key], b[key]), key
        elif key != "additions":
            assert a[key] == b[key], key
    assert from_table.records_ == corpus.records
    assert from_list.similar(corpus.records[0].id, k=3) == from_table.similar(corpus.records[0].id, k=3)
