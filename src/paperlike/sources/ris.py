"""RIS files (``.ris``): Zotero, Mendeley, EndNote, publishers' and databases' exports.

Each record runs from ``TY  - TYPE`` to ``ER  -``; paperlike finds the records and their lines
itself and leaves each record's tags to rispy (0.10, no dependencies), which knows the tag
names, list tags and continuation lines. A record without its ``ER`` line is skipped.

Fields: ``TI``/``T1`` title, ``AU``/``A1`` authors ("Last, First"), ``AB``/``N2`` abstract,
``DA``/``PY``/``Y1`` date (``2021/09/30/``), ``DO`` DOI (or a doi.org ``UR``), ``T2``/``JF``/
``JO``/``JA``/``J2`` venue, ``ID`` the input's own id; an arXiv id from a ``UR`` or arXiv's
DOI. The type, URLs, keywords and the other known tags are kept in ``extra``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ..records import Skipped
from .base import (
    MAX_RECORD_BYTES,
    Oversized,
    arxiv_in,
    doi,
    first_last,
    iso_date,
    make_row,
    read_each,
    text_lines,
    too_big,
)

__all__ = ["sniff", "read"]

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_MODELLED = {"title", "primary_title", "authors", "first_authors", "abstract", "notes_abstract",
             "date", "year", "publication_year", "doi", "id", "secondary_title",
             "alternate_title1", "alternate_title2", "alternate_title3", "journal_name",
             "volume", "number", "start_page", "end_page", "issn", "type_of_reference"}
_VENUE_FIELDS = ("secondary_title", "alternate_title3", "journal_name", "alternate_title2",
                 "alternate_title1")  # T2, JF, JO, JA, J2


def sniff(head: str) -> bool:
    """True if the first line that is a RIS tag line is ``TY  - ``."""
    for line in head.splitlines():
        match = _TAG_RE.match(line)
        if match:
            return match.group(1) == "TY"
    return False


def _size(line: str | Oversized) -> int:
    """A line's size in bytes, with its break (a blank line, however long, is nothing)."""
    if isinstance(line, Oversized):
        return 0 if line.blank else line.size
    return (len(line) if line.isascii() else len(line.encode("utf-8"))) + 1


def _records(text_lines: Iterable[str | Oversized], path: str, limit: int
             ) -> Iterator[tuple[int, list[str]] | Skipped]:
    """Each record's first line number and lines; a Skipped for a record that never ends,
    and for one over ``limit`` bytes (its lines let go as they are read)."""
    start, lines, size = 0, [], 0
    for number, line in enumerate(text_lines, start=1):
        match = _TAG_RE.match(line.head.decode("utf-8", "replace") if isinstance(line, Oversized) else line)
        tag = match.group(1) if match else None
        if tag == "TY":
            if start:
                yield Skipped(path=path, line=start,
                              reason="RIS record has no 'ER  -' line before the next 'TY  -'")
            start, lines, size = number, [line], _size(line)
        elif tag == "ER" and start:
            size += _size(line)
            if size > limit:
                yield Skipped(path=path, line=start, reason=too_big(size, limit))
            else:
                yield start, lines + [line]
            start, lines = 0, []
        elif tag == "ER":
            yield Skipped(path=path, line=number, reason="'ER  -' outside a record")
        elif start:
            size += _size(line)
            if isinstance(line, Oversized) and line.blank:
                continue
            if size <= limit:
                lines.append(line)
            else:
                lines = []
    if start:
        yield Skipped(path=path, line=start, reason="RIS record has no 'ER  -' end line")


def _paper(lines: list[str], path: str, line: int) -> tuple:
    import rispy  # imported when a RIS file is read

    (fields,) = rispy.loads("\n".join(lines), skip_unknown_tags=True)
    urls = fields.get("urls") or []
    dates = [iso_date(fields.get(k)) for k in ("date", "year", "publication_year")]
    return make_row(
        path, line, id=fields.get("id"),
        arxiv=arxiv_in(*urls),
        title=fields.get("title") or fields.get("primary_title"),
        abstract=fields.get("abstract") or fields.get("notes_abstract"),
        authors=[first_last(a) for a in fields.get("authors") or fields.get("first_authors") or []],
        date=max((d for d in dates if d), key=len, default=None),
        doi_value=fields.get("doi") or next((u for u in urls if doi(u)), None),
        venue=next((fields[k] for k in _VENUE_FIELDS if fields.get(k)), None),
        extra={k: v for k, v in fields.items() if k not in _MODELLED},
        volume=fields.get("volume"), issue=fields.get("number"),
        pages=_pages(fields.get("start_page"), fields.get("end_page")),
        isbn=fields.get("issn"),  # RIS's SN holds an ISBN or an ISSN; only an ISBN is kept
        entry_type=fields.get("type_of_reference"),
    )


def _pages(start: str | None, end: str | None) -> str | None:
    """SP and EP as one range; an SP that is already a range (``91-92``) is kept."""
    if start and end and end != start:
        return f"{start}-{end}"
    return start or end


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a RIS text, and a Skipped for each record that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a RIS file, and a Skipped for each record that is not one or is over
    ``limit`` bytes."""
    return read_each(_records(text_lines(stream, path, limit), path, limit), path, _paper)
