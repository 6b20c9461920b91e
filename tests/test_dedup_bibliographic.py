"""Version detection on bibliographic exports: one synthetic file of records as MEDLINE,
Embase and Web of Science write them (``fixtures/bib_exports.csv``: bib-dedupe's CSV shape,
with a DOI column), and its truth groups in bib-dedupe's format (``golden/bib_exports_groups.csv``:
``merged_ids``, one group a line, ids joined by ``;``).

The fixture ``bib_exports.csv`` holds, by truth group:

- 1-3: one paper from three databases (title case and punctuation, ``Zhai, Q. J.`` /
  ``Zhai QJ`` / ``Zhai, Qing-Jun``, ``J Parenter Enteral Nutr`` / ``Journal of ...``,
  pages ``91-2`` / ``91-92`` / ``91``);
- 4-6: an author list cut to three names, and a title with ``<i>`` markup;
- 7-8: a title without its subtitle, under the same DOI;
- 9-10: a title translated in brackets with ``[Spanish]`` beside the Spanish one;
- 11, 13 (Case A) and 12 (Case B); 14 (Part I) and 15-16 (Part II);
- 17 (Editor's Notes, 2005) and 18-19 (Editor's Notes, 2006);
- 20-21 and 22, an erratum of that paper;
- 23-24 and 25, a meeting abstract of the paper in another journal a year earlier;
- 26-27, online first (2016, no pages) and in print (2015) in one volume;
- 28 and 29: "fracture risk" / "fall risk" by the same authors (another paper; a person's call);
- 30 and 31: one short title by other authors in other journals;
- 32-33: a Chinese paper's English title with ``[Chinese]``, under NLM's parallel journal title;
- 34-35: an e-locator (``e12724``, with a DOI) beside the print pages (``1-6``);
- 36-37: a medRxiv preprint (its DOI) and the article (the publisher's DOI).
"""

import csv
import json

import pytest
from conftest import FIXTURES, GOLDEN
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.errors import InputError
from paperlike.evaluate import truth_from_groups

EXPORTS = FIXTURES / "bib_exports.csv"
# The truth is kept with the golden files: every file of fixtures/ must be records of one format
# (test_formats.py), and a truth file is records of none.
GROUPS = GOLDEN / "bib_exports_groups.csv"

runner = CliRunner()


