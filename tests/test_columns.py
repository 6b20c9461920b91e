"""Records as Arrow columns (paperlike.columns): every field of every record comes back as it
went in, through a batch and through a records file read a batch at a time."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike import columns
from paperlike.records import Record, Source

_text = st.text(max_size=40)
_json_leaf = st.none() | st.booleans() | st.integers(-2**70, 2**70) | _text | st.floats(allow_nan=False)
_json = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)
_optional = st.none() | _text
papers = st.builds(
    Record,
    id=_text, title=_optional, authors=st.lists(_text, max_size=4), abstract=_optional,
    categories=st.lists(_text, max_size=3), date=_optional, doi=_optional, venue=_optional,
    volume=_optional, issue=_optional, pages=_optional, isbn=_optional, pmid=_optional,
    entry_type=_optional, extra=st.dictionaries(_text, _json, max_size=4),
    source=st.none() | st.builds(Source, path=_text, line=st.integers(1, 2**62)),
)


@settings(deadline=None)  # the first example pays for importing pyarrow
@given(st.lists(papers, max_size=8))
def test_papers_to_columns_and_back_are_equal(records):
    assert columns.from_batch(columns.to_batch(records)) == records


@settings(max_examples=25, deadline=None)
@given(st.lists(papers, min_size=1, max_size=12), st.integers(1, 5))
def test_a_records_file_reads_back_every_record_in_any_order(tmp_path_factory, records, batch_rows):
    path = tmp_path_factory.mktemp("records") / "records.arrow"
    assert columns.write(records, path, batch_rows=batch_rows) == len(records)
    stored = columns.RecordFile(path, len(records), ValueError)
    assert list(stored) == records
    assert [stored[i] for i in reversed(range(len(records)))] == records[::-1]
    assert stored[-1] == records[-1] and stored[1:3] == records[1:3]


def test_infinities_and_nan_in_extra_come_back():
    record = Record(id="x", extra={"a": math.inf, "b": [-math.inf], "c": math.nan})
    back = columns.from_batch(columns.to_batch([record]))[0]
    assert back.extra["a"] == math.inf and back.extra["b"] == [-math.inf] and math.isnan(back.extra["c"])


def test_empty_and_missing_values_stay_apart():
    records = [Record(id="", title="", authors=[""], extra={"": None}, source=Source(path="", line=1)),
               Record(id="y")]
    assert columns.from_batch(columns.to_batch(records)) == records


@settings(max_examples=25, deadline=None)
@given(st.lists(papers, min_size=1, max_size=12), st.integers(1, 5), st.data())
def test_a_few_fields_read_alone_are_the_records_own(tmp_path_factory, records, batch_rows, data):
    path = tmp_path_factory.mktemp("records") / "records.arrow"
    columns.write(records, path, batch_rows=batch_rows)
    stored = columns.RecordFile(path, len(records), ValueError)
    names = tuple(data.draw(st.lists(st.sampled_from(columns.STRING_FIELDS), min_size=1, max_size=3, unique=True)))
    for i in data.draw(st.lists(st.integers(0, len(records) - 1), max_size=6)):
        assert stored.fields(i, names) == tuple(getattr(records[i], name) for name in names)
        assert stored[i] == records[i]  # the whole record after its columns alone, from the same cache


@settings(max_examples=40, deadline=None)
@given(st.lists(papers, min_size=1, max_size=30), st.integers(1, 5), st.integers(1, 9), st.data())
def test_the_citing_fields_read_from_the_citing_file_are_the_records_own(tmp_path_factory, records, batch_rows,
                                                                         cite_rows, data):
    """cite.arrow, its batches cut wherever (cite_rows need not be a multiple of batch_rows),
    gives every record's citing fields as the record has them, and the records file the rest."""
    folder = tmp_path_factory.mktemp("records")
    columns.write(records, folder / "records.arrow", batch_rows=batch_rows, cite=folder / "cite.arrow",
                  cite_rows=cite_rows)
    cite = columns.CiteFile(folder / "cite.arrow", len(records), ValueError)
    assert cite.batch_rows == cite_rows
    stored = columns.RecordFile(folder / "records.arrow", len(records), ValueError, cite)
    for i in data.draw(st.permutations(range(len(records)))):
        assert stored.fields(i, columns.CITE_FIELDS) == tuple(getattr(records[i], n) for n in columns.CITE_FIELDS)
        assert stored.fields(i, ("abstract", "id")) == (records[i].abstract, records[i].id)  # from records.arrow
    assert list(stored) == records


def test_the_citing_file_is_uncompressed_and_its_batches_are_views_on_it(tmp_path):
    """No batch of cite.arrow is decompressed: each is a view on the memory-mapped file, so
    keeping all of them costs no memory of their own."""
    import pyarrow as pa

    records = [Record(id=f"r{i}", title=f"Title {i}", authors=["A. B."], abstract="x" * 100) for i in range(100)]
    columns.write(records, tmp_path / "records.arrow", cite=tmp_path / "cite.arrow", cite_rows=40)
    cite = columns.CiteFile(tmp_path / "cite.arrow", 100, ValueError)
    before = pa.total_allocated_bytes()
    for i in range(100):
        cite.fields(i, ("title",))
    assert pa.total_allocated_bytes() == before
    with pa.memory_map(str(tmp_path / "cite.arrow")) as source:
        reader = pa.ipc.open_file(source)
        assert reader.schema.names == list(columns.CITE_FIELDS) and reader.num_record_batches == 3
