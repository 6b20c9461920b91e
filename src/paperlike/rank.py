"""The ranking of ``similar``: an exact lexical score, re-ranked with topic similarity.

The lexical part (TF-IDF cosine for a paper as the query, BM25 for text) explains each result
by the terms it shares with the query; the LSA topic part finds papers that say the same in
other words. The BM25 values are one float32 per posting beside the TF-IDF inverted index
(``XT_``: same ``indptr`` and ``indices``), so a text query walks the same postings with the
other data array. The formula, its parameters and how they were measured: docs/ranking.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .csr import sp
from .lsa import Lsa
from .params import Params, check_fitted
from .postings import walk

__all__ = ["Ranker", "best_positive"]

_SAMPLE = 20_000  # values looked at to guess the cut of the best ones

_CHUNK = 1 << 22  # postings converted at a time (bounds the temporary arrays)


def _row_totals(counts: sp.csr_matrix) -> np.ndarray:
    """Each row's sum, in float64: scipy's ``sum(axis=1)`` first copies integer counts into
    int64, a matrix-sized copy at the build's peak of memory."""
    totals = np.zeros(counts.shape[0])
    filled = np.diff(counts.indptr) > 0
    if filled.any():
        # A filled row's sum runs from its start to the next filled row's start.
        # In the counts' own dtype: in any other (float64, or the int64 numpy picks for int32),
        # reduceat first copies them all to it. A text has fewer than 2**31 words.
        totals[filled] = np.add.reduceat(counts.data, counts.indptr[:-1][filled], dtype=counts.data.dtype)
    return totals


