"""Version detection over an index (paperlike.dedup): which texts are one paper, on the seeds and
on hand-made versions, and the properties of its candidate signals."""

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paperlike


@pytest.fixture(scope="module")
def versions_index():
    corpus = paperlike.read_records(paperlike.seed_paths() + [FIXTURES / "versions.jsonl"])
    return paperlike.build_index(corpus)


def _group_of(index, title_prefix):
    return next(g for g in index.dupes().groups if (g.title or "").startswith(title_prefix))


def _partition(index):
    paper_of_record = index.paper_of_text_[index.text_of_record_]
    groups = {}
    for record, paper in zip(index.records_, paper_of_record.tolist()):
        groups.setdefault(paper, set()).add(record.id)
    return {frozenset(g) for g in groups.values()}


def test_every_kind_of_version_is_joined(versions_index):
    group = _group_of(versions_index, "FoldGAT")
    rules = {m.id: m.rule for m in group.members}
    assert len(rules) == 5  # original, re-wrapped copy, truncated, revised, published record
    assert "2401.00001" in rules
    assert sorted(rules.values()) == ["abstract", "abstract", "canonical", "title", "truncated"]
    published = next(m for m in group.members if m.rule == "title")
    assert published.evidence["abstract"] is None and published.evidence["authors"] == 1.0


def test_the_canonical_record_is_the_most_complete(versions_index):
    group = _group_of(versions_index, "FoldGAT")
    canonical = next(r for r in versions_index.records_ if r.id == group.canonical)
    assert canonical.title and "2,000 orphan proteins" in canonical.abstract  # the longest abstract


def test_a_sibling_paper_by_the_same_authors_stays_apart(versions_index):
    dock = versions_index.record_by_id("2402.00002")
    paper = versions_index.paper_of_record(dock)
    assert versions_index.records_of_paper(paper) == [dock]


def test_the_seeds_have_ten_groups_and_the_nemotron_family_stays_five_papers(seed_index):
    groups = seed_index.dupes().groups
    assert len(groups) == 10
    assert any(g.title.startswith("Sortformer") and {m.rule for m in g.members} == {"canonical", "same name"}
               for g in groups)
    family = ["Nemotron 3 Nano", "Nemotron 3 Super", "NVIDIA Nemotron 3", "Nemotron-H", "Nemotron-Nano-9B-v2"]
    papers = set()
    for name in family:
        record = next(i for i, r in enumerate(seed_index.records_)
                      if (r.title or r.abstract).startswith(name) or (r.abstract or "").startswith(f"We introduce {name}"))
        papers.add(seed_index.paper_of_record(record))
    assert len(papers) == 5


def test_same_title_under_two_ids_with_different_abstracts_stays_apart():
    base = paperlike.read_records(paperlike.seed_paths()).records
    twins = [
        paperlike.Record(id="2505.17997", title="Towards Analyzing the Limitations of VAPO", authors=["Jintian Shao"],
                        abstract="We study value-based policy optimisation for long chain-of-thought reasoning and "
                                 "identify failure modes in credit assignment over long horizons."),
        paperlike.Record(id="2506.03038", title="Towards Analyzing the Limitations of VAPO", authors=["Jintian Shao"],
                        abstract="This note revisits exploration in reinforcement learning from verifiable rewards "
                                 "and proposes entropy bonuses tuned per token for mathematical proofs."),
    ]
    index = paperlike.build_index(base + twins)
    assert index.paper_of_record(len(base)) != index.paper_of_record(len(base) + 1)


def test_similar_returns_one_entry_per_paper_with_its_versions(versions_index):
    results = versions_index.similar("DockGAT", k=3).results
    fold = next(n for n in results if n.title and n.title.startswith("FoldGAT"))
    assert len(fold.versions) == 4
    assert sum(1 for n in results if (n.title or "").startswith("FoldGAT")) == 1


def test_a_query_that_is_one_version_excludes_all_of_them(versions_index):
    results = versions_index.similar("2401.00001", k=10, kind="id").results
    shown = {n.id for n in results} | {v for n in results for v in n.versions}
    group = _group_of(versions_index, "FoldGAT")
    assert not shown & {m.id for m in group.members}


