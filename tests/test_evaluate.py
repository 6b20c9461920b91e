"""Scoring duplicate detection against ground truth (paperlike.evaluate): pairwise and B-cubed
scores checked against hand-computed values, and the three ways of giving the truth."""

import pytest
from conftest import FIXTURES

import paperlike
from paperlike.errors import InputError
from paperlike.evaluate import (
    Timer,
    base_id,
    labels_from_pairs,
    score_grouping,
    truth_from_field,
    truth_from_groups,
    truth_from_pairs,
)
from paperlike.records import Record


def test_pairwise_and_bcubed_arithmetic_on_a_hand_computed_example():
    # truth: {a,b,c} {d,e}; predicted: {a,b} {c,d,e}
    truth = ["x", "x", "x", "y", "y"]
    predicted = [1, 1, 2, 2, 2]
    s = score_grouping(predicted, truth)
    # true pairs ab ac bc de = 4; predicted ab cd ce de = 4; correct ab de = 2
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (4, 4, 2)
    assert s.precision == s.recall == 0.5
    # B-cubed precision: a,b: 2/2; c: 1/3; d,e: 2/3 -> (1+1+1/3+2/3+2/3)/5 = 11/15
    assert s.bcubed_precision == pytest.approx(11 / 15, abs=1e-6)
    # B-cubed recall: a,b: 2/3; c: 1/3; d,e: 2/2 -> (2/3+2/3+1/3+1+1)/5 = 11/15
    assert s.bcubed_recall == pytest.approx(11 / 15, abs=1e-6)


def test_evaluate_dupes_with_a_truth_field_and_with_pairs(tmp_path):
    records = paperlike.read_records([FIXTURES / "versions.jsonl"]).records
    by_title = paperlike.truth_from_field(records, "title")
    assert len(set(by_title)) == 5  # exact title strings: two records share one
    pairs = tmp_path / "pairs.csv"
    ids = [r.id for r in records]
    pairs.write_text("a,b\n" + "\n".join(f"{ids[0]},{other}" for other in ids[1:5]) + "\n")
    truth = paperlike.truth_from_pairs(records, pairs)
    assert len(set(truth)) == 2
    scores = paperlike.evaluate_dupes(records, truth)
    assert scores.records == 6 and scores.true_pairs == 10 and 0 <= scores.f1 <= 1



def test_one_predicted_group_over_three_true_papers():
    # truth: {a,b} {c} {d}; predicted: {a,b,c,d}
    s = score_grouping(["P"] * 4, ["x", "x", "c", "d"])
    # true pairs ab = 1; predicted pairs: all 6; correct: ab = 1
    assert (s.records, s.true_pairs, s.predicted_pairs, s.correct_pairs) == (4, 1, 6, 1)
    assert s.precision == pytest.approx(1 / 6, abs=1e-6) and s.recall == 1.0
    assert s.f1 == pytest.approx(2 / 7, abs=1e-6)  # 2 * (1/6) * 1 / (1/6 + 1)
    # B-cubed precision: a,b: 2/4; c: 1/4; d: 1/4 -> (1/2 + 1/2 + 1/4 + 1/4) / 4 = 3/8
    assert s.bcubed_precision == pytest.approx(3 / 8, abs=1e-6) and s.bcubed_recall == 1.0
    assert s.bcubed_f1 == pytest.approx(2 * (3 / 8) / (3 / 8 + 1), abs=1e-6)


def test_every_record_alone_predicts_no_pair():
    # truth: {a,b} {c}; predicted: {a} {b} {c}
    s = score_grouping([1, 2, 3], ["x", "x", "y"])
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (1, 0, 0)
    assert (s.precision, s.recall, s.f1) == (1.0, 0.0, 0.0)  # no pair predicted: none wrong
    # B-cubed recall: a, b: 1/2 each; c: 1/1 -> (1/2 + 1/2 + 1) / 3 = 2/3
    assert s.bcubed_precision == 1.0 and s.bcubed_recall == pytest.approx(2 / 3, abs=1e-6)


def test_a_perfect_grouping_scores_one_whatever_the_labels():
    s = score_grouping(["p", "p", "q", "r", "r", "r"], [7, 7, 8, 9, 9, 9])
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (4, 4, 4)
    assert (s.precision, s.recall, s.f1, s.bcubed_precision, s.bcubed_recall, s.bcubed_f1) == (1.0,) * 6


def test_no_records_and_unequal_lengths():
    s = score_grouping([], [])
    assert (s.records, s.precision, s.recall, s.bcubed_precision, s.bcubed_recall) == (0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="different numbers of records"):
        score_grouping([1, 2], [1])


def test_labels_from_pairs_are_the_connected_components():
    labels = labels_from_pairs(6, [(0, 1), (1, 2), (4, 5)])
    assert labels[0] == labels[1] == labels[2] and labels[4] == labels[5]
    assert len({labels[0], labels[3], labels[4]}) == 3
    assert len(set(labels_from_pairs(3, []).tolist())) == 3


def test_base_id_and_a_truth_field():
    records = [Record(id="2503.11731", title="A"), Record(id="2503.11731#2", title="A"),
               Record(id="x", title="B", venue="V"), Record(id="y", title="C")]
    assert [base_id(r) for r in records[:2]] == ["2503.11731", "2503.11731"]
    by_id = truth_from_field(records, "id")
    assert by_id[0] == by_id[1] and len(set(by_id)) == 3
    by_venue = truth_from_field(records, "venue")
    assert by_venue[2] == ("field", "V") and by_venue[0] == ("alone", 0) and by_venue[3] == ("alone", 3)
    with pytest.raises(InputError, match="no record has the truth field 'doi'"):
        truth_from_field(records, "doi")


def test_truth_pairs_join_by_id_and_by_the_inputs_id(tmp_path):
    records = [Record(id="a", title="A"), Record(id="b", title="B"), Record(id="c", title="C"),
               Record(id="10.1/x", title="D", extra={"input_id": "d-own"})]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("left,right\na,b\n\nd-own,c\nzz,a\n", encoding="utf-8")
    labels = truth_from_pairs(records, pairs)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    pairs.write_text("left,right\na,b\nc\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pairs.csv:3: expected two ids"):
        truth_from_pairs(records, pairs)
    pairs.write_text("left,right\nzz,yy\n", encoding="utf-8")
    with pytest.raises(InputError, match="none of its pairs names two records"):
        truth_from_pairs(records, pairs)


def test_truth_groups_count_the_ids_no_record_has(tmp_path):
    records = [Record(id="r1", title="A"), Record(id="r2", title="A"), Record(id="r3", title="B")]
    groups = tmp_path / "groups.csv"
    groups.write_text('merged_ids\n"r1;r2"\nr3;gone\n', encoding="utf-8")
    labels, missing = truth_from_groups(records, groups)
    assert labels == [("group", 2), ("group", 2), ("group", 3)] and missing == [("group", 3)]
    s = score_grouping(labels + missing, labels + missing)
    assert s.true_pairs == 2  # r1-r2, and r3 with the record the reader skipped


def test_the_timer_measures_its_block():
    with Timer() as timer:
        sum(range(1000))
    assert 0 <= timer.seconds < 60
