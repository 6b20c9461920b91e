"""Filters on results (paperlike.filters, requests.Filters): dates, categories, and the
command line's date options."""

import json

import numpy as np
import pytest
from conftest import run

import paperlike
from paperlike.filters import date_number


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


def _facets():
    from paperlike.filters import Facets

    records = [paperlike.Record(id="a", title="A", categories=["cs.CL", "eess.AS"], date="2024-05-01"),
               paperlike.Record(id="b", title="B", categories=["cs.CL"], date="2025-02"),
               paperlike.Record(id="c", title="C", categories=["q-bio.NC"]),
               paperlike.Record(id="d", title="D", categories=[], date="2023")]
    return Facets.of(records)


def test_facets_on_hand_made_records():
    facets = _facets()
    assert facets.names == ["cs.CL", "eess.AS", "q-bio.NC"]
    assert facets.categories.toarray().tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert facets.dates.tolist() == [20240501, 20250200, 0, 20230000]
    # records a, b are paper 0; c is paper 1; d is paper 2
    paper_of_record = np.array([0, 0, 1, 2])
    assert facets.first_dates(paper_of_record, 3).tolist() == [20240501, 0, 20230000]
    mask = facets.paper_mask(paperlike.Filters(categories=["AS"]), paper_of_record, 3)
    assert mask.tolist() == [True, False, False]  # a subject matches its archive's categories
    mask = facets.paper_mask(paperlike.Filters(categories=["q-bio"]), paper_of_record, 3)
    assert mask.tolist() == [False, True, False]
    mask = facets.paper_mask(paperlike.Filters(since="2024"), paper_of_record, 3)
    assert mask.tolist() == [True, False, False]  # an undated paper never passes a date filter
    mask = facets.paper_mask(paperlike.Filters(until="2023-12"), paper_of_record, 3)
    assert mask.tolist() == [False, False, True]
    assert facets.paper_mask(paperlike.Filters(), paper_of_record, 3) is None
    assert facets.summary() == ("records dated 2023 to 2025-02 (1 undated), in 3 categories: "
                                "cs.CL, eess.AS, q-bio.NC")


def test_facets_extended_with_new_categories_keep_the_old_columns():
    facets = _facets().extend([paperlike.Record(id="e", title="E", categories=["cs.CL", "math.ST"],
                                               date="2026-01-02")])
    assert facets.names == ["cs.CL", "eess.AS", "q-bio.NC", "math.ST"]
    assert facets.categories.toarray().tolist()[-1] == [1, 0, 0, 1]
    assert facets.categories.toarray().tolist()[0] == [1, 1, 0, 0]
    assert facets.dates.tolist()[-1] == 20260102
