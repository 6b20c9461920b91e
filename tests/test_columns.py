"""Records as Arrow columns (paperlike.columns): every field of every record comes back as it
went in, through a batch and through a records file read a batch at a time."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike import columns
from paperlike.models import Paper, Source

_text = st.text(max_size=40)
_json_leaf = st.none() | st.booleans() | st.integers(-2**70, 2**70) | _text | st.floats(allow_nan=False)
_json = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)
_optional = st.none() | _text
papers = st.builds(
    Paper,
    id=_text, title=_optional, authors=st.lists(_text, max_size=4), abstract=_optional,
    categories=st.lists(_text, max_size=3), date=_optional, doi=_optional, venue=_optional,
    volume=_optional, issue=_optional, pages=_optional, isbn=_optional, pmid=_optional,
    entry_type=_optional, extra=st.dictionaries(_text, _json, max_size=4),
    source=st.none() | st.builds(Source, path=_text, line=st.integers(1, 2**62)),
)


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
    record = Paper(id="x", extra={"a": math.inf, "b": [-math.inf], "c": math.nan})
    back = columns.from_batch(columns.to_batch([record]))[0]
    assert back.extra["a"] == math.inf and back.extra["b"] == [-math.inf] and math.isnan(back.extra["c"])


def test_empty_and_missing_values_stay_apart():
    records = [Paper(id="", title="", authors=[""], extra={"": None}, source=Source(path="", line=1)),
               Paper(id="y")]
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
