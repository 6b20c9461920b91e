"""Reading lists as queries (paperlike.recommend): liked, disliked and excluded papers, list files,
the centroid and SVM methods, diverse results, and the `recommend` command."""

import csv
import io
import json

import numpy as np
import pytest
from conftest import FIXTURES, run

import paperlike
from paperlike.csr import sparse

FASTCORRECT = "FastCorrect 2: Fast Error Correction on Multiple Candidates for Automatic Speech Recognition"
SOFTCORRECT = "SoftCorrect: Error Correction with Soft Detection for Automatic Speech Recognition"
MASK = "Mask the Correct Tokens: An Embarrassingly Simple Approach for Error Correction"


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


# -- diversity -----------------------------------------------------------------------------------


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


# -- the SVM method ------------------------------------------------------------------------------


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
