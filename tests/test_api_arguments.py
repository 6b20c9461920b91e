"""The Python API given wrong arguments (issue 19, defect 9): None, numbers, strings where lists
are, lists where strings are. Every call raises one of paperlike's errors, never a TypeError or
AttributeError from deep inside; a str or a Path is one path."""

from pathlib import Path

import pytest
from conftest import FIXTURES

import paperlike
from paperlike import api
from paperlike.errors import ArgumentError, PaperlikeError


@pytest.fixture(scope="module")
def index(seed_index):
    return seed_index


def _calls(index, model, tmp):
    """(name, call) for each public function with each kind of wrong argument."""
    paper = index.records_[0]
    graph = api.graph(index, "FastCorrect 2", k=2)
    return [
        ("read_records(None)", lambda: paperlike.read_records(None)),
        ("read_records(5)", lambda: paperlike.read_records(5)),
        ("read_records([None])", lambda: paperlike.read_records([None])),
        ("read_records([5, 'x'])", lambda: paperlike.read_records([5, "x"])),
        ("read_records(format=5)", lambda: paperlike.read_records(FIXTURES / "papers.tsv", format=5)),
        ("read_records(year='2020')", lambda: paperlike.read_records(FIXTURES / "papers.tsv", year="2020")),
        ("read_records(progress=5)", lambda: paperlike.read_records(FIXTURES / "papers.tsv", progress=5)),
        ("read_records(max_record_bytes='1')", lambda: paperlike.read_records(FIXTURES / "papers.tsv", max_record_bytes="1")),
        ("read_records(max_record_bytes=-1)", lambda: paperlike.read_records(FIXTURES / "papers.tsv", max_record_bytes=-1)),
        ("read_records('a\\0b')", lambda: paperlike.read_records("a\0b")),
        ("build_index(None)", lambda: paperlike.build_index(None)),
        ("build_index(5)", lambda: paperlike.build_index(5)),
        ("build_index([None])", lambda: paperlike.build_index([None])),
        ("build_index(['text'])", lambda: paperlike.build_index(["text"])),
        ("build_index(iter([5]))", lambda: paperlike.build_index(iter([5]))),
        ("build_index(vectorizer=5)", lambda: paperlike.build_index([paper], vectorizer=5)),
        ("save_index(None, path)", lambda: paperlike.save_index(None, tmp / "m")),
        ("save_index(index, None)", lambda: paperlike.save_index(index, None)),
        ("load_index(None)", lambda: paperlike.load_index(None)),
        ("load_index(5)", lambda: paperlike.load_index(5)),
        ("open_model(None)", lambda: paperlike.open_model(None)),
        ("open_model(['m'])", lambda: paperlike.open_model(["m"])),
        ("similar(None, q)", lambda: paperlike.similar(None, "FastCorrect")),
        ("similar(index, None)", lambda: paperlike.similar(index, None)),
        ("similar(index, 5)", lambda: paperlike.similar(index, 5)),
        ("similar(index, ['q'])", lambda: paperlike.similar(index, ["FastCorrect"])),
        ("similar(k='5')", lambda: paperlike.similar(index, "FastCorrect", k="5")),
        ("similar(k=0)", lambda: paperlike.similar(index, "FastCorrect", k=0)),
        ("similar(filters={})", lambda: paperlike.similar(index, "FastCorrect", filters={"since": 5})),
        ("similar_many(index, None)", lambda: paperlike.similar_many(index, None)),
        ("similar_many(index, [None])", lambda: paperlike.similar_many(index, [None])),
        ("similar_many(index, 5)", lambda: paperlike.similar_many(index, 5)),
        ("recommend(None, like)", lambda: paperlike.recommend(None, ["FastCorrect 2"])),
        ("recommend(index, None)", lambda: paperlike.recommend(index, None)),
        ("recommend(index, 'FastCorrect 2')", lambda: paperlike.recommend(index, "FastCorrect 2")),
        ("recommend(index, [5])", lambda: paperlike.recommend(index, [5])),
        ("recommend(index, [None])", lambda: paperlike.recommend(index, [None])),
        ("recommend(not_=5)", lambda: paperlike.recommend(index, ["FastCorrect 2"], not_=5)),
        ("recommend(method=5)", lambda: paperlike.recommend(index, ["FastCorrect 2"], method=5)),
        ("check(None, records)", lambda: paperlike.check(None, [paper])),
        ("check(index, None)", lambda: paperlike.check(index, None)),
        ("check(index, 5)", lambda: paperlike.check(index, 5)),
        ("check(index, [None])", lambda: paperlike.check(index, [None])),
        ("check(index, ['a title'])", lambda: paperlike.check(index, ["a title"])),
        ("check(index, [{'title': 'x'}])", lambda: paperlike.check(index, [{"title": "x"}])),
        ("dupes(None)", lambda: paperlike.dupes(None)),
        ("dupes(threshold='x')", lambda: paperlike.dupes(index, threshold="x")),
        ("dupes(relations=5)", lambda: paperlike.dupes(index, relations=5)),
        ("dupes(min_size=None)", lambda: paperlike.dupes(index, min_size=None)),
        ("add(None, records)", lambda: paperlike.add(None, [paper])),
        ("add(model, None)", lambda: paperlike.add(model, None)),
        ("add(model, [5])", lambda: paperlike.add(model, [5])),
        ("refit(None)", lambda: paperlike.refit(None)),
        ("model_info(None)", lambda: paperlike.model_info(None)),
        ("model_info(5)", lambda: paperlike.model_info(5)),
        ("papers(None)", lambda: paperlike.papers(None)),
        ("paper_summaries('index')", lambda: paperlike.paper_summaries("index")),
        ("evaluate_dupes(None, truth)", lambda: paperlike.evaluate_dupes(None, [1])),
        ("evaluate_dupes(records, None)", lambda: paperlike.evaluate_dupes([paper], None)),
        ("evaluate_dupes([5], truth)", lambda: paperlike.evaluate_dupes([5], [1])),
        ("truth_from_field(None, 'id')", lambda: paperlike.truth_from_field(None, "id")),
        ("truth_from_field(records, None)", lambda: paperlike.truth_from_field([paper], None)),
        ("truth_from_pairs(records, None)", lambda: paperlike.truth_from_pairs([paper], None)),
        ("normalize(5)", lambda: paperlike.normalize(5)),
        ("normalize(['x'])", lambda: paperlike.normalize(["x"])),
        ("api.graph(None, q)", lambda: api.graph(None, "FastCorrect 2")),
        ("api.graph(index, None)", lambda: api.graph(index, None)),
        ("api.graph(index, q, k='3')", lambda: api.graph(index, "FastCorrect 2", k="3")),
        ("api.graph_html(None)", lambda: api.graph_html(None)),
        ("api.write_graph(graph, None)", lambda: api.write_graph(graph, None)),
        ("api.write_graph(None, path)", lambda: api.write_graph(None, tmp / "g.html")),
        ("api.paper_record(index, None)", lambda: api.paper_record(index, None)),
        ("api.paper_record(None, id)", lambda: api.paper_record(None, "x")),
        ("api.decide(model, None)", lambda: api.decide(model, None)),
        ("api.decide(model, 'same', 5)", lambda: api.decide(model, "same", 5)),
        ("api.decide(model, 'same', [None, None])", lambda: api.decide(model, "same", [None, None])),
        ("api.dupe_groups(None)", lambda: list(api.dupe_groups(None))),
        ("api.merged_records(None)", lambda: list(api.merged_records(None))),
        ("api.write_merged(index, None)", lambda: api.write_merged(index, None)),
        ("api.write_merged(index, path, fmt=5)", lambda: api.write_merged(index, tmp / "x.bib", fmt=5)),
        ("api.as_papers(None, 'p')", lambda: api.as_papers(None, "p")),
        ("api.as_papers([5], 'p')", lambda: api.as_papers([5], "p")),
        ("api.rebuild(None, records)", lambda: api.rebuild(None, [paper])),
        ("similar(index)", lambda: paperlike.similar(index)),
        ("check()", lambda: paperlike.check()),
    ]


