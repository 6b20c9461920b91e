"""Groups from verified pairs that never chain two texts a veto keeps apart, whatever the
order of the input (:mod:`paperlike.dedup.grouping`)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paperlike
from paperlike.dedup.grouping import coherent_groups, components


def partition(labels, keys):
    """The grouping as a set of groups of keys (independent of how groups are numbered)."""
    groups = {}
    for key, label in zip(keys, np.asarray(labels).tolist()):
        groups.setdefault(label, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def apart_of(pairs_apart):
    kept = {frozenset(p) for p in pairs_apart}
    return lambda a, b: frozenset((a, b)) in kept


KEYS = ["a", "b", "c"]


def test_a_chain_through_a_veto_is_cut_at_its_weaker_link():
    """0-1 at 0.9 and 1-2 at 0.8, 0 and 2 kept apart: 1 joins 0, 2 stays alone, 1-2 unused."""
    labels, used = coherent_groups(3, np.array([[0, 1], [1, 2]]), np.array([0.9, 0.8]), KEYS, apart_of([(0, 2)]))
    assert partition(labels, KEYS) == {frozenset("ab"), frozenset("c")}
    assert used.tolist() == [True, False]


def test_the_stronger_link_wins_whichever_side_it_is_on():
    labels, used = coherent_groups(3, np.array([[0, 1], [1, 2]]), np.array([0.8, 0.9]), KEYS, apart_of([(0, 2)]))
    assert partition(labels, KEYS) == {frozenset("a"), frozenset("bc")}
    assert used.tolist() == [False, True]


def test_without_a_veto_the_groups_are_the_connected_components():
    pairs = np.array([[0, 1], [1, 2], [3, 4], [5, 6], [6, 7], [7, 5]])
    keys = list("abcdefghi")
    labels, used = coherent_groups(9, pairs, np.linspace(0.5, 1.0, len(pairs)), keys, lambda a, b: False)
    assert labels.tolist() == components(9, pairs).tolist()
    assert partition(labels, keys) == {frozenset("abc"), frozenset("de"), frozenset("fgh"), frozenset("i")}
    assert used.all()


def test_a_veto_outside_the_pairs_components_changes_nothing():
    """0 and 3 kept apart, but no pair connects them: the components stand."""
    pairs = np.array([[0, 1], [1, 2], [3, 4]])
    labels, used = coherent_groups(5, pairs, np.ones(3), list("abcde"), apart_of([(0, 3)]))
    assert labels.tolist() == components(5, pairs).tolist() and used.all()


# --------------------------------------------------------------------------------------------
# Order independence
# --------------------------------------------------------------------------------------------

@st.composite
def graphs(draw):
    """n texts, verified pairs with scores (ties likely), and pairs kept apart (none of them a
    verified pair: a pair's own veto is checked before it is verified)."""
    n = draw(st.integers(2, 9))
    every = [(a, b) for a in range(n) for b in range(a + 1, n)]
    pairs = draw(st.lists(st.sampled_from(every), unique=True, max_size=len(every)))
    scores = draw(st.lists(st.sampled_from([0.5, 0.8, 0.9, 1.0]), min_size=len(pairs), max_size=len(pairs)))
    rest = [p for p in every if p not in pairs]
    apart = draw(st.lists(st.sampled_from(rest), unique=True, max_size=len(rest))) if rest else []
    keys = draw(st.lists(st.text("xyz#0123", min_size=1, max_size=4), min_size=n, max_size=n, unique=True))
    return n, pairs, scores, apart, keys


def group(n, pairs, scores, apart, keys):
    labels, used = coherent_groups(n, np.array(pairs, dtype=np.int64).reshape(-1, 2),
                                   np.array(scores, dtype=np.float32), keys, apart_of(apart))
    return labels, used


@settings(max_examples=80, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_the_grouping_does_not_depend_on_the_order_of_texts_or_pairs(graph, rnd):
    n, pairs, scores, apart, keys = graph
    labels, _ = group(n, pairs, scores, apart, keys)
    # Renumber the texts (their keys go with them), swap the ends of pairs, shuffle the pairs.
    new = list(range(n))
    rnd.shuffle(new)
    moved = [((new[b], new[a]) if rnd.random() < 0.5 else (new[a], new[b]), s) for (a, b), s in zip(pairs, scores)]
    rnd.shuffle(moved)
    moved_keys = [None] * n
    for old, key in enumerate(keys):
        moved_keys[new[old]] = key
    moved_labels, _ = group(n, [p for p, _ in moved], [s for _, s in moved],
                            [(new[a], new[b]) for a, b in apart], moved_keys)
    assert partition(moved_labels, moved_keys) == partition(labels, keys)


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_no_group_holds_two_texts_kept_apart_and_every_group_is_held_by_its_used_pairs(graph):
    n, pairs, scores, apart, keys = graph
    labels, used = group(n, pairs, scores, apart, keys)
    for a, b in apart:
        assert labels[a] != labels[b]
    kept = np.array(pairs, dtype=np.int64).reshape(-1, 2)[used]
    assert labels.tolist() == components(n, kept).tolist()
    # Unused pairs join texts that ended apart; the pairs' components are never split further
    # than a veto requires: each unused pair meets a veto between the two groups.
    for (a, b), u in zip(pairs, used.tolist()):
        if not u:
            assert labels[a] != labels[b]
            ga = [x for x in range(n) if labels[x] == labels[a]]
            gb = [y for y in range(n) if labels[y] == labels[b]]
            assert any(apart_of(apart)(x, y) for x in ga for y in gb)


# --------------------------------------------------------------------------------------------
# End to end
# --------------------------------------------------------------------------------------------

def test_an_index_never_groups_two_records_with_two_dois_through_a_third():
    """A and C each match B (one title, authors, journal, volume and pages; B has no DOI), but
    A and C have two DOIs: B joins one of them, and the other pair waits for a person."""
    fields = dict(title="Vitamin D supplementation and fracture risk in nursing home residents",
                  authors=["J. Smith", "K. Jones"], date="2010", venue="Osteoporos Int", volume="21", pages="100-108")
    a = paperlike.Record(id="A", doi="10.1007/s00198-010-0001-1", **fields)
    b = paperlike.Record(id="B", **fields)
    c = paperlike.Record(id="C", doi="10.1007/s00198-010-0002-2", **fields)
    others = [paperlike.Record(id=f"o{k}", title=t) for k, t in enumerate(
        ["Graph kernels for molecules", "Seasonal influenza in care homes", "Hip protectors and falls"])]
    for records in ([a, b, c, *others], [c, b, a, *others], [*others, b, c, a]):
        index = paperlike.PaperIndex().fit(records)
        dupes = index.dupes(maybe=True)
        groups = [{m.id for m in g.members} for g in dupes.groups]
        assert not any({"A", "C"} <= g for g in groups)
        assert groups == [{"A", "B"}]  # a tie broken by the ids, whatever the input order
        assert [{p.a, p.b} for p in dupes.maybe] == [{"B", "C"}]


_FILLER = [paperlike.Record(id=f"o{k}", title=t) for k, t in enumerate(
    ["Graph kernels for molecules", "Seasonal influenza in care homes", "Hip protectors and falls"])]
_KIDNEY = "Vitamin D supplementation and tumour growth in nursing home residents with chronic kidney disease"


@pytest.mark.parametrize("a, b", [
    (paperlike.Record(id="a", title=_KIDNEY, authors=["J. Smith", "K. Jones"], date="2010"),
     paperlike.Record(id="b", title=_KIDNEY.replace("tumour", "tumor") + " today", authors=["J. Smith", "K. Jones"],
                     date="2010")),
    (paperlike.Record(id="a", title="Serum ferritin and hepatic iron in thalassaemia carriers",
                     authors=["J Wang", "Wang", "X Li"], date="2010"),
     paperlike.Record(id="b", title="Serum ferritin and hepatic iron in thalassaemia carriers",
                     authors=["Wang", "K Wang", "A Brown"], date="2010")),
], ids=["spelling variant", "namesakes"])
def test_an_index_groups_two_records_alike_in_either_input_order(a, b):
    together = []
    for records in ([a, b, *_FILLER], [b, a, *_FILLER]):
        index = paperlike.PaperIndex().fit(records)
        together.append(index.paper_of_record(0) == index.paper_of_record(1))
    assert together[0] == together[1]
