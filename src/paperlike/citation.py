"""What a result needs to be cited: authors, date, venue, identifiers and a link, from the
records of one paper.

A paper's records are its versions (a preprint, its published record, copies from several
listings): the canonical record (most complete, first) gives what it has, and the others fill
in what it lacks (the published version's DOI and venue beside the preprint's arXiv id). The
date is the paper's first known date, the one the date filters compare (an arXiv id's month
when a listing gave only the day it was seen: see :func:`paperlike.sources.base.make_paper`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .identifiers import arxiv_id, arxiv_in, base_id, doi, paper_url
from .records import Record

__all__ = ["Cited", "citation_fields", "first_date", "record_arxiv"]


class Cited(NamedTuple):
    """The fields of a record that citing it needs: what a query reads of each result's
    records (a saved model reads these columns alone, without making whole records)."""

    id: str
    title: str | None
    authors: list[str]
    date: str | None
    venue: str | None
    doi: str | None


def record_arxiv(record: Record | Cited) -> str | None:
    """The arXiv id of a record: its id, or the one its DOI (arXiv's own) names."""
    return arxiv_id(base_id(record.id)) or arxiv_in(record.doi)


def first_date(records: Sequence[Record | Cited]) -> str | None:
    """The earliest full date of the records (``YYYY[-MM[-DD]]``; a listing's ``--MM-DD``
    without a year is no date), the most precise of equal ones."""
    dated = [r.date for r in records if r.date and r.date[:4].isdigit()]
    if not dated:
        return None
    # 2021 < 2021-02 < 2021-02-11 as strings; the earliest year-month-day wins, and among
    # dates of one month the one with a day.
    return min(dated, key=lambda d: (d[:4], d[5:7] or "99", d[8:10] or "99"))


def citation_fields(records: Sequence[Record | Cited]) -> dict:
    """``authors``, ``date``, ``year``, ``venue``, ``doi``, ``arxiv`` and ``url`` of the paper
    whose records these are, the canonical record first."""
    head = records[0]
    authors = head.authors or next((r.authors for r in records if r.authors), [])
    venue = head.venue or next((r.venue for r in records if r.venue), None)
    found_doi = next((d for d in (doi(r.doi) or doi(base_id(r.id)) for r in records) if d), None)
    arxiv = next((a for a in map(record_arxiv, records) if a), None)
    date = first_date(records)
    return {"authors": list(authors), "date": date, "year": int(date[:4]) if date else None,
            "venue": venue, "doi": found_doi,
            "arxiv": arxiv, "url": paper_url(arxiv, found_doi)}
