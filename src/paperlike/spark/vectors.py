"""Terms, vocabulary, IDF and TF-IDF rows on Spark, in :class:`paperlike.Vectorizer`'s arithmetic.

Each Arrow batch of texts is tokenised by :meth:`Vectorizer.count_fields` (the local build's
own tokeniser, so the same terms and counts); document frequencies are a ``groupBy``; the
vocabulary is sorted as the local build sorts it; the rows are weighed by
:meth:`Vectorizer.weigh`, so each float32 value is the one the local build computes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..errors import EmptyCorpusError, UsageError
from ..records import Record
from ..vectorize import Vectorizer, idf_of
from .session import one_process, to_arrow

__all__ = ["count_terms", "vocabulary", "vectors", "csr_of", "lists_of"]

_TERMS_SCHEMA = ("text long, json string, title_terms array<string>, title_counts array<int>, "
                 "rest_terms array<string>, rest_counts array<int>, titled boolean, has_abstract boolean")
_VECTORS_SCHEMA = ("text long, x_idx array<int>, x_val array<float>, counts array<int>, "
                   "t_idx array<int>, t_val array<float>, a_idx array<int>, a_val array<float>, "
                   "titled boolean, has_abstract boolean")


def lists_of(indptr: np.ndarray, values: np.ndarray, kind: pa.DataType) -> pa.Array:
    """CSR row slices as an Arrow list array (no copy of the values per row)."""
    return pa.ListArray.from_arrays(pa.array(np.asarray(indptr, dtype=np.int32)), pa.array(values, type=kind))


def csr_of(indices: pa.ChunkedArray | pa.Array, values: pa.ChunkedArray | pa.Array, n_cols: int,
           dtype=np.float32) -> sp.csr_matrix:
    """A CSR matrix from two Arrow list columns (column numbers and values), a row per entry."""
    if isinstance(indices, pa.ChunkedArray):
        indices = indices.combine_chunks()
        values = values.combine_chunks()
    offsets = indices.offsets.to_numpy().astype(np.int64)
    start, end = offsets[0], offsets[-1]
    cols = indices.values.to_numpy(zero_copy_only=False)[start:end].astype(np.int32)
    at = values.offsets.to_numpy().astype(np.int64)[0]
    data = values.values.to_numpy(zero_copy_only=False)[at:at + end - start].astype(dtype)
    return sp.csr_matrix((data, cols, offsets - start), shape=(len(indices), n_cols))


def count_terms(representatives: DataFrame, vectorizer: Vectorizer | None = None) -> DataFrame:
    """Each text's terms and counts, its title's apart from the rest (``text``, ``json`` and
    the counts), tokenised a batch at a time by :meth:`Vectorizer.count_fields`."""
    vectorizer = vectorizer or Vectorizer()
    if not vectorizer.plain():
        raise UsageError("the Spark build supports the vectoriser's default pruning and n-grams only")
    params = vectorizer.get_params()

    def tokenise(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        one_process()
        counter = Vectorizer(**{k: tuple(v) if k == "ngram_range" else v for k, v in params.items()})
        for batch in batches:
            papers = [Record.model_validate_json(j) for j in batch.column("json").to_pylist()]
            terms, titles, rest = counter.count_fields(papers)
            words = pa.array(terms, type=pa.string())
            columns = {"text": batch.column("text"), "json": batch.column("json")}
            for name, counts in (("title", titles), ("rest", rest)):
                counts = sp.csr_matrix(counts)
                counts.sort_indices()
                columns[f"{name}_terms"] = pa.ListArray.from_arrays(
                    pa.array(counts.indptr.astype(np.int32)), words.take(pa.array(counts.indices)))
                columns[f"{name}_counts"] = lists_of(counts.indptr, counts.data.astype(np.int32), pa.int32())
            columns["titled"] = pa.array([bool(p.title) for p in papers])
            columns["has_abstract"] = pa.array([bool(p.abstract) for p in papers])
            yield pa.RecordBatch.from_pydict(columns)

    return representatives.mapInArrow(tokenise, _TERMS_SCHEMA)


def vocabulary(terms: DataFrame, n_texts: int, vectorizer: Vectorizer | None = None) -> Vectorizer:
    """The fitted vectoriser: the vocabulary (every term, sorted as the local build sorts it)
    from the document frequencies counted by a ``groupBy``, and the IDF of each term."""
    vectorizer = vectorizer or Vectorizer()
    found = to_arrow(terms.select(F.explode(F.array_union("title_terms", "rest_terms")).alias("term"))
                     .groupBy("term").count())
    words = found.column("term").to_pylist()
    df = found.column("count").to_numpy()
    if not words:
        raise EmptyCorpusError("no terms to index: the texts have only stop words or no words; check the inputs")
    order = sorted(range(len(words)), key=words.__getitem__)
    words = [words[k] for k in order]
    df = df[np.array(order, dtype=np.int64)]
    idf = idf_of(df, n_texts, vectorizer.smooth_idf).astype(np.float32)
    return Vectorizer.from_fitted(vectorizer.get_params(), words, idf)


def vectors(terms: DataFrame, vectorizer: Vectorizer) -> DataFrame:
    """Each text's TF-IDF row (``x_idx``, ``x_val``) and raw counts (``counts``, same
    columns), its title's row (``t_idx``, ``t_val``: empty without a title) and its abstract's
    (``a_idx``, ``a_val``: empty without an abstract), in the fitted vocabulary."""
    spark = terms.sparkSession
    shared = spark.sparkContext.broadcast((list(map(str, vectorizer.vocabulary_)), vectorizer.idf_,
                                           vectorizer.get_params()))
    weight = vectorizer.title_weight

    def weigh(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        one_process()
        words, idf, params = shared.value
        fitted = Vectorizer.from_fitted(params, words, idf)
        column = pa.array(words, type=pa.string())
        n_cols = len(words)
        for batch in batches:
            n = batch.num_rows
            parts = {}
            for name in ("title", "rest"):
                found = batch.column(f"{name}_terms")
                at = pc.index_in(found.flatten(), value_set=column).to_numpy(zero_copy_only=False)
                counts = batch.column(f"{name}_counts").flatten().to_numpy(zero_copy_only=False)
                offsets = found.offsets.to_numpy()
                parts[name] = sp.csr_matrix((counts.astype(np.int32), at.astype(np.int32), offsets - offsets[0]),
                                            shape=(n, n_cols))
            # As Vectorizer.fit_fields: the title counted title_weight times, then the rest.
            combined = (weight * parts["title"] + parts["rest"]).tocsr()
            combined.sort_indices()
            X = fitted.weigh(combined)
            titled = batch.column("titled").to_numpy(zero_copy_only=False)
            has_abstract = batch.column("has_abstract").to_numpy(zero_copy_only=False)
            T = fitted.weigh(_rows_only(parts["title"], titled))
            A = fitted.weigh(_rows_only(parts["rest"], has_abstract))
            yield pa.RecordBatch.from_pydict({
                "text": batch.column("text"),
                "x_idx": lists_of(X.indptr, X.indices.astype(np.int32), pa.int32()),
                "x_val": lists_of(X.indptr, X.data.astype(np.float32), pa.float32()),
                "counts": lists_of(combined.indptr, combined.data.astype(np.int32), pa.int32()),
                "t_idx": lists_of(T.indptr, T.indices.astype(np.int32), pa.int32()),
                "t_val": lists_of(T.indptr, T.data.astype(np.float32), pa.float32()),
                "a_idx": lists_of(A.indptr, A.indices.astype(np.int32), pa.int32()),
                "a_val": lists_of(A.indptr, A.data.astype(np.float32), pa.float32()),
                "titled": batch.column("titled"), "has_abstract": batch.column("has_abstract"),
            })

    return terms.select("text", "title_terms", "title_counts", "rest_terms", "rest_counts", "titled",
                        "has_abstract").mapInArrow(weigh, _VECTORS_SCHEMA)


def _rows_only(counts: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The count rows where ``keep`` holds, the others emptied."""
    counts = sp.csr_matrix(counts, dtype=np.int64)
    counts.data *= np.repeat(keep.astype(np.int64), np.diff(counts.indptr))
    counts.eliminate_zeros()
    return counts