def eval_dupes(truth):
    result = runner.invoke(app, ["eval", "dupes", str(EXPORTS), "--truth-groups", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def exports():
    return paperlike.read_records([EXPORTS])


@pytest.fixture(scope="module")
def index(exports):
    return paperlike.PaperIndex().fit(exports.records)


def input_ids(exports):
    """The fixture's ID column, by record (the reader reads the rows in order)."""
    with open(EXPORTS, newline="", encoding="utf-8") as f:
        ids = [row["ID"] for row in csv.DictReader(f)]
    assert len(ids) == len(exports.records) and not exports.skipped
    return ids


def group_of(index, exports, wanted):
    """The ids (the fixture's) of the records in the group of the record with id ``wanted``."""
    ids = input_ids(exports)
    paper = index.paper_of_record(ids.index(wanted))
    return {ids[r] for r in index.records_of_paper(paper)}


def test_the_fixture_and_its_truth_agree(exports):
    """Every id of the truth file is a row of the fixture, once."""
    ids = input_ids(exports)
    named = [i for line in GROUPS.read_text().splitlines()[1:] for i in line.split(";")]
    assert len(ids) == 37 and len(set(ids)) == 37
    assert len(named) == len(set(named)) and set(named) <= set(ids)


def test_eval_dupes_finds_every_group_and_no_other(tmp_path, exports):
    """Precision and recall 1.0 (pairwise and B-cubed) on the exports.

    The reader gives a record with a DOI that DOI as its id: a truth file that names those
    records by their DOI reads alike (the next test: by the input's own ids)."""
    ids = input_ids(exports)
    given = {ids[k]: r.id.split("#", 1)[0] for k, r in enumerate(exports.records)}
    lines = GROUPS.read_text().splitlines()
    truth = tmp_path / "groups.csv"
    truth.write_text("\n".join([lines[0]] + [";".join(dict.fromkeys(given[i] for i in line.split(";"))) for line in lines[1:]]) + "\n")
    scores = eval_dupes(truth)
    assert scores["records"] == 37 and scores["unread"] == 0
    assert scores["true_pairs"] == 17
    assert scores["precision"] == 1.0 and scores["bcubed_precision"] == 1.0
    assert scores["recall"] == 1.0 and scores["bcubed_recall"] == 1.0


def test_eval_dupes_finds_records_by_the_ids_of_the_input():
    """The truth file names records by the input's ID column, as bib-dedupe's does."""
    scores = eval_dupes(GROUPS)
    assert (scores["records"], scores["unread"]) == (37, 0)
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0


@pytest.mark.parametrize("paper, kept_out", [
    ("id_0000011", {"id_0000012"}),                   # Case A / Case B
    ("id_0000015", {"id_0000014"}),                   # Part II / Part I
    ("id_0000018", {"id_0000017"}),                   # Editor's Notes of 2006 / 2005
    ("id_0000020", {"id_0000022"}),                   # the paper / its erratum
    ("id_0000023", {"id_0000025"}),                   # the article / its meeting abstract
    ("id_0000028", {"id_0000029"}),                   # fracture risk / fall risk
    ("id_0000030", {"id_0000031"}),                   # one short title, other authors
])
def test_what_stays_apart(index, exports, paper, kept_out):
    assert not group_of(index, exports, paper) & kept_out


@pytest.mark.parametrize("paper, relation", [
    ("id_0000010", "translation"),
    ("id_0000008", "same DOI"),
    ("id_0000036", "preprint and published"),
])
def test_how_versions_relate(index, exports, paper, relation):
    ids = input_ids(exports)
    record_id = exports.records[ids.index(paper)].id
    member = next(m for g in index.dupes().groups for m in g.members if m.id == record_id)
    assert member.relation == relation


def test_fracture_risk_and_fall_risk_are_left_to_a_person(index, exports):
    """Close titles by the same authors, one record without volume or pages: maybe."""
    maybe = {frozenset((p.a, p.b)) for p in index.dupes(maybe=True).maybe}
    assert frozenset(("id_0000028", "id_0000029")) in maybe
    assert len(maybe) == 1


# --------------------------------------------------------------------------------------------
# Exports of one paper are not a column
# --------------------------------------------------------------------------------------------

_ONE_PAPER = dict(authors=["P. Kowalski", "E. Nowak"], venue="Transfusion Medicine", volume="32")


@pytest.mark.parametrize("exports_of_one_paper", [
    [dict(id="medline", date="2017", pages="e12724"), dict(id="embase", date="2017", pages="1-6"),
     dict(id="wos", date="2017", pages="e12724")],
    [dict(id="epub", date="2016"), dict(id="medline", date="2017", pages="55-62"),
     dict(id="wos", date="2017", pages="55-62")],
])
def test_three_exports_of_one_paper_are_one_paper(exports_of_one_paper):
    """Any two of these are joined; all three are one paper too."""
    records = [paperlike.Record(title="Platelet transfusion refractoriness in haematological malignancy",
                               **_ONE_PAPER, **fields) for fields in exports_of_one_paper]
    assert paperlike.PaperIndex().fit(records[:2]).paper_of_record(1) == 0
    index = paperlike.PaperIndex().fit(records)
    assert [index.paper_of_record(r) for r in range(3)] == [0, 0, 0]


# --------------------------------------------------------------------------------------------
# The truth file's errors
# --------------------------------------------------------------------------------------------

def test_an_id_in_two_groups_is_an_input_error_at_its_line(tmp_path, exports):
    truth = tmp_path / "groups.csv"
    truth.write_text("merged_ids\nid_0000001;id_0000002\nid_0000004;id_0000005\nid_0000003;id_0000001\n")
    with pytest.raises(InputError) as error:
        truth_from_groups(exports.records, truth)
    assert str(error.value).startswith(f"{truth}:4: ") and "'id_0000001'" in str(error.value)
    result = runner.invoke(app, ["eval", "dupes", str(EXPORTS), "--truth-groups", str(truth), "--json"])
    assert result.exit_code == 1 and f"{truth}:4: " in result.stderr


def test_a_truth_file_naming_no_record_is_an_input_error(tmp_path, exports):
    truth = tmp_path / "groups.csv"
    truth.write_text("merged_ids\nother_1;other_2\nother_3;other_4\n")
    with pytest.raises(InputError) as error:
        truth_from_groups(exports.records, truth)
    assert str(error.value).startswith(f"{truth}: ") and "none of its ids" in str(error.value)
    result = runner.invoke(app, ["eval", "dupes", str(EXPORTS), "--truth-groups", str(truth), "--json"])
    assert result.exit_code == 1 and str(truth) in result.stderr


def test_a_missing_truth_file_is_an_input_error(tmp_path, exports):
    with pytest.raises(InputError, match="no such file"):
        truth_from_groups(exports.records, tmp_path / "absent.csv")
