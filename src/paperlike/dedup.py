"""Versions of one paper: which texts of an index are the same paper, and why.

Candidates come from cheap blocking and sparse joins, never from comparing everything with
everything: titles with TF-IDF cosine >= 0.7, abstracts sharing their opening words (a truncated
copy), the same paper name ("Sortformer" of "Sortformer: A Novel ..." or of "We propose
Sortformer, ..."), and whole texts with cosine >= 0.9 (an exact join, :mod:`paperlike.allpairs`).
Each candidate pair is then verified on several signals, and a pair is one paper when one of
these rules holds:

- ``truncated``: one abstract is contained in the other (>= 0.9 of its word 3-grams, at least
  20 words), a cut-off copy;
- ``abstract``: abstract TF-IDF cosine >= ``threshold`` (a copy with other formatting, a
  revised version, a preprint and its published form);
- ``same name``: the same paper name, abstract cosine >= 0.45, and a title on at most one side
  (a listing and a bare abstract of one paper, rewritten);
- ``title``: where a side has no abstract (bibliographic records), titles nearly equal
  (difflib ratio, or the share of the shorter title's words in the other, >= ``title_threshold``),
  the same year, half the authors shared, and a title that does not recur in its source
  ("Editor's Notes").

Two vetoes keep families of papers apart (Nemotron 3 Nano / Super / Ultra share authors and
wording): where both sides have authors, at least one surname must be shared; where both have
titles, the titles must be alike (ratio >= 0.6) unless the abstracts are near-identical.
Groups are the connected components of the verified pairs, so the result does not depend on
the order of the input.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from . import parallel
from .allpairs import TITLE_LEFT_OUT_SHARE, SharedJoin, dot_products, pairs_above
from .models import CheckMatch, CheckResult, DupeGroup, DupeMember, Dupes, Paper
from .text import ascii_word_count, text_key, tokens
from .vectorize import Fields, Vectorizer

__all__ = ["Deduplicator", "Evidence", "pair_evidence", "paper_name", "completeness",
           "versions_report", "check_record"]

_TITLE_JOIN = 0.7
_TEXT_JOIN = 0.9
# Below this many texts a second process costs more than it saves.
_PARALLEL_MIN_TEXTS = 20000
_OPENING_WORDS = 12
_OPENING_CHARS = 400
_SHINGLE = 3
_CONTAINMENT = 0.9
_CONTAINMENT_MIN_WORDS = 20
_NAME_MIN_ABSTRACT = 0.45
_TITLE_VETO = 0.6
_NEAR_IDENTICAL = 0.95
_MAX_YEAR_GAP = 0
_BIBLIOGRAPHIC_AUTHORS = 0.5
_SURNAME_MATCH = 0.75
_CONTAINED_TITLE_MIN_WORDS = 4
_GENERIC_TITLE_COUNT = 3
_INTRODUCES_RE = re.compile(
    r"^(?:in this (?:paper|work|report), )?we (?:propose|present|introduce|describe|develop|release)"
    r" (?:the |a |an )?([\w][\w\-\.]*(?: [A-Z0-9][\w\-\.]*){0,2})", re.I)


def completeness(record: Paper) -> tuple:
    """Sort key of how complete a record is; the most complete one stands for its paper.

    Titled beats untitled, then a longer abstract, more authors, a known year, a DOI; the id
    breaks ties so the choice does not depend on input order.
    """
    return (
        record.title is not None,
        len(record.abstract or ""),
        len(record.authors),
        record.year is not None,
        record.doi is not None,
        _reverse(record.id),
    )


def _reverse(s: str) -> tuple:
    # Larger for the smaller string, a prefix ("x") above its extensions ("x#2").
    return tuple(-ord(c) for c in s) + (1,)


def paper_name(record: Paper) -> str | None:
    """The paper's name: before the title's colon, or what its abstract's first words introduce."""
    if record.title and ":" in record.title:
        name = record.title.split(":", 1)[0]
        return text_key(name) if len(name.split()) <= 4 else None
    if record.abstract:
        match = _INTRODUCES_RE.match(record.abstract)
        # A name has a capital ("Sortformer", "SALM"); "we present a decoder-only ..." has none.
        if match and any(c.isupper() for c in match.group(1)):
            return text_key(match.group(1).rstrip("."))
    return None