def test_every_wrong_argument_is_one_of_paperlikes_errors(index, seed_model, tmp_path):
    import shutil

    model = shutil.copytree(seed_model, tmp_path / "model")
    calls = _calls(index, model, tmp_path)
    assert len(calls) >= 50
    escaped = []
    for name, call in calls:
        try:
            call()
        except PaperlikeError as exc:
            message = str(exc)
            assert message and "\n" not in message, (name, message)
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            escaped.append(f"{name}: {type(exc).__name__}: {exc}")
        else:
            escaped.append(f"{name}: no error")
    assert escaped == []


def test_a_wrong_type_is_named_in_one_line_and_is_a_type_error_too(index):
    with pytest.raises(ArgumentError) as error:
        paperlike.similar(None, "FastCorrect")
    assert str(error.value) == "similar(): index must be a PaperIndex, not None"
    assert isinstance(error.value, TypeError) and error.value.exit_code == 2
    with pytest.raises(ArgumentError, match=r"^build_index\(\): records\[1\] must be a Record, not str 'x'$"):
        paperlike.build_index([index.records_[0], "x"])
    with pytest.raises(ArgumentError, match=r"^similar\(\): missing a required argument: 'request'$"):
        paperlike.similar(index)


@pytest.mark.parametrize("kind", [str, Path])
def test_a_str_or_a_path_is_one_path(kind):
    corpus = paperlike.read_records(kind(FIXTURES / "papers.tsv"))
    assert [r.id for r in corpus.records] == ["10.1000/xyz123"]
    with pytest.raises(paperlike.InputError, match="missing.tsv: no such file"):
        paperlike.read_records(kind("missing.tsv"))


def test_iterators_of_records_are_still_taken(index, seed_corpus):
    built = paperlike.build_index(iter(seed_corpus.records))
    assert len(built.records_) == len(seed_corpus.records)
    assert [r.status for r in paperlike.check(index, (r for r in seed_corpus.records[:2]))] == ["known", "known"]
