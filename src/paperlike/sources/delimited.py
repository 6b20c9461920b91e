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
from typing import BinaryIO

from ..biblio import split_author_list
from ..errors import InputError
from ..records import Skipped
from ..text import normalize
from .base import (
    MAX_RECORD_BYTES,
    Bad,
    Oversized,
    arxiv_in,
    byte_lines,
    first_last,
    iso_date,
    line_text,
    make_row,
    split_authors,
    too_big,
)

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


def _paper(row: list[str], header: list[str], columns: dict[str, int], path: str, line: int) -> tuple:
    value = {field: row[i].strip() for field, i in columns.items()}
    lowered = [name.strip().lower() for name in header]
    categories = value.get("categories", "")
    return make_row(
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


# What decides where a CSV record ends: its quotes and line breaks, and whether the character
# before a quote is the delimiter (a quote opens a quoted field only at a field's start). Past
# the limit, the rest of a record is given to csv as its skeleton, each run of other characters
# made one character, the delimiter if the run ends with it, else "x", and each run of quotes
# one quote or two (csv's state after a run of quotes depends only on whether the run is odd):
# csv finds the record's end where it would have, without holding the record.
_RUN_RE = re.compile(r'[^"\r\n]+|"+')
_RUN_BYTES_RE = re.compile(rb'[^"\r\n]+|"+')
_BARE_CR_RE = re.compile(r"(?<=\r)(?!\n)")


def _skeleton(text: str, delimiter: str) -> str:
    def one(run: re.Match) -> str:
        found = run.group()
        if found[0] == '"':
            return '"' if len(found) % 2 else '""'
        return delimiter if found.endswith(delimiter) else "x"
    return _RUN_RE.sub(one, text)


class _ByteSkeleton:
    """The skeleton of each block of a line too long to hold, and csv's quote state through the
    whole line, for when even the skeleton is over the limit (a field of ``0"0"0"...``).

    csv's reader (``doublequote``, not strict) is in one of four states; a line starts a record
    or continues a quoted field, so the line is followed from both, and what matters at its end
    is whether it is inside a quoted field. A run of quotes acts as one quote when it is odd, as
    two when even."""

    START, FIELD, QUOTED, QUOTE_IN_QUOTED = range(4)
    # one quote: a field's start opens it, a quoted field's quote may close it, two are one
    _QUOTE = (QUOTED, FIELD, QUOTE_IN_QUOTED, QUOTED)
    _DELIMITER = (START, START, QUOTED, START)
    _BREAK = (START, START, QUOTED, START)
    _OTHER = (FIELD, FIELD, QUOTED, FIELD)

    def __init__(self, delimiter: str) -> None:
        self.mark = delimiter.encode()
        self._tokens = re.compile(rb'"+|[\r\n]|' + re.escape(self.mark) + rb'|[^"\r\n' + re.escape(self.mark) + rb']+')
        self.reset()

    def reset(self) -> None:
        """Follow a new line, from a record's start and from inside a quoted field."""
        self.states = [self.START, self.QUOTED]

    def __call__(self, data: bytes) -> bytes:
        for token in self._tokens.findall(data):
            if token[:1] == b'"':
                steps = [self._QUOTE] * (1 if len(token) % 2 else 2)
            elif token == self.mark:
                steps = [self._DELIMITER]
            elif token in (b"\r", b"\n"):
                steps = [self._BREAK]
            else:
                steps = [self._OTHER]
            for step in steps:
                self.states = [step[state] for state in self.states]
        return _RUN_BYTES_RE.sub(self._run, data)

    def _run(self, run: re.Match) -> bytes:
        found = run.group()
        if found[:1] == b'"':
            return b'"' if len(found) % 2 else b'""'
        return self.mark if found.endswith(self.mark) else b"x"

    def stand_in(self) -> str:
        """A short line that leaves csv in the state the followed line left it, from either start."""
        d = self.mark.decode()
        from_start, from_quoted = (state == self.QUOTED for state in self.states)
        return {(False, False): f'x"{d}x\n', (True, True): f'x"{d}"x\n',
                (True, False): '"x\n', (False, True): "x\n"}[(from_start, from_quoted)]


class _Lines:
    """A CSV stream's lines as csv.reader reads them (with their breaks; a lone \\r ends a
    line too, as Python's universal newlines do), and the bytes of the record being read.
    Once the record is over the limit, the rest of it is given as its skeleton."""

    def __init__(self, stream: BinaryIO, path: str, limit: int):
        self.path, self.limit = path, limit
        self._pending: list[str] = []
        self.record_bytes = 0
        # the header's line tells the delimiter, which the skeletons of later lines keep
        header = stream.readline(limit + 1)
        self.delimiter = _delimiter(header.decode("utf-8", "replace").split("\n", 1)[0])
        stream.seek(0)
        self._skeleton = _ByteSkeleton(self.delimiter)
        self._lines = enumerate(byte_lines(stream, limit, skeleton=self._skeleton), 1)
        self.first = self._next_text()

    def new_record(self) -> int:
        """Start counting the next record; the size of the one read."""
        size, self.record_bytes = self.record_bytes, 0
        return size

    @property
    def over(self) -> bool:
        return self.record_bytes > self.limit

    def _next_text(self) -> str | None:
        for number, line in self._lines:
            over = self.over
            if isinstance(line, Oversized):
                self.record_bytes += max(line.size, self.limit + 1)
                text = line.skeleton.decode("ascii") if line.skeleton is not None else self._skeleton.stand_in()
                self._skeleton.reset()
                return text or "\n"
            self.record_bytes += len(line)
            text = line_text(line, number, self.path)
            return _skeleton(text, self.delimiter) if over or self.over else text
        return None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if not self._pending:
            text = self.first if self.first is not None else self._next_text()
            self.first = None
            if text is None:
                raise StopIteration
            self._pending = _BARE_CR_RE.split(text) if "\r" in text[:-2] else [text]
            self._pending.reverse()
        return self._pending.pop()




def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a CSV/TSV text, and a Skipped for each row that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a CSV/TSV file, and a Skipped for each row that is not one or is over
    ``limit`` bytes (read past, never held)."""
    lines = _Lines(stream, path, limit)
    if lines.first is None:
        return
    if csv.field_size_limit() <= limit:  # a record is held to the limit before csv sees it
        csv.field_size_limit(limit + 1)
    reader = csv.reader(lines, delimiter=lines.delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path}:1: the header is not CSV ({exc})") from None
    if not header:
        return
    if lines.over:
        raise InputError(f"{path}:1: the header is over the limit of {limit:,} bytes a record may take")
    columns = _columns(header, path)
    lines.new_record()
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a quoted field still open at the end of the file
            line, start = start, reader.line_num + 1
            lines.new_record()
            yield Skipped(path=path, line=line, reason=f"malformed CSV row ({exc})")
            continue
        line, start = start, reader.line_num + 1
        over, size = lines.over, lines.new_record()
        if over:
            yield Skipped(path=path, line=line, reason=too_big(size, limit))
            continue
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