def _surnames(record: Paper) -> list[str]:
    """Surnames folded to ASCII letters ("Nørvåg" -> "nrvag"; a damaged "N?rv?g" -> "nrvg")."""
    out = []
    for name in record.authors:
        parts = name.replace(",", " ").split()
        if parts:
            folded = unicodedata.normalize("NFKD", parts[-1].casefold())
            key = "".join(c for c in folded if "a" <= c <= "z")
            if key:
                out.append(key)
    return out


def _author_overlap(a: list[str], b: list[str]) -> float | None:
    """Share of the shorter author list whose surname (up to a typo) is in the other list."""
    if not a or not b:
        return None
    if len(a) > len(b):
        a, b = b, a
    found = sum(1 for x in a if x in b or difflib.get_close_matches(x, b, n=1, cutoff=_SURNAME_MATCH))
    return found / len(a)


def _title_ratio(a: str, b: str) -> float:
    return 1.0 if a == b else difflib.SequenceMatcher(None, a, b).ratio()


def _title_containment(a: str, b: str) -> float | None:
    """Share of the shorter title's words found in the other ("X" in "X - Book Review")."""
    wa, wb = set(tokens(a)), set(tokens(b))
    if min(len(wa), len(wb)) < _CONTAINED_TITLE_MIN_WORDS:
        return None
    return len(wa & wb) / min(len(wa), len(wb))


def _shingles(text: str | None) -> set[tuple[str, ...]]:
    words = tokens(text or "")
    return set(zip(*(words[k:] for k in range(_SHINGLE))))


class Evidence(dict):
    """The signals of one pair, JSON-ready: None where a side lacks the field."""


def _containment(a: Paper, b: Paper) -> float | None:
    """Share of the shorter abstract's word 3-grams found in the other (None if too short)."""
    if not (a.abstract and b.abstract):
        return None
    if a.abstract == b.abstract:
        return 1.0
    ga, gb = _shingles(a.abstract), _shingles(b.abstract)
    shorter = min(len(ga), len(gb))
    return len(ga & gb) / shorter if shorter >= _CONTAINMENT_MIN_WORDS - _SHINGLE + 1 else None


def cannot_join(a: Paper, b: Paper, abstract_cosine: float | None, threshold: float,
                containment_ceiling: float | None = None) -> bool:
    """True when no rule of :func:`decide` can join the pair whatever its other signals: two
    abstracts too far apart for ``abstract`` and ``same name``, neither cut from the other.
    Most candidates from similar titles end here, without the costlier title and author
    comparisons. ``containment_ceiling``, when known, is at least the pair's containment
    (:func:`containment_ceilings`): below the rule's level, the 3-grams are not compared."""
    # Rounded as pair_evidence rounds them, so that the rules see the same numbers.
    if abstract_cosine is None or round(float(abstract_cosine), 4) >= min(threshold, _NAME_MIN_ABSTRACT):
        return False
    if containment_ceiling is not None and round(containment_ceiling, 4) < _CONTAINMENT:
        return True
    containment = _containment(a, b)
    return containment is None or round(containment, 4) < _CONTAINMENT


def pair_evidence(a: Paper, b: Paper, abstract_cosine: float | None) -> Evidence:
    """Every signal comparing two records."""
    both_titled = bool(a.title and b.title)
    title = _title_ratio(text_key(a.title), text_key(b.title)) if both_titled else None
    title_containment = _title_containment(a.title, b.title) if both_titled else None
    authors = _author_overlap(_surnames(a), _surnames(b))
    containment = _containment(a, b)
    year_gap = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    name_a, name_b = paper_name(a), paper_name(b)
    return Evidence(
        abstract=None if abstract_cosine is None else round(float(abstract_cosine), 4),
        title=None if title is None else round(title, 4),
        title_containment=None if title_containment is None else round(title_containment, 4),
        authors=None if authors is None else round(authors, 4),
        containment=None if containment is None else round(containment, 4),
        year_gap=year_gap,
        same_name=bool(name_a and name_a == name_b),
    )


