"""The feed (issue 22): papers added since a date or the last run, ranked for a library, with
why; its state beside the model; Atom a feed reader reads; the additions a model keeps."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike import manifest as schema
from paperlike.cli import app

LOOP = FIXTURES / "loop"
ATOM = "{http://www.w3.org/2005/Atom}"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def model(tmp_path):
    """A model built from the crawl and the published version, then today's listing added."""
    path = tmp_path / "models" / "arxiv"
    assert run("index", LOOP / "crawl.jsonl", LOOP / "published.bib", "--model", path).exit_code == 0
    assert run("add", LOOP / "today.jsonl", "--model", path).exit_code == 0
    return path


def test_the_first_run_ranks_what_the_last_add_brought_and_remembers_it(model):
    result = run("feed", "--like", LOOP / "my.bib", "--not", LOOP / "not.txt", "--json", "--model", model)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["new_papers"] == 3  # today's three; the crawl's were there before
    ids = [r["id"] for r in data["results"]]
    assert ids[0] == "2605.00011"  # protein structure with graph attention, like the library
    assert set(ids) <= {"2605.00011", "2605.00012", "2605.00013"}
    first = data["results"][0]
    assert first["terms"] and "protein" in first["terms"] and first["url"] == "https://arxiv.org/abs/2605.00011"
    assert first["id"] in data["added"] and data["inputs"][0]["status"] == "paper"
    state = json.loads((model.parent / "arxiv.feed.json").read_text(encoding="utf-8"))
    assert state["feeds"]["default"] == data["until"]
    assert not list(model.parent.glob(".*tmp*"))  # written atomically: nothing left behind


def test_the_next_run_starts_where_the_last_stopped(model, tmp_path):
    assert run("feed", "--like", LOOP / "my.bib", "--model", model).exit_code == 0
    again = run("feed", "--like", LOOP / "my.bib", "--json", "--model", model)
    assert again.exit_code == 3  # nothing new: the documented "nothing found" code
    data = json.loads(again.stdout)
    assert data["new_papers"] == 0 and "no paper was added to the model" in data["empty"]
    assert "no results: no paper was added" in again.stderr
    newer = tmp_path / "tomorrow.jsonl"
    newer.write_text(json.dumps({
        "id": "2605.00077", "title": "Residue Contact Graphs for Protein Fold Prediction",
        "summary": "Graph attention over residue contact graphs predicts the protein fold.",
        "authors": ["Kim Lee"], "categories": ["q-bio.BM"], "crawled": "2026-05-05"}) + "\n"
        # a new version of a paper the model holds: not a new paper
        + json.dumps({"id": "2102.05231", "title": "Graph Attention Networks for Protein Folding",
                      "summary": "A revised abstract: graph attention over residue contacts predicts folds.",
                      "crawled": "2026-05-05"}) + "\n", encoding="utf-8")
    assert run("add", newer, "--model", model).exit_code == 0
    third = json.loads(run("feed", "--like", LOOP / "my.bib", "--json", "--model", model).stdout)
    assert third["new_papers"] == 1 and [r["id"] for r in third["results"]] == ["2605.00077"]


def test_each_named_feed_keeps_its_own_last_run(model):
    assert run("feed", "--like", LOOP / "my.bib", "--name", "proteins", "--model", model).exit_code == 0
    other = json.loads(run("feed", "--like", LOOP / "not.txt", "--name", "speech", "--json", "--model", model).stdout)
    assert other["new_papers"] == 3 and other["results"][0]["id"] == "2605.00012"
    assert set(json.loads((model.parent / "arxiv.feed.json").read_text())["feeds"]) == {"proteins", "speech"}


def test_since_a_date_looks_back_without_moving_the_feed(model):
    data = json.loads(run("feed", "--like", LOOP / "my.bib", "--since", "2020-01-01", "--json",
                          "--model", model).stdout)
    assert data["new_papers"] == 7  # every paper of the model (the library's are left out of the results)
    assert "2102.05231#2" not in [r["id"] for r in data["results"]]  # in the library: never recommended
    assert not (model.parent / "arxiv.feed.json").exists()
    bad = run("feed", "--like", LOOP / "my.bib", "--since", "yesterday", "--model", model)
    assert bad.exit_code == 2 and "--since" in bad.stderr and "not a date or a time" in bad.stderr


def test_atom_is_a_feed_a_reader_can_subscribe_to(model, tmp_path):
    out = tmp_path / "feeds" / "papers.xml"
    out.parent.mkdir()
    result = run("feed", "--like", LOOP / "my.bib", "--format", "atom", "--out", out, "--model", model)
    assert result.exit_code == 0, result.output
    assert f"file://{out.resolve()}" in result.stdout
    root = ET.parse(out).getroot()
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):  # RFC 4287 4.1.1: required of a feed
        assert root.find(f"{ATOM}{tag}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text
    entries = root.findall(f"{ATOM}entry")
    assert entries and entries[0].find(f"{ATOM}id").text == "https://arxiv.org/abs/2605.00011"
    for entry in entries:  # 4.1.2: id, title, updated required; an author here or in the feed
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}updated").text.endswith("Z")
        assert entry.find(f"{ATOM}link").get("href").startswith("https://arxiv.org/abs/")
        assert "shared terms:" in entry.find(f"{ATOM}content").text
        assert entry.find(f"{ATOM}summary").text


def test_feed_exports_bibtex_and_csv(model):
    bib = run("feed", "--like", LOOP / "my.bib", "--since", "2000", "--format", "bibtex", "--model", model)
    assert bib.exit_code == 0 and "@misc{2605.00011" in bib.stdout and "eprint = {2605.00011}" in bib.stdout
    rows = run("feed", "--like", LOOP / "my.bib", "--since", "2000", "--format", "csv", "--fields", "rank,id,url",
               "--model", model).stdout.splitlines()
    assert rows[0] == "rank,id,url" and rows[1].startswith("1,2605.00011,https://arxiv.org/abs/")


def test_additions_survive_refit_and_decide_and_are_checked(model):
    before = paperlike.load_index(model).additions_
    assert [(a.first, a.count) for a in before] == [(0, 5), (5, 3)]
    assert run("index", "--refit", "--model", model).exit_code == 0
    assert paperlike.load_index(model).additions_ == before
    manifest = json.loads((model / "manifest.json").read_text())
    assert "additions.json" in manifest["files"]
    (model / "additions.json").write_text(json.dumps([{"at": before[0].at, "first": 0, "count": 8}]))
    broken = run("papers", "--model", model)
    assert broken.exit_code == 1 and "additions.json: damaged" in broken.stderr


def test_a_model_saved_before_additions_were_kept_still_loads(model, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(model, old)
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["files"]["additions.json"]
    manifest["manifest_sha256"] = schema.digest(manifest)
    (old / "manifest.json").write_text(json.dumps(manifest))
    (old / "additions.json").unlink()
    index = paperlike.load_index(old)
    assert [(a.at, a.first, a.count) for a in index.additions_] == [(manifest["created"], 0, 8)]


def test_the_python_api(model):
    answer = paperlike.feed(model, [LOOP / "my.bib"], since="2000", save_state=False)
    assert isinstance(answer, paperlike.Feed) and answer.results[0].id == "2605.00011"
    with pytest.raises(paperlike.RequestError, match="since"):
        paperlike.feed(model, [LOOP / "my.bib"], since="last week")