def test_check_finds_known_versions_and_says_new_otherwise(versions_index):
    truncated = paperlike.Record(id="incoming", title=None, abstract=" ".join(
        versions_index.records_[versions_index.record_by_id("2402.00002")].abstract.split()[:40]))
    known = versions_index.check(truncated)
    assert known.status == "known" and known.match.paper == "2402.00002" and known.match.rule == "truncated"
    published = paperlike.Record(id="x", title="Sortformer: a novel approach for permutation-resolved speaker "
                                "supervision in speech-to-text systems", authors=["T. Park", "I. Medennikov"])
    assert versions_index.check(published).match.rule == "title"
    new = versions_index.check(paperlike.Record(id="y", title="Graph kernels for molecules",
                                               abstract="We compare graph kernels for molecular property prediction."))
    assert new.status == "new" and new.match is None


def test_dupes_with_another_threshold_regroups_without_changing_the_index(versions_index):
    before = _partition(versions_index)
    strict = versions_index.dupes(threshold=0.99)
    assert strict.threshold == 0.99
    fold = next(g for g in strict.groups if (g.title or "").startswith("FoldGAT"))
    assert "abstract" not in {m.rule for m in fold.members}
    assert _partition(versions_index) == before


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_input_order(rnd):
    records = paperlike.read_records(paperlike.seed_paths() + [FIXTURES / "versions.jsonl"]).records
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert _partition(paperlike.build_index(shuffled)) == _partition(paperlike.build_index(records))


def test_pairs_set_aside_early_are_pairs_no_rule_joins(seed_corpus):
    """cannot_join only spares work: no pair it sets aside would have been joined or queued."""
    from itertools import combinations

    from paperlike.dedup import abstract_cosines, cannot_join, decide, pair_evidence

    records = [r for r in seed_corpus.records if r.abstract]
    pairs = list(combinations(records, 2))
    index = paperlike.build_index(seed_corpus)
    cosines = abstract_cosines(index.vectorizer, pairs)
    set_aside = 0
    for (a, b), cos in zip(pairs, cosines):
        for threshold in (0.3, 0.8, 0.95):
            if cannot_join(a, b, cos, threshold):
                set_aside += 1
                assert decide(pair_evidence(a, b, cos), threshold, 0.9).decision == "different"
    assert set_aside > len(pairs)  # most pairs of unrelated papers are set aside early


@given(st.lists(st.sampled_from(["graph", "a", "neural", "x-ray", "réseau", "of", "LLM", "2025", "–", "ß"]),
                max_size=200))
@settings(max_examples=200, deadline=None)
def test_the_opening_words_are_those_of_the_whole_abstract(words):
    from paperlike.dedup.candidates import _OPENING_WORDS
    from paperlike.dedup.candidates import opening as _opening
    from paperlike.dedup.rules import CONTAINMENT_MIN_WORDS as _CONTAINMENT_MIN_WORDS
    from paperlike.text import tokens

    abstract = " ".join(words)
    every = tokens(abstract)
    expected = " ".join(every[:_OPENING_WORDS]) if len(every) >= _CONTAINMENT_MIN_WORDS else None
    assert _opening(paperlike.Record(id="p", abstract=abstract or None)) == expected


# Words with repeats (repeated 3-grams), stop words and one-letter words: what could make a
# word count or a term count mislead the ceiling.
_WORDS = st.one_of(st.sampled_from(["the", "of", "a", "x", "we", "is", "and", "x_ray", "2025"]),
                   st.integers(0, 60).map(lambda k: f"w{k}"))


@given(st.lists(_WORDS, min_size=0, max_size=90), st.lists(_WORDS, min_size=0, max_size=30),
       st.sampled_from(["prefix", "suffix", "insert", "replace", "other"]), st.sampled_from([None, "english"]),
       st.data())
@settings(max_examples=600, deadline=None)
def test_the_containment_ceiling_is_never_below_the_containment(words, more, how, stop_words, data):
    # Repeated words (repeated 3-grams), stop words and one-letter words (not terms), and edits
    # that leave both sides with words the other lacks.
    import numpy as np

    from paperlike.dedup import containment_ceilings
    from paperlike.dedup.rules import containment as _containment
    from paperlike.text import tokens

    cut = data.draw(st.integers(0, len(words)))
    if how == "replace":
        at = data.draw(st.lists(st.integers(0, max(len(words) - 1, 0)), max_size=len(more)))
        other = list(words)
        for k, new in zip(at, more):
            if other:
                other[k] = new
    else:
        other = {"prefix": words[:cut], "suffix": words[cut:], "insert": words[:cut] + more + words[cut:],
                 "other": more}[how]
    texts = [" ".join(words).capitalize() + ".", ", ".join(other)]
    if not all(tokens(t) for t in texts):
        return
    vectorizer = paperlike.Vectorizer(stop_words=stop_words)
    try:
        vectorizer.fit([paperlike.Record(id=str(k), abstract=t) for k, t in enumerate(texts)])
    except paperlike.EmptyCorpusError:  # one-letter words or stop words only: no terms
        return
    A = vectorizer.transform_texts(texts)
    word_counts = np.array([len(tokens(t)) for t in texts])
    ceiling = containment_ceilings(A, np.array([0]), np.array([1]), word_counts)[0]
    exact = _containment(paperlike.Record(id="a", abstract=texts[0]), paperlike.Record(id="b", abstract=texts[1]))
    if exact is not None:
        assert ceiling >= exact - 1e-12


