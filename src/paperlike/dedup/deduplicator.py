"""The estimator that groups the texts of an index into papers: candidates, rules, groups."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from ..csr import sp
from ..params import Params, check_fitted
from ..records import Record, field_values, rows_at
from ..text import folded_text
from ..vectorize import Fields, Vectorizer
from .grouping import coherent_groups

__all__ = ["Deduplicator"]


@functools.cache
def _rules() -> ModuleType:
    """The rules' module, imported by the first fit or verdict: loading a saved model, which
    restores this estimator's state, needs neither it nor the candidates' module."""
    from . import rules

    return rules


class Deduplicator(Params):
    """Groups the texts of an index into papers.

    Parameters: ``threshold``, the abstract cosine from which two abstracts are one paper's, and
    ``title_threshold``, the title similarity from which two records without abstracts may be.
    Fitted state: ``pairs_`` (text pairs joined), ``rules_`` and ``scores_`` for each pair,
    ``maybe_`` and ``maybe_scores_`` (pairs close but not certain, for a person to review),
    ``paper_of_text_`` (papers numbered from 0 in order of their first text) and
    ``generic_titles_``.
    """

    def __init__(self, *, threshold: float = 0.8, title_threshold: float = 0.9) -> None:
        self.threshold = threshold
        self.title_threshold = title_threshold

    def fit(self, records: Sequence[Record], vectorizer: Vectorizer, X: sp.csr_matrix,
            fields: Fields | None = None, decided: Iterable[tuple[int, int, str]] = ()) -> Deduplicator:
        """Find the versions among texts, given one representative record per text and the
        texts' TF-IDF rows ``X`` (and, when the vectoriser made them, the title and abstract
        rows in ``fields``, which spares tokenising those again). ``decided`` holds the pairs
        of texts a person said are the same paper or different papers (``"same"`` or
        ``"different"``): they override the rules."""
        from .candidates import abstract_signals, candidate_pairs, generic_titles
        from .rules import RULE_FIELDS

        i, j = candidate_pairs(records, vectorizer, X, fields)
        # the records the rules compare, each read once (from a table, only these are made):
        # their abstracts give the signals too
        rows = rows_at(records, np.unique(np.concatenate([i, j])).tolist(), RULE_FIELDS)
        cosines, ceilings = abstract_signals(records, vectorizer, i, j, fields, self.threshold, rows)
        generic = generic_titles(records)
        same, _ = _decisions(decided)
        kept, maybe = [], []
        for a, b, cos, ceiling in zip(i.tolist(), j.tolist(), cosines, ceilings):
            if (a, b) in same:
                continue
            found = self.verdict(rows[a], rows[b], cos, ceiling, generic)
            if found is not None:
                (kept if found[0] == "same" else maybe).append((a, b, *found[1:]))
        del rows
        return self.fit_verdicts(records, kept, [(a, b, score) for a, b, _, score in maybe], generic, decided)

    def verdict(self, a: Record, b: Record, cosine: float | None, ceiling: float | None,
                generic_titles: set[str]) -> tuple[str, str, float] | None:
        """What the rules say of one candidate pair of texts, given their representative
        records, abstract cosine and containment ceiling: ``(decision, rule, score)`` for a
        pair that is the same paper or maybe, None otherwise. Each pair alone: a distributed
        build applies it where the two records meet (:mod:`paperlike.spark`)."""
        rules = _rules()  # once per pair: imported once
        if rules.cannot_join(a, b, cosine, self.threshold, ceiling):
            return None
        generic = bool({folded_text(a.title), folded_text(b.title)} & generic_titles)
        found = rules.decide(rules.pair_evidence(a, b, cosine), self.threshold, self.title_threshold, generic)
        if found.decision in ("same", "maybe"):
            return found.decision, found.rule, found.score
        return None

    def fit_verdicts(self, records: Sequence[Record], kept: Sequence[tuple[int, int, str, float]],
                     maybe: Sequence[tuple[int, int, float]], generic_titles: set[str],
                     decided: Iterable[tuple[int, int, str]] = (), labels: np.ndarray | None = None
                     ) -> Deduplicator:
        """Group the texts from the pairs the rules joined (``kept``: text, text, rule, score,
        in candidate order, a < b) and those left for review (``maybe``): people's
        ``decided`` pairs override them, and the groups never hold two texts a veto keeps
        apart. ``labels``, connected components of the kept pairs computed elsewhere (any
        numbering), spare computing them here."""
        from .rules import RULE_FIELDS, kept_apart

        same, different = _decisions(decided)
        kept = [k for k in kept if (k[0], k[1]) not in same and (k[0], k[1]) not in different]
        maybe = [m for m in maybe if (m[0], m[1]) not in same and (m[0], m[1]) not in different]
        self.generic_titles_ = generic_titles
        kept.extend((a, b, "decided", 1.0) for a, b in sorted(same))
        if same:
            labels = None  # the decided pairs join texts the given components do not

        # the records of every text a pair joins, read once: groups are checked for vetoes
        # only among them
        joined = rows_at(records, sorted({t for a, b, _, _ in kept for t in (a, b)}), RULE_FIELDS)

        def apart(a: int, b: int) -> bool:
            pair = (min(a, b), max(a, b))
            return pair in different or (pair not in same and kept_apart(joined[a], joined[b]) is not None)

        pairs = np.array([(a, b) for a, b, _, _ in kept], dtype=np.int64).reshape(-1, 2)
        scores = np.array([score for _, _, _, score in kept], dtype=np.float32)
        # A person's decision is merged before any rule's pair: where the two disagree (the rules
        # joined A to B, a person joined B to C, and A and C are kept apart), the person wins.
        order = scores + np.array([rule == "decided" for _, _, rule, _ in kept], dtype=np.float32)
        self.paper_of_text_, used = coherent_groups(len(records), pairs, order, field_values(records, "id"), apart,
                                                    labels=labels)
        self.pairs_ = pairs[used]
        self.rules_ = [rule for (_, _, rule, _), u in zip(kept, used.tolist()) if u]
        self.scores_ = scores[used]
        # A pair the groups could not take (a veto elsewhere in its group) is for a person to
        # review, unless a person already decided it (decisions that contradict each other).
        left_out = [(a, b, score) for (a, b, rule, score), u in zip(kept, used.tolist())
                    if not u and rule != "decided"]
        maybe = sorted(list(maybe) + left_out)
        self.maybe_ = np.array([(a, b) for a, b, _ in maybe], dtype=np.int64).reshape(-1, 2)
        self.maybe_scores_ = np.array([s for _, _, s in maybe], dtype=np.float32)
        return self

    def extend(self, pairs: Sequence[tuple[int, int]], rules: Sequence[str], scores: Sequence[float],
               paper_of_text: np.ndarray, maybe: Sequence[tuple[int, int]] = (),
               maybe_scores: Sequence[float] = ()) -> Deduplicator:
        """Take in the pairs found for texts added to a fitted index, and its new grouping."""
        check_fitted(self, ("pairs_", "rules_", "scores_", "maybe_", "maybe_scores_"), "extend")
        self.pairs_ = np.concatenate([self.pairs_.reshape(-1, 2), np.array(pairs, dtype=np.int64).reshape(-1, 2)])
        self.rules_ = list(self.rules_) + list(rules)
        self.scores_ = np.concatenate([self.scores_, np.array(scores, dtype=np.float32)])
        self.maybe_ = np.concatenate([self.maybe_.reshape(-1, 2), np.array(maybe, dtype=np.int64).reshape(-1, 2)])
        self.maybe_scores_ = np.concatenate([self.maybe_scores_, np.array(maybe_scores, dtype=np.float32)])
        self.paper_of_text_ = paper_of_text
        return self

    def to_arrays(self) -> dict[str, Any]:
        """The fitted state to save (the grouping, ``paper_of_text_``, is its index's): the
        pairs joined (``version_pairs``, ``version_scores``, ``version_rules``), those left for
        review (``maybe_pairs``, ``maybe_scores``) and ``generic_titles`` (sorted)."""
        return {"version_pairs": np.asarray(self.pairs_, dtype=np.int64),
                "version_scores": np.asarray(self.scores_, dtype=np.float32),
                "version_rules": list(self.rules_),
                "maybe_pairs": np.asarray(self.maybe_, dtype=np.int64),
                "maybe_scores": np.asarray(self.maybe_scores_, dtype=np.float32),
                "generic_titles": sorted(self.generic_titles_)}

    @classmethod
    def from_arrays(cls, params: dict[str, float], arrays: dict[str, Any], paper_of_text: np.ndarray) -> Deduplicator:
        """A fitted Deduplicator from its parameters, what :meth:`to_arrays` gave and the
        texts' papers."""
        return cls(**params)._restore(arrays, paper_of_text)

    def _restore(self, arrays: dict[str, Any], paper_of_text: np.ndarray) -> Deduplicator:
        self.pairs_ = arrays["version_pairs"].reshape(-1, 2)
        self.scores_ = arrays["version_scores"]
        self.maybe_ = arrays["maybe_pairs"].reshape(-1, 2)
        self.maybe_scores_ = arrays["maybe_scores"]
        self.rules_ = arrays["version_rules"]
        self.generic_titles_ = set(arrays["generic_titles"])
        self.paper_of_text_ = paper_of_text
        return self


def _decisions(decided: Iterable[tuple[int, int, str]]) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    same: set[tuple[int, int]] = set()
    different: set[tuple[int, int]] = set()
    for a, b, what in decided:
        if a != b:
            (same if what == "same" else different).add((min(a, b), max(a, b)))
    return same, different