def decide(e: Evidence, threshold: float, title_threshold: float,
           generic: bool = False) -> tuple[str | None, float]:
    """The rule that joins a pair (None if none does) and the score it gives.

    ``generic`` says the title recurs in one source ("Editor's Notes", "Chair's Message"), so
    it cannot tell records without abstracts apart.
    """
    if e["authors"] == 0:
        return None, 0.0
    abstract = e["abstract"]
    near_identical = abstract is not None and abstract >= _NEAR_IDENTICAL
    if e["title"] is not None and e["title"] < _TITLE_VETO and not near_identical:
        return None, 0.0
    if e["containment"] is not None and e["containment"] >= _CONTAINMENT:
        return "truncated", e["containment"]
    if abstract is not None:
        if abstract >= threshold:
            return "abstract", abstract
        if e["same_name"] and e["title"] is None and abstract >= _NAME_MIN_ABSTRACT:
            return "same name", abstract
        return None, abstract
    title = max(e["title"] or 0.0, e["title_containment"] or 0.0)
    if (title >= title_threshold and not generic
            and (e["year_gap"] is None or e["year_gap"] <= _MAX_YEAR_GAP)
            and (e["authors"] is None or e["authors"] >= _BIBLIOGRAPHIC_AUTHORS)):
        return "title", title
    return None, title


