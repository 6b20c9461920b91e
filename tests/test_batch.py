"""Many ``similar`` queries at once (api.similar_many, ``paperlike similar-many``)."""

import json

import pytest
from typer.testing import CliRunner

import paperlike
from paperlike import api
from paperlike.cli import app

runner = CliRunner()

QUERIES = ["FastCorrect 2", "speaker diarization", "zzzqqq xxyyzz", "SoftCorrect", "mixture of experts routing",
           "streaming speech translation", "Nemotron-H"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_answers_each_query_as_similar_does_in_order(seed_index, monkeypatch, jobs):
    monkeypatch.setenv("PAPERLIKE_JOBS", jobs)
    monkeypatch.setattr(api, "BATCH_IN_TWO", 2)  # split even this small batch between two processes
    queries = QUERIES * 3
    answers = paperlike.similar_many(seed_index, queries, k=4)
    assert [a.query for a in answers] == queries
    for query, answer in zip(queries, answers):
        if query == "zzzqqq xxyyzz":
            assert answer.answer is None and "vocabulary" in answer.error
        else:
            assert answer.error is None
            assert answer.answer == paperlike.similar(seed_index, query, k=4)


def test_a_batch_request_that_breaks_a_limit_names_its_number(seed_index):
    requests = [paperlike.SimilarRequest(query="SoftCorrect"), {"query": "FastCorrect 2", "k": 5000}]
    with pytest.raises(paperlike.RequestError, match="query 2"):
        paperlike.similar_many(seed_index, requests)


@pytest.fixture
def queries_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "queries.txt"
    path.write_text("FastCorrect 2\n\nzzzqqq xxyyzz\nspeaker diarization\n", encoding="utf-8")
    return path


def test_similar_many_prints_one_answer_per_query_and_reports_the_bad_line(queries_file):
    result = runner.invoke(app, ["similar-many", str(queries_file), "-k", "2"])
    assert result.exit_code == 4, result.output  # a line without an answer: the documented code
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["query"] for a in answers] == ["FastCorrect 2", "zzzqqq xxyyzz", "speaker diarization"]
    assert len(answers[0]["answer"]["results"]) == 2 and answers[1]["answer"] is None
    assert f"{queries_file}:3: none of the query's words" in result.stderr
    assert "1 query of 3 had no answer" in result.stderr


def test_similar_many_exits_0_when_every_line_is_answered(queries_file):
    queries_file.write_text("FastCorrect 2\nspeaker diarization\n", encoding="utf-8")
    result = runner.invoke(app, ["similar-many", str(queries_file), "-k", "2", "--format", "csv",
                                 "--fields", "rank,id,url"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "line,query,rank,id,url" and len(lines) == 5


def test_similar_many_csv_rows_carry_the_line_and_query(queries_file):
    result = runner.invoke(app, ["similar-many", str(queries_file), "-k", "2", "--format", "csv"])
    assert result.exit_code == 4, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("line,query,rank,id,title")
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "1", "4", "4"]


def test_similar_many_reads_standard_input(queries_file):
    result = runner.invoke(app, ["similar-many", "-", "--json"], input="SoftCorrect\n")
    assert result.exit_code == 0, result.output
    assert [a["query"] for a in json.loads(result.stdout)] == ["SoftCorrect"]


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"\n  \n", "no queries"),
    (b"\xff\xfe title\n", "not UTF-8"),
])
def test_similar_many_input_errors_are_one_line(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "q.txt"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["similar-many", str(path)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and str(path) in result.stderr