def test_the_containment_ceiling_changes_no_verdict(seed_corpus):
    """Over every pair of the seeds and of excerpts of their abstracts (contained in them, with a
    low abstract cosine: pairs the ceiling must let through), with the title and abstract rows
    of a build: the pairs the ceiling sets aside are those the 3-grams set aside."""
    import numpy as np

    from paperlike import dedup

    records = [r for r in seed_corpus.records if r.abstract]
    longest = sorted(records, key=lambda r: -len(r.abstract))[:4]
    excerpts = [paperlike.Record(id=f"excerpt-{n}", title=f"Excerpt {n}",
                                abstract=" ".join(r.abstract.split()[40:40 + 24 + 6 * n]))
                for n, r in enumerate(longest)]
    reps = list({r.abstract: r for r in records + excerpts}.values())
    vectorizer = paperlike.Vectorizer()
    fields = vectorizer.fit_fields(reps)
    i, j = (a.ravel() for a in np.triu_indices(len(reps), 1))
    cosines, ceilings = dedup.candidates.abstract_signals(reps, vectorizer, i, j, fields, 0.8)
    known = [k for k, c in enumerate(ceilings) if c is not None]
    assert len(known) > len(i) // 2  # most pairs of unrelated papers get a ceiling
    let_through = 0
    for k in known:
        a, b = reps[i[k]], reps[j[k]]
        verdict = dedup.cannot_join(a, b, cosines[k], 0.8)
        assert dedup.cannot_join(a, b, cosines[k], 0.8, ceilings[k]) == verdict
        let_through += not verdict
    assert let_through >= 1  # an excerpt and its source: contained, with a cosine below 0.45


def test_the_containment_ceiling_of_two_texts_without_a_word_in_common_is_zero():
    # Every word of each missing from the other: each text's last two words start no 3-gram.
    import numpy as np

    from paperlike.dedup import containment_ceilings
    from paperlike.dedup.rules import containment as _containment

    texts = [" ".join(f"w{k}" for k in range(start, start + 25)) for start in (0, 100)]
    vectorizer = paperlike.Vectorizer().fit([paperlike.Record(id=str(k), abstract=t) for k, t in enumerate(texts)])
    ceiling = containment_ceilings(vectorizer.transform_texts(texts), np.array([0]), np.array([1]), np.array([25, 25]))
    pair = [paperlike.Record(id=str(k), abstract=t) for k, t in enumerate(texts)]
    assert _containment(*pair) == 0.0
    assert ceiling[0] == pytest.approx(0.0, abs=1e-6)


def test_blocking_a_batch_of_fields_at_a_time_finds_the_pairs_of_each_records_keys(seed_corpus):
    """_blocked takes each key of the fields it reads, a batch at a time; the pairs are those
    of the blocking keys taken record by record (as the Spark build takes them)."""
    from collections import defaultdict

    from paperlike.dedup.candidates import _MAX_BLOCK, BLOCKING_KEYS, _blocked
    from paperlike.table import RecordTable

    files = [FIXTURES / name for name in ("bib_exports.csv", "dblp_like.csv", "versions.jsonl", "review_pair.jsonl",
                                          "library.bib", "zotero.ris", "arxiv_api.jsonl")]
    records = list(seed_corpus.records) + paperlike.read_records(files).records
    blocks = [defaultdict(list) for _ in BLOCKING_KEYS]
    for t, record in enumerate(records):
        for key, found in zip(BLOCKING_KEYS, blocks):
            if key(record):
                found[key(record)].append(t)
    expected = {(a, b) for found in blocks for members in found.values() if 1 < len(members) <= _MAX_BLOCK
                for x, a in enumerate(members) for b in members[x + 1:]}
    assert len(expected) > 10
    assert _blocked(records) == expected
    assert _blocked(RecordTable.of(records, batch_rows=7)) == expected
