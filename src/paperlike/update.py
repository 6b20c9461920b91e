"""Adding records to a fitted index without refitting its vocabulary: the parts of
:meth:`paperlike.index.PaperIndex.extend` that read the index and change nothing.

New records are vectorised with the vocabulary and IDF the index was fitted with (and get BM25
values and topic embeddings with the fit's statistics and LSA, :mod:`paperlike.rank`): words it does
not know are counted (``updates_`` keeps the running totals, which ``info`` reports as the
vocabulary's staleness) and left out of the vectors until ``paperlike index --refit``. A new
record that is a version of a paper already in the index (``check``'s rules) joins that paper;
new records that are versions of each other are grouped as at build time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .dedup import Deduplicator, completeness
from .records import Record
from .vectorize import Vectorizer, paper_text

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["add_records", "NEW_WORDS_SHOWN", "unique_ids", "out_of_vocabulary", "papers_of_new_texts",
           "extended_canonical"]

NEW_WORDS_SHOWN = 20


def add_records(index, records: Sequence[Record]) -> dict:
    """Add records to a fitted index in place (:meth:`PaperIndex.extend`); what was done, as
    AddReport's fields."""
    return index.extend(records)


def unique_ids(records: list[Record], held: Callable[[str], bool]) -> list[Record]:
    """The records with ids that ``held`` (the index's) says are not taken yet ("#2", "#3"
    suffixes, as at build)."""
    taken: set[str] = set()
    out = []
    for record in records:
        base, n, rid = record.id, 1, record.id
        while rid in taken or held(rid):
            n += 1
            rid = f"{base}#{n}"
        taken.add(rid)
        out.append(record if rid == record.id else record.model_copy(update={"id": rid}))
    return out


def out_of_vocabulary(vectorizer: Vectorizer, records: Sequence[Record]) -> tuple[int, Counter]:
    """How many words the records' texts have, and how often each word the vocabulary lacks."""
    analyzer = vectorizer.analyzer()
    vocabulary = vectorizer.term_index()
    words = [w for r in records for w in analyzer(paper_text(r, 1))]
    return len(words), Counter(w for w in words if w not in vocabulary)


def papers_of_new_texts(index, reps: list[Record], rows: sp.csr_matrix, n_texts: int, n_papers: int):
    """Paper of each new text, and the version pairs (text numbers) that joined them: each new
    text's representative record ``reps`` checked against the index (read only)."""
    if not reps:
        return np.zeros(0, dtype=np.int64), [], [], [], [], []
    among = Deduplicator(**index.dedup.get_params()).fit(reps, index.vectorizer, rows)
    pairs = [(n_texts + a, n_texts + b) for a, b in among.pairs_.tolist()]
    rules, scores = list(among.rules_), among.scores_.tolist()
    maybe = [(n_texts + a, n_texts + b) for a, b in among.maybe_.tolist()]
    maybe_scores = among.maybe_scores_.tolist()
    best: dict[int, tuple[float, int]] = {}
    for t, record in enumerate(reps):
        result = index.check(record)
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


def extended_canonical(canonical: np.ndarray, paper_of_record: np.ndarray, records: Sequence[Record],
                       n_papers_before: int, n_records_before: int) -> np.ndarray:
    """Each paper's most complete record: unchanged for papers no new record joined."""
    canonical = np.concatenate([np.asarray(canonical, dtype=np.int64),
                                np.full(int(paper_of_record.max()) + 1 - n_papers_before, -1, dtype=np.int64)])
    touched = set(paper_of_record[n_records_before:].tolist())
    for paper in touched:
        members = np.flatnonzero(paper_of_record == paper).tolist()
        canonical[paper] = max(members, key=lambda r: completeness(records[r]))
    return canonical
