"""The command line's output formats (paperlike.output): table, json, jsonl and csv agree."""

import csv
import io
import json

import pytest
from conftest import run


def test_output_formats_agree(seed_model):
    as_json = json.loads(run("similar", "FastCorrect 2", "-k", "3", "--format", "json", "--model", seed_model).stdout)
    lines = run("similar", "FastCorrect 2", "-k", "3", "--format", "jsonl", "--model", seed_model).stdout.splitlines()
    rows = list(csv.DictReader(io.StringIO(
        run("similar", "FastCorrect 2", "-k", "3", "--format", "csv", "--model", seed_model).stdout)))
    ids = [r["id"] for r in as_json["results"]]
    assert [json.loads(line)["id"] for line in lines] == ids == [r["id"] for r in rows]
    assert rows[0]["rank"] == "1" and rows[0]["terms"] == "; ".join(as_json["results"][0]["terms"])


@pytest.mark.parametrize("command", [["papers"], ["papers", "--grouped"], ["dupes"], ["info"]])
def test_every_command_speaks_every_format(seed_model, command):
    for fmt in ("table", "json", "jsonl", "csv"):
        result = run(*command, "--format", fmt, "--model", seed_model)
        assert result.exit_code == 0, (fmt, result.output)
        assert result.stdout.strip()
    bad = run(*command, "--format", "xml", "--model", seed_model)
    assert bad.exit_code == 2 and "choose one of table, json, jsonl, csv" in bad.stderr


def test_dupes_csv_has_one_row_per_member(seed_model):
    rows = list(csv.DictReader(io.StringIO(run("dupes", "--format", "csv", "--model", seed_model).stdout)))
    groups = json.loads(run("dupes", "--json", "--model", seed_model).stdout)["groups"]
    assert len(rows) == sum(len(g["members"]) for g in groups)
    assert {r["paper"] for r in rows} == {g["id"] for g in groups}
