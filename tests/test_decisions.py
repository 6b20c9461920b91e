"""People's decisions on pairs of records (``paperlike decide``), kept with the model, and the
model's write lock that every writer holds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike import api, store
from paperlike.cli import app
from paperlike.errors import NotFoundError, QueryError

VERSIONS = FIXTURES / "versions.jsonl"
AT = "2026-12-06T00:00:00+00:00"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def versions_model(tmp_path):
    path = tmp_path / "m"
    api.rebuild(path, paperlike.read_records([VERSIONS]))
    return path


def _paper_of(index, record_id: str) -> int:
    return index.paper_of_record(index.record_by_id(record_id))


def test_same_joins_two_papers_and_different_splits_one():
    index = paperlike.build_index(paperlike.read_records([VERSIONS]))
    fold, dock = "2401.00001", "2402.00002"
    assert _paper_of(index, fold) != _paper_of(index, dock)
    papers = index.n_papers
    index.decide("same", [fold, dock], AT)
    assert _paper_of(index, fold) == _paper_of(index, dock) and index.n_papers == papers - 1
    relation = {m.id: m.relation for g in index.dupes().groups for m in g.members}
    assert relation[dock] == "decided"  # DockGAT joins FoldGAT's paper only by the decision
    index.decide("different", [fold, dock], AT)  # a later decision on the pair replaces the first
    assert _paper_of(index, fold) != _paper_of(index, dock)
    assert [(d.a, d.b, d.verdict) for d in index.decisions_] == [(fold, dock, "different")]


def test_different_splits_a_group_without_chaining_through_a_third_record():
    index = paperlike.build_index(paperlike.read_records([VERSIONS]))
    members = next(g for g in index.dupes().groups if g.id.startswith("pl-") or "FoldGAT" in (g.title or ""))
    ids = [m.id for m in members.members]
    assert len(ids) >= 3
    index.decide("different", ids[:2], AT)
    assert _paper_of(index, ids[0]) != _paper_of(index, ids[1])


def test_a_decision_beats_the_rules_and_leaves_the_review_queue():
    # The rules join a and b; a and c carry two DOIs, so c stays apart and a-c waits in the
    # review queue. A person says b and c are one paper: b moves to c's paper (the person's
    # pair is merged before the rules' pair), and no decided pair comes back to the queue.
    index = paperlike.build_index(paperlike.read_records([FIXTURES / "review_pair.jsonl"]))
    a, b, c = "10.1007/s00198-010-0001-1", "vitd-b", "10.1007/s00198-010-0002-2"  # DOIs became ids
    assert _paper_of(index, a) == _paper_of(index, b) != _paper_of(index, c)
    assert {(p.a, p.b) for p in index.review_queue()} == {(b, c)}
    index.decide("same", [b, c], AT)
    assert _paper_of(index, b) == _paper_of(index, c) != _paper_of(index, a)
    assert {(p.a, p.b) for p in index.review_queue()} == {(a, b)}  # the rules' pair, now refused


def test_bad_decisions_are_refused_with_one_line():
    index = paperlike.build_index(paperlike.read_records([VERSIONS]))
    with pytest.raises(NotFoundError, match="no record with id 'nope'"):
        index.decide("same", ["2401.00001", "nope"], AT)
    with pytest.raises(QueryError, match="name one record"):
        index.decide("same", ["2401.00001", "2401.00001"], AT)


def test_decisions_are_kept_through_save_add_index_and_refit(versions_model):
    fold, dock = "2401.00001", "2402.00002"
    report = api.decide(versions_model, "same", [fold, dock])
    assert report.papers[fold] == report.papers[dock] and report.total_decisions == 1
    for step in (lambda: None,
                 lambda: api.add(versions_model, [paperlike.Record(id="extra", title="An unrelated paper on graphs")]),
                 lambda: api.rebuild(versions_model, paperlike.read_records([VERSIONS])),
                 lambda: api.refit(versions_model)):
        step()
        index = paperlike.load_index(versions_model)
        assert [(d.a, d.b) for d in index.decisions_] == [(fold, dock)]
        assert _paper_of(index, fold) == _paper_of(index, dock)


def test_a_damaged_decisions_file_is_refused(versions_model):
    api.decide(versions_model, "same", ["2401.00001", "2402.00002"])
    (versions_model / "decisions.json").write_text('[{"a": 1}]', encoding="utf-8")
    with pytest.raises(paperlike.ModelError):
        paperlike.load_index(versions_model)


def test_decide_on_the_command_line(in_tmp):
    assert run("index", str(VERSIONS), "--model", "m").exit_code == 0
    result = run("decide", "same", "2401.00001", "2402.00002", "--model", "m", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["papers"]["2401.00001"] == answer["papers"]["2402.00002"]
    groups = json.loads(run("dupes", "--json", "--model", "m").stdout)["groups"]
    assert any({"2401.00001", "2402.00002"} <= {m["id"] for m in g["members"]} for g in groups)
    unknown = run("decide", "same", "2401.00001", "nope", "--model", "m")
    assert unknown.exit_code != 0 and "no record with id 'nope'" in unknown.output
    wrong = run("decide", "maybe", "2401.00001", "2402.00002", "--model", "m")
    assert wrong.exit_code == 2 and "same" in wrong.output and "different" in wrong.output


def test_dupes_maybe_relation_and_min_size(in_tmp):
    assert run("index", str(VERSIONS), "--model", "m").exit_code == 0
    everything = json.loads(run("dupes", "--json", "--model", "m").stdout)
    relations = {m["relation"] for g in everything["groups"] for m in g["members"]} - {None}
    assert relations and relations <= set(paperlike.dedup.rules.RELATIONS)
    one = sorted(relations)[0]
    kept = json.loads(run("dupes", "--json", "--relation", one, "--model", "m").stdout)["groups"]
    assert kept and all(any(m["relation"] == one for m in g["members"]) for g in kept)
    big = json.loads(run("dupes", "--json", "--min-size", "4", "--model", "m").stdout)["groups"]
    assert all(len(g["members"]) >= 4 for g in big)
    assert len(big) < len(everything["groups"]) or all(len(g["members"]) >= 4 for g in everything["groups"])
    unknown = run("dupes", "--relation", "cousin", "--model", "m")
    assert unknown.exit_code == 2 and "unknown relation 'cousin'" in unknown.output
    csv_lines = run("dupes", "--format", "csv", "--model", "m").stdout.splitlines()
    assert csv_lines[0].startswith("paper,id,score,rule,relation,evidence.abstract")
    assert "{" not in "".join(csv_lines[1:])  # no JSON in a cell
    streamed = run("dupes", "--format", "jsonl", "--model", "m").stdout.splitlines()
    assert len(streamed) == sum(len(g["members"]) for g in everything["groups"])


def test_merge_writes_one_record_per_paper_with_the_merged_ids(in_tmp):
    assert run("index", str(VERSIONS), "--model", "m").exit_code == 0
    index = paperlike.load_index(in_tmp / "m")
    for name in ("library.bib", "library.ris", "library.csv", "library.jsonl"):
        result = run("merge", "--out", name, "--model", "m")
        assert result.exit_code == 0, result.output
        back = paperlike.read_records([in_tmp / name])
        assert len(back.records) == index.n_papers and not back.skipped, name
    jsonl = [json.loads(line) for line in (in_tmp / "library.jsonl").read_text(encoding="utf-8").splitlines()]
    merged = max(jsonl, key=lambda r: len(r["merged_ids"]))
    group = next(g for g in index.dupes().groups if g.canonical == merged["id"])
    assert sorted(merged["merged_ids"]) == sorted(m.id for m in group.members)
    bad = run("merge", "--out", "library.docx", "--model", "m")
    assert bad.exit_code == 2 and "library.docx" in bad.output


_ADD = """
import sys
import paperlike
from paperlike import api
batch = [paperlike.Paper(id=f"{sys.argv[2]}-{i}", title=f"Paper {sys.argv[2]} number {i} on topic {i * 7}")
         for i in range(int(sys.argv[3]))]
api.add(sys.argv[1], batch)
"""


def test_two_writers_at_once_lose_no_record(tmp_path):
    """Two processes adding to one model at the same moment: the lock makes the second wait,
    so the model ends with both batches (without it the last rename won, and a batch was lost)."""
    model = tmp_path / "m"
    api.rebuild(model, paperlike.read_records([VERSIONS]))
    before = len(paperlike.load_index(model).records_)
    for run_number in range(2):
        writers = [subprocess.Popen([sys.executable, "-c", _ADD, str(model), f"w{run_number}{w}", "40"])
                   for w in range(2)]
        assert [w.wait(timeout=120) for w in writers] == [0, 0]
    index = paperlike.load_index(model)
    assert len(index.records_) == before + 2 * 2 * 40
    assert not list(tmp_path.glob(".m.tmp-*"))


def test_the_lock_is_released_after_a_failed_write(tmp_path):
    model = tmp_path / "m"
    api.rebuild(model, paperlike.read_records([VERSIONS]))
    with pytest.raises(NotFoundError):
        api.decide(model, "same", ["2401.00001", "nope"])
    with store.writing(model, timeout=1):  # free again: taken at once
        pass
    shutil.rmtree(model)
