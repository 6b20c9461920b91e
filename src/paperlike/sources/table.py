"""CSV and TSV files with a header row naming the columns.

Columns are matched by name, case-insensitively, with the usual aliases (``summary`` or
``abstract note`` for the abstract, ``author`` for authors, ``journal`` for the venue, ...).
A title column or an abstract column is required; every other column is optional, and the
ones paperlike does not model are kept in ``extra``.

Zotero's CSV export is one of these: ``Key`` (the id when there is no arXiv id or DOI),
``Author`` (``Last, First; Last, First``), ``Publication Title`` (the venue), ``Abstract
Note``, ``Date`` and ``Publication Year``; an arXiv id is taken from ``Url`` or ``Extra``
(``arXiv:2409.06656 [eess]``). Names written ``Last, First`` between ``;`` are turned to
``First Last``, as every reader gives them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from ..errors import InputError
from ..models import Paper, Skipped
from ..text import normalize
from ..biblio import split_author_list
from .base import Bad, arxiv_in, first_last, iso_date, make_paper, split_authors

__all__ = ["sniff", "read"]

_ALIASES = {
    "id": ("id", "key", "paper id", "paperid", "arxiv id", "arxiv_id"),
    "title": ("title",),
    "abstract": ("abstract", "summary", "abstract note", "abstractnote"),
    "authors": ("authors", "author", "creators"),
    "year": ("year", "publication year"),
    "date": ("date", "published", "publication date"),
    "venue": ("venue", "journal", "booktitle", "publication title", "source"),
    "doi": ("doi",),
    "categories": ("categories", "category", "subjects"),
    "volume": ("volume", "vol"),
    "issue": ("issue", "number", "no"),
    "pages": ("pages", "page", "pagination"),
    "isbn": ("isbn",),
    "pmid": ("pmid", "pubmed id", "pubmed"),
    "entry_type": ("entrytype", "entry type", "entry_type", "item type", "type", "publication type"),
}
# Columns that are kept in extra but may name the record's arXiv id (Zotero: Url, Extra).
_ARXIV_HINTS = ("url", "link", "extra", "archive id")


def _delimiter(header: str) -> str:
    return "\t" if header.count("\t") > header.count(",") else ","


def sniff(head: str) -> bool:
    """True if the first line is a header with a title or abstract column."""
    header = head.splitlines()[0] if head else ""
    names = {name.strip().strip('"').lower() for name in header.split(_delimiter(header))}
    return bool(names & (set(_ALIASES["title"]) | set(_ALIASES["abstract"])))


def _columns(header: list[str], path: str) -> dict[str, int]:
    lowered = [name.strip().lower() for name in header]
    columns = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                columns[field] = lowered.index(alias)
                break
    if "title" not in columns and "abstract" not in columns:
        raise InputError(f"{path}:1: the header names no title or abstract column")
    return columns


def _authors(value: str | None, zotero: bool) -> list[str]:
    """Author names in any of the forms exports write (:func:`paperlike.biblio.split_author_list`:
    BibTeX's ``Last, F. and Last, F.``, MEDLINE's ``Last FM, Last F``, Zotero's ``Last, First;
    Last, First``, ``First Last, First Last``), each made ``First Last``."""
    value = normalize(value)  # first, so that "&#228;" is not read as a ";"
    if value and zotero and ";" not in value and " and " not in value:
        return split_authors([first_last(value)])  # Zotero's one author, "Last, First"
    return split_authors(split_author_list(value)) if value else []


def _paper(row: list[str], header: list[str], columns: dict[str, int], path: str, line: int) -> Paper:
    value = {field: row[i].strip() for field, i in columns.items()}
    lowered = [name.strip().lower() for name in header]
    categories = value.get("categories", "")
    return make_paper(
        path, line, id=value.get("id"), title=value.get("title"), abstract=value.get("abstract"),
        authors=_authors(value.get("authors"), zotero="item type" in lowered),
        date=iso_date(value.get("date")) or iso_date(value.get("year")),
        doi_value=value.get("doi"), venue=value.get("venue"),
        categories=categories.replace(";", " ").split(),
        volume=value.get("volume"), issue=value.get("issue"), pages=value.get("pages"),
        isbn=value.get("isbn"), pmid=value.get("pmid") or _pmid_in(row, lowered),
        entry_type=value.get("entry_type"),
        arxiv=arxiv_in(*(row[i] for i, name in enumerate(lowered) if name in _ARXIV_HINTS)),
        extra={header[i]: cell for i, cell in enumerate(row) if i not in columns.values()},
    )


def _pmid_in(row: list[str], lowered: list[str]) -> str | None:
    """A PubMed id named in Zotero's ``Extra`` column (``PMID: 12345``)."""
    for i, name in enumerate(lowered):
        if name == "extra":
            match = _PMID_RE.search(row[i])
            if match:
                return match.group(1)
    return None


_PMID_RE = re.compile(r"\bPMID:\s*(\d+)")


def read(text: str, path: str, *, year: int | None = None) -> Iterator[Paper | Skipped]:
    """The records of a CSV/TSV file, and a Skipped for each row that is not one."""
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
    header = next(reader, None)
    if not header:
        return
    columns = _columns(header, path)
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Skipped(path=path, line=line,
                          reason=f"row has {len(row)} fields, the header has {len(header)}")
            continue
        try:
            yield _paper(row, header, columns, path, line)
        except Bad as exc:
            yield Skipped(path=path, line=line, reason=str(exc))
