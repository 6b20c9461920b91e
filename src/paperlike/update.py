"""Adding records to a fitted index without refitting its vocabulary.

New records are vectorised with the vocabulary and IDF the index was fitted with (and get BM25
values and topic embeddings with the fit's statistics and LSA, :mod:`paperlike.rank`): words it does
not know are counted (``updates_`` keeps the running totals, which ``info`` reports as the
vocabulary's staleness) and left out of the vectors until ``paperlike index --refit``. A new
record that is a version of a paper already in the index (``check``'s rules) joins that paper;
new records that are versions of each other are grouped as at build time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .csr import sp, sparse
from .dedup import Deduplicator, check_record, completeness
from .errors import EmptyCorpusError
from .heap import collections_paused
from .models import Addition, Paper
from .vectorize import paper_text

__all__ = ["add_records", "NEW_WORDS_SHOWN"]

NEW_WORDS_SHOWN = 20


@collections_paused()
def add_records(index, records: Sequence[Paper]) -> dict:
    """Add records to a fitted index in place; what was done, as AddReport's fields."""
    if not records:
        raise EmptyCorpusError("no records to add")
    from .index import added_now, text_identity

    records = _unique_against(index, list(records))
    n_records, n_texts, n_papers = len(index.records_), index.X_.shape[0], index.n_papers
    text_of_record, new_texts = [], []
    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        identity = text_identity(record)
        known = index.keys["text"].get(identity)
        if known:
            text_of_record.append(known[0])
            continue
        if identity not in seen:
            seen[identity] = n_texts + len(new_texts)
            new_texts.append([])
        text_of_record.append(seen[identity])
        new_texts[seen[identity] - n_texts].append(i)
    heads = [max(members, key=lambda i: completeness(records[i])) for members in new_texts]
    reps = [records[i] for i in heads]
    empty = sp.csr_matrix((0, index.X_.shape[1]), dtype=np.float32)
    rows = index.vectorizer.transform(reps) if reps else empty
    counts = index.vectorizer.counts(reps) if reps else empty
    tokens, unknown = _out_of_vocabulary(index, records)

    paper_of_new, pairs, rules, scores, maybe, maybe_scores = _papers_of_new_texts(index, reps, rows, n_texts,
                                                                                   n_papers)
    attached = sum(1 for t in text_of_record if t < n_texts or paper_of_new[t - n_texts] < n_papers)

    index.additions_ = [*getattr(index, "additions_", []), Addition(at=added_now(), first=n_records, count=len(records))]
    index.records_ = list(index.records_) + records
    index.text_of_record_ = np.concatenate([index.text_of_record_, np.array(text_of_record, dtype=np.int64)])
    index._identities = None
    index.record_of_text_ = np.concatenate([index.record_of_text_, np.array(heads, dtype=np.int64) + n_records])
    index.paper_of_text_ = np.concatenate([index.paper_of_text_, paper_of_new])
    old_XT = index.XT_
    index._set_matrix(sp.vstack([sparse(index.X_), rows], format="csr"))
    index.ranker.extend(old_XT, index.XT_, counts, rows)  # BM25 values and embeddings of the new texts
    index.dedup.extend(pairs, rules, scores, index.paper_of_text_, maybe, maybe_scores)
    index.facets_ = index.facets_.extend(records)
    index._group_records(canonical=_canonical(index, n_papers, n_records))
    totals = dict(index.updates_)
    for key, value in (("records_added", len(records)), ("tokens", tokens),
                       ("out_of_vocabulary", sum(unknown.values()))):
        totals[key] = totals.get(key, 0) + value
    index.updates_ = totals
    return {"records_added": len(records), "new_papers": index.n_papers - n_papers,
            "attached_versions": attached, "tokens": tokens,
            "out_of_vocabulary": sum(unknown.values()),
            "new_words": [w for w, _ in unknown.most_common(NEW_WORDS_SHOWN)]}


def _unique_against(index, records: list[Paper]) -> list[Paper]:
    """The records with ids the index does not hold yet ("#2", "#3" suffixes, as at build)."""
    taken: set[str] = set()
    out = []
    for record in records:
        base, n, rid = record.id, 1, record.id
        while rid in taken or any(index.records_[r].id == rid for r in index.keys["id"].get(rid)):
            n += 1
            rid = f"{base}#{n}"
        taken.add(rid)
        out.append(record if rid == record.id else record.model_copy(update={"id": rid}))
    return out


def _out_of_vocabulary(index, records: Sequence[Paper]) -> tuple[int, Counter]:
    analyzer = index.vectorizer.analyzer()
    vocabulary = index.vectorizer.term_index()
    words = [w for r in records for w in analyzer(paper_text(r, 1))]
    return len(words), Counter(w for w in words if w not in vocabulary)


def _papers_of_new_texts(index, reps: list[Paper], rows: sp.csr_matrix, n_texts: int, n_papers: int):
    """Paper of each new text, and the version pairs (text numbers) that joined them."""
    if not reps:
        return np.zeros(0, dtype=np.int64), [], [], [], [], []
    among = Deduplicator(**index.dedup.get_params()).fit(reps, index.vectorizer, rows)
    pairs = [(n_texts + a, n_texts + b) for a, b in among.pairs_.tolist()]
    rules, scores = list(among.rules_), among.scores_.tolist()
    maybe = [(n_texts + a, n_texts + b) for a, b in among.maybe_.tolist()]
    maybe_scores = among.maybe_scores_.tolist()
    best: dict[int, tuple[float, int]] = {}
    for t, record in enumerate(reps):
        result = check_record(index, record)
        if result.match is None:
            continue
        known_text = int(index.text_of_record_[index.record_by_id(result.match.records[0])])
        if result.status == "maybe":
            maybe.append((known_text, n_texts + t))
            maybe_scores.append(result.match.score)
            continue
        paper = int(index.paper_of_text_[known_text])
        pairs.append((known_text, n_texts + t))
        rules.append(result.match.rule)
        scores.append(result.match.score)
        group = int(among.paper_of_text_[t])
        if group not in best or result.match.score > best[group][0]:
            best[group] = (result.match.score, paper)
    numbering: dict[int, int] = {}
    out = []
    for group in among.paper_of_text_.tolist():
        if group in best:
            out.append(best[group][1])
        else:
            out.append(numbering.setdefault(group, n_papers + len(numbering)))
    return np.array(out, dtype=np.int64), pairs, rules, scores, maybe, maybe_scores


def _canonical(index, n_papers_before: int, n_records_before: int) -> np.ndarray:
    """Each paper's most complete record: unchanged for papers no new record joined."""
    paper_of_record = index.paper_of_text_[index.text_of_record_]
    canonical = np.concatenate([np.asarray(index.canonical_, dtype=np.int64),
                                np.full(int(paper_of_record.max()) + 1 - n_papers_before, -1, dtype=np.int64)])
    touched = set(paper_of_record[n_records_before:].tolist())
    for paper in touched:
        members = np.flatnonzero(paper_of_record == paper).tolist()
        canonical[paper] = max(members, key=lambda r: completeness(index.records_[r]))
    return canonical
