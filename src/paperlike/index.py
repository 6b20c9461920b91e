"""The index: records grouped into papers, their TF-IDF vectors, and exact cosine neighbours.

Data flows one way: records -> texts (one per distinct normalised text) -> vectors -> scores
-> one result per paper. Records whose normalised text is the same are one *text*; texts that
are versions of one paper share a *paper* (``paper_of_text_``), so results never show two
versions of one paper and a query never finds its own versions.
"""

from __future__ import annotations

import datetime
import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from . import parallel
from .citation import Cited, citation_fields
from .csr import Rows, rows, sp, sparse
from .dedup.deduplicator import Deduplicator
from .dedup.grouping import COMPLETENESS_FIELDS, completeness
from .errors import EmptyCorpusError, NotFoundError, QueryError
from .filters import Facets
from .gcpause import collections_paused
from .identifiers import arxiv_id, base_id, doi
from .keys import KeyTable, lookup_hash_int, lookup_hashes_of_parts
from .params import check_fitted
from .postings import walk
from .rank import Ranker

# The module's names, not the module: paperlike.recommend is the API function (see __init__.py).
from .recommend import METHODS, MMR_POOL, diverse_order, entries_of, list_vector, resolve_items, svm_scores
from .records import Addition, Decision, Record, field_chunks, field_values, rows_at
from .requests import Filters
from .results import CheckResult, DupeGroup, Dupes, ListItem, MaybePair, Neighbour, Query, Recommendations, Similar
from .spill import to_disk
from .table import RecordTable
from .text import folded_text, joined_ascii_tokens, normalize, plain_ascii
from .update import (
    NEW_WORDS_SHOWN,
    extended_canonical,
    out_of_vocabulary,
    papers_of_new_texts,
    unique_ids,
)
from .vectorize import Vectorizer

__all__ = ["PaperIndex", "same_text_key"]

# A title query matches a known title when difflib's ratio reaches this and no other title
# comes close; below it the query is read as free text.
_TITLE_MATCH_RATIO = 0.9
_MAX_TITLE_WORDS = 40
_CLOSE_TITLE_CANDIDATES = 5
# check compares a record with the texts closest to it by cosine, this many, at least this close.
_CHECK_CANDIDATES = 20
_CHECK_MIN_COSINE = 0.3


def same_text_key(record: Record) -> str:
    """Equal for records that are one text: the same abstract (or, lacking one, the same title,
    authors, venue and date) under the same id. Records the input itself tells apart by their
    ids ("Editor's Notes" of two issues) stay two texts; whether they are one paper is then for
    :mod:`paperlike.dedup` to decide."""
    return _text_key(record.id, record.title, record.authors, record.abstract, record.venue, record.date)


# The fields of a record that its text key reads.
_TEXT_KEY_FIELDS = ("id", "title", "authors", "abstract", "venue", "date")


def _text_key(rid: str, title: str | None, authors: list[str], abstract: str | None, venue: str | None,
              date: str | None) -> str:
    if abstract:
        return f"{_own_id(rid)}\x1fa:{folded_text(abstract)}"
    fields = [title or "", *authors, venue or "", date or ""]
    return f"{_own_id(rid)}\x1ft:{folded_text(' '.join(fields))}"


def _own_id(rid: str) -> str:
    """The id a text key holds: the input's own id, none for an id paperlike made of a hash."""
    return "" if rid.startswith("pl-") else base_id(rid)


def _text_key_hashes(ids: list[str], titles: list, authors: list, abstracts: list, venues: list,
                     dates: list) -> list[int]:
    """The hash of each record's text key (:func:`_text_key`): the keys of plain ASCII
    abstracts, nearly all, made a block at a time (:func:`~paperlike.text.joined_ascii_tokens`)."""
    out: list[int] = []
    plain: list[int] = []
    for i, values in enumerate(zip(ids, titles, authors, abstracts, venues, dates)):
        if values[3] and plain_ascii(values[3]):
            plain.append(i)
            out.append(0)  # made below, with the others of the block
        else:
            out.append(lookup_hash_int(_text_key(*values)))
    if plain:
        folded, offsets = joined_ascii_tokens([abstracts[i] for i in plain])
        heads = [f"{_own_id(ids[i])}\x1fa:".encode() for i in plain]
        for i, value in zip(plain, lookup_hashes_of_parts(heads, folded, offsets.tolist())):
            out[i] = value
    return out


