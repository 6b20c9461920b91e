"""Reporting versions (``dupes``), and checking incoming records against an index (``check``).

The reports take what the :class:`Deduplicator` found and plain data (the records, which text
each record is, each text's representative record, the vectoriser the abstracts are compared
in), never the index: :class:`paperlike.index.PaperIndex` builds them from its own state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..identifiers import base_id
from ..records import Record
from ..results import CheckMatch, CheckResult, DupeGroup, DupeMember, Dupes, MaybePair
from ..text import folded_text
from .deduplicator import Deduplicator
from .grouping import completeness
from .rules import decide, pair_evidence, relation

__all__ = ["versions_report", "iter_groups", "maybe_pairs", "check_record", "abstract_cosines"]


def abstract_cosines(vectorizer, pairs: Sequence[tuple[Record, Record]]) -> list[float | None]:
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


_CHUNK = 512


def iter_groups(dedup: Deduplicator, records: Sequence[Record], text_of: np.ndarray, record_of_text: np.ndarray,
                vectorizer, *, relations: Iterable[str] | None = None, min_size: int = 2) -> Iterator[DupeGroup]:
    """Every paper ``dedup`` found with at least ``min_size`` records (and, with ``relations``,
    a member of one of these relations), each member with its evidence and relation to the
    paper's canonical (most complete) record; ``text_of`` gives each record's text and
    ``record_of_text`` each text's representative record. The groups worth a look come first:
    several input ids, or several texts (anything but copies); then the others, each part by
    canonical id. Groups are made a chunk at a time, so that a large answer streams."""
    paper_of_record = dedup.paper_of_text_[text_of]
    members: dict[int, list[int]] = defaultdict(list)
    for r, paper in enumerate(paper_of_record.tolist()):
        members[paper].append(r)
    groups = {p: rs for p, rs in members.items() if len(rs) >= max(min_size, 2)}
    canonical = {p: max(rs, key=lambda r: completeness(records[r])) for p, rs in groups.items()}

    def worth_a_look(p: int) -> bool:
        rs = groups[p]
        return (len({base_id(records[r].id) for r in rs}) > 1
                or len({int(text_of[r]) for r in rs}) > 1)

    order = sorted(groups, key=lambda p: (not worth_a_look(p), records[canonical[p]].id))
    label = {int(t): records[int(r)].id for t, r in enumerate(record_of_text)}
    joined = _joining_pairs(dedup, label)
    wanted = set(relations or ())
    for start in range(0, len(order), _CHUNK):
        chunk = order[start:start + _CHUNK]
        compared = [(r, canonical[p]) for p in chunk for r in groups[p] if text_of[r] != text_of[canonical[p]]]
        cosine_of = dict(zip(compared, abstract_cosines(vectorizer, [(records[a], records[b]) for a, b in compared])))
        for p in chunk:
            group = _group(records, text_of, dedup, groups[p], canonical[p], cosine_of, joined)
            if not wanted or any(m.relation in wanted for m in group.members):
                yield group


def _group(records: Sequence[Record], text_of: np.ndarray, dedup: Deduplicator, members: list[int], canonical: int,
           cosine_of: dict, joined: dict) -> DupeGroup:
    head = records[canonical]
    listed = [DupeMember(id=head.id, score=1.0, rule="canonical")]
    for r in sorted(members, key=lambda r: records[r].id):
        if r == canonical:
            continue
        record = records[r]
        same_text = text_of[r] == text_of[canonical]
        evidence = pair_evidence(record, head, 1.0 if same_text else cosine_of[(r, canonical)])
        if same_text:
            rule, score, kind = "same text", 1.0, "copy"
        else:
            generic = bool({folded_text(record.title), folded_text(head.title)} & dedup.generic_titles_)
            verdict = decide(evidence, dedup.threshold, dedup.title_threshold, generic)
            rule, score = verdict.rule, verdict.score
            if verdict.decision != "same":
                rule, score = joined[int(text_of[r])]
            kind = relation(evidence, rule.split(" (via ", 1)[0], record, head)
        listed.append(DupeMember(id=record.id, score=round(float(score), 4), rule=rule, relation=kind,
                                 evidence=evidence))
    return DupeGroup(id=head.id, canonical=head.id, title=head.title, members=listed)


def versions_report(dedup: Deduplicator, records: Sequence[Record], text_of: np.ndarray, record_of_text: np.ndarray,
                    vectorizer, *, maybe: bool = False, relations: Iterable[str] | None = None,
                    min_size: int = 2) -> Dupes:
    """Every paper ``dedup`` found with several records (:func:`iter_groups`, whose arguments
    these are), and with ``maybe`` the pairs left for a person to decide."""
    groups = list(iter_groups(dedup, records, text_of, record_of_text, vectorizer, relations=relations,
                              min_size=min_size))
    return Dupes(threshold=dedup.threshold, title_threshold=dedup.title_threshold,
                 papers=int(dedup.paper_of_text_.max()) + 1 if len(dedup.paper_of_text_) else 0,
                 records=len(records), groups=groups,
                 maybe=maybe_pairs(dedup, records, record_of_text, vectorizer) if maybe else [])


def maybe_pairs(dedup: Deduplicator, records: Sequence[Record], record_of_text: np.ndarray,
                vectorizer) -> list[MaybePair]:
    """The pairs ``dedup`` left for a person to decide, strongest first, less those now in one
    group; ``record_of_text`` gives each text's representative record."""
    out = []
    paper = dedup.paper_of_text_
    best: dict[tuple[int, int], tuple[int, int, float]] = {}
    for (a, b), score in zip(dedup.maybe_.tolist(), dedup.maybe_scores_.tolist()):
        key = (min(paper[a], paper[b]), max(paper[a], paper[b]))
        # One pair for two papers (the strongest), none within one paper.
        if key[0] != key[1] and (key not in best or score > best[key][2]):
            best[key] = (a, b, score)
    pairs = list(best.values())
    heads = [(records[int(record_of_text[a])], records[int(record_of_text[b])]) for a, b, _ in pairs]
    cosines = abstract_cosines(vectorizer, heads)
    for (ra, rb), (_, _, score), cos in zip(heads, pairs, cosines):
        out.append(MaybePair(a=ra.id, b=rb.id, title_a=ra.title, title_b=rb.title, score=round(float(score), 4),
                             evidence=pair_evidence(ra, rb, cos)))
    out.sort(key=lambda m: (-m.score, m.a, m.b))
    return out


