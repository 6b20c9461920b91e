"""arXiv JSON lines: the arXiv API as crawlers save it, and the arXiv metadata snapshot.

- API / crawler lines: ``id``, ``title``, ``summary``, ``authors`` (a list), ``categories``
  (a list, primary first), ``comment``, ``pdf``, ``abs``, ``crawled``, ...
- Metadata snapshot lines (the Kaggle dump): ``id``, ``title``, ``abstract``, ``authors`` (one
  string), ``categories`` (space-separated), ``versions``, ``update_date``, ``doi``, ...

JSON lines of paperlike's own records (``paperlike papers --format jsonl``, ``merge``) are read
too: ``venue``, ``volume``, ``issue``, ``pages``, ``isbn``, ``pmid``, ``entry_type``. Fields
paperlike does not model are kept in ``extra``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import BinaryIO

from ..identifiers import arxiv_date
from ..records import Skipped
from .base import MAX_RECORD_BYTES, Bad, get, get_list, make_row, read_each
from .jsondoc import BadJSON, loads, stream_json_lines

__all__ = ["sniff", "read", "read_stream", "paper_from_json", "date_of", "MODELLED"]

MODELLED = {"id", "title", "summary", "abstract", "authors", "categories", "doi", "journal-ref",
             "update_date", "versions", "published", "date", "authors_parsed", "venue", "volume",
             "issue", "pages", "isbn", "pmid", "entry_type"}


def sniff(head: str) -> bool:
    """True if the first non-blank line is a JSON object with a title or an abstract."""
    first = next((line.strip() for line in head.splitlines() if line.strip()), "")
    if not first.startswith("{"):
        return False
    try:
        obj = loads(first)
    except BadJSON:  # a line cut short by the head, or one too deep to decode
        return '"title"' in first or '"summary"' in first or '"abstract"' in first
    return isinstance(obj, dict) and bool({"title", "summary", "abstract"} & obj.keys())


def _categories(obj: dict) -> list[str]:
    """A list of categories, or the snapshot's one string of them."""
    value = get(obj, "categories", kind=(str, list))
    return value.split() if isinstance(value, str) else get_list(obj, "categories")


def _authors(obj: dict) -> str | list[str] | None:
    """A list of names, or the snapshot's one string of them."""
    value = get(obj, "authors", kind=(str, list))
    return value if isinstance(value, str) else get_list(obj, "authors")


def _date(obj: dict, id: str | None) -> str | None:
    """The paper's date (ISO): its first version's date, else the API's ``published``, else
    a ``date`` (paperlike's own JSON lines), else the month its arXiv id encodes
    (``2102.05231``: 2021-02). The day a crawler saw the paper
    (``crawled``) or the snapshot's ``update_date`` is the paper's date only for a record that
    has neither: a listing of 2026 shows papers of 2021 too."""
    return date_of(get(obj, "versions", 0, "created"), lambda key: get(obj, key), id)


def date_of(created: str | None, field: Callable[[str], str | None], id: str | None) -> str | None:
    """:func:`_date` from the first version's date and ``field``, which gives the value of a
    field (``published``, ``date``, ``crawled``, ``update_date``) when it is needed: a field
    after the one that gives the date is never read (nor checked)."""
    if created:
        try:
            return parsedate_to_datetime(created).date().isoformat()
        except (ValueError, OverflowError):  # text that is no date: the next one
            pass
    published = field("published")
    if published and published[:4].isdigit():
        return published[:10]
    given = field("date")  # paperlike's own records, and exports that give the paper's date
    if given and given[:4].isdigit():
        return given[:10]
    month = arxiv_date(id)
    if month:
        return month
    for key in ("crawled", "update_date"):
        value = field(key)
        if value and value[:4].isdigit():
            return value[:10]
    return None


def paper_from_json(obj: object, path: str, line: int) -> tuple:
    """A record's row (:func:`~.base.make_row`) from one decoded JSON line of either shape."""
    if not isinstance(obj, dict):
        raise Bad("expected a JSON object")
    id = get(obj, "id", kind=(str, int))
    return make_row(
        path, line,
        id=str(id) if id is not None else None,
        title=obj.get("title"), abstract=obj.get("summary", obj.get("abstract")),
        authors=_authors(obj), categories=_categories(obj),
        date=_date(obj, str(id) if id is not None else None), doi_value=obj.get("doi"), venue=obj.get("journal-ref", obj.get("venue")),
        volume=obj.get("volume"), issue=obj.get("issue"), pages=obj.get("pages"), isbn=obj.get("isbn"),
        pmid=obj.get("pmid"), entry_type=obj.get("entry_type"),
        extra={k: v for k, v in obj.items() if k not in MODELLED},
    )


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a JSON-lines text, and a Skipped for each line that is not one."""
    # surrogateescape: bytes that stdin could not decode come back as they were, and are
    # reported as not UTF-8 with their line
    return read_stream(io.BytesIO(text.encode("utf-8", "surrogateescape")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, start: int = 0, end: int | None = None,
                first_line: int = 1, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a JSON-lines stream (or of its lines from byte ``start`` to byte ``end``,
    the first of them line ``first_line``), and a Skipped for each line that is not one or is
    over ``limit`` bytes."""
    return read_each(stream_json_lines(stream, path, start, end, first_line, limit), path, paper_from_json)
