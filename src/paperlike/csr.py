"""CSR rows over plain numpy arrays: what a query reads of a saved model, without scipy.sparse.

Importing scipy.sparse costs a cold command more than numpy itself (most of it is scipy's
array-API layer, which imports every numpy submodule, f2py and testing included), and a query
does no matrix algebra: it reads rows and posting lists, slices of three arrays. A loaded model's
matrices are therefore :class:`Rows` (``data``, ``indices``, ``indptr``, ``shape``, column indices
sorted within each row), and so is a query's own row. Code that does algebra (fitting, ``dupes``,
``add``, ``--diverse``, ``recommend``, ``graph``) asks :func:`sparse` for the scipy matrix, which
shares the arrays.

``sp`` is the scipy.sparse module, imported at the first use of one of its names, so that the
modules of the query path can name it at their top and import it only when they run algebra
(tests/test_startup.py checks that a query does not). :func:`kernels` is scipy's compiled
``_sparsetools`` module, which the posting walk (:mod:`paperlike.postings`) runs, loaded
without running scipy.sparse's package import.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Rows", "sp", "sparse", "rows", "kernels"]


class _Later:
    """A module imported at the first use of one of its names."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<{self._name}, imported at its first use>"


sp: Any = _Later("scipy.sparse")


class Rows:
    """A CSR matrix as its three arrays and its shape; ``has_sorted_indices`` says whether the
    column indices are sorted within each row (they are unless the maker says otherwise).

    The attributes a query reads of scipy's ``csr_matrix`` (``data``, ``indices``, ``indptr``,
    ``shape``, ``nnz``, ``dtype``), with :meth:`row` and :meth:`sparse` (the scipy matrix, for
    algebra). The arrays are kept as given (memory maps stay maps).
    """

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int], *,
                 has_sorted_indices: bool = True) -> None:
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.shape = (int(shape[0]), int(shape[1]))
        self.has_sorted_indices = has_sorted_indices
        self._sparse = None

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1]) if len(self.indptr) else 0

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def row(self, i: int) -> Rows:
        """Row ``i`` as a one-row Rows (views of the arrays, no copy)."""
        start, end = int(self.indptr[i]), int(self.indptr[i + 1])
        return Rows(self.data[start:end], self.indices[start:end], np.array([0, end - start]), (1, self.shape[1]),
                    has_sorted_indices=self.has_sorted_indices)

    def sparse(self) -> Any:
        """The scipy CSR matrix of these arrays (shared, not copied); imports scipy.sparse."""
        if self._sparse is None:
            matrix = sp.csr_matrix(self.shape, dtype=self.data.dtype)
            matrix.data, matrix.indices = self.data, self.indices
            # scipy wants one index type: a copy of the (short) row pointers to int32 spares it
            # converting the (long) column indices on every product.
            small = self.indices.dtype == np.int32 and int(self.indptr[-1]) < np.iinfo(np.int32).max
            matrix.indptr = self.indptr.astype(np.int32) if small else self.indptr
            if self.has_sorted_indices:  # else scipy finds out when it needs to
                matrix.has_sorted_indices = True
            self._sparse = matrix
        return self._sparse

    def __repr__(self) -> str:
        return f"<Rows {self.shape[0]}x{self.shape[1]}, {self.nnz} stored {self.dtype}>"


def sparse(matrix: Any) -> Any:
    """The scipy sparse matrix of ``matrix``: a Rows' :meth:`Rows.sparse`, a scipy one as it is."""
    return matrix.sparse() if isinstance(matrix, Rows) else matrix


def rows(matrix: Any) -> Rows:
    """``matrix`` as Rows: a Rows as it is; a scipy matrix (or anything scipy reads as one) as
    its CSR form's arrays."""
    if isinstance(matrix, Rows):
        return matrix
    matrix = sp.csr_matrix(matrix)
    return Rows(matrix.data, matrix.indices, matrix.indptr, matrix.shape)


def from_lists(values: Iterable[int], columns: Iterable[int], indptr: list[int], n_columns: int,
               dtype: type = np.float32) -> Rows:
    """Rows from per-row lists of columns and values (each row's columns distinct, in any
    order): sorted within each row, values in ``dtype``, indices int32 unless too many."""
    index_dtype = np.int64 if indptr[-1] > np.iinfo(np.int32).max else np.int32
    pointers = np.asarray(indptr, dtype=index_dtype)
    cols = np.asarray(list(columns), dtype=index_dtype)
    data = np.asarray(list(values), dtype=np.intc).astype(dtype)
    row_of = np.repeat(np.arange(len(pointers) - 1), np.diff(pointers))
    order = np.lexsort((cols, row_of))
    return Rows(data[order], cols[order], pointers, (len(pointers) - 1, n_columns))


_kernels: Any = None


def kernels() -> Any:
    """scipy's compiled sparse kernels (``scipy.sparse._sparsetools``): the loaded module when
    scipy.sparse is imported, else its extension file loaded alone (it needs numpy only). None
    when it cannot be found or loaded; the caller then takes its public path."""
    global _kernels
    if _kernels is None:
        _kernels = sys.modules.get("scipy.sparse._sparsetools") or _load_kernels() or False
    return _kernels or None


def _load_kernels() -> Any:
    try:
        finder = importlib.machinery.PathFinder
        scipy = finder.find_spec("scipy")
        package = finder.find_spec("sparse", list(scipy.submodule_search_locations))
        spec = finder.find_spec("_sparsetools", list(package.submodule_search_locations))
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return None
        module = spec.loader.create_module(spec)
        spec.loader.exec_module(module)
        return module
    except (ImportError, AttributeError, TypeError, OSError):
        return None
