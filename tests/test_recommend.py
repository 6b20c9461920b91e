"""Reading lists as queries, filters, diverse results, incremental updates, output formats."""

import csv
import io
import json
import shutil

import numpy as np
import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.csr import sparse
from paperlike.filters import date_number

runner = CliRunner()

FASTCORRECT = "FastCorrect 2: Fast Error Correction on Multiple Candidates for Automatic Speech Recognition"
SOFTCORRECT = "SoftCorrect: Error Correction with Soft Detection for Automatic Speech Recognition"
MASK = "Mask the Correct Tokens: An Embarrassingly Simple Approach for Error Correction"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def model(seed_model, tmp_path):
    """A copy of the seed model that a test may change."""
    return shutil.copytree(seed_model, tmp_path / "model")


def titles(results):
    return [r.title for r in results]


# -- reading lists -------------------------------------------------------------------------------


def test_a_reading_list_finds_what_its_papers_share(seed_index):
    result = paperlike.recommend(seed_index, ["FastCorrect 2", "SoftCorrect"], k=3)
    assert [i.status for i in result.inputs] == ["paper", "paper"]
    assert titles(result.results)[0] == MASK
    assert not {FASTCORRECT, SOFTCORRECT} & set(titles(result.results))
    assert "correction" in result.results[0].terms


def test_the_centroid_is_between_the_liked_papers(seed_index):
    one = [r.id for r in paperlike.recommend(seed_index, ["FastCorrect 2"], k=40).results]
    both = [r.id for r in paperlike.recommend(seed_index, ["FastCorrect 2", "Sortformer"], k=40).results]
    sortformer_like = paperlike.similar(seed_index, "Sortformer", k=1).results[0].id
    assert both.index(sortformer_like) < one.index(sortformer_like)


def test_disliked_papers_push_their_topic_down(seed_index):
    plain = titles(paperlike.recommend(seed_index, ["FastCorrect 2"], k=10).results)
    against = titles(paperlike.recommend(seed_index, ["FastCorrect 2"], not_=[MASK], k=10).results)
    assert MASK in plain and MASK not in against
    assert plain[0] == MASK


def test_the_weight_of_the_disliked_papers(seed_index):
    from paperlike.recommend import ROCCHIO_NEGATIVE, list_vector

    def row(title):
        return seed_index.vector_of_paper(seed_index.resolve(title)[1])

    like, dislike = [row("FastCorrect 2")], [row("Mask the Correct Tokens")]
    assert (list_vector(like, dislike, 0.0) != list_vector(like, [])).nnz == 0
    cosines = [float((list_vector(like, dislike, w) @ sparse(dislike[0]).T).toarray()[0, 0]) for w in (0.0, 0.25, 0.5, 1.0)]
    assert cosines == sorted(cosines, reverse=True) and cosines[-1] < cosines[0]
    assert (list_vector(like, dislike) != list_vector(like, dislike, ROCCHIO_NEGATIVE)).nnz == 0


def test_excluded_papers_and_their_versions_are_left_out(seed_index):
    result = paperlike.recommend(seed_index, ["FastCorrect 2"], exclude=[MASK, "SoftCorrect"], k=10)
    assert not {MASK, SOFTCORRECT} & set(titles(result.results))
    assert [i.role for i in result.inputs] == ["like", "exclude", "exclude"]


def test_a_plain_list_file_and_unknown_entries(seed_index, tmp_path):
    listing = tmp_path / "read.txt"
    listing.write_text("# my reading list\nFastCorrect 2\n\nno such paper anywhere at all\n", encoding="utf-8")
    result = paperlike.recommend(seed_index, [listing], k=3)
    assert [(i.given, i.status) for i in result.inputs] == [
        ("FastCorrect 2", "paper"), ("no such paper anywhere at all", "unknown")]
    assert titles(result.results)[0] == MASK


def test_records_from_a_file_are_found_as_papers_or_used_by_their_text(seed_index):
    # versions.jsonl holds FoldGAT records the seeds do not: external papers, used by text.
    result = paperlike.recommend(seed_index, [FIXTURES / "versions.jsonl"], k=3)
    assert {i.status for i in result.inputs} == {"external"}
    assert all(i.given.startswith(str(FIXTURES / "versions.jsonl") + ":") for i in result.inputs)
    assert len(result.results) == 3


