"""Which papers a recommendation may return: by category and by date.

Each record's date and categories are kept as arrays (saved with the model), so a filter is a
few numpy operations over papers, whatever the corpus size, and never parses the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .csr import Rows, sp
from .errors import QueryError
from .records import Record, field_chunks
from .requests import Filters

__all__ = ["Facets", "date_number"]


def date_number(date: str | None, *, end: bool = False) -> int:
    """``YYYY[-MM[-DD]]`` as the number YYYYMMDD, a missing month or day as 00 (or 99 for the end
    of a range, so that ``--until 2025-06`` takes in all of June); 0 for an unknown date."""
    if not date or not date[:4].isdigit():
        return 0
    parts = date.split("-")
    fill = 99 if end else 0
    month = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else fill
    day = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else fill
    return int(parts[0]) * 10000 + month * 100 + day


def _date_text(number: int) -> str:
    """A :func:`date_number` as ISO text, its missing month or day left out."""
    year, month, day = number // 10000, number // 100 % 100, number % 100
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")


class Facets:
    """Dates and categories of every record: ``dates`` (YYYYMMDD, 0 unknown), ``categories``
    (a record x category 0/1 CSR matrix) and ``names`` (the category of each column)."""

    def __init__(self, dates: np.ndarray, categories: sp.csr_matrix, names: list[str]) -> None:
        self.dates = dates
        self.categories = categories
        self.names = names

    @classmethod
    def of(cls, records: Sequence[Record]) -> Facets:
        names: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        dates: list[int] = []
        for chunk in field_chunks(records, ("categories", "date")):
            for categories_, date in zip(*chunk):
                indices.extend(names.setdefault(c, len(names)) for c in dict.fromkeys(categories_))
                indptr.append(len(indices))
                dates.append(date_number(date))
        categories = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.int8), np.array(indices, dtype=np.int32),
             np.array(indptr, dtype=np.int64)), shape=(len(records), len(names)))
        return cls(np.array(dates, dtype=np.int32), categories, list(names))

    def extend(self, records: Sequence[Record]) -> Facets:
        """These facets with more records' appended (new categories get new columns)."""
        added = Facets.of(records)
        names = list(self.names) + [n for n in added.names if n not in set(self.names)]
        column = {n: i for i, n in enumerate(names)}
        remap = np.array([column[n] for n in added.names], dtype=np.int32)
        added_matrix = sp.csr_matrix(
            (added.categories.data, remap[added.categories.indices] if len(remap) else added.categories.indices,
             added.categories.indptr), shape=(len(records), len(names)))
        old = sp.csr_matrix((self.categories.data, self.categories.indices, self.categories.indptr),
                            shape=(self.categories.shape[0], len(names)))
        return Facets(np.concatenate([self.dates, added.dates]),
                      sp.vstack([old, added_matrix], format="csr"), names)

    def to_arrays(self) -> dict[str, Any]:
        """What to save: ``record_date``, ``record_category_indices`` and ``_indptr`` (the
        record x category matrix's), and ``categories`` (the names, a list of strings)."""
        return {"record_date": np.asarray(self.dates, dtype=np.int32),
                "record_category_indices": np.asarray(self.categories.indices, dtype=np.int32),
                "record_category_indptr": np.asarray(self.categories.indptr, dtype=np.int64),
                "categories": list(self.names)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> Facets:
        """The facets :meth:`to_arrays` gave."""
        names, indices, indptr = arrays["categories"], arrays["record_category_indices"], arrays["record_category_indptr"]
        matrix = Rows(np.ones(len(indices), dtype=np.int8), indices, indptr, (len(indptr) - 1, len(names)),
                      has_sorted_indices=False)
        return cls(arrays["record_date"], matrix, names)

    def summary(self) -> str:
        """The dates and categories the records hold, for a message: "papers dated 2025-03-18 to
        2025-12-31 (12 undated), in 40 categories: cs.AI, cs.CL, ..." """
        known = self.dates[self.dates > 0]
        undated = len(self.dates) - len(known)
        if len(known):
            span = f"records dated {_date_text(int(known.min()))} to {_date_text(int(known.max()))}"
        else:
            span = "no dated records"
        if undated and len(known):
            span += f" ({undated} undated)"
        names = sorted(self.names)
        if names:
            shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            span += f", in {len(names)} categor{'y' if len(names) == 1 else 'ies'}: {shown}"
        else:
            span += ", with no categories"
        return span

    def _category_columns(self, wanted: list[str]) -> np.ndarray:
        columns = []
        for want in wanted:
            w = want.strip().casefold()
            for i, name in enumerate(self.names):
                n = name.casefold()
                archive, _, sub = n.rpartition(".")
                if n == w or (("." not in w) and w in (archive, sub)) or ("." not in n and w.rpartition(".")[2] == n):
                    columns.append(i)
        if not columns:
            known = ", ".join(sorted(self.names)[:12]) or "none"
            raise QueryError(f"no paper has the category {', '.join(wanted)!s}; "
                             f"categories in this model include: {known}")
        return np.array(sorted(set(columns)), dtype=np.int32)

    def _having(self, columns: np.ndarray) -> np.ndarray:
        """Which records have one of these category columns (numpy alone: a query's filter
        imports no scipy.sparse)."""
        categories = self.categories
        per_record = np.diff(np.asarray(categories.indptr))
        owner = np.repeat(np.arange(categories.shape[0]), per_record)
        hit = np.zeros(categories.shape[0], dtype=bool)
        hit[owner[np.isin(np.asarray(categories.indices), columns)]] = True
        return hit

    def paper_mask(self, filters: Filters, paper_of_record: np.ndarray, n_papers: int) -> np.ndarray | None:
        """Which papers pass the filters (None: every paper, no filter given)."""
        if not filters.active:
            return None
        ok = np.ones(n_papers, dtype=bool)
        if filters.categories:
            columns = self._category_columns(filters.categories)
            hit = self._having(columns)
            ok &= np.bincount(paper_of_record[hit], minlength=n_papers) > 0
        if filters.since or filters.until:
            first = self.first_dates(paper_of_record, n_papers)
            known = first > 0
            if filters.since:
                known &= first >= date_number(filters.since)
            if filters.until:
                known &= first <= date_number(filters.until, end=True)
            ok &= known
        return ok

    def first_dates(self, paper_of_record: np.ndarray, n_papers: int) -> np.ndarray:
        """Each paper's earliest known date (0 when none of its records has a year)."""
        big = np.iinfo(np.int32).max
        dates = np.where(self.dates > 0, self.dates, big)
        first = np.full(n_papers, big, dtype=np.int32)
        np.minimum.at(first, paper_of_record, dates)
        first[first == big] = 0
        return first