class Deduplicator:
    """Groups the texts of an index into papers.

    Parameters: ``threshold``, the abstract cosine from which two abstracts are one paper's, and
    ``title_threshold``, the title similarity from which two records without abstracts are.
    Fitted state: ``pairs_`` (text pairs joined), ``rules_`` and ``scores_`` for each pair,
    and ``paper_of_text_`` (papers numbered from 0 in order of their first text).
    """

    def __init__(self, *, threshold: float = 0.8, title_threshold: float = 0.9) -> None:
        self.threshold = threshold
        self.title_threshold = title_threshold

    def get_params(self) -> dict[str, float]:
        return {"threshold": self.threshold, "title_threshold": self.title_threshold}


    def fit(self, records: Sequence[Paper], vectorizer: Vectorizer, X: sp.csr_matrix,
            fields: Fields | None = None) -> Deduplicator:
        """Find the versions among texts, given one representative record per text and the
        texts' TF-IDF rows ``X`` (and, when the vectoriser made them, the title and abstract
        rows in ``fields``, which spares tokenising those again)."""
        n = len(records)
        i, j = self._candidates(records, vectorizer, X, fields)
        cosines, ceilings = self._abstract_signals(records, vectorizer, i, j, fields)
        self.generic_titles_ = generic_titles(records)
        kept = []
        for a, b, cos, ceiling in zip(i.tolist(), j.tolist(), cosines, ceilings):
            if cannot_join(records[a], records[b], cos, self.threshold, ceiling):
                continue
            generic = text_key(records[a].title) in self.generic_titles_
            rule, score = decide(pair_evidence(records[a], records[b], cos),
                                 self.threshold, self.title_threshold, generic)
            if rule:
                kept.append((a, b, rule, score))
        self.pairs_ = np.array([(a, b) for a, b, _, _ in kept], dtype=np.int64).reshape(-1, 2)
        self.rules_ = [rule for _, _, rule, _ in kept]
        self.scores_ = np.array([score for _, _, _, score in kept], dtype=np.float32)
        self.paper_of_text_ = _components(n, self.pairs_)
        return self

    def _candidates(self, records: Sequence[Paper], vectorizer: Vectorizer,
                    X: sp.csr_matrix, fields: Fields | None) -> tuple[np.ndarray, np.ndarray]:
        n_texts = len(records)
        titled = np.array([t for t, r in enumerate(records) if r.title], dtype=np.int64)
        if len(titled) > 1:
            T = fields.title_rows(titled) if fields is not None else None
            if T is None:
                T = vectorizer.transform_texts([records[t].title for t in titled.tolist()])
        else:
            T = None


        def title_pairs() -> tuple[np.ndarray, np.ndarray]:
            if titles is None:
                return titled[:0], titled[:0]
            ti, tj, _ = titles.run()
            return titled[ti], titled[tj]

        def other_pairs() -> set[tuple[int, int]]:
            xi, xj, _ = pairs_above(X, _TEXT_JOIN)
            found = set(zip(xi.tolist(), xj.tolist()))
            for key in (_opening, paper_name):
                found.update(_blocked(records, key))
            return found

        # On a large corpus a second process starts on the title join while this one does the
        # text join and the blocking, then takes the title chunks still left: the two finish
        # together, each on one thread (a second thread per process only competes for the cores).
        split = n_texts >= _PARALLEL_MIN_TEXTS and parallel.can_fork()
        titles = SharedJoin(T, _TITLE_JOIN, TITLE_LEFT_OUT_SHARE, shared=split) if T is not None else None
        with parallel.one_thread() if split else contextlib.nullcontext():
            with parallel.in_child(title_pairs, parallel=split) as theirs:
                pairs = other_pairs()
                ti, tj = title_pairs()
                pairs.update(zip(ti.tolist(), tj.tolist()))
                ti, tj = theirs()
        pairs.update(zip(ti.tolist(), tj.tolist()))
        ordered = sorted((min(a, b), max(a, b)) for a, b in pairs if a != b)
        arr = np.array(ordered, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def _abstract_signals(self, records: Sequence[Paper], vectorizer: Vectorizer, i: np.ndarray, j: np.ndarray,
                          fields: Fields | None) -> tuple[list[float | None], list[float | None]]:
        """Each candidate pair's abstract cosine (None where a side has no abstract) and, for
        the pairs whose cosine no rule joins, a ceiling on their containment where one can be
        read off the abstracts' terms (None elsewhere)."""
        involved = np.unique(np.concatenate([i, j]))
        with_abstract = [t for t in involved.tolist() if records[t].abstract]
        if not with_abstract:
            return [None] * len(i), [None] * len(i)
        A = fields.abstract_rows(np.array(with_abstract, dtype=np.int64)) if fields is not None else None
        if A is None:
            A = vectorizer.transform_texts([records[t].abstract for t in with_abstract])
        A = sp.csr_matrix(A, dtype=np.float32)
        position = np.full(len(records), -1, dtype=np.int64)
        position[with_abstract] = np.arange(len(with_abstract))
        both = (position[i] >= 0) & (position[j] >= 0)
        cosines = np.full(len(i), np.nan)
        ceilings = np.full(len(i), np.nan)
        if both.any():
            cosines[both] = dot_products(A, position[i[both]], position[j[both]])
            # Rounded as cannot_join rounds them: the pairs it would compare the 3-grams of.
            low = both & (np.round(cosines, 4) < min(self.threshold, _NAME_MIN_ABSTRACT))
            if low.any() and vectorizer.terms_are_words():
                ceilings[low] = containment_ceilings(A, position[i[low]], position[j[low]],
                                                     _word_counts(records, with_abstract, position, i[low], j[low]))
        return ([None if np.isnan(c) else float(c) for c in cosines.tolist()],
                [None if np.isnan(c) else c for c in ceilings.tolist()])


def _word_counts(records: Sequence[Paper], with_abstract: list[int], position: np.ndarray,
                 i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The number of words of each abstract of ``with_abstract`` that the pairs (i, j) touch,
    by its position there (-1 for the others, and for an abstract that is not ASCII)."""
    counts = np.full(len(with_abstract), -1, dtype=np.int64)
    for t in np.unique(np.concatenate([i, j])).tolist():
        abstract = records[t].abstract
        if abstract.isascii():
            counts[position[t]] = ascii_word_count(abstract)
    return counts


def containment_ceilings(A: sp.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray, words: np.ndarray) -> np.ndarray:
    """A ceiling on :func:`_containment` of each pair of abstracts (rows ``rows_a[k]`` and
    ``rows_b[k]`` of their term matrix ``A``, with ``words`` words each; nan where a side's
    count is -1), from which terms each has that the other lacks, without their 3-grams.

    Each term of a that b lacks is a word of a that b lacks (ASCII text, lower-cased words as
    terms: :meth:`Vectorizer.terms_are_words`). The 3-gram that starts at its first occurrence (or, in the
    last two words, the last 3-gram) is one b cannot have, and these 3-grams differ but for the
    last two words': with ``m`` such terms, a has at least ``m - 2`` of its at most ``words - 2``
    3-grams outside b. Whichever side has fewer 3-grams, the share of them found in the other
    is at most ``1 - min over the sides of (m - 2) / (words - 2)``.
    """
    binary = sp.csr_matrix((np.ones(A.nnz, dtype=np.float32), A.indices, A.indptr), shape=A.shape)
    shared = np.rint(dot_products(binary, rows_a, rows_b))
    terms = np.diff(A.indptr)
    edge = _SHINGLE - 1

    def missing_share(rows: np.ndarray) -> np.ndarray:
        missing = np.maximum(terms[rows] - shared - edge, 0)
        return missing / np.maximum(words[rows] - edge, 1)

    ceiling = 1.0 - np.minimum(missing_share(rows_a), missing_share(rows_b))
    unknown = (words[rows_a] < 0) | (words[rows_b] < 0)
    # A hair above, so that float rounding never puts the ceiling below the share itself.
    return np.where(unknown, np.nan, np.minimum(ceiling + 1e-9, 1.0))


def generic_titles(records: Sequence[Paper]) -> set[str]:
    """Title keys that recur in one source file: columns and front matter, not papers."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for record in records:
        if record.title and not record.abstract:
            counts[(record.source.path if record.source else "", text_key(record.title))] += 1
    return {key for (_, key), n in counts.items() if n >= _GENERIC_TITLE_COUNT}


def _opening(record: Paper) -> str | None:
    abstract = record.abstract or ""
    # Only the opening words are kept, so a head of the text is tokenised: a word cut at the
    # head's end comes after more than _CONTAINMENT_MIN_WORDS others, so it changes nothing.
    words = tokens(abstract[:_OPENING_CHARS])
    if len(words) <= _CONTAINMENT_MIN_WORDS and len(abstract) > _OPENING_CHARS:
        words = tokens(abstract)
    return " ".join(words[:_OPENING_WORDS]) if len(words) >= _CONTAINMENT_MIN_WORDS else None


def _blocked(records: Sequence[Paper], key) -> set[tuple[int, int]]:
    """Pairs of texts sharing a blocking key (blocks of more than 50 are too common to mean
    anything, and would cost quadratic time)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for t, record in enumerate(records):
        value = key(record)
        if value:
            blocks[value].append(t)
    return {(a, b) for members in blocks.values() if 1 < len(members) <= 50
            for x, a in enumerate(members) for b in members[x + 1:]}


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Paper number of each text: connected components numbered in order of first text."""
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    first_seen = {}
    return np.array([first_seen.setdefault(label, len(first_seen)) for label in labels.tolist()],
                    dtype=np.int64)


# -- reporting versions, and checking incoming records against an index ---------------------


def abstract_cosines(vectorizer: Vectorizer, pairs: Sequence[tuple[Paper, Paper]]) -> list[float | None]:
    """Abstract TF-IDF cosine of each pair of records (None where one has no abstract), with
    every distinct abstract transformed once."""
    abstracts = sorted({r.abstract for pair in pairs for r in pair if r.abstract})
    row = {a: k for k, a in enumerate(abstracts)}
    A = vectorizer.transform_texts(abstracts) if abstracts else None
    return [float(A[row[a.abstract]].multiply(A[row[b.abstract]]).sum())
            if a.abstract and b.abstract else None for a, b in pairs]


def _joining_pairs(dedup: Deduplicator, records_of_text: dict[int, str]) -> dict[int, tuple[str, float]]:
    """For each joined text, the rule of a pair that joined it, naming the record on its other
    side: the answer for a member that its canonical record does not match directly."""
    out: dict[int, tuple[str, float]] = {}
    for (a, b), rule, score in zip(dedup.pairs_.tolist(), dedup.rules_, dedup.scores_.tolist()):
        out.setdefault(a, (f"{rule} (via {records_of_text[b]})", score))
        out.setdefault(b, (f"{rule} (via {records_of_text[a]})", score))
    return out


def versions_report(index, dedup: Deduplicator | None = None) -> Dupes:
    """Every paper of the index with more than one record, each member with its evidence
    against the paper's canonical (most complete) record. A ``dedup`` fitted with other
    thresholds regroups the same texts without changing the index."""
    dedup = dedup or index.dedup
    paper_of_record = dedup.paper_of_text_[index.text_of_record_]
    members: dict[int, list[int]] = defaultdict(list)
    for r, paper in enumerate(paper_of_record.tolist()):
        members[paper].append(r)
    groups = {p: rs for p, rs in members.items() if len(rs) > 1}
    canonical = {p: max(rs, key=lambda r: completeness(index.records_[r])) for p, rs in groups.items()}
    same_text = {r for p, rs in groups.items() for r in rs
                 if index.text_of_record_[r] == index.text_of_record_[canonical[p]]}
    compared = [(r, canonical[p]) for p, rs in groups.items() for r in rs if r not in same_text]
    cosines = abstract_cosines(index.vectorizer, [(index.records_[a], index.records_[b]) for a, b in compared])
    cosine_of = dict(zip(compared, cosines))
    cosine_of.update({(r, canonical[p]): 1.0 for p, rs in groups.items() for r in rs if r in same_text})
    label = {int(t): index.records_[int(r)].id for t, r in enumerate(index.record_of_text_)}
    joined = _joining_pairs(dedup, label)
    out = []
    for p, rs in sorted(groups.items(), key=lambda item: index.records_[canonical[item[0]]].id):
        head = index.records_[canonical[p]]
        listed = [DupeMember(id=head.id, score=1.0, rule="canonical")]
        for r in sorted(rs, key=lambda r: index.records_[r].id):
            if r == canonical[p]:
                continue
            record = index.records_[r]
            evidence = pair_evidence(record, head, cosine_of[(r, canonical[p])])
            if r in same_text:
                rule, score = "same text", 1.0
            else:
                generic = text_key(record.title) in dedup.generic_titles_
                rule, score = decide(evidence, dedup.threshold, dedup.title_threshold, generic)
                if rule is None:
                    rule, score = joined[int(index.text_of_record_[r])]
            listed.append(DupeMember(id=record.id, score=round(float(score), 4), rule=rule, evidence=evidence))
        out.append(DupeGroup(id=head.id, canonical=head.id, title=head.title, members=listed))
    return Dupes(threshold=dedup.threshold, title_threshold=dedup.title_threshold,
                 papers=int(dedup.paper_of_text_.max()) + 1 if len(dedup.paper_of_text_) else 0,
                 records=len(index.records_), groups=out)


_CHECK_CANDIDATES = 20
_CHECK_MIN_COSINE = 0.3


def check_record(index, record: Paper) -> CheckResult:
    """Whether the index already holds a version of this record, and which."""
    vector = index.vectorizer.transform([record])
    top = index.top_texts(index.scores(vector), _CHECK_CANDIDATES) if vector.nnz else []
    # Below this whole-text cosine no rule can hold (a version shares its title or most of its
    # abstract), so the costlier signals are computed for a few texts only.
    texts = [t for t, score in top if score >= _CHECK_MIN_COSINE]
    if record.title:
        for paper in index.keys["title"].get(text_key(record.title)):
            texts.extend(np.flatnonzero(index.paper_of_text_ == paper).tolist())
    candidates = list(dict.fromkeys(texts))
    known = [index.records_[int(index.record_of_text_[t])] for t in candidates]
    cosines = abstract_cosines(index.vectorizer, [(record, k) for k in known])
    generic = index.dedup.generic_titles_
    best = None
    for text, other, cos in zip(candidates, known, cosines):
        evidence = pair_evidence(record, other, cos)
        rule, score = decide(evidence, index.dedup.threshold, index.dedup.title_threshold,
                             text_key(record.title) in generic)
        if rule and (best is None or score > best[1]):
            best = (text, score, rule, evidence)
    result = CheckResult(id=record.id, title=record.title, source=record.source, status="new")
    if best is None:
        return result
    text, score, rule, evidence = best
    paper = int(index.paper_of_text_[text])
    records = index.records_of_paper(paper)
    head = index.records_[records[0]]
    result.status = "known"
    result.match = CheckMatch(paper=head.id, records=[index.records_[r].id for r in records],
                              title=head.title, score=round(float(score), 4), rule=rule, evidence=evidence)
    return result