def test_a_list_with_nothing_found_is_a_clear_error(seed_index):
    with pytest.raises(paperlike.QueryError, match="none of the liked papers"):
        paperlike.recommend(seed_index, ["no such paper anywhere at all"])


def test_recommend_cli_table_json_and_notice(seed_model, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("FastCorrect 2\nSoftCorrect\nnot a paper of this model\n", encoding="utf-8")
    table = run("recommend", "--like", listing, "-k", "3", "--model", seed_model)
    assert table.exit_code == 0, table.output
    assert "reading list of 2 papers" in table.stdout and "Mask the Correct" in table.stdout
    assert "'not a paper of this model': not found in the model" in table.stderr
    data = json.loads(run("recommend", "--like", "FastCorrect 2", "--not", MASK, "--json",
                          "--model", seed_model).stdout)
    assert set(data) == {"inputs", "filters", "diverse", "method", "results", "empty"} and data["empty"] is None
    assert MASK not in [r["title"] for r in data["results"]]


def test_recommend_cli_errors(seed_model):
    nothing = run("recommend", "--like", "zzzz qqqq", "--model", seed_model)
    assert nothing.exit_code == 1 and nothing.stderr.startswith("paperlike: error: none of the liked")
    typo = run("recommend", "--like", "FastCorrect 2", "--exclude", "read-list.bib", "--model", seed_model)
    assert typo.exit_code == 1
    assert typo.stderr == "paperlike: error: read-list.bib: no such file; check the path (or give the paper's id or title)\n"
    missing = run("recommend", "--model", seed_model)
    assert missing.exit_code == 2 and "--like" in missing.stderr


def test_malformed_records_of_a_list_file_are_reported_with_file_and_line(seed_model):
    result = run("recommend", "--like", FIXTURES / "broken.jsonl", "--like", "FastCorrect 2", "--json",
                 "--model", seed_model)
    assert result.exit_code == 0, result.output
    unknown = {i["given"].rsplit("/", 1)[-1]: i["reason"] for i in json.loads(result.stdout)["inputs"]
               if i["status"] == "unknown"}
    assert unknown["broken.jsonl:2"].startswith("broken JSON")
    assert unknown["broken.jsonl:3"] == "record has neither a title nor an abstract"
    assert f"--like entry '{FIXTURES / 'broken.jsonl'}:2': broken JSON" in result.stderr


def test_exclude_entries_not_in_the_model_are_one_line(seed_model):
    result = run("recommend", "--like", "FastCorrect 2", "--exclude", FIXTURES / "library.bib", "--format", "csv",
                 "-k", "50", "--model", seed_model)
    assert result.exit_code == 0, result.output
    notices = result.stderr.splitlines()
    assert "paperlike: 4 --exclude entries are not in the model (nothing to leave out for them)" in notices
    assert sum("library.bib:138': malformed BibTeX entry" in n for n in notices) == 1
    assert len(notices) == 3  # the count, and library.bib's two malformed entries
    ids = [row["id"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert len(ids) == 41  # every paper of the seeds but FastCorrect 2 and Sortformer, which the .bib holds
    assert "pl-fa6f9557e7d4" not in ids and "pl-42891ef3c0b4" not in ids  # nor Sortformer's other version


# -- filters and diversity -----------------------------------------------------------------------


def test_date_numbers():
    assert date_number("2025-06-03") == 20250603
    assert date_number("2025") == 20250000
    assert date_number("2025-06", end=True) == 20250699
    assert date_number("--04-14") == 0 and date_number(None) == 0


def test_filters_keep_only_matching_papers(seed_index):
    def dates(result):
        firsts = []
        for r in result.results:
            paper = seed_index.paper_of_record(seed_index.record_by_id(r.id))
            firsts.append(min(d for d in (seed_index.records_[x].date for x in seed_index.records_of_paper(paper))
                              if d and d[:4].isdigit()))
        return firsts

    since = paperlike.similar(seed_index, "speech", kind="text", k=50, filters=paperlike.Filters(since="2025"))
    assert since.results and all(d >= "2025" for d in dates(since))
    until = paperlike.similar(seed_index, "speech", kind="text", k=50,
                              filters=paperlike.Filters(until="2023-10"))
    assert until.results and all(d <= "2023-10-31" for d in dates(until))
    every = paperlike.similar(seed_index, "speech", kind="text", k=50)
    assert len(since.results) + len(until.results) < len(every.results)


def test_category_filter_matches_archive_and_subject(seed_index):
    sound = paperlike.similar(seed_index, "speech", kind="text", k=50, filters=paperlike.Filters(categories=["eess.AS"]))
    assert sound.results
    for r in sound.results:
        paper = seed_index.paper_of_record(seed_index.record_by_id(r.id))
        cats = {c for x in seed_index.records_of_paper(paper) for c in seed_index.records_[x].categories}
        assert "AS" in cats
    with pytest.raises(paperlike.QueryError, match="no paper has the category"):
        paperlike.similar(seed_index, "speech", kind="text", filters=paperlike.Filters(categories=["q-bio.XX"]))


def test_diverse_results_are_less_alike(seed_index):
    def mean_similarity(result):
        rows = [sparse(seed_index.vector_of_paper(seed_index.paper_of_record(seed_index.record_by_id(r.id))))
                for r in result.results]
        sims = [(a @ b.T).toarray()[0, 0] for i, a in enumerate(rows) for b in rows[i + 1:]]
        return float(np.mean(sims))

    plain = paperlike.similar(seed_index, "Nemotron 3 Nano", k=5)
    diverse = paperlike.similar(seed_index, "Nemotron 3 Nano", k=5, diverse=True)
    assert diverse.results[0].id == plain.results[0].id
    assert mean_similarity(diverse) < mean_similarity(plain)


def test_similar_cli_filters_and_bad_date(seed_model):
    ok = run("similar", "--text", "speech recognition", "--since", "2025", "--diverse", "--json", "--model", seed_model)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["results"]
    bad = run("similar", "speech", "--since", "last year", "--model", seed_model)
    assert bad.exit_code == 2 and "YYYY" in bad.stderr


@pytest.mark.parametrize("dates, says", [
    (["--since", "2025-13"], "--since: '2025-13' is not a calendar date"),
    (["--until", "2025-02-30"], "--until: '2025-02-30' is not a calendar date"),
    (["--since", "2025", "--until", "2024-12"], "--since/--until: since 2025 is after until 2024-12"),
])
def test_impossible_dates_are_usage_errors_not_empty_answers(seed_model, dates, says):
    for command in (["similar", "speech"], ["recommend", "--like", "FastCorrect 2"]):
        bad = run(*command, *dates, "--model", seed_model)
        assert bad.exit_code == 2, bad.output
        assert bad.stderr.startswith(f"paperlike: error: {says}")
        assert len(bad.stderr.splitlines()) == 1


def test_a_date_range_within_one_period_is_accepted():
    assert paperlike.Filters(since="2025-06", until="2025").active  # until 2025 runs to its end
    assert paperlike.Filters(since="2025-06-15", until="2025-06").active
    with pytest.raises(ValueError, match="after until"):
        paperlike.Filters(since="2025-07", until="2025-06-30")


# -- output formats ------------------------------------------------------------------------------


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


# -- incremental updates -------------------------------------------------------------------------


def _write_new_records(path):
    rows = [
        {"id": "2601.00001", "title": FASTCORRECT,
         "summary": "Error correction is widely used in automatic speech recognition (ASR) to post-process "
                    "the generated sentence, and can further reduce the word error rate (WER). Although "
                    "multiple candidates are generated by an ASR system through beam search, current "
                    "error correction approaches can only correct one sentence at a time.",
         "authors": ["Yichong Leng"], "categories": ["cs.CL"], "published": "2026-01-02"},
        {"id": "2601.00002", "title": "Quokkaformer: glorbish transducers for zibbled speech",
         "summary": "We propose Quokkaformer, a glorbish transducer for zibbled speech recognition that "
                    "reduces word error rate on noisy benchmarks with a new decoder.",
         "authors": ["A. Person"], "categories": ["eess.AS"], "published": "2026-01-03"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_add_attaches_versions_and_reports_new_words(model, tmp_path):
    before = paperlike.load_index(model)
    report = paperlike.add(model, paperlike.read_records([_write_new_records(tmp_path / "new.jsonl")]))
    assert (report.records_added, report.new_papers, report.attached_versions) == (2, 1, 1)
    assert report.new_words[:3] == ["quokkaformer", "glorbish", "zibbled"]
    after = paperlike.load_index(model)
    assert len(after.records_) == len(before.records_) + 2 and after.n_papers == before.n_papers + 1
    assert after.X_.shape[1] == before.X_.shape[1]  # the vocabulary was not refitted
    fast = paperlike.similar(after, "Mask the Correct Tokens", k=5).results
    versions = {v for r in fast for v in r.versions}
    assert "2601.00001" in versions  # the new copy is a version of FastCorrect 2, not a new paper
    assert after.check(paperlike.Paper(id="x", title="Quokkaformer: glorbish transducers for zibbled speech",
                                       abstract=after.records_[-1].abstract)).status == "known"
    info = paperlike.model_info(model)
    assert info.updates == {"records_added": 2, "tokens": report.tokens,
                            "out_of_vocabulary": report.out_of_vocabulary}


def test_adding_the_same_records_twice_adds_no_papers(model, tmp_path):
    new = _write_new_records(tmp_path / "new.jsonl")
    paperlike.add(model, paperlike.read_records([new]))
    papers = paperlike.load_index(model).n_papers
    again = paperlike.add(model, paperlike.read_records([new]))
    assert again.new_papers == 0 and again.attached_versions == 2
    ids = [r.id for r in paperlike.load_index(model).records_]
    assert len(ids) == len(set(ids)) and "2601.00002#2" in ids
    assert paperlike.load_index(model).n_papers == papers


def test_refit_takes_new_words_in(model, tmp_path):
    paperlike.add(model, paperlike.read_records([_write_new_records(tmp_path / "new.jsonl")]))
    refitted = paperlike.refit(model)
    assert "quokkaformer" in set(refitted.vectorizer.vocabulary_)
    assert paperlike.model_info(model).updates == {}
    assert paperlike.similar(refitted, "glorbish zibbled", kind="text", k=1).results[0].id == "2601.00002"


def test_add_and_refit_cli(model, tmp_path):
    new = _write_new_records(tmp_path / "new.jsonl")
    added = run("add", new, "--model", model)
    assert added.exit_code == 0, added.output
    assert "added 2 records" in added.stdout and "1 new paper, 1 version of known papers" in added.stdout
    assert "quokkaformer" in added.stdout
    info = run("info", "--model", model)
    assert "2 records added since the vocabulary was fitted" in info.stdout
    refit = run("index", "--refit", "--model", model, "--json")
    assert refit.exit_code == 0 and json.loads(refit.stdout)["records"] == 64
    assert "none: no records added" in run("info", "--model", model).stdout


def test_add_cli_errors_leave_the_model_intact(model, tmp_path):
    manifest = (model / "manifest.json").read_bytes()
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "1", "title": "x"\n', encoding="utf-8")
    result = run("add", broken, "--model", model, "--strict")
    assert result.exit_code == 1 and f"{broken}:1" in result.stderr
    missing = run("add", tmp_path / "nope.jsonl", "--model", model)
    assert missing.exit_code == 1 and "nope.jsonl" in missing.stderr
    assert (model / "manifest.json").read_bytes() == manifest
    no_model = run("add", FIXTURES / "versions.jsonl", "--model", tmp_path / "absent")
    assert no_model.exit_code == 1 and "no such model folder" in no_model.stderr
    both = run("index", FIXTURES / "versions.jsonl", "--refit", "--model", model)
    assert both.exit_code == 2 and "give no paths" in both.stderr


def test_the_svm_method_ranks_the_list_topic_first(seed_index):
    result = paperlike.recommend(seed_index, ["FastCorrect 2", "SoftCorrect"], k=3, method="svm")
    assert result.method == "svm"
    assert MASK in titles(result.results)
    assert not {FASTCORRECT, SOFTCORRECT} & set(titles(result.results))
    assert all(r.terms for r in result.results)
    with pytest.raises(paperlike.RequestError, match="^method: input should be 'centroid' or 'svm', not 'knn'$"):
        paperlike.recommend(seed_index, ["FastCorrect 2"], method="knn")


def test_recommend_cli_method(seed_model):
    ok = run("recommend", "--like", "FastCorrect 2", "--method", "svm", "--json", "--model", seed_model)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["method"] == "svm"
    bad = run("recommend", "--like", "FastCorrect 2", "--method", "knn", "--model", seed_model)
    assert bad.exit_code == 2
    assert bad.stderr == "paperlike: error: --method: input should be 'centroid' or 'svm', not 'knn'\n"