def added_now() -> str:
    """The time records come in, ISO 8601 UTC to the microsecond (an Addition's ``at``)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def same_text_hashes(records: Sequence[Record]) -> np.ndarray:
    """The hash of each record's :func:`same_text_key`; a large corpus's second half hashed in
    a forked child (a text key is pure Python, costly per abstract)."""
    def hashes(part: Sequence[Record]) -> np.ndarray:
        return np.array([value for chunk in field_chunks(part, _TEXT_KEY_FIELDS) for value in _text_key_hashes(*chunk)],
                        dtype=np.uint64)

    split = parallel.worth_forking("records", len(records))
    cut = len(records) // 2 if split else len(records)
    mine, theirs = parallel.both(lambda: hashes(records[:cut]), lambda: hashes(records[cut:]), parallel=split)
    return np.concatenate([mine, theirs])


class PaperIndex:
    """Search over a corpus of paper records: exact lexical scores (TF-IDF cosine, BM25 for
    text queries) re-ranked with LSA topic similarity (:mod:`paperlike.rank`).

    Parameters: ``vectorizer`` (how texts become vectors), ``dedup`` (which texts are versions
    of one paper), ``ranker`` (how ``similar`` ranks) and ``explain_terms`` (how many shared
    terms explain each result). Fitted state: ``records_``, ``text_of_record_``,
    ``record_of_text_`` (the most complete record of each text), ``paper_of_text_``, ``X_``
    (L2-normalised rows, one per text), ``XT_`` (its transpose, an inverted index; a loaded
    model's two are :class:`paperlike.csr.Rows`, :func:`paperlike.csr.sparse` for algebra) and
    ``decisions_`` (people's decisions on pairs of records), ``additions_`` (when the records
    came in: the build, then each add); the fitted ``ranker`` holds the BM25 values of the same postings and the texts' embeddings.
    """

    def __init__(self, vectorizer: Vectorizer | None = None, *, dedup: Deduplicator | None = None,
                 ranker: Ranker | None = None, explain_terms: int = 5) -> None:
        self.vectorizer = vectorizer if vectorizer is not None else Vectorizer()
        self.dedup = dedup if dedup is not None else Deduplicator()
        self.ranker = ranker if ranker is not None else Ranker()
        self.explain_terms = explain_terms

    # -- building ---------------------------------------------------------------------------

    @collections_paused()
    def fit(self, records: Iterable[Record], decisions: Iterable[Decision] = (),
            additions: Sequence[Addition] = ()) -> PaperIndex:
        """Group the records into texts, learn TF-IDF from the texts, vectorise them, and group
        the texts into papers, with the ``decisions`` people took on pairs of records (by id;
        those naming records not among these are kept for later and do nothing now).
        ``additions``: when the records came in, if known (a refit keeps a model's); else now."""
        self.records_ = RecordTable.of(records)
        self.decisions_ = list(decisions)
        if not self.records_:
            raise EmptyCorpusError("cannot build an index from no records")
        self.additions_ = list(additions) or [Addition(at=added_now(), first=0, count=len(self.records_))]
        self._identities = same_text_hashes(self.records_)
        self.text_of_record_ = self._texts_of(self._identities)
        self.record_of_text_ = self._representatives(self.records_, self.text_of_record_)
        representatives = self.records_.subset(self.record_of_text_)
        fields = self.vectorizer.fit_fields(representatives)
        self.records_.spill()  # not read again until the version search: read back a batch at a time
        order = self._set_matrix(fields.X)
        self._spill_inverted_index(("data",))  # BM25 reads XT_'s texts, not its values
        self.ranker.fit_bm25(fields.counts, self.X_, self.XT_, order=order)
        fields.drop_counts()  # no longer needed whole: let it go before the LSA and dedup's joins
        del order
        self._spill_inverted_index(("data", "indices"))
        self.ranker.fit_lsa(self.X_)
        self.ranker.spill(to_disk)  # nor the postings and embeddings, until the model is saved
        self.dedup.fit(representatives, self.vectorizer, self.X_, fields, decided=self._decided_texts())
        self.paper_of_text_ = self.dedup.paper_of_text_
        self.facets_ = Facets.of(self.records_)
        self.updates_: dict = {}
        self._group_records()
        return self

    @collections_paused()
    def assemble(self, records: Sequence[Record], text_of_record: np.ndarray, record_of_text: np.ndarray,
                 counts: sp.csr_matrix, X: sp.csr_matrix, group: Callable[[PaperIndex], None],
                 decisions: Iterable[Decision] = (), identities: np.ndarray | None = None) -> PaperIndex:
        """The fitted index from parts built elsewhere (a distributed build): the records, each
        record's text and each text's representative record (as :meth:`fit` numbers them), the
        texts' raw counts and TF-IDF rows in the fitted ``vectorizer``'s vocabulary, and
        ``group(index)``, which fits ``dedup`` on the texts (it may read
        :meth:`decided_texts`). The ranker, facets and look-ups are made here, as by :meth:`fit`."""
        self.records_ = RecordTable.of(records)
        self.decisions_ = list(decisions)
        if not self.records_:
            raise EmptyCorpusError("cannot build an index from no records")
        self.additions_ = [Addition(at=added_now(), first=0, count=len(self.records_))]
        self._identities = None if identities is None else np.asarray(identities, dtype=np.uint64)
        self.text_of_record_ = np.asarray(text_of_record, dtype=np.int64)
        self.record_of_text_ = np.asarray(record_of_text, dtype=np.int64)
        order = self._set_matrix(X)
        self.ranker.fit(counts, self.X_, self.XT_, order=order)
        del order
        group(self)
        self.paper_of_text_ = self.dedup.paper_of_text_
        self.facets_ = Facets.of(self.records_)
        self.updates_: dict = {}
        self._group_records()
        return self

    @collections_paused()
    def extend(self, records: Sequence[Record]) -> dict:
        """Add records to the fitted index in place, in its fitted vocabulary (see
        :mod:`paperlike.update`); what was done, as AddReport's fields."""
        if not records:
            raise EmptyCorpusError("no records to add")
        records = unique_ids(list(records), self._holds_id)
        n_records, n_texts, n_papers = len(self.records_), self.X_.shape[0], self.n_papers
        text_of_record, new_texts = [], []
        seen: dict[str, int] = {}
        for i, record in enumerate(records):
            identity = same_text_key(record)
            known = self.keys["text"].get(identity)
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
        empty = sp.csr_matrix((0, self.X_.shape[1]), dtype=np.float32)
        rows = self.vectorizer.transform(reps) if reps else empty
        counts = self.vectorizer.counts(reps) if reps else empty
        tokens, unknown = out_of_vocabulary(self.vectorizer, records)

        paper_of_new, pairs, rules, scores, maybe, maybe_scores = papers_of_new_texts(self, reps, rows, n_texts,
                                                                                      n_papers)
        attached = sum(1 for t in text_of_record if t < n_texts or paper_of_new[t - n_texts] < n_papers)

        self.additions_ = [*getattr(self, "additions_", []),
                           Addition(at=added_now(), first=n_records, count=len(records))]
        self.records_ = RecordTable.of(self.records_).concat(records)
        self.text_of_record_ = np.concatenate([self.text_of_record_, np.array(text_of_record, dtype=np.int64)])
        self._identities = None
        self.record_of_text_ = np.concatenate([self.record_of_text_, np.array(heads, dtype=np.int64) + n_records])
        self.paper_of_text_ = np.concatenate([self.paper_of_text_, paper_of_new])
        old_XT = self.XT_
        self._set_matrix(sp.vstack([sparse(self.X_), rows], format="csr"))
        self.ranker.extend(old_XT, self.XT_, counts, rows)  # BM25 values and embeddings of the new texts
        self.dedup.extend(pairs, rules, scores, self.paper_of_text_, maybe, maybe_scores)
        self.facets_ = self.facets_.extend(records)
        self._group_records(canonical=extended_canonical(self.canonical_, self.paper_of_text_[self.text_of_record_],
                                                         self.records_, n_papers, n_records))
        totals = dict(self.updates_)
        for key, value in (("records_added", len(records)), ("tokens", tokens),
                           ("out_of_vocabulary", sum(unknown.values()))):
            totals[key] = totals.get(key, 0) + value
        self.updates_ = totals
        return {"records_added": len(records), "new_papers": self.n_papers - n_papers,
                "attached_versions": attached, "tokens": tokens,
                "out_of_vocabulary": sum(unknown.values()),
                "new_words": [w for w, _ in unknown.most_common(NEW_WORDS_SHOWN)]}

    def _holds_id(self, rid: str) -> bool:
        """Whether a record of the index has exactly this id."""
        return any(self.records_[r].id == rid for r in self.keys["id"].get(rid))

    # -- saving -----------------------------------------------------------------------------

    def to_arrays(self) -> dict[str, Any]:
        """The fitted state to save, but the records and :meth:`fitted_values`: arrays (each
        saved as ``NAME.npy``) and lists (``NAME.json``): the grouping and matrices of the
        index, its components' own (:meth:`Vectorizer.to_arrays`, :meth:`Deduplicator.to_arrays`,
        :meth:`Facets.to_arrays`, :meth:`Ranker.to_arrays`), its look-up tables (under
        ``keys_NAME_``), and people's ``decisions`` and the ``additions``."""
        arrays: dict[str, Any] = {
            **self.vectorizer.to_arrays(),
            "text_of_record": np.asarray(self.text_of_record_, dtype=np.int64),
            "record_of_text": np.asarray(self.record_of_text_, dtype=np.int64),
            "paper_of_text": np.asarray(self.paper_of_text_, dtype=np.int64),
            "canonical": np.asarray(self.canonical_, dtype=np.int64),
            **self.dedup.to_arrays(),
            **self.facets_.to_arrays(),
        }
        for name, matrix in (("X", self.X_), ("XT", self.XT_)):
            # asarray: no copy of arrays already of the stored dtype (astype copies them all)
            arrays[f"{name}_data"] = np.asarray(matrix.data, dtype=np.float32)
            arrays[f"{name}_indices"] = np.asarray(matrix.indices, dtype=np.int32)
            arrays[f"{name}_indptr"] = np.asarray(matrix.indptr, dtype=np.int64)
        arrays.update(self.ranker.to_arrays())
        for name, table in self.keys.items():
            arrays.update({f"keys_{name}_{part}": array for part, array in table.to_arrays().items()})
        arrays["decisions"] = [d.model_dump(mode="json") for d in self.decisions_]
        arrays["additions"] = [a.model_dump(mode="json") for a in self.additions_]
        return arrays

    def fitted_values(self) -> dict[str, Any]:
        """What a saved model's manifest says of the index: its components' ``parameters``,
        the ranker's fitted values, the ``counts``, the ``sources`` of its records and the
        ``updates`` made since the fit."""
        sources = Counter(path for path in field_values(self.records_, "source_path") if path is not None)
        return {
            "parameters": {"vectorizer": self.vectorizer.get_params(), "dedup": self.dedup.get_params(),
                           "ranker": self.ranker.get_params(), "explain_terms": self.explain_terms},
            "ranker": self.ranker.fitted_values(),
            "counts": {"records": len(self.records_), "texts": int(self.X_.shape[0]), "papers": self.n_papers,
                       "vocabulary": int(self.X_.shape[1]), "nonzeros": int(self.X_.nnz)},
            "sources": [{"path": path, "records": n} for path, n in sorted(sources.items())],
            "updates": self.updates_,
        }

    @classmethod
    def from_arrays(cls, values: dict[str, Any], arrays: dict[str, Any], records: Sequence[Record]) -> PaperIndex:
        """A fitted index from :meth:`fitted_values` (``parameters``, ``ranker``, ``updates``),
        what :meth:`to_arrays` gave (``decisions`` and ``additions`` as Decision and Addition)
        and the records. Arrays are used as they are (memory-mapped ones stay so)."""
        params = values["parameters"]
        vectorizer = Vectorizer.from_arrays(params["vectorizer"], arrays)
        dedup = Deduplicator.from_arrays(params["dedup"], arrays, arrays["paper_of_text"])
        ranker = Ranker.from_arrays(params["ranker"], values["ranker"], arrays, len(arrays["vocabulary"]))
        return cls(vectorizer, dedup=dedup, ranker=ranker,
                   explain_terms=params["explain_terms"])._restore(values, arrays, records)

    def _restore(self, values: dict[str, Any], arrays: dict[str, Any], records: Sequence[Record]) -> PaperIndex:
        self.records_ = records
        self.text_of_record_ = arrays["text_of_record"]
        self.record_of_text_ = arrays["record_of_text"]
        self.paper_of_text_ = self.dedup.paper_of_text_
        n_texts, n_terms = len(self.record_of_text_), len(arrays["vocabulary"])
        self.X_ = _csr(arrays, "X", (n_texts, n_terms))
        self.XT_ = _csr(arrays, "XT", (n_terms, n_texts))
        self._group_records(canonical=arrays["canonical"])
        names = [k[len("keys_"):-len("_hash")] for k in arrays if k.startswith("keys_") and k.endswith("_hash")]
        self.use_keys({name: KeyTable.from_arrays({"hash": arrays[f"keys_{name}_hash"],
                                                   "value": arrays[f"keys_{name}_value"]}) for name in names})
        self.facets_ = Facets.from_arrays(arrays)
        self.updates_ = values.get("updates", {})
        self.decisions_ = list(arrays["decisions"])
        self.additions_ = list(arrays["additions"])
        return self

    def decided_texts(self) -> list[tuple[int, int, str]]:
        """People's decisions as (text, text, verdict), for those whose records the index holds."""
        return self._decided_texts()

    def _decided_texts(self) -> list[tuple[int, int, str]]:
        """The decisions as (text, text, verdict), for those whose records the index holds."""
        if not self.decisions_:
            return []
        wanted = {i for d in self.decisions_ for i in (d.a, d.b)}
        found = {rid: k for k, rid in enumerate(field_values(self.records_, "id")) if rid in wanted}
        text = self.text_of_record_
        return [(int(text[found[d.a]]), int(text[found[d.b]]), d.verdict) for d in self.decisions_
                if d.a in found and d.b in found]

    def decide(self, verdict: str, ids: Sequence[str], at: str) -> list[Decision]:
        """Record that the records named by ``ids`` are one paper (``same``: each joins the
        first) or all different papers (``different``), and regroup the texts; a later
        decision on a pair replaces an earlier one. NotFoundError for an id the index does not
        hold; QueryError for ``different`` records that are one text (identical copies)."""
        records = []
        for given in ids:
            r = self.record_by_id(given)
            if r is None:
                raise NotFoundError(f"no record with id {given!r} in this model")
            records.append(r)
        pairs = ([(records[0], r) for r in records[1:]] if verdict == "same"
                 else [(a, b) for k, a in enumerate(records) for b in records[k + 1:]])
        made = []
        for a, b in pairs:
            if a == b:
                continue
            if verdict == "different" and self.text_of_record_[a] == self.text_of_record_[b]:
                raise QueryError(f"{self.records_[a].id} and {self.records_[b].id} are identical copies "
                                 "(one text), which cannot be different papers")
            made.append(Decision(a=self.records_[a].id, b=self.records_[b].id, verdict=verdict, at=at))
        if not made:
            raise QueryError("the ids name one record; a decision needs two")
        latest = {frozenset((d.a, d.b)): d for d in [*self.decisions_, *made]}
        self.decisions_ = list(latest.values())
        self.dedup.fit(self._text_records(), self.vectorizer, sparse(self.X_), decided=self._decided_texts())
        self.paper_of_text_ = self.dedup.paper_of_text_
        self._group_records()
        return made

    def _text_records(self) -> Sequence[Record]:
        """The representative record of each text, in text order."""
        if isinstance(self.records_, RecordTable):
            return self.records_.subset(self.record_of_text_)
        return [self.records_[i] for i in self.record_of_text_.tolist()]

    @staticmethod
    def _texts_of(identities: np.ndarray) -> np.ndarray:
        """Text number of each record, from the hashes of their text identities, numbered in
        order of first appearance."""
        ids: dict[int, int] = {}
        return np.array([ids.setdefault(h, len(ids)) for h in identities.tolist()], dtype=np.int64)

    @staticmethod
    def _representatives(records: Sequence[Record], text_of_record: np.ndarray) -> np.ndarray:
        """The most complete record of each text (the first of the most complete); only the
        records of texts that have several are read."""
        texts, first = np.unique(text_of_record, return_index=True)
        best = first[np.argsort(texts)].astype(np.int64)
        several = np.flatnonzero(np.bincount(text_of_record)[text_of_record] > 1)
        rows = rows_at(records, several.tolist(), COMPLETENESS_FIELDS)
        keys: dict[int, tuple] = {}
        for i in several.tolist():
            t = int(text_of_record[i])
            key = completeness(rows[i])
            if t not in keys or key > keys[t]:
                keys[t], best[t] = key, i
        return best

    def _spill_inverted_index(self, parts: tuple[str, ...]) -> None:
        """XT_'s ``parts`` (``data``, ``indices``) to :func:`paperlike.spill.to_disk`: the LSA
        and the duplicate search read X_ alone."""
        XT = self.XT_
        data = to_disk(XT.data) if "data" in parts else XT.data
        indices = to_disk(XT.indices) if "indices" in parts else XT.indices
        self.XT_ = sp.csr_matrix((data, indices, XT.indptr), shape=XT.shape)

    def _set_matrix(self, matrix: sp.csr_matrix) -> np.ndarray:
        """Set X_ and XT_; the order in which XT_'s postings take X_'s non-zeros."""
        matrix = sp.csr_matrix(sparse(matrix), dtype=np.float32)
        matrix.sort_indices()
        self.X_ = matrix
        # Transposing the positions of the non-zeros, not their values, gives XT_ and the order
        # both: BM25's postings follow it (the counts need no transpose of their own).
        order = sp.csr_matrix((np.arange(matrix.nnz, dtype=np.int64 if matrix.nnz >= 2**31 else np.int32),
                               matrix.indices, matrix.indptr), shape=matrix.shape).T.tocsr()
        self.XT_ = sp.csr_matrix((matrix.data[order.data], order.indices, order.indptr), shape=order.shape)
        return order.data

    # -- looking papers up ------------------------------------------------------------------

    @property
    def n_papers(self) -> int:
        return int(self.paper_of_text_.max()) + 1 if len(self.paper_of_text_) else 0

    def _group_records(self, canonical: np.ndarray | None = None) -> None:
        """Index the records of each paper (papers are numbered 0..n_papers-1) so that
        per-result look-ups cost O(1); ``canonical`` (each paper's most complete record) is
        chosen here unless a saved model brings it."""
        paper_of_record = self.paper_of_text_[self.text_of_record_]
        self._record_order = np.argsort(paper_of_record, kind="stable")
        self._paper_starts = np.searchsorted(paper_of_record[self._record_order],
                                             np.arange(self.n_papers + 1))
        if canonical is None:
            canonical = self._record_order[self._paper_starts[:-1]].copy()
            several = np.flatnonzero(np.diff(self._paper_starts) > 1)  # only these have a choice
            spans = list(zip(self._paper_starts[several].tolist(), self._paper_starts[several + 1].tolist()))
            members = [self._record_order[a:b].tolist() for a, b in spans]
            rows = rows_at(self.records_, [r for group in members for r in group], COMPLETENESS_FIELDS)
            canonical[several] = [max(group, key=lambda r: completeness(rows[r])) for group in members]
        self.canonical_ = canonical
        self._keys = None

    def records_of_paper(self, paper: int) -> list[int]:
        """Indices of every record of a paper, its canonical record first."""
        records = self._record_order[self._paper_starts[paper]:self._paper_starts[paper + 1]]
        canonical = int(self.canonical_[paper])
        return [canonical] + [r for r in records.tolist() if r != canonical]

    def canonical_record(self, paper: int) -> int:
        """The most complete record of a paper."""
        return int(self.canonical_[paper])

    def _build_keys(self) -> dict[str, KeyTable]:
        ids, titles, short_titles = [], [], []
        paper_of_record = self.paper_of_text_[self.text_of_record_].tolist()
        identities = getattr(self, "_identities", None)
        if identities is None or len(identities) != len(self.records_):
            identities = same_text_hashes(self.records_)
        i = 0
        for chunk in field_chunks(self.records_, ("id", "doi", "title")):
            for rid, doi_, title in zip(*chunk):
                ids += [(rid, i), (base_id(rid), i), (doi_ or "", i)]
                if title:
                    titles.append((folded_text(title), paper_of_record[i]))
                    short = title.split(":", 1)[0]
                    if short != title:
                        short_titles.append((folded_text(short), paper_of_record[i]))
                i += 1
        return {"id": KeyTable.build(ids), "title": KeyTable.build(titles),
                "short": KeyTable.build(short_titles),
                "text": KeyTable.from_hashes(identities, self.text_of_record_)}

    def use_keys(self, tables: dict[str, KeyTable]) -> None:
        """Take look-up tables built elsewhere (a saved model's, or a second process's)."""
        self._keys = tables

    @property
    def keys_built(self) -> bool:
        """Whether the look-up tables are at hand (loaded, or built), so that :attr:`keys` costs nothing."""
        return getattr(self, "_keys", None) is not None

    @property
    def keys(self) -> dict[str, KeyTable]:
        """The id, title, short-title and text-identity look-up tables (built on first use, or
        loaded)."""
        if getattr(self, "_keys", None) is None:
            self._keys = self._build_keys()
        return self._keys

    def record_by_id(self, value: str) -> int | None:
        """The record with this id (or arXiv id in any version, or DOI), if any."""
        value = value.strip()
        for candidate in dict.fromkeys(c for c in (value, arxiv_id(value), doi(value)) if c):
            found = [r for r in self.keys["id"].get(candidate)
                     if candidate in (self._fields(r, "id")[0], base_id(self._fields(r, "id")[0]),
                                      self._fields(r, "doi")[0])]
            exact = [r for r in found if self._fields(r, "id")[0] == candidate]
            if exact or found:
                return min(exact or found)
        return None

    def texts_of_identifiers(self, record: Record) -> list[int]:
        """The texts of the records that share the record's DOI or the id it was given."""
        values = {record.doi, None if record.id.startswith("pl-") else base_id(record.id)}
        found = []
        for value in sorted(v for v in values if v):
            found.extend(int(self.text_of_record_[r]) for r in self.keys["id"].get(value)
                         if value in (self.records_[r].doi, base_id(self.records_[r].id)))
        return found

    def papers_by_title(self, title: str) -> set[int]:
        """Papers whose title is this one, up to case and punctuation, or whose title's name
        before the colon is ("SoftCorrect" of "SoftCorrect: Error Correction with ...")."""
        key = folded_text(title)
        for table in ("title", "short"):
            papers = set(self.keys[table].get(key))
            if papers:
                return papers
        return set()

    def paper_by_close_title(self, title: str, vector: sp.csr_matrix) -> int | None:
        """The one paper whose title is close to this one (a typo, a dropped word), if any.

        Only the best few texts by cosine are compared, so the cost does not grow with the
        corpus: a mistyped title still shares most of its words with the paper's text.
        """
        key = folded_text(title)
        if len(key.split()) > _MAX_TITLE_WORDS:
            return None
        close = set()
        for paper, _ in self.top_papers(self.scores(vector), _CLOSE_TITLE_CANDIDATES):
            for r in self.records_of_paper(paper):
                candidate = self._fields(r, "title")[0]
                if candidate and difflib.SequenceMatcher(None, key, folded_text(candidate)).ratio() >= _TITLE_MATCH_RATIO:
                    close.add(paper)
        return close.pop() if len(close) == 1 else None

    # -- querying ---------------------------------------------------------------------------

    def resolve(self, query: str, kind: str | None = None) -> tuple[Query, int | None, sp.csr_matrix]:
        """How to read a query, the paper it names (None for free text), and its vector.

        ``kind`` forces "id", "title" or "text"; otherwise an id is tried, then a title (exact,
        the name before its colon, or close enough to be unambiguous), then free text.
        NotFoundError when a forced id or title names nothing in the model.
        """
        check_fitted(self, ("records_", "X_"), "resolve")
        text = normalize(query)
        if not text:
            raise QueryError("the query is empty; give an id, a title or some text")
        if kind in (None, "id"):
            record = self.record_by_id(text)
            if record is not None:
                return self._named(text, "id", self.paper_of_record(record), record)
            if kind == "id" or _looks_like_id(text):
                read = arxiv_id(text) or doi(text)
                named = f"{'arXiv id' if arxiv_id(text) else 'DOI'} {read}" if read and read != text else f"id {text!r}"
                raise NotFoundError(f"no record with {named} in this model",
                                    hint="'paperlike papers' lists the ids")
        if kind in (None, "title"):
            papers = self.papers_by_title(text)
            if len(papers) > 1:
                ids = ", ".join(sorted(self.records_[self.canonical_record(p)].id for p in papers))
                raise QueryError(f"the title {text!r} names {len(papers)} papers ({ids})",
                                 hint="query one of them with --id", http_hint="query one of them by its id")
            if papers:
                return self._named(text, "title", papers.pop())
        vector = self.vector_of_text(text)
        if kind in (None, "title"):
            paper = self.paper_by_close_title(text, vector)
            if paper is not None:
                return self._named(text, "title", paper)
            if kind == "title":
                raise NotFoundError(f"no paper titled {text!r} in this model")
        return Query(text=text, kind="text"), None, vector

    def _named(self, text: str, kind: str, paper: int, record: int | None = None
               ) -> tuple[Query, int, sp.csr_matrix]:
        rid, title = self._fields(self.canonical_record(paper) if record is None else record, "id", "title")
        return Query(text=text, kind=kind, id=rid, title=title), paper, self.vector_of_paper(paper)

    def paper_of_record(self, record: int) -> int:
        return int(self.paper_of_text_[self.text_of_record_[record]])

    def vector_of_paper(self, paper: int) -> Rows:
        """The TF-IDF row of a paper: that of its canonical record's text."""
        return self.row(int(self.text_of_record_[self.canonical_record(paper)]))

    def row(self, text: int) -> Rows:
        """One text's TF-IDF row, sliced straight from the arrays (no copy, no scipy: algebra
        takes :func:`paperlike.csr.sparse` of it)."""
        indices, data = _slice(self.X_, text)
        return Rows(data, indices, np.array([0, len(data)]), (1, self.X_.shape[1]))

    def vector_of_text(self, text: str) -> Rows:
        """The TF-IDF row of free text; QueryError if none of its words are known."""
        vector = self.vectorizer.rows_of_texts([normalize(text)])
        if vector.nnz == 0:
            raise QueryError("none of the query's words are in this model's vocabulary",
                             hint="try other words, or a title or id from 'paperlike papers'",
                             http_hint="try other words, or a title or id of a paper in the model")
        return vector

    def scores(self, vector: sp.csr_matrix) -> np.ndarray:
        """Cosine similarity of a (normalised) row vector with every text.

        An inverted-index walk: only the postings of the query's terms are read, from ``XT_``.
        """
        vector = rows(vector)
        return walk(self.XT_, self.XT_.data, vector.indices, vector.data)

    def top_papers(self, scores: np.ndarray, k: int, exclude: Iterable[int] = (),
                   allowed: np.ndarray | None = None, among: np.ndarray | None = None,
                   ceiling: float | None = None) -> list[tuple[int, float]]:
        """The k best papers as (paper, score), each paper once, excluded papers left out, and
        only papers whose ``allowed`` entry is true when it is given.

        With ``among`` (texts) and ``ceiling`` (a bound on every other text's score), the k are
        looked for among those texts first, and the answer is kept if its last score is above
        the ceiling (the same answer as over all texts, without reading them all)."""
        exclude = list(exclude)
        if among is not None and ceiling is not None and len(among):
            found = self._top_papers_of(scores, among, k, exclude, allowed)
            if len(found) == k and found[-1][1] > ceiling:
                return found
        return self._top_papers_of(scores, None, k, exclude, allowed)

    def _top_papers_of(self, scores: np.ndarray, among: np.ndarray | None, k: int, exclude: list[int],
                       allowed: np.ndarray | None) -> list[tuple[int, float]]:
        # Positions in ``scores`` are texts, or with ``among`` places in its sorted texts.
        texts = None if among is None else np.sort(np.asarray(among, dtype=np.int64))
        scores = scores.copy() if texts is None else scores[texts]
        paper_at = self.paper_of_text_ if texts is None else self.paper_of_text_[texts]
        if exclude:
            left_out = np.array([int(self.text_of_record_[r]) for p in exclude for r in self.records_of_paper(p)],
                                dtype=np.int64)
            scores[left_out if texts is None else np.isin(texts, left_out)] = -np.inf
        if allowed is not None:
            scores[~allowed[paper_at]] = -np.inf
        seen: set[int] = set()
        out: list[tuple[int, float]] = []
        n = len(scores)
        width = min(n, 4 * k + 16)
        while True:
            top = np.argpartition(-scores, width - 1)[:width] if width < n else np.arange(n)
            top = top[np.lexsort((top, -scores[top]))]
            seen.clear()
            out.clear()
            for at in top.tolist():
                if scores[at] <= 0 or len(out) == k:
                    break
                paper = int(paper_at[at])
                if paper not in seen:
                    seen.add(paper)
                    out.append((paper, float(scores[at])))
            if len(out) == k or width == n or scores[top[-1]] <= 0:
                return out
            width = min(n, width * 4)

    def top_texts(self, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k texts with the highest positive scores, best first."""
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(int(t), float(scores[t])) for t in top if scores[t] > 0]

    def shared_terms(self, query: sp.csr_matrix, text: int) -> list[str]:
        """The terms that contribute most to the score of a text against the query."""
        query = rows(query)
        row_indices, row_data = _slice(self.X_, text)
        common, qi, ri = np.intersect1d(query.indices, row_indices, assume_unique=True, return_indices=True)
        weight = query.data[qi] * row_data[ri]
        order = np.argsort(-weight, kind="stable")[: self.explain_terms]
        return [str(self.vectorizer.vocabulary_[common[j]]) for j in order]

    def text_shared_terms(self, terms: np.ndarray, text: int) -> list[str]:
        """The query terms that contribute most to a text's BM25 score (a text query)."""
        found, weights = self.ranker.text_contributions(self.XT_, terms, text)
        order = np.argsort(-weights, kind="stable")[: self.explain_terms]
        return [str(self.vectorizer.vocabulary_[found[j]]) for j in order]

    def ranked_scores(self, paper: int | None, vector: sp.csr_matrix, exclude: Iterable[int] = (),
                      allowed: np.ndarray | None = None) -> tuple[np.ndarray, dict[int, float], float | None]:
        """The scores of ``similar`` for every text, the topic similarity of the texts
        re-ranked and a ceiling on the others' scores (see :meth:`paperlike.rank.Ranker.blend`): for a paper (its TF-IDF row ``vector``) or, with
        ``paper`` None, for free text (its TF-IDF row). Texts of ``exclude`` papers and of
        papers not ``allowed`` score 0, so that they take no place among the candidates."""
        if paper is None:
            lex = self.ranker.text_scores(self.XT_, rows(vector).indices)
            z, lam = self.ranker.embed(vector), self.ranker.lambda_text
        else:
            lex = self.scores(vector)
            text = int(self.text_of_record_[self.canonical_record(paper)])
            z, lam = self.ranker.embedding(text), self.ranker.lambda_paper
        for p in exclude:
            lex[[int(self.text_of_record_[r]) for r in self.records_of_paper(p)]] = 0
        if allowed is not None:
            lex[~allowed[self.paper_of_text_]] = 0
        return self.ranker.blend(lex, z, lam)

    def similar(self, query: str, k: int = 10, kind: str | None = None,
                filters: Filters | None = None, diverse: bool = False) -> Similar:
        """The k papers most like the query (an id, a title or free text), best first."""
        check_fitted(self, ("records_", "X_"), "similar")
        if k < 1:
            raise QueryError("k must be at least 1")
        read, paper, vector = self.resolve(query, kind)
        exclude = [] if paper is None else [paper]
        allowed = self._allowed(filters)
        scores, topic, ceiling = self.ranked_scores(paper, vector, exclude, allowed)
        terms = rows(vector).indices
        explain = None if paper is not None else (lambda text: self.text_shared_terms(terms, text))
        results = self._neighbours(vector, k, exclude, allowed, diverse, scores, topic=topic, explain=explain,
                                   ceiling=ceiling)
        return Similar(query=read, results=results, empty=None if results else self.why_empty(filters, allowed))

    def recommend(self, like: Sequence, not_: Sequence = (), exclude: Sequence = (), k: int = 10,
                  filters: Filters | None = None, diverse: bool = False, method: str = "centroid",
                  among: np.ndarray | None = None) -> Recommendations:
        """Papers for a reading list: like the ``like`` entries, unlike the ``not_`` ones, none of
        them nor of ``exclude`` (already read). Entries are ids, titles, Record models, or
        (given, entry) pairs of files read by :func:`paperlike.listfiles.expand_items`; see
        :mod:`paperlike.recommend`. ``among`` (a boolean per paper) keeps the results to those
        papers (a feed's new ones)."""
        check_fitted(self, ("records_", "X_"), "recommend")
        if k < 1:
            raise QueryError("k must be at least 1")
        if method not in METHODS:
            raise QueryError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        lists = {role: resolve_items(self, entries_of(items), role)
                 for role, items in (("like", like), ("not", not_), ("exclude", exclude))}
        vector = list_vector(lists["like"].rows(self), lists["not"].rows(self))
        skip = [p for found in lists.values() for p in found.papers]
        items: list[ListItem] = [item for found in lists.values() for item in found.items]
        scores = None
        if method == "svm":
            texts = lambda papers: [int(self.text_of_record_[r]) for p in papers for r in self.records_of_paper(p)]  # noqa: E731
            scores, vector = svm_scores(sparse(self.X_), texts(lists["like"].papers), lists["like"].external,
                                                  texts(lists["not"].papers))
        allowed = self._allowed(filters)
        if among is not None:
            allowed = among if allowed is None else allowed & among
        results = self._neighbours(vector, k, skip, allowed, diverse, scores)
        return Recommendations(inputs=items, filters=filters or Filters(), diverse=diverse, method=method,
                               results=results, empty=None if results else self.why_empty(filters, allowed, among))

    def why_empty(self, filters: Filters | None, allowed: np.ndarray | None,
                  among: np.ndarray | None = None) -> str:
        """Why a query found no paper, in one line: which filters left none, with the dates and
        categories the model holds, or that no paper that passes shares a word with it."""
        if allowed is not None and not allowed.any():
            if among is not None and not among.any():
                return "no paper was added to the model in that time (paperlike add brings new records in)"
            given = []
            if filters is not None and filters.categories:
                given.append("category " + ", ".join(filters.categories))
            if filters is not None and (filters.since or filters.until):
                given.append(f"dates {filters.since or '…'} to {filters.until or '…'}")
            held = self.facets_.summary()
            return (f"no paper passes the filters ({'; '.join(given) or 'the papers added'}): "
                    f"this model holds {held}")
        if allowed is not None:
            return (f"{int(allowed.sum())} papers pass the filters, and none of them (other than the "
                    "query's own) shares a word with the query")
        return "no paper (other than the query's own) shares a word with the query"

    def dupes(self, threshold: float | None = None, title_threshold: float | None = None,
              maybe: bool = False, relations: Iterable[str] | None = None, min_size: int = 2) -> Dupes:
        """The papers with several records (at least ``min_size``; with ``relations``, those
        with a member of one of them), and why each record belongs to its paper; with
        ``maybe``, the pairs left for a person to decide too.

        Other thresholds regroup the texts for this answer only; the index is unchanged.
        """
        check_fitted(self, ("records_", "X_"), "dupes")
        dedup = self.dedup
        if (threshold, title_threshold) != (None, None):
            dedup = Deduplicator(
                threshold=self.dedup.threshold if threshold is None else threshold,
                title_threshold=self.dedup.title_threshold if title_threshold is None else title_threshold,
            ).fit(self._text_records(), self.vectorizer, sparse(self.X_),
                  decided=self._decided_texts())
        from .dedup.report import versions_report  # the rules' modules: only for these answers

        return versions_report(dedup, self.records_, self.text_of_record_, self.record_of_text_, self.vectorizer,
                               maybe=maybe, relations=relations, min_size=min_size)

    def dupe_groups(self, relations: Iterable[str] | None = None, min_size: int = 2) -> Iterator[DupeGroup]:
        """The groups of :meth:`dupes`, one at a time (see :func:`paperlike.dedup.iter_groups`)."""
        from .dedup.report import iter_groups

        return iter_groups(self.dedup, self.records_, self.text_of_record_, self.record_of_text_, self.vectorizer,
                           relations=relations, min_size=min_size)

    def review_queue(self) -> list[MaybePair]:
        """The pairs left for a person to decide (``dupes --maybe``)."""
        from .dedup.report import maybe_pairs

        return maybe_pairs(self.dedup, self.records_, self.record_of_text_, self.vectorizer)

    def check(self, record: Record) -> CheckResult:
        """Whether this index already holds a version of the record, and which: the record
        against the texts that could be one (close by cosine, of its title, or sharing its DOI
        or id), by the duplicate rules (:func:`paperlike.dedup.check_record`)."""
        check_fitted(self, ("records_", "X_"), "check")
        vector = self.vectorizer.transform([record])
        top = self.top_texts(self.scores(vector), _CHECK_CANDIDATES) if vector.nnz else []
        # Below this whole-text cosine no rule can hold (a version shares its title or most of its
        # abstract), so the costlier signals are computed for a few texts only.
        texts = [t for t, score in top if score >= _CHECK_MIN_COSINE]
        if record.title:
            for paper in self.keys["title"].get(folded_text(record.title)):
                texts.extend(int(self.text_of_record_[r]) for r in self.records_of_paper(paper))
        texts.extend(self.texts_of_identifiers(record))
        candidates = [(t, self.records_[int(self.record_of_text_[t])]) for t in dict.fromkeys(texts)]
        from .dedup.report import check_record

        return check_record(record, candidates, self.vectorizer, self.dedup, lambda text: [
            self.records_[r] for r in self.records_of_paper(int(self.paper_of_text_[text]))])

    def similar_to_paper(self, paper: int, k: int = 10) -> list[Neighbour]:
        """The k papers most like an indexed paper, the paper and its versions excluded."""
        check_fitted(self, ("records_", "X_"), "similar_to_paper")
        return self._neighbours(self.vector_of_paper(paper), k, [paper])

    def _allowed(self, filters: Filters | None) -> np.ndarray | None:
        """Which papers the filters keep (None: all)."""
        if filters is None or not filters.active:
            return None
        paper_of_record = self.paper_of_text_[self.text_of_record_]
        return self.facets_.paper_mask(filters, paper_of_record, self.n_papers)

    def _neighbours(self, vector: sp.csr_matrix, k: int, exclude: list[int],
                    allowed: np.ndarray | None = None, diverse: bool = False,
                    scores: np.ndarray | None = None, topic: dict[int, float] | None = None,
                    explain=None, ceiling: float | None = None) -> list[Neighbour]:
        """The k best papers for a query vector (or for precomputed ``scores`` of every text),
        each with the terms it shares with the vector (``explain(text)`` when given), its topic
        similarity when ``topic`` has it, and its other versions' ids; only papers whose
        ``allowed`` entry is true (:meth:`_allowed` of the filters), when it is given. With a
        ``ceiling`` on the scores of the texts ``topic`` lacks, those are looked at first."""
        topic = topic or {}
        wanted = k * MMR_POOL if diverse else k
        scores = self.scores(vector) if scores is None else scores
        among = np.fromiter(topic, dtype=np.int64, count=len(topic)) if ceiling is not None else None
        found = self.top_papers(scores, wanted, exclude, allowed, among, ceiling)
        if diverse and found:
            papers = np.array([p for p, _ in found])
            stacked = sp.vstack([sparse(self.vector_of_paper(int(p))) for p in papers], format="csr")
            order = diverse_order(papers, np.array([s for _, s in found]), stacked, k)
            found = [found[i] for i in order]
        results = []
        for rank, (paper, score) in enumerate(found, 1):
            records = self.records_of_paper(paper)
            versions = [Cited(*self._fields(r, *Cited._fields)) for r in records]
            canonical = versions[0]
            label = canonical.title or self.records_[records[0]].label  # the abstract's words when untitled
            text = self._best_text(paper, scores, records)
            results.append(Neighbour(
                rank=rank, **citation_fields(versions),
                id=canonical.id, title=canonical.title, label=label, score=round(score, 4),
                topic=round(topic[text], 4) if text in topic else None,
                terms=explain(text) if explain is not None else self.shared_terms(vector, text),
                versions=[r.id for r in versions[1:]],
            ))
        return results

    def _fields(self, record: int, *names: str) -> tuple:
        """Some fields of a record: of a loaded model, read from their columns alone
        (paperlike.columns.RecordFile.fields), without making the whole record."""
        fields = getattr(self.records_, "fields", None)
        if fields is not None:
            return fields(record, names)
        paper = self.records_[record]
        return tuple(getattr(paper, name) for name in names)

    def _best_text(self, paper: int, scores: np.ndarray, records: list[int]) -> int:
        """The paper's text that gave its score: the best-scoring of its texts (the canonical
        record's on a tie)."""
        texts = list(dict.fromkeys(int(self.text_of_record_[r]) for r in records))
        return max(texts, key=lambda t: (scores[t], t == texts[0]))


def _csr(arrays: dict[str, np.ndarray], name: str, shape: tuple[int, int]) -> Rows:
    """The CSR rows of the arrays ``NAME_data``, ``_indices`` and ``_indptr``, as they are: no
    copy, no format check pass (a saved model's structure was checked when it was verified), and
    no scipy.sparse to query (:mod:`paperlike.csr`)."""
    return Rows(arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"], shape)


def _slice(matrix: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    """The column indices and values of one CSR row."""
    start, end = int(matrix.indptr[row]), int(matrix.indptr[row + 1])
    return matrix.indices[start:end], matrix.data[start:end]


def _looks_like_id(text: str) -> bool:
    return bool(arxiv_id(text) or doi(text)) or (text.startswith("pl-") and " " not in text)
