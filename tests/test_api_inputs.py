"""The API's readers of what a command is given: record files with a notice for each line
skipped, JSON lines on standard input, a file of queries, truth labels; and the index
command's answer. The commands' own tests run them through the CLI; these call them directly."""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest
from conftest import FIXTURES

from paperlike import api
from paperlike.errors import InputError, UsageError


def test_read_corpus_reports_each_skipped_line_and_reads_under_progress():
    notices, steps = [], []

    @contextlib.contextmanager
    def progress(description):
        steps.append(description)
        yield None

    corpus = api.read_corpus([FIXTURES / "broken.jsonl"], notice=notices.append, progress=progress)
    assert [r.id for r in corpus.records] == ["2501.00001", "2501.00004"]
    assert steps == ["Reading records"]
    assert len(notices) == len(corpus.skipped) == 2
    assert all(n.startswith(f"skipped {FIXTURES / 'broken.jsonl'}:") for n in notices)
    assert [n.split(":")[1] for n in notices] == ["2", "3"]


def test_read_stdin_records_reads_json_lines_and_names_the_bad_ones():
    notices = []
    stream = io.BytesIO(b'{"id": "x1", "title": "A title", "summary": "An abstract."}\nnot json\n')
    records = api.read_stdin_records(stream, notice=notices.append)
    assert [r.id for r in records] == ["x1"]
    assert len(notices) == 1 and notices[0].startswith("skipped <stdin>:2: ")
    with pytest.raises(UsageError, match="no records on stdin; send JSON lines with a title or an abstract"):
        api.read_stdin_records(io.BytesIO(b"\n"))


def test_read_query_lines_numbers_the_lines_it_keeps(tmp_path):
    path = tmp_path / "queries.txt"
    path.write_text("FastCorrect 2\n\n  speech recognition  \n", encoding="utf-8")
    assert api.read_query_lines(str(path)) == [(1, "FastCorrect 2"), (3, "speech recognition")]
    assert api.read_query_lines("-", io.StringIO("\nSoftCorrect\n")) == [(2, "SoftCorrect")]
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    (tmp_path / "blank.txt").write_text("\n \n", encoding="utf-8")
    for name, message in [("missing.txt", "no such file"), ("latin1.txt", "not UTF-8 text"),
                          ("blank.txt", "no queries")]:
        with pytest.raises(InputError, match=message):
            api.read_query_lines(str(tmp_path / name))


def test_read_truth_takes_one_source_of_labels(tmp_path):
    records = api.read_corpus([FIXTURES / "versions.jsonl"]).records
    by_field, unread = api.read_truth(records, field="id")
    assert len(set(by_field)) == len(records) and unread == []  # every record a paper of its own
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"a,b\n{records[0].id},{records[1].id}\n", encoding="utf-8")
    by_pairs, unread = api.read_truth(records, pairs=pairs)
    assert by_pairs[0] == by_pairs[1] and len(set(by_pairs)) == len(records) - 1 and unread == []
    groups = tmp_path / "groups.csv"
    groups.write_text(f"{records[0].id};{records[1].id}\n", encoding="utf-8")
    by_groups, unread = api.read_truth(records, groups=groups)
    assert by_groups[0] == by_groups[1] and len(set(by_groups)) == len(records) - 1


def test_index_summary_is_what_the_model_holds(seed_model, tmp_path):
    model = shutil.copytree(seed_model, tmp_path / "m")
    summary = api.index_summary(model, skipped=2)
    info = api.model_info(model)
    assert (summary.model, summary.records, summary.papers, summary.vocabulary, summary.skipped) == (
        str(model), info.records, info.papers, info.vocabulary, 2)
