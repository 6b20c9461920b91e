"""Reporting versions (``dupes``), and checking incoming records against an index (``check``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from ..models import CheckMatch, CheckResult, DupeGroup, DupeMember, Dupes, MaybePair, Paper
from ..text import text_key
from .deduplicator import Deduplicator
from .grouping import completeness
from .rules import decide, pair_evidence, relation

__all__ = ["versions_report", "check_record", "abstract_cosines"]


def abstract_cosines(vectorizer, pairs: Sequence[tuple[Paper, Paper]]) -> list[float | None]:
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


def _worth_a_look(group: DupeGroup) -> bool:
    """A group with several input ids, or a relation other than a copy, is worth a look first."""
    ids = {m.id.split("#", 1)[0] for m in group.members}
    return len(ids) > 1 or any(m.relation not in (None, "copy") for m in group.members)


def versions_report(index, dedup: Deduplicator | None = None, *, maybe: bool = False) -> Dupes:
    """Every paper of the index with more than one record, each member with its evidence and
    relation to the paper's canonical (most complete) record, the groups worth a look first;
    with ``maybe``, the pairs left for a person to decide too. A ``dedup`` fitted with other
    thresholds regroups the same texts without changing the index."""
    dedup = dedup or index.dedup
    records = index.records_
    paper_of_record = dedup.paper_of_text_[index.text_of_record_]
    members: dict[int, list[int]] = defaultdict(list)
    for r, paper in enumerate(paper_of_record.tolist()):
        members[paper].append(r)
    groups = {p: rs for p, rs in members.items() if len(rs) > 1}
    canonical = {p: max(rs, key=lambda r: completeness(records[r])) for p, rs in groups.items()}
    same_text = {r for p, rs in groups.items() for r in rs
                 if index.text_of_record_[r] == index.text_of_record_[canonical[p]]}
    compared = [(r, canonical[p]) for p, rs in groups.items() for r in rs if r not in same_text]
    cosines = abstract_cosines(index.vectorizer, [(records[a], records[b]) for a, b in compared])
    cosine_of = dict(zip(compared, cosines))
    cosine_of.update({(r, canonical[p]): 1.0 for p, rs in groups.items() for r in rs if r in same_text})
    label = {int(t): records[int(r)].id for t, r in enumerate(index.record_of_text_)}
    joined = _joining_pairs(dedup, label)
    out = []
    for p, rs in groups.items():
        head = records[canonical[p]]
        listed = [DupeMember(id=head.id, score=1.0, rule="canonical")]
        for r in sorted(rs, key=lambda r: records[r].id):
            if r == canonical[p]:
                continue
            record = records[r]
            evidence = pair_evidence(record, head, cosine_of[(r, canonical[p])])
            if r in same_text:
                rule, score, kind = "same text", 1.0, "copy"
            else:
                generic = bool({text_key(record.title), text_key(head.title)} & dedup.generic_titles_)
                verdict = decide(evidence, dedup.threshold, dedup.title_threshold, generic)
                rule, score = verdict.rule, verdict.score
                if verdict.decision != "same":
                    rule, score = joined[int(index.text_of_record_[r])]
                kind = relation(evidence, rule.split(" (via ", 1)[0], record, head)
            listed.append(DupeMember(id=record.id, score=round(float(score), 4), rule=rule, relation=kind,
                                     evidence=evidence))
        out.append(DupeGroup(id=head.id, canonical=head.id, title=head.title, members=listed))
    out.sort(key=lambda g: (not _worth_a_look(g), g.id))
    queue = _maybe_pairs(index, dedup) if maybe else []
    return Dupes(threshold=dedup.threshold, title_threshold=dedup.title_threshold,
                 papers=int(dedup.paper_of_text_.max()) + 1 if len(dedup.paper_of_text_) else 0,
                 records=len(records), groups=out, maybe=queue)


def _maybe_pairs(index, dedup: Deduplicator) -> list[MaybePair]:
    """The pairs left for a person to decide, strongest first, less those now in one group."""
    out = []
    records = index.records_
    pairs = [(a, b, s) for (a, b), s in zip(dedup.maybe_.tolist(), dedup.maybe_scores_.tolist())
             if dedup.paper_of_text_[a] != dedup.paper_of_text_[b]]
    heads = [(records[int(index.record_of_text_[a])], records[int(index.record_of_text_[b])]) for a, b, _ in pairs]
    cosines = abstract_cosines(index.vectorizer, heads)
    for (ra, rb), (_, _, score), cos in zip(heads, pairs, cosines):
        out.append(MaybePair(a=ra.id, b=rb.id, title_a=ra.title, title_b=rb.title, score=round(float(score), 4),
                             evidence=pair_evidence(ra, rb, cos)))
    out.sort(key=lambda m: (-m.score, m.a, m.b))
    return out


_CHECK_CANDIDATES = 20
_CHECK_MIN_COSINE = 0.3


def check_record(index, record: Paper) -> CheckResult:
    """Whether the index already holds a version of this record (known), may hold one (maybe:
    for a person to decide), or not (new)."""
    vector = index.vectorizer.transform([record])
    top = index.top_texts(index.scores(vector), _CHECK_CANDIDATES) if vector.nnz else []
    # Below this whole-text cosine no rule can hold (a version shares its title or most of its
    # abstract), so the costlier signals are computed for a few texts only.
    texts = [t for t, score in top if score >= _CHECK_MIN_COSINE]
    if record.title:
        for paper in index.keys["title"].get(text_key(record.title)):
            texts.extend(np.flatnonzero(index.paper_of_text_ == paper).tolist())
    texts.extend(index.texts_of_identifiers(record))
    candidates = list(dict.fromkeys(texts))
    known = [index.records_[int(index.record_of_text_[t])] for t in candidates]
    cosines = abstract_cosines(index.vectorizer, [(record, k) for k in known])
    generic = index.dedup.generic_titles_
    best = {"same": None, "maybe": None}
    for text, other, cos in zip(candidates, known, cosines):
        evidence = pair_evidence(record, other, cos)
        verdict = decide(evidence, index.dedup.threshold, index.dedup.title_threshold,
                         bool({text_key(record.title), text_key(other.title)} & generic))
        found = best.get(verdict.decision, False)
        if found is not False and (found is None or verdict.score > found[1]):
            best[verdict.decision] = (text, verdict.score, verdict.rule, evidence, other)
    result = CheckResult(id=record.id, title=record.title, source=record.source, status="new")
    chosen, status = (best["same"], "known") if best["same"] else (best["maybe"], "maybe")
    if chosen is None:
        return result
    text, score, rule, evidence, other = chosen
    paper = int(index.paper_of_text_[text])
    records = index.records_of_paper(paper)
    head = index.records_[records[0]]
    result.status = status
    result.match = CheckMatch(paper=head.id, records=[index.records_[r].id for r in records],
                              title=head.title, score=round(float(score), 4), rule=rule,
                              relation=relation(evidence, rule, record, other) if status == "known" else None,
                              evidence=evidence)
    return result