def check_record(record: Record, candidates: Sequence[tuple[int, Record]], vectorizer, dedup: Deduplicator,
                 paper_records: Callable[[int], list[Record]]) -> CheckResult:
    """Whether an index already holds a version of this record (known), may hold one (maybe:
    for a person to decide), or not (new), by ``dedup``'s rules against the ``candidates``
    (each a text of the index and its representative record); ``paper_records(text)`` gives
    the records of the text's paper, its canonical record first."""
    known = [other for _, other in candidates]
    cosines = abstract_cosines(vectorizer, [(record, k) for k in known])
    generic = dedup.generic_titles_
    best = {"same": None, "maybe": None}
    for (text, other), cos in zip(candidates, cosines):
        evidence = pair_evidence(record, other, cos)
        verdict = decide(evidence, dedup.threshold, dedup.title_threshold,
                         bool({folded_text(record.title), folded_text(other.title)} & generic))
        found = best.get(verdict.decision, False)
        if found is not False and (found is None or verdict.score > found[1]):
            best[verdict.decision] = (text, verdict.score, verdict.rule, evidence, other)
    result = CheckResult(id=record.id, title=record.title, source=record.source, status="new")
    chosen, status = (best["same"], "known") if best["same"] else (best["maybe"], "maybe")
    if chosen is None:
        return result
    text, score, rule, evidence, other = chosen
    members = paper_records(text)
    head = members[0]
    result.status = status
    result.match = CheckMatch(paper=head.id, records=[r.id for r in members],
                              title=head.title, score=round(float(score), 4), rule=rule,
                              relation=relation(evidence, rule, record, other) if status == "known" else None,
                              evidence=evidence)
    return result
