"""Exact top-k cosine search over an inverted index, reading few postings.

A query's score for a text is the sum over the query's terms of query weight x text weight.
Frequent terms have long posting lists and small weights; reading them for every query is what
makes an inverted index slow on a large corpus. Here (the MaxScore idea of Turtle and Flood,
1995, on whole posting lists):

1. a lower bound ``theta`` on the k-th best score: the exact scores of the texts found in the
   rarest terms' postings (a few thousand), the k-th best group (paper) among them;
2. the frequent terms whose largest possible contributions (query weight x the largest weight
   in the term's postings) add up to less than ``theta`` are *non-essential*: a text found in
   none of the other terms' postings cannot reach ``theta``, so it cannot be in the top k;
3. the essential terms' postings give the candidates and their partial scores; a candidate
   whose partial score plus the non-essential bound is below ``theta`` is dropped; the rest are
   scored exactly from their own rows.

Nothing is approximated: the answer equals brute force (tests check it against scoring every
text), only the work differs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

__all__ = ["term_maxima", "candidates", "top_groups"]

# Postings read to find the lower bound: enough for a useful bound, few enough to be cheap.
_PROBE_POSTINGS = 4096


def term_maxima(XT: sp.csr_matrix) -> np.ndarray:
    """The largest weight in each term's postings (0 for a term with none)."""
    out = np.zeros(XT.shape[0], dtype=np.float32)
    lengths = np.diff(XT.indptr)
    filled = np.flatnonzero(lengths)
    if len(filled):
        out[filled] = np.maximum.reduceat(XT.data, XT.indptr[:-1][filled])
    return out


def _postings(XT: sp.csr_matrix, terms: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = XT.indptr[terms], XT.indptr[terms + 1]
    if len(terms) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    texts = np.concatenate([XT.indices[a:b] for a, b in zip(starts.tolist(), ends.tolist())])
    values = np.concatenate([XT.data[a:b] * w for a, b, w in zip(starts.tolist(), ends.tolist(), weights.tolist())])
    return texts, values


def _accumulate(XT: sp.csr_matrix, terms: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The texts in the terms' postings and their partial scores from those terms."""
    texts, values = _postings(XT, terms, weights)
    n = XT.shape[1]
    if len(texts) * 8 < n:  # few postings: sort them rather than touch an array of every text
        unique, inverse = np.unique(texts, return_inverse=True)
        return unique, np.bincount(inverse, values, minlength=len(unique))
    sums = np.bincount(texts, values, minlength=n)
    unique = np.flatnonzero(sums)
    return unique, sums[unique]


def top_groups(texts: np.ndarray, scores: np.ndarray, groups: np.ndarray | None, k: int
               ) -> list[tuple[int, int, float]]:
    """The k best groups as (group, best text, score), best first; ties go to the lower text."""
    keep = scores > 0
    texts, scores = texts[keep], scores[keep]
    order = np.lexsort((texts, -scores))
    texts, scores = texts[order], scores[order]
    labels = texts if groups is None else groups[texts]
    _, first = np.unique(labels, return_index=True)
    first.sort()
    first = first[:k]
    return list(zip(labels[first].tolist(), texts[first].tolist(), scores[first].tolist()))


def candidates(X: sp.csr_matrix, XT: sp.csr_matrix, maxima: np.ndarray, query: sp.csr_matrix, k: int,
               eligible: Callable[[np.ndarray], np.ndarray], groups: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Texts and their exact scores, among which are the k best eligible groups' best texts.

    ``eligible`` tells which texts may be returned (exclusions, filters); ``groups`` numbers
    each text's group (its paper) when the k best are k distinct groups, or None for texts.
    """
    terms = query.indices.astype(np.int64)
    weights = query.data.astype(np.float32)
    if len(terms) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    dense = np.zeros(X.shape[1], dtype=np.float32)
    dense[terms] = weights
    lengths = XT.indptr[terms + 1] - XT.indptr[terms]
    order = np.argsort(lengths, kind="stable")
    terms, weights, lengths = terms[order], weights[order], lengths[order]

    probe = max(1, int(np.searchsorted(np.cumsum(lengths), _PROBE_POSTINGS, side="right")))
    seen = np.unique(_postings(XT, terms[:probe], weights[:probe])[0])
    seen = seen[eligible(seen)]
    seen_scores = np.asarray(X[seen] @ dense).ravel() if len(seen) else np.zeros(0, dtype=np.float32)
    best = top_groups(seen, seen_scores, groups, k)
    theta = best[-1][2] if len(best) == k else 0.0

    # suffix[i]: the most the terms i.. (the most frequent ones) can add to any text's score.
    contributions = weights * maxima[terms]
    suffix = np.append(np.cumsum(contributions[::-1])[::-1], 0.0)
    essential = int(np.argmax(suffix < theta)) if theta > 0 else len(terms)
    texts, partial = _accumulate(XT, terms[:essential], weights[:essential])
    if essential == len(terms):
        exact = partial
    else:
        texts = texts[partial + suffix[essential] >= theta]
        texts = texts[eligible(texts)]
        exact = np.asarray(X[texts] @ dense).ravel() if len(texts) else np.zeros(0, dtype=np.float32)
        return np.concatenate([texts, seen]), np.concatenate([exact, seen_scores])
    keep = eligible(texts)
    return texts[keep], exact[keep]
