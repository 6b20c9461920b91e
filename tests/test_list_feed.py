"""The feed drawn from a reading list of the page's (issue 22, point 6): ``feed --list NAME``
takes the list's liked papers as --like and its not-interested ones as --not."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.lists import ReadingLists, lists_path

LOOP = FIXTURES / "loop"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def model(tmp_path):
    """The loop's model (the crawl, then today's listing added) and a list beside it that likes
    the protein folding paper and is not interested in speech recognition."""
    path = tmp_path / "models" / "arxiv"
    assert run("index", LOOP / "crawl.jsonl", LOOP / "published.bib", "--model", path).exit_code == 0
    assert run("add", LOOP / "today.jsonl", "--model", path).exit_code == 0
    lists = ReadingLists(lists_path(path))
    lists.create("proteins")
    lists.add("proteins", "2102.05231", "like")
    lists.add("proteins", "2601.04321", "not")
    lists.create("empty")
    return path


def test_a_list_is_the_library_and_its_not_interested_papers(model):
    result = run("feed", "--list", "proteins", "--json", "--model", model)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["new_papers"] == 3 and data["results"][0]["id"] == "2605.00011"
    roles = {(i["role"], i["given"]) for i in data["inputs"]}
    assert ("like", "2102.05231") in roles and ("not", "2601.04321") in roles
    # the same as --like and --not given by hand, and in every format the feed writes
    by_hand = run("feed", "--like", "2102.05231", "--not", "2601.04321", "--since", data["since"], "--json",
                  "--model", model)
    assert [r["id"] for r in json.loads(by_hand.stdout)["results"]] == [r["id"] for r in data["results"]]
    atom = run("feed", "--list", "proteins", "--since", data["since"], "--format", "atom", "--model", model)
    assert atom.exit_code == 0 and "2605.00011" in atom.stdout


def test_the_list_file_is_only_read(model):
    path = lists_path(model)
    before = path.read_bytes()
    assert run("feed", "--list", "proteins", "--since", "2020", "--model", model).exit_code == 0
    assert path.read_bytes() == before


def test_a_list_that_is_not_there_names_the_lists_there_are(model):
    result = run("feed", "--list", "protein", "--model", model)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "'protein'" in line and "'empty'" in line and "'proteins'" in line
    assert not (model.parent / "arxiv.feed.json").exists()  # a failed run moves no feed


def test_no_lists_at_all_and_no_library_at_all(model, tmp_path):
    lists_path(model).unlink()
    result = run("feed", "--list", "proteins", "--model", model)
    assert result.exit_code == 1 and "no reading lists yet" in result.stderr
    assert not lists_path(model).exists()  # not created by reading it
    neither = run("feed", "--model", model)
    assert neither.exit_code == 2 and "--like" in neither.stderr and "--list" in neither.stderr


def test_a_list_that_likes_nothing_says_so(model):
    result = run("feed", "--list", "empty", "--model", model)
    assert result.exit_code == 1 and "likes no paper" in result.stderr


def test_from_python(model):
    answer = paperlike.feed(model, [], reading_list="proteins", since="2020")
    assert answer.results[0].id == "2605.00011"
