"""Topics: a low-rank LSA embedding of the TF-IDF rows (latent semantic analysis).

``TruncatedSVD`` is fitted on the TF-IDF rows of a random sample of texts (a fixed seed), and
every text is projected with it and scaled to unit length: two texts' dot product is then their
topic similarity, high for papers on one subject in other words. A sample is as good as
fitting on all the texts (benchmarks/RANKING.md), so the fit costs the same at any corpus size
and the projection is one sparse x dense product per chunk of texts.

Only the terms that occur in the sample get a row of ``components_`` (a term absent from the
sample has none in the SVD either), which keeps the components small on a large vocabulary.
"""

from __future__ import annotations

import numpy as np

from .csr import Rows, sp, sparse
from .params import Params, check_fitted

__all__ = ["Lsa"]

_CHUNK = 50_000  # texts projected at a time (bounds the dense temporary: rows x rank float32)


class Lsa(Params):
    """Unit-length LSA embeddings of TF-IDF rows.

    Parameters: ``n_components`` (the rank; at most one less than the sample's texts and terms),
    ``sample`` (fit on at most this many random texts), ``n_iter`` and ``random_state``
    (TruncatedSVD's randomized solver). Fitted state: ``terms_`` (sorted column numbers of the
    terms the sample holds), ``components_`` (one row per term of ``terms_``, ``rank_`` columns,
    float32) and ``rank_``.
    """

    def __init__(self, n_components: int = 64, *, sample: int = 20_000, n_iter: int = 5,
                 random_state: int = 0) -> None:
        self.n_components = n_components
        self.sample = sample
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, X: sp.csr_matrix) -> Lsa:
        """Fit the SVD on a random sample of the rows of X (texts x terms, TF-IDF)."""
        X = sp.csr_matrix(sparse(X))
        n = X.shape[0]
        rows = np.arange(n)
        if n > self.sample:
            rows = np.sort(np.random.default_rng(self.random_state).choice(n, self.sample, replace=False))
        part = X[rows]
        self.terms_ = np.unique(part.indices).astype(np.int32)
        self.n_terms_ = X.shape[1]
        part = self._columns(part)
        rank = min(self.n_components, part.shape[0] - 1, part.shape[1] - 1)
        if rank < 1:
            raise ValueError("too few texts or terms for an LSA embedding")
        from sklearn.decomposition import TruncatedSVD  # fitting only: a saved model is queried without it

        svd = TruncatedSVD(rank, algorithm="randomized", n_iter=self.n_iter, random_state=self.random_state)
        svd.fit(part)
        self.components_ = np.ascontiguousarray(svd.components_.T, dtype=np.float32)
        self.rank_ = rank
        return self

    @classmethod
    def from_fitted(cls, params: dict, terms: np.ndarray, components: np.ndarray, n_terms: int) -> Lsa:
        """A fitted Lsa rebuilt from saved parameters and arrays."""
        return cls(**params)._restore(terms, components, n_terms)

    def _restore(self, terms: np.ndarray, components: np.ndarray, n_terms: int) -> Lsa:
        self.terms_, self.components_, self.n_terms_ = terms, components, n_terms
        self.rank_ = int(components.shape[1])
        return self

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state to save: ``terms`` and ``components`` (its rank is their width)."""
        return {"terms": np.asarray(self.terms_, dtype=np.int32),
                "components": np.asarray(self.components_, dtype=np.float32)}

    @classmethod
    def from_arrays(cls, params: dict, arrays: dict[str, np.ndarray], n_terms: int) -> Lsa:
        """A fitted Lsa from its parameters, what :meth:`to_arrays` gave and the vocabulary's size."""
        return cls.from_fitted(params, arrays["terms"], arrays["components"], n_terms)

    def _column_of_term(self) -> np.ndarray:
        """Each term's row of ``components_`` (-1 for the terms not in ``terms_``)."""
        column = getattr(self, "_column", None)
        if column is None:
            column = np.full(self.n_terms_, -1, dtype=np.int32)
            column[self.terms_] = np.arange(len(self.terms_), dtype=np.int32)
            self._column = column
        return column

    def _columns(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        """The rows restricted to ``terms_``, renumbered 0..len(terms_)-1."""
        rows = sp.csr_matrix(sparse(rows))
        mapped = self._column_of_term()[rows.indices]
        keep = mapped >= 0
        kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        indptr = kept_before[rows.indptr]
        return sp.csr_matrix((rows.data[keep], mapped[keep], indptr), shape=(rows.shape[0], len(self.terms_)))

    def transform(self, rows: sp.csr_matrix, dtype: type = np.float32) -> np.ndarray:
        """Unit-length embeddings (float32, or ``dtype``) of TF-IDF rows; a row with no term of
        the sample embeds as zeros."""
        check_fitted(self, ("terms_", "components_", "rank_"), "transform")
        if isinstance(rows, Rows):
            return self._embed(rows, dtype)
        rows = sp.csr_matrix(rows)
        out = np.empty((rows.shape[0], self.rank_), dtype=dtype)
        for start in range(0, rows.shape[0], _CHUNK):
            part = self._columns(rows[start:start + _CHUNK])
            z = np.asarray(part @ self.components_, dtype=np.float32)
            norms = np.linalg.norm(z, axis=1, keepdims=True)
            np.divide(z, norms, out=z, where=norms > 0)
            out[start:start + len(z)] = z
        return out

    def _embed(self, rows: Rows, dtype: type) -> np.ndarray:
        """:meth:`transform` of a few rows (a query's) with numpy alone: each row's product with
        the components added up one stored value after another in float32, as scipy's kernel
        adds them, so that the embedding is the same to the bit."""
        column = self._column_of_term()
        out = np.empty((rows.shape[0], self.rank_), dtype=dtype)
        for i in range(rows.shape[0]):
            a, b = int(rows.indptr[i]), int(rows.indptr[i + 1])
            mapped = column[rows.indices[a:b]]
            keep = mapped >= 0
            z = np.zeros((1, self.rank_), dtype=np.float32)
            for value, term in zip(rows.data[a:b][keep].tolist(), mapped[keep].tolist()):
                z[0] += np.float32(value) * self.components_[term]
            norms = np.linalg.norm(z, axis=1, keepdims=True)
            np.divide(z, norms, out=z, where=norms > 0)
            out[i] = z[0]
        return out