class Ranker(Params):
    """BM25 for text queries and LSA re-ranking; see the module's doc for the formula.

    Parameters (defaults measured, benchmarks/RANKING.md): ``k1``, ``b`` (BM25),
    ``lambda_paper``, ``lambda_text`` (the topic's weight for a paper query and a text query),
    ``candidates`` (how many lexically best texts are re-ranked), ``n_components``,
    ``svd_sample``, ``random_state`` (the LSA, :class:`paperlike.lsa.Lsa`) and
    ``lsa_min_texts`` (no LSA below this many texts).

    Fitted state: ``idf_`` (BM25 idf per term), ``avgdl_``, ``postings_`` (float32 ``S_td``,
    aligned with the inverted index's postings), ``lsa_`` (None without LSA) and ``Z_`` (the
    texts' unit-length embeddings, float16, or None).
    """

    def __init__(self, *, k1: float = 1.2, b: float = 0.75, lambda_paper: float = 0.3,
                 lambda_text: float = 0.5, candidates: int = 1000, n_components: int = 64,
                 svd_sample: int = 20_000, random_state: int = 0, lsa_min_texts: int = 1000) -> None:
        self.k1 = k1
        self.b = b
        self.lambda_paper = lambda_paper
        self.lambda_text = lambda_text
        self.candidates = candidates
        self.n_components = n_components
        self.svd_sample = svd_sample
        self.random_state = random_state
        self.lsa_min_texts = lsa_min_texts

    # -- fitting ----------------------------------------------------------------------------

    def fit(self, counts: sp.csr_matrix, X: sp.csr_matrix, XT: sp.csr_matrix, *,
            order: np.ndarray | None = None) -> Ranker:
        """Learn BM25's statistics from the raw counts (texts x terms, the same non-zeros as X)
        and the LSA from the TF-IDF rows X; ``XT`` is X's inverted index, and ``order``, if
        known, the positions in X of XT's postings (which spares a transpose of the counts)."""
        return self.fit_bm25(counts, X, XT, order=order).fit_lsa(X)

    def fit_bm25(self, counts: sp.csr_matrix, X: sp.csr_matrix, XT: sp.csr_matrix, *,
                 order: np.ndarray | None = None) -> Ranker:
        """The first half of :meth:`fit`: BM25's statistics and postings (a build lets the
        counts and ``order`` go before :meth:`fit_lsa`)."""
        counts = sp.csr_matrix(counts)
        n = counts.shape[0]
        df = np.diff(XT.indptr).astype(np.float64)
        self.idf_ = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        dl = _row_totals(counts)
        self.avgdl_ = float(dl.mean()) if n else 0.0
        if order is not None and not (len(order) == XT.nnz and np.array_equal(counts.indptr, X.indptr)
                                      and np.array_equal(counts.indices, X.indices)):
            order = None  # the counts' non-zeros are not X's, in X's order: transposed instead
        self.postings_ = self._saturated(counts, dl, XT, order)
        self.lsa_, self.Z_ = None, None
        return self

    def fit_lsa(self, X: sp.csr_matrix) -> Ranker:
        """The second half of :meth:`fit`: the LSA of the TF-IDF rows X and the texts'
        embeddings (none below ``lsa_min_texts`` texts, or with both lambdas 0)."""
        n = X.shape[0]
        self.lsa_, self.Z_ = None, None
        if n >= max(self.lsa_min_texts, 2) and (self.lambda_paper or self.lambda_text):
            try:
                self.lsa_ = Lsa(self.n_components, sample=self.svd_sample,
                                random_state=self.random_state).fit(X)
            except ValueError:  # too few distinct terms for even one component
                self.lsa_ = None
        if self.lsa_ is not None:
            self.Z_ = self.lsa_.transform(X, dtype=np.float16)  # not a float32 copy first
        return self

    def spill(self, to_disk: Callable[[np.ndarray], np.ndarray]) -> None:
        """Hand the postings and embeddings to ``to_disk`` (:func:`paperlike.spill.to_disk`)
        and keep what it gives back: a build's duplicate search reads neither."""
        check_fitted(self, ("postings_", "Z_"), "spill")
        self.postings_ = to_disk(self.postings_)
        if self.Z_ is not None:
            self.Z_ = to_disk(self.Z_)

    def _saturated(self, counts: sp.csr_matrix, dl: np.ndarray, XT: sp.csr_matrix,
                   order: np.ndarray | None = None) -> np.ndarray:
        """S_td for every posting, in the order of ``XT``'s postings."""
        scale = max(self.avgdl_, 1e-9)
        norm = (self.k1 * (1 - self.b + self.b * dl / scale)).astype(np.float32)
        if order is not None:
            # XT's postings are X's non-zeros in this order, and so are the counts' when they
            # have X's non-zeros: their values are taken in the same order, without a transpose.
            tf_at = lambda a, b: counts.data[order[a:b]]  # noqa: E731
            texts = XT.indices
        else:
            CT = counts.T.tocsr()  # terms x texts, texts in increasing order within a term, as XT
            if not (np.array_equal(CT.indptr, XT.indptr) and np.array_equal(CT.indices, XT.indices)):
                raise ValueError("the counts and the TF-IDF rows have different non-zeros")
            tf_at = lambda a, b: CT.data[a:b]  # noqa: E731
            texts = CT.indices
        out = np.empty(len(texts), dtype=np.float32)
        for a in range(0, len(texts), _CHUNK):
            t = tf_at(a, a + _CHUNK).astype(np.float32)
            out[a:a + _CHUNK] = t * (self.k1 + 1) / (t + norm[texts[a:a + _CHUNK]])
        return out

    def extend(self, old_XT: sp.csr_matrix, XT: sp.csr_matrix, counts: sp.csr_matrix,
               rows: sp.csr_matrix) -> None:
        """Take in new texts appended after the old ones (``add``): their counts and TF-IDF
        rows; ``XT`` is the inverted index of all texts, ``old_XT`` that of the old ones. The
        statistics (idf, avgdl) and the LSA stay those of the fit, as the TF-IDF idf does."""
        check_fitted(self, ("avgdl_", "postings_", "lsa_"), "extend")
        counts = sp.csr_matrix(counts)
        n_old, n_new = old_XT.shape[1], counts.shape[0]
        if n_new == 0:
            return
        dl = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        norm = (self.k1 * (1 - self.b + self.b * dl / max(self.avgdl_, 1e-9))).astype(np.float32)
        CT = counts.T.tocsr()
        t = CT.data.astype(np.float32)
        new = sp.csr_matrix((t * (self.k1 + 1) / (t + norm[CT.indices]), CT.indices, CT.indptr),
                            shape=(counts.shape[1], n_new))
        old = sp.csr_matrix((np.asarray(self.postings_), np.asarray(old_XT.indices), np.asarray(old_XT.indptr)),
                            shape=(old_XT.shape[0], n_old))
        merged = sp.hstack([old, new], format="csr")
        merged.sort_indices()
        if not (np.array_equal(merged.indptr, XT.indptr) and np.array_equal(merged.indices, XT.indices)):
            raise ValueError("the new counts and TF-IDF rows have different non-zeros")
        self.postings_ = merged.data.astype(np.float32)
        if self.lsa_ is not None:
            self.Z_ = np.concatenate([np.asarray(self.Z_), self.lsa_.transform(rows).astype(np.float16)])

    # -- saving ---------------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted arrays to save: ``bm25_postings``, ``bm25_idf`` and, with an LSA, its
        arrays under ``lsa_`` and the texts' ``lsa_embeddings``; :meth:`fitted_values` holds
        the rest."""
        arrays = {"bm25_postings": np.asarray(self.postings_, dtype=np.float32),
                  "bm25_idf": np.asarray(self.idf_, dtype=np.float32)}
        if self.lsa_ is not None:
            arrays.update({f"lsa_{name}": array for name, array in self.lsa_.to_arrays().items()})
            arrays["lsa_embeddings"] = np.asarray(self.Z_, dtype=np.float16)
        return arrays

    def fitted_values(self) -> dict[str, Any]:
        """The fitted state that is not an array (a model's manifest keeps it): ``avgdl`` and
        the LSA's parameters and rank (None without LSA)."""
        return {"avgdl": self.avgdl_,
                "lsa": None if self.lsa_ is None else {**self.lsa_.get_params(), "rank": self.lsa_.rank_}}

    @classmethod
    def from_arrays(cls, params: dict[str, Any], values: dict[str, Any], arrays: dict[str, np.ndarray],
                    n_terms: int) -> Ranker:
        """A fitted Ranker from its parameters, :meth:`fitted_values`, :meth:`to_arrays` and the
        vocabulary's size."""
        return cls(**params)._restore(values, arrays, n_terms)

    def _restore(self, values: dict[str, Any], arrays: dict[str, np.ndarray], n_terms: int) -> Ranker:
        self.avgdl_ = float(values["avgdl"])
        self.postings_ = arrays["bm25_postings"]
        self.idf_ = arrays["bm25_idf"]
        self.lsa_, self.Z_ = None, None
        lsa = values["lsa"]
        if lsa is not None:
            self.lsa_ = Lsa.from_arrays({k: v for k, v in lsa.items() if k != "rank"},
                                        {"terms": arrays["lsa_terms"], "components": arrays["lsa_components"]},
                                        n_terms)
            self.Z_ = arrays["lsa_embeddings"]
        return self

    # -- scoring ----------------------------------------------------------------------------

    def text_scores(self, XT: sp.csr_matrix, terms: np.ndarray) -> np.ndarray:
        """BM25 of every text for a query of these distinct terms, divided by the largest."""
        check_fitted(self, ("idf_", "postings_"), "text_scores")
        terms = np.asarray(terms)
        scores = walk(XT, self.postings_, terms, self.idf_[terms])
        top = float(scores.max()) if len(scores) else 0.0
        if top > 0:
            scores /= top
        return scores

    def text_contributions(self, XT: sp.csr_matrix, terms: np.ndarray, text: int) -> tuple[np.ndarray, np.ndarray]:
        """The query's terms that the text holds, and each one's BM25 contribution to its score."""
        check_fitted(self, ("idf_", "postings_"), "text_contributions")
        found, weights = [], []
        key = np.asarray(text, dtype=XT.indices.dtype)  # a key of another dtype makes numpy copy the postings
        for t in np.asarray(terms).tolist():
            a, b = int(XT.indptr[t]), int(XT.indptr[t + 1])
            at = a + int(np.searchsorted(XT.indices[a:b], key))
            if at < b and XT.indices[at] == text:
                found.append(t)
                weights.append(float(self.idf_[t]) * float(self.postings_[at]))
        return np.array(found, dtype=np.int64), np.array(weights, dtype=np.float64)

    def embed(self, vector: sp.csr_matrix) -> np.ndarray | None:
        """A text query's unit-length topic embedding from its TF-IDF row (None without LSA)."""
        check_fitted(self, "lsa_", "embed")
        return None if self.lsa_ is None else self.lsa_.transform(vector)[0]

    def embedding(self, text: int) -> np.ndarray | None:
        """A stored text's topic embedding (None without LSA)."""
        check_fitted(self, "Z_", "embedding")
        return None if self.Z_ is None else np.asarray(self.Z_[text], dtype=np.float32)

    def blend(self, lex: np.ndarray, z: np.ndarray | None, lam: float) -> tuple[np.ndarray, dict[int, float], float | None]:
        """Final scores from the lexical ones and the query's embedding (``lex`` is overwritten
        with them), the topic similarity of each re-ranked text (the ``candidates`` best by
        ``lex``, all positive), and a ceiling on the scores of the texts not re-ranked (None
        when nothing is re-ranked): a result of the re-ranked texts above it is the best overall."""
        check_fitted(self, "Z_", "blend")
        if z is None or not lam or self.Z_ is None:
            return lex, {}, None
        chosen = best_positive(lex, self.candidates)
        topic = np.clip(np.asarray(self.Z_[chosen], dtype=np.float32) @ z, 0.0, 1.0)
        shrink = np.float32(1 + lam)
        blended = (lex[chosen] + np.float32(lam) * topic) / shrink
        ceiling = float(lex[chosen].min() / shrink) if len(chosen) else 0.0
        lex /= shrink
        lex[chosen] = blended
        return lex, dict(zip(chosen.tolist(), topic.tolist())), ceiling


def best_positive(values: np.ndarray, c: int) -> np.ndarray:
    """The indices of the ``c`` largest positive values (all the positive ones if fewer), in no
    order.

    A full ``argpartition`` of every score is a large share of a query on a large index; a cut
    guessed from an evenly spaced sample, then checked (at least ``c`` values are above it, so
    the ``c`` largest all are), leaves a few thousand values to partition.
    """
    n = len(values)
    if c < 1 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if n > 8 * c and n > _SAMPLE:
        sample = values[:: n // _SAMPLE]
        rank = min(len(sample) - 1, int(2 * c * len(sample) / n) + 1)
        cut = np.partition(sample, len(sample) - 1 - rank)[len(sample) - 1 - rank]
        if cut > 0:
            above = np.flatnonzero(values >= cut)
            if len(above) >= c:
                return above[np.argpartition(-values[above], c - 1)[:c]]
    positive = np.flatnonzero(values > 0)
    if len(positive) > c:
        positive = positive[np.argpartition(-values[positive], c - 1)[:c]]
    return positive
