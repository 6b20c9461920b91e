"""paperlike.records: one record of a paper as it came in, and the name it had before."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import paperlike
from paperlike.records import Paper, Record, Source


def test_paper_is_the_name_record_had_before():
    assert Paper is Record
    assert paperlike.Paper is paperlike.Record
    assert "Paper" in paperlike.__all__ and "Record" in paperlike.__all__


def test_a_record_round_trips_through_json():
    record = Record(id="x1", title="On Things", authors=["Ada Lovelace"], date="1843-09",
                    source=Source(path="notes.bib", line=3))
    assert Record.model_validate_json(record.model_dump_json()) == record
    assert record.year == 1843 and record.label == "On Things"


def test_an_untitled_record_is_labelled_by_its_abstract():
    record = Record(id="x2", abstract=" ".join(f"w{i}" for i in range(20)))
    assert record.label == " ".join(f"w{i}" for i in range(12)) + " …"
    assert record.year is None


def test_a_source_line_starts_at_one():
    with pytest.raises(ValidationError):
        Source(path="a.jsonl", line=0)
