import json
import shutil
import subprocess
import sys
import threading

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from paperlike import store
from paperlike.cli import app

runner = CliRunner()


def run(*args, cwd=None):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_default_model_is_built_from_the_seeds_on_first_use(in_tmp):
    result = run("papers", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 62
    assert {"id", "title", "authors", "abstract", "categories", "date", "source"} <= set(records[0])
    assert set(records[0]["source"]) == {"path", "line"}
    assert "building it from the bundled seed corpus" in result.stderr
    assert (in_tmp / "models" / "default" / "manifest.json").exists()
    assert "building" not in run("papers", "--json").stderr  # built once


def test_similar_json_shape(in_tmp):
    result = run("similar", "FastCorrect 2", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"]["kind"] == "title"
    assert len(data["results"]) == 3
    assert {"id", "title", "score", "terms"} <= set(data["results"][0])
    assert data["results"][0]["title"].startswith(("SoftCorrect", "Mask the Correct Tokens"))


def test_similar_table_by_text_and_by_id(in_tmp):
    by_text = run("similar", "--text", "speaker diarization", "-k", "2")
    assert by_text.exit_code == 0 and "Papers like text 'speaker diarization'" in by_text.stdout
    some_id = json.loads(run("papers", "--json").stdout)[40]["id"]
    by_id = run("similar", "--id", some_id, "-k", "2")
    assert by_id.exit_code == 0 and some_id in by_id.stdout


def test_similar_errors(in_tmp):
    unknown = run("similar", "--id", "nope")
    assert unknown.exit_code == 1
    assert unknown.stderr.splitlines()[-1].startswith("paperlike: error: no record with id 'nope'")
    assert "Traceback" not in unknown.output
    both = run("similar", "x", "--id", "--text")
    assert both.exit_code == 2 and "exclude each other" in both.stderr
    assert run("similar", "x", "-k", "0").exit_code == 2


def test_index_reports_skipped_records_and_strict_rejects(in_tmp):
    result = run("index", FIXTURES / "broken.jsonl", FIXTURES / "dblp_like.csv", "--model", "m")
    assert result.exit_code == 0, result.output
    assert "indexed 5 records" in result.stdout and "skipped 3 malformed" in result.stdout
    assert "broken.jsonl:2: broken JSON" in result.stderr
    strict = run("index", FIXTURES / "broken.jsonl", "--model", "m2", "--strict")
    assert strict.exit_code == 1 and "broken.jsonl:2" in strict.stderr
    assert not (in_tmp / "m2").exists()


def test_index_json_summary_and_info(in_tmp):
    result = run("index", FIXTURES / "arxiv_api.jsonl", "--model", "m", "--json")
    assert json.loads(result.stdout)["records"] == 3
    info = json.loads(run("info", "--model", "m", "--json").stdout)
    assert info["records"] == 3 and info["format_version"] == store.FORMAT_VERSION and info["size_bytes"] > 0
    assert info["parameters"]["vectorizer"]["title_weight"] >= 1
    table = run("info", "--model", "m")
    assert table.exit_code == 0 and "vocabulary" in table.stdout


def test_index_of_the_seeds_by_default_with_a_year(in_tmp):
    result = run("index", "--model", "seeds", "--year", "2026", "--json")
    assert json.loads(result.stdout)["records"] == 62
    dates = {r["date"] for r in json.loads(run("papers", "--model", "seeds", "--json").stdout)}
    assert "2026-04-14" in dates and "--04-14" not in dates


@pytest.mark.parametrize("args, message", [
    (["index", "missing.jsonl", "--model", "m"], "missing.jsonl: no such file"),
    (["index", FIXTURES / "papers.tsv", "--input-format", "xml", "--model", "m"], "unknown --input-format 'xml'"),
    (["papers", "--model", "nowhere"], "nowhere: no such model folder"),
    (["info", "--model", "nowhere"], "nowhere: no such model folder"),
    (["similar", "x", "--model", "nowhere"], "nowhere: no such model folder"),
    (["index", FIXTURES / "listing_bad.txt", "--input-format", "bibtex", "--model", "m"],
     "listing_bad.txt; read as bibtex: drop --input-format to detect the format"),
    (["index", FIXTURES.parent / "conftest.py", "--model", "m"],
     "conftest.py: unknown format; expected listing, bibtex, ris, openalex, semantic-scholar, arxiv-json, csv, zotero "
     "(use --input-format to force one)"),
])
def test_errors_are_one_line_with_a_non_zero_exit(in_tmp, args, message):
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_non_utf8_input_and_empty_corpus(in_tmp):
    (in_tmp / "bad.csv").write_bytes(b"title,abstract\nCaf\xe9,x\n")
    result = run("index", "bad.csv", "--model", "m")
    assert result.exit_code == 1 and "bad.csv:2: not UTF-8" in result.stderr
    (in_tmp / "empty.jsonl").write_text("\n")
    result = run("index", "empty.jsonl", "--input-format", "arxiv-json", "--model", "m")
    assert result.exit_code == 1 and "no records" in result.stderr


MODEL_COMMANDS = [
    ["papers"], ["papers", "--grouped"], ["similar", "SoftCorrect"], ["recommend", "--like", "SoftCorrect"],
    ["graph", "SoftCorrect", "--out", "g.html"], ["info"], ["dupes"], ["check", "--title", "SoftCorrect"],
    ["add", str(FIXTURES / "versions.jsonl")], ["index", "--refit"], ["serve", "--port", "0"],
]


@pytest.mark.parametrize("command", MODEL_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_corrupted_model_is_refused_by_every_command(in_tmp, seed_model, command):
    shutil.copytree(seed_model, in_tmp / "m")
    (in_tmp / "m" / "idf.npy").write_bytes(b"garbage")
    manifest = (in_tmp / "m" / "manifest.json").read_bytes()
    result = run(*command, "--model", "m")
    assert result.exit_code == 1, result.output
    assert result.stderr == ("paperlike: error: m/idf.npy: damaged (size differs from the manifest); "
                             "rebuild the model with 'paperlike index'\n")
    assert (in_tmp / "m" / "manifest.json").read_bytes() == manifest and not (in_tmp / "g.html").exists()


@pytest.mark.parametrize("command", MODEL_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_missing_model_is_one_line_naming_it(in_tmp, command):
    result = run(*command, "--model", "absent")
    assert result.exit_code == 1
    assert result.stderr == ("paperlike: error: absent: no such model folder; build one with "
                             "'paperlike index PATH --model absent'\n")


COMMANDS = ["index", "add", "papers", "similar", "recommend", "graph", "info", "dupes", "check", "serve",
            "eval", "eval dupes"]


def test_version_and_help():
    assert run("--version").stdout.startswith("paperlike ")
    listed = run("--help").stdout
    for command in COMMANDS:
        result = run(*command.split(), "--help")
        assert result.exit_code == 0 and "Example: paperlike " + command in result.stdout, command
        assert command.split()[0] in listed


def test_help_is_plain_text_with_each_commands_first_paragraph_whole():
    """--help is click's plain text: no rich markup left in it, and the list of commands gives
    each command's first paragraph whole (click would cut it at 45 characters with '...')."""
    listed = " ".join(run("--help").stdout.split())
    assert "..." not in listed.split("Commands:")[1]
    assert "Papers like this one: the k nearest papers, with the terms they share." in listed
    for command in ["", *COMMANDS]:
        shown = run(*command.split(), "--help").stdout
        assert "[bold]" not in shown and "[/bold]" not in shown and "╭" not in shown, command


def test_shell_completion_of_commands_and_option_values(monkeypatch):
    def complete(words):
        monkeypatch.setenv("_PAPERLIKE_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", words)
        monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - (0 if words.endswith(" ") else 1)))
        return runner.invoke(app, [], prog_name="paperlike").stdout.split()

    assert complete("paperlike rec") == ["recommend"]
    for command in ("similar x", "recommend", "graph x", "papers", "dupes", "info", "check", "index", "add x",
                    "eval dupes x"):
        assert complete(f"paperlike {command} --format j") == ["json", "jsonl"], command
    assert "bibtex" in complete("paperlike index --input-format ")
    assert complete("paperlike recommend --method s") == ["svm"]
    assert "--install-completion" in run("--help").stdout


def test_dupes_json_shape_and_table(in_tmp):
    result = run("dupes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["groups"]) == 10
    record_ids = {r["id"] for r in json.loads(run("papers", "--json").stdout)}
    for group in data["groups"]:
        assert {"id", "canonical", "members"} <= set(group)
        assert group["members"][0] == {"id": group["canonical"], "score": 1.0, "rule": "canonical", "relation": None,
                                       "evidence": {}}
        assert {m["id"] for m in group["members"]} <= record_ids
    table = run("dupes", "--threshold", "0.9")
    assert table.exit_code == 0 and "Sortformer" in table.stdout and "same name" in table.stdout


def test_papers_grouped(in_tmp):
    papers = json.loads(run("papers", "--grouped", "--json").stdout)
    assert len(papers) == 43
    assert sum(len(p["versions"]) for p in papers) == 62 - 43
    assert "43 papers" in run("papers", "--grouped").stdout


def test_check_exit_codes_and_inputs(in_tmp, monkeypatch):
    known = run("check", "--title", "Sortformer: A Novel Approach for Permutation-Resolved Speaker "
                "Supervision in Speech-to-Text Systems", "--json")
    assert known.exit_code == 0
    (answer,) = json.loads(known.stdout)
    assert answer["status"] == "known" and answer["match"]["rule"] == "title"
    new = run("check", "--title", "Graph kernels", "--abstract", "We compare graph kernels.")
    assert new.exit_code == 3 and "new" in new.stdout
    from_file = run("check", FIXTURES / "versions.jsonl", "--json")
    assert from_file.exit_code == 3  # none of these papers is in the seeds
    assert [r["status"] for r in json.loads(from_file.stdout)] == ["new"] * 6
    line = json.dumps({"title": "SoftCorrect: Error Correction with Soft Detection for Automatic Speech Recognition"})
    stdin = runner.invoke(app, ["check", "-", "--json"], input=line + "\n")
    assert stdin.exit_code == 0 and json.loads(stdin.stdout)[0]["status"] == "known"


def test_check_usage_errors(in_tmp):
    both = run("check", FIXTURES / "versions.jsonl", "--title", "x")
    assert both.exit_code == 2 and "not both" in both.stderr
    empty = runner.invoke(app, ["check", "-"], input="\n")
    assert empty.exit_code == 2 and "no records on stdin" in empty.stderr
    blank = run("check", "--title", "  ")
    assert blank.exit_code == 1 and "<command line>:1: record has neither a title nor an abstract" in blank.stderr


def test_eval_dupes_with_truth_pairs_and_field(in_tmp):
    ids = [json.loads(line).get("id") for line in (FIXTURES / "versions.jsonl").read_text().splitlines()]
    records = json.loads(run("index", FIXTURES / "versions.jsonl", "--model", "v", "--json").stdout)
    assert records["records"] == 6
    listed = [r["id"] for r in json.loads(run("papers", "--model", "v", "--json").stdout)]
    pairs = in_tmp / "pairs.csv"
    pairs.write_text("a,b\n" + "\n".join(f"{listed[0]},{x}" for x in listed[1:5]) + "\n")
    result = run("eval", "dupes", FIXTURES / "versions.jsonl", "--truth-pairs", pairs, "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["true_pairs"] == 10 and scores["precision"] == 1.0 and scores["recall"] == 1.0
    by_field = run("eval", "dupes", FIXTURES / "versions.jsonl", "--truth-field", "id")
    assert by_field.exit_code == 0 and "pairwise" in by_field.stdout
    assert ids[0] == "2401.00001"


@pytest.mark.parametrize("args, message", [
    (["--truth-field", "id", "--truth-pairs", "p.csv"], "exactly one of"),
    ([], "exactly one of"),
    (["--truth-pairs", "missing.csv"], "missing.csv: no such file"),
    (["--truth-pairs", "bad.csv"], "bad.csv:2: expected two ids"),
    (["--truth-pairs", "unrelated.csv"], "none of its pairs names two records"),
    (["--truth-field", "nosuchfield"], "no record has the truth field"),
])
def test_eval_dupes_bad_ground_truth(in_tmp, args, message):
    (in_tmp / "bad.csv").write_text("a,b\nonly-one-column\n")
    (in_tmp / "unrelated.csv").write_text("a,b\nx,y\n")
    result = run("eval", "dupes", FIXTURES / "versions.jsonl", *args)
    assert result.exit_code in (1, 2) and message in result.stderr


def test_every_long_operation_shows_progress(in_tmp, seed_model, monkeypatch):
    """Each command that reads, vectorises, saves, lists or compares many records runs it under a
    progress bar (drawn on stderr when it is a terminal; recorded here)."""
    import contextlib

    from paperlike.cli import render

    shown: list[str] = []

    @contextlib.contextmanager
    def progress(description):
        shown.append(description)
        yield lambda fraction: None

    monkeypatch.setattr(render, "progress", progress)
    shutil.copytree(seed_model, in_tmp / "m")
    versions = str(FIXTURES / "versions.jsonl")
    for command, expected in [
        (["index", versions, "--model", "built"], ["Reading records", "Vectorising 6 records", "Saving to built"]),
        (["add", versions, "--model", "m"], ["Reading records", "Adding 6 records to m"]),
        (["index", "--refit", "--model", "m"], ["Refitting m"]),
        (["papers", "--model", "m"], ["Reading 68 records"]),
        (["papers", "--grouped", "--model", "m"], ["Gathering 45 papers"]),
        (["dupes", "--json", "--model", "m"], ["Gathering the evidence for each version"]),  # the table streams
        (["merge", "--out", "library.bib", "--model", "m"], ["Merging into library.bib"]),
        (["check", versions, "--model", "m"], ["Reading records", "Checking 6 records"]),
        (["recommend", "--like", versions, "--model", "m"], ["Reading the list"]),
        (["recommend", "--like", "SoftCorrect", "--method", "svm", "--model", "m"],
         ["Training the reading list's classifier"]),
        (["eval", "dupes", versions, "--truth-field", "id"], ["Reading records", "Finding versions"]),
    ]:
        shown.clear()
        result = run(*command)
        assert result.exit_code in (0, 3), (command, result.output)
        assert shown == expected, command


# -- The request models: the CLI builds the service's requests, so it has their limits and errors --

@pytest.mark.parametrize("args, message", [
    (["similar", "FastCorrect 2", "-k", "0"], "-k: input should be greater than or equal to 1, not 0"),
    (["similar", "FastCorrect 2", "-k", "1001"], "-k: input should be less than or equal to 1000, not 1001"),
    (["recommend", "--like", "FastCorrect 2", "-k", "1001"],
     "-k: input should be less than or equal to 1000, not 1001"),
    (["similar", "FastCorrect 2", "-k", "101", "--diverse"], "--diverse: gives at most 100 results, and k is 101"),
    (["recommend", "--like", "FastCorrect 2", "-k", "101", "--diverse"], "--diverse: gives at most 100 results"),
    (["similar", "FastCorrect 2", "--since", "last year"],
     "--since: a date is YYYY, YYYY-MM or YYYY-MM-DD, not 'last year'"),
    (["recommend", "--like", "FastCorrect 2", "--until", "2025-13"], "--until: '2025-13' is not a calendar date"),
    (["similar", "FastCorrect 2", "--since", "2025", "--until", "2024"],
     "--since/--until: since 2025 is after until 2024"),
    (["recommend", "--like", "FastCorrect 2", "--method", "knn"],
     "--method: input should be 'centroid' or 'svm', not 'knn'"),
    (["similar", ""], "QUERY: string should have at least 1 character"),
    (["check", "--title", "x", "--year", "12345"], "--year: input should be less than or equal to 9999, not 12345"),
])
def test_a_request_the_models_reject_is_one_line_and_exit_2(seed_model, args, message):
    result = run(*args, "--model", seed_model)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"paperlike: error: {message}")
    assert result.stderr.count("\n") == 1 and result.stdout == ""  # no traceback, no usage block
    assert isinstance(result.exception, SystemExit)


def test_the_cli_takes_k_up_to_the_shared_limit(seed_model):
    from paperlike.requests import MAX_DIVERSE_K, MAX_K

    every = run("similar", "FastCorrect 2", "-k", MAX_K, "--json", "--model", seed_model)
    assert every.exit_code == 0, every.output
    assert len(json.loads(every.stdout)["results"]) == 42  # all 43 papers of the seeds but the query's
    diverse = run("recommend", "--like", "FastCorrect 2", "-k", MAX_DIVERSE_K, "--diverse", "--json",
                  "--model", seed_model)
    assert diverse.exit_code == 0, diverse.output


def test_the_cli_calls_the_api_with_the_request_models(seed_model, monkeypatch):
    import paperlike
    from paperlike import api

    seen = []
    for name in ("similar", "recommend", "check"):
        real = getattr(api, name)
        monkeypatch.setattr(api, name, lambda index, request, *a, real=real, **kw: seen.append(request) or real(
            index, request, *a, **kw))
    assert run("similar", "FastCorrect 2", "-k", "3", "--since", "2023", "--diverse",
               "--model", seed_model).exit_code == 0
    assert run("recommend", "--like", "FastCorrect 2", "--not", "SoftCorrect", "-k", "4", "--method", "svm",
               "--model", seed_model).exit_code == 0
    assert run("check", "--title", "Graph kernels", "--year", "2020", "--model", seed_model).exit_code == 3
    similar, recommend, check = seen
    assert similar == paperlike.SimilarRequest(query="FastCorrect 2", k=3, filters={"since": "2023"}, diverse=True)
    assert recommend == paperlike.RecommendRequest(like=["FastCorrect 2"], not_=["SoftCorrect"], k=4, method="svm")
    assert [r.model_dump(exclude_defaults=True) for r in check] == [{"title": "Graph kernels", "year": 2020}]


def _script(*args, code=""):
    """The console script's path (``script``), in a new process: its stdout, stderr and exit code."""
    program = (f"import sys\n{code}\nfrom paperlike.cli import script\nsys.argv = ['paperlike', *{list(map(str, args))!r}]\n"
               "script()\n")
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)


def test_the_script_prints_all_its_output_and_exit_code_before_it_ends(seed_model):
    """The script ends the process without taking its modules apart (_quick_exit): every line
    printed reaches a pipe, the exit handlers run, and the exit code is the command's."""
    done = _script("papers", "--model", seed_model, "--format", "jsonl",
                   code="import atexit\natexit.register(lambda: print('handlers ran', file=sys.stderr))")
    assert done.returncode == 0
    assert done.stdout == run("papers", "--model", seed_model, "--format", "jsonl").stdout
    assert len(done.stdout.splitlines()) > 50 and done.stderr.strip().endswith("handlers ran")
    failed = _script("similar", "--id", "nope", "--model", seed_model)
    assert failed.returncode == 1 and failed.stderr.startswith("paperlike: error: no record with id 'nope'")
    assert _script("similar", "-k", "0", "x", "--model", seed_model).returncode == 2


def test_main_ends_in_system_exit_for_a_program_that_runs_a_command_itself(seed_model):
    """main, unlike the script, leaves the process to its caller (benchmarks/run.py times a
    build so)."""
    program = ("import sys\nfrom paperlike.cli import main\n"
               f"sys.argv = ['paperlike', 'info', '--model', {str(seed_model)!r}]\n"
               "try:\n    main()\nexcept SystemExit as stop:\n    print('exit code', stop.code)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "exit code 0", done.stderr


def test_the_quick_exit_leaves_a_thread_at_work_to_the_usual_exit():
    """A thread that is not a daemon is still at work: _quick_exit returns, and Python's own
    exit waits for it as always."""
    from paperlike.cli import _quick_exit

    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert _quick_exit(0) is None  # had it ended the process, this test would not go on
    finally:
        release.set()
        worker.join()
