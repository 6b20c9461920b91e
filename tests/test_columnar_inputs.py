"""Parquet and Arrow IPC inputs (paperlike.sources.columnar), written by pyarrow here: read as
the CSV reader reads its columns, bad rows skipped and reported as file:row."""

from __future__ import annotations

import datetime
import json

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.errors import BadRecordError, InputError

ROWS = {
    "id": ["2109.14420", None, "x-3", "x-4"],
    "Title": ["FastCorrect 2: fast error correction", "Speaker diarization with attention", None, "A note"],
    "summary": ["We correct errors of speech recognition fast.", "Who spoke when.", None, "Short."],
    "authors": [["Yichong Leng", "Xu Tan"], ["A. Person"], [], ["Jane Roe"]],
    "categories": ["cs.CL eess.AS", "eess.AS", None, "cs.CL"],
    "date": [datetime.date(2021, 9, 30), datetime.date(2022, 1, 2), None, None],
    "year": [2021, 2022, None, 2020],
    "doi": [None, "10.1000/xyz", None, None],
    "volume": [12, None, None, None],
    "score": [0.5, 1.0, None, 2.0],
}


def _table(**changes) -> pa.Table:
    return pa.table({**ROWS, **changes})


def _write(path, table: pa.Table):
    if path.suffix == ".parquet":
        pq.write_table(table, path, row_group_size=2)  # rows across row groups
    else:
        feather.write_feather(table, path, chunksize=3)  # Arrow IPC file, two batches
    return path


@pytest.mark.parametrize("name", ["works.parquet", "works.arrow", "works.feather"])
def test_a_columnar_file_is_read_like_a_csv(tmp_path, name):
    corpus = paperlike.read_records(_write(tmp_path / name, _table()))
    assert [r.title for r in corpus.records] == ["FastCorrect 2: fast error correction",
                                                 "Speaker diarization with attention", "A note"]
    first, second, third = corpus.records
    assert first.id == "2109.14420" and first.authors == ["Yichong Leng", "Xu Tan"]
    assert first.categories == ["cs.CL", "eess.AS"] and first.date == "2021-09-30" and first.volume == "12"
    assert first.extra["score"] == 0.5 and first.source.line == 1
    assert second.id == "10.1000/xyz" and second.doi == "10.1000/xyz" and second.source.line == 2
    assert third.date == "2020" and third.source.line == 4
    assert [(s.line, s.reason) for s in corpus.skipped] == [(3, "record has neither a title nor an abstract")]
    assert corpus.skipped[0].path == str(tmp_path / name)


def test_the_same_rows_read_the_same_from_parquet_arrow_and_json_lines(tmp_path):
    table = _table(date=pa.array(["2021-09-30", "2022-01-02", None, None]))
    rows = table.to_pylist()
    (tmp_path / "works.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    strip = lambda records: [r.model_dump(exclude={"source", "extra"}) for r in records]  # noqa: E731
    parquet = paperlike.read_records(_write(tmp_path / "works.parquet", table)).records
    arrow = paperlike.read_records(_write(tmp_path / "works.arrow", table)).records
    assert strip(parquet) == strip(arrow)


def test_typed_cells_that_cannot_be_text_are_skipped_with_their_row(tmp_path):
    path = _write(tmp_path / "bad.parquet", _table(doi=pa.array([None, True, None, None])))
    corpus = paperlike.read_records(path)
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (2, "doi is not text but a boolean"), (3, "record has neither a title nor an abstract")]
    with pytest.raises(BadRecordError, match=r"bad.parquet:2: doi is not text"):
        paperlike.read_records(path, strict=True)


def test_a_row_over_the_size_limit_is_skipped(tmp_path):
    path = _write(tmp_path / "big.arrow", _table(summary=["x " * 600, "short", None, "y"]))
    corpus = paperlike.read_records(path, max_record_bytes=1000)
    assert corpus.skipped[0].line == 1 and "over the limit of 1,000 bytes" in corpus.skipped[0].reason


def test_no_title_or_abstract_column_is_one_line(tmp_path):
    path = _write(tmp_path / "none.parquet", pa.table({"name": ["x"], "text": ["y"]}))
    with pytest.raises(InputError, match=r"none.parquet: no title or abstract column \(columns: name, text\)"):
        paperlike.read_records(path)


def test_a_truncated_parquet_file_is_one_line(tmp_path):
    path = _write(tmp_path / "cut.parquet", _table())
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(InputError, match=r"cut.parquet: "):
        paperlike.read_records(path)


def test_index_reads_a_parquet_file_and_input_format_forces_it(tmp_path):
    path = _write(tmp_path / "works.parquet", _table())
    model = tmp_path / "m"
    done = CliRunner().invoke(app, ["index", str(path), "--model", str(model), "--input-format", "parquet"])
    assert done.exit_code == 0, done.output
    assert "indexed 3 records" in done.output and "skipped 1 malformed" in done.output
    assert paperlike.load_index(model).similar("2109.14420", k=1).query.id == "2109.14420"
    done = CliRunner().invoke(app, ["index", str(path), "--model", str(model), "--input-format", "arrow"])
    assert done.exit_code != 0 and "works.parquet: not a readable Arrow IPC file" in done.output
