"""Results worth citing (issue 22): authors, dates, venues, links and versions in every result,
``--fields``, BibTeX/RIS exports of results, publication dates from arXiv ids, queries pasted
as URLs, why an answer is empty, and the small things tools trip on (exit codes, CSV, --help)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.identifiers import arxiv_date, arxiv_id, doi

LOOP = FIXTURES / "loop"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def loop_model(tmp_path_factory) -> Path:
    """A model of a 2026 crawl (one paper of 2021 among them) and the 2021 paper's published
    version (BibTeX, with its DOI, journal and arXiv eprint)."""
    model = tmp_path_factory.mktemp("loop") / "m"
    result = run("index", LOOP / "crawl.jsonl", LOOP / "published.bib", "--model", model)
    assert result.exit_code == 0, result.output
    return model


# -- identifiers as people paste them ------------------------------------------------------------

@pytest.mark.parametrize("given", [
    "2602.04043", "2602.04043v2", "arXiv:2602.04043", "arxiv: 2602.04043v1",
    "https://arxiv.org/abs/2602.04043v2", "https://arxiv.org/abs/2602.04043", "http://arxiv.org/pdf/2602.04043",
    "https://arxiv.org/pdf/2602.04043v2.pdf", "https://www.arxiv.org/abs/2602.04043/", "arxiv.org/abs/2602.04043v3",
    "https://export.arxiv.org/abs/2602.04043?context=cs", "https://arxiv.org/html/2602.04043v1#S2",
])
def test_arxiv_ids_and_urls_are_one_id(given):
    assert arxiv_id(given) == "2602.04043"


@pytest.mark.parametrize("given", [
    "10.1145/3292500.3330701", "doi:10.1145/3292500.3330701", "DOI: 10.1145/3292500.3330701",
    "https://doi.org/10.1145/3292500.3330701", "http://dx.doi.org/10.1145/3292500.3330701",
    "https://www.doi.org/10.1145/3292500.3330701", "https://doi.org/10.1145%2F3292500.3330701",
])
def test_dois_and_their_urls_are_one_doi(given):
    assert doi(given) == "10.1145/3292500.3330701"


@pytest.mark.parametrize("given", ["https://example.org/abs/2602.04043", "arxiv abs 2602", "abs pdf https",
                                   "10.1145", "see doi.org"])
def test_other_text_is_no_identifier(given):
    assert arxiv_id(given) is None and doi(given) is None


@pytest.mark.parametrize("given, month", [("2102.05231", "2021-02"), ("0704.0001", "2007-04"),
                                          ("hep-th/9901001", "1999-01"), ("math.GT/0309136", "2003-09"),
                                          ("2113.00001", None), ("not an id", None)])
def test_an_arxiv_id_gives_its_month(given, month):
    assert arxiv_date(given) == month


@pytest.mark.parametrize("query", ["https://arxiv.org/abs/2102.05231v2", "https://arxiv.org/pdf/2102.05231v1.pdf",
                                   "arXiv:2102.05231", "https://doi.org/10.1000/JPS.2022.101",
                                   "http://dx.doi.org/10.1000/jps.2022.101", "doi:10.1000/jps.2022.101"])
def test_pasted_urls_resolve_as_ids_never_text(loop_model, query):
    result = run("similar", query, "--json", "--model", loop_model)
    assert result.exit_code == 0, result.output
    read = json.loads(result.stdout)["query"]
    assert read["kind"] == "id" and read["id"].startswith("2102.05231")


def test_a_pasted_url_the_model_does_not_hold_is_not_found_not_text(loop_model):
    result = run("similar", "https://arxiv.org/abs/2602.04043v2", "--model", loop_model)
    assert result.exit_code == 1
    assert "no record with arXiv id 2602.04043 in this model" in result.stderr


# -- dates that mean publication -------------------------------------------------------------------

def test_a_crawl_day_is_not_the_papers_date(loop_model):
    records = {r.id: r for r in paperlike.read_records(LOOP / "crawl.jsonl").records}
    assert records["2102.05231"].date == "2021-02"  # crawled 2026-05-01: its id says 2021-02
    assert records["2102.05231"].extra["crawled"] == "2026-05-01"
    index = paperlike.load_index(loop_model)
    found = paperlike.similar(index, "Protein docking transformers", filters=paperlike.Filters(until="2021-12"))
    assert [r.id for r in found.results] == ["2102.05231#2"]


def test_the_apis_published_field_is_the_date(tmp_path):
    line = {"id": "2102.05231", "title": "T", "summary": "An abstract.", "published": "2021-02-10T18:00:00Z",
            "crawled": "2026-05-01"}
    (tmp_path / "a.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert paperlike.read_records(tmp_path / "a.jsonl").records[0].date == "2021-02-10"


def test_a_bibtex_entry_without_a_year_gets_its_eprints_month(tmp_path):
    (tmp_path / "a.bib").write_text("@misc{k, title={A Title}, eprint={2301.00042}, archivePrefix={arXiv}}\n",
                                    encoding="utf-8")
    assert paperlike.read_records(tmp_path / "a.bib").records[0].date == "2023-01"


def test_filters_that_leave_nothing_say_why_everywhere(loop_model):
    table = run("similar", "protein folding", "--until", "2019", "--model", loop_model)
    assert table.exit_code == 3
    assert "No results: no paper passes the filters (dates … to 2019)" in " ".join(table.stdout.split())
    assert "records dated 2021-02 to 2026-01" in table.stderr.replace("\n", " ")
    data = json.loads(run("similar", "protein folding", "--category", "cs.CL", "--until", "2021", "--json",
                          "--model", loop_model).stdout)
    assert data["results"] == [] and data["empty"].startswith("no paper passes the filters (category cs.CL; dates")
    assert "in 5 categories: cs.CL, cs.LG, cs.SD, eess.AS, q-bio.BM" in data["empty"]
    unknown = run("similar", "protein folding", "--category", "astro-ph", "--json", "--model", loop_model)
    assert unknown.exit_code == 1 and "categories in this model include: cs.CL" in unknown.stderr
    empty_csv = run("recommend", "--like", "2102.05231", "--since", "2030", "--format", "csv", "--model", loop_model)
    assert empty_csv.exit_code == 3 and empty_csv.stdout.startswith("rank,id,title,label,score")


def test_the_service_says_why_too(loop_model):
    pytest.importorskip("uvicorn")
    from test_serve import call, serving

    with serving(loop_model) as base:
        status, body = call(base, "GET", "/similar?q=protein+folding&until=2019")
        assert status == 200 and body["results"] == [] and "dated 2021-02 to 2026-01" in body["empty"]
        status, body = call(base, "GET", "/similar?q=https://arxiv.org/abs/2102.05231v2")
        assert status == 200 and body["query"]["id"].startswith("2102.05231")
        assert body["results"][0]["url"] == "https://arxiv.org/abs/2601.01234"


# -- results worth citing ------------------------------------------------------------------------------

def test_every_result_carries_what_citing_needs(loop_model):
    data = json.loads(run("similar", "Equivariant Transformers for Protein Docking", "--json",
                          "--model", loop_model).stdout)
    first = data["results"][0]
    assert first["rank"] == 1 and first["id"] == "2102.05231#2"
    assert first["authors"] == ["Ada Rivera", "Bo Chen"]
    assert (first["date"], first["year"]) == ("2021-02", 2021)  # the preprint's month: the paper's first date
    assert first["venue"] == "Journal of Protein Science" and first["doi"] == "10.1000/jps.2022.101"
    assert first["arxiv"] == "2102.05231" and first["url"] == "https://arxiv.org/abs/2102.05231"
    assert first["versions"] == ["2102.05231"]
    assert [r["rank"] for r in data["results"]] == list(range(1, len(data["results"]) + 1))


def test_a_paper_with_only_a_doi_links_to_doi_org(tmp_path):
    (tmp_path / "a.bib").write_text(
        "@article{a, title={Alpha Beta Gamma}, abstract={alpha beta gamma delta}, doi={10.1000/x(1)}, year={2020}}\n"
        "@article{b, title={Alpha Beta Delta}, abstract={alpha beta delta epsilon}, year={2021}}\n", encoding="utf-8")
    index = paperlike.build_index(paperlike.read_records(tmp_path / "a.bib"))
    result = paperlike.similar(index, "Alpha Beta Delta").results[0]
    assert result.url == "https://doi.org/10.1000/x(1)" and result.doi == "10.1000/x(1)" and result.arxiv is None


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_fields_picks_what_a_tool_wants(loop_model, fmt):
    result = run("similar", "protein", "--format", fmt, "--fields", "url,rank,title", "--model", loop_model)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = json.loads(result.stdout)["results"]
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in result.stdout.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert result.stdout.splitlines()[0] == "url,rank,title"
    assert rows and all(list(r) == ["url", "rank", "title"] for r in rows)


def test_an_unknown_field_is_a_usage_error(loop_model):
    result = run("similar", "protein", "--fields", "rank,citations", "--model", loop_model)
    assert result.exit_code == 2 and "unknown field 'citations'; choose among rank, id" in result.stderr


def test_results_export_to_bibtex_and_ris_that_read_back(loop_model, tmp_path):
    for fmt, suffix in (("bibtex", "bib"), ("ris", "ris")):
        result = run("similar", "Equivariant Transformers for Protein Docking", "--format", fmt,
                     "--model", loop_model)
        assert result.exit_code == 0, result.output
        path = tmp_path / f"results.{suffix}"
        path.write_text(result.stdout, encoding="utf-8")
        back = paperlike.read_records(path).records
        assert back[0].id == "2102.05231" and back[0].doi == "10.1000/jps.2022.101"
        assert back[0].venue == "Journal of Protein Science" and back[0].authors == ["Ada Rivera", "Bo Chen"]
    bib = run("recommend", "--like", "2601.01234", "--format", "bibtex", "--model", loop_model).stdout
    assert bib.startswith("@article{2102.05231") and "journal = {Journal of Protein Science}" in bib
    papers = run("papers", "--grouped", "--format", "ris", "--model", loop_model).stdout
    assert papers.count("TY  - ") == 4


# -- small things tools trip on ------------------------------------------------------------------------

def test_csv_has_its_header_when_empty_and_no_json_in_cells(loop_model):
    rows = list(csv.DictReader(io.StringIO(run("papers", "--format", "csv", "--model", loop_model).stdout)))
    assert {"source.path", "source.line", "extra.crawled"} <= set(rows[0])
    for row in rows:
        assert not any(cell.startswith(("{", "[")) for cell in row.values()), row
    graph = run("graph", "protein", "--format", "csv", "--model", loop_model).stdout
    assert not re.search(r'"\[|"\{', graph)


def test_help_shows_no_python_types_and_reads_as_prose():
    for command in ([], ["index"], ["recommend"], ["similar-many"], ["eval", "dupes"], ["decide"], ["feed"]):
        result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}, terminal_width=200)
        assert result.exit_code == 0, result.output
        text = result.stdout
        assert not re.search(r"<(list|bool|str|int|float|path|int range|float range)\b", text, re.I), text
    recommend = runner.invoke(app, ["recommend", "--help"], env={"COLUMNS": "200"}, terminal_width=200).stdout
    assert "[required]" in recommend and "PAPERS" in recommend and "--since" in recommend and "DATE" in recommend
    # the docstring's lines were joined: a sentence runs on past the source's line break
    assert "averaged and the disliked ones' average is subtracted (Rocchio)" in recommend
