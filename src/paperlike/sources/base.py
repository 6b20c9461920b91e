"""What every input format shares: reading a file's text, and turning fields into a Record."""

from __future__ import annotations

import functools
import gzip
import io
import re
import stat
import sys
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ..biblio import normalize_isbn, normalize_pages, normalize_pmid
from ..defaults import MAX_RECORD_BYTES
from ..errors import InputError
from ..identifiers import arxiv_date, arxiv_id, arxiv_in, doi
from ..records import Record, Skipped
from ..text import folded_digest, normalize

__all__ = ["Input", "MAX_RECORD_BYTES", "Oversized", "byte_lines", "text_lines", "line_text", "too_big", "read_text",
           "not_utf8", "unique_ids",
           "make_paper", "make_row", "given_base_id", "record_date", "with_unique_ids", "split_authors", "first_last", "arxiv_in", "iso_date", "read_each", "get",
           "get_list", "describe", "bibtex_type", "short_text", "SHORT_FIELDS", "Bad"]

# Dates are ASCII digits: str.isdigit and \d without re.ASCII take "²" and "٢", which int() refuses
# or the rest of paperlike would read as no date.
_ISO_DATE_RE = re.compile(r"^\s*(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?![\d])", re.ASCII)
_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)", re.ASCII)
# What a record's date is: YYYY, YYYY-MM, YYYY-MM-DD, or --MM-DD (a listing's day without a year).
_RECORD_DATE_RE = re.compile(r"\d{4}(?:-\d\d(?:-\d\d)?)?|--\d\d-\d\d", re.ASCII)


class Bad(Exception):
    """Raised inside a reader for one malformed record; the reader turns it into a Skipped."""


# MAX_RECORD_BYTES, the default limit on one record's size, is in paperlike.defaults (for --help).


def too_big(size: int, limit: int) -> str:
    """The reason a record of ``size`` bytes over the limit is skipped."""
    return (f"record of {size:,} bytes is over the limit of {limit:,} bytes "
            "(raise it with --max-record-bytes)")


class Oversized:
    """A line longer than the limit, read past without being kept: its size in bytes, its
    first bytes (enough to tell a tag or a JSON object from anything else), whether it is all
    white space (a blank line, however long, is no record), and, if asked for, its skeleton
    (:func:`byte_lines`)."""

    __slots__ = ("size", "head", "blank", "skeleton")

    def __init__(self, size: int, head: bytes, blank: bool = False, skeleton: bytes | None = None):
        self.size, self.head, self.blank, self.skeleton = size, head, blank, skeleton

    def __repr__(self) -> str:
        return f"Oversized({self.size}, {self.head[:20]!r})"


def byte_lines(stream: BinaryIO, limit: int, skeleton: Callable[[bytes], bytes] | None = None
               ) -> Iterator[bytes | Oversized]:
    """The lines of a binary stream (each with its line break), an :class:`Oversized` for each
    longer than ``limit`` bytes: such a line is read a block at a time and let go, so that no
    line, however long, is ever held whole. With ``skeleton``, an Oversized keeps what that
    function makes of each block of the line (what says where a CSV record ends), unless that
    too is over the limit; the function sees every block either way."""
    readline = stream.readline
    while True:
        line = readline(limit + 1)
        if len(line) <= limit or line.endswith(b"\n"):
            if not line:
                return
            yield line
            continue
        size, head, blank = len(line), line[:_OVERSIZED_HEAD], line.isspace()
        kept: bytes | None = skeleton(line) if skeleton else None
        if kept is not None and len(kept) > limit:
            kept = None
        while not line.endswith(b"\n"):
            line = readline(1 << 16)
            if not line:
                break
            size += len(line)
            blank = blank and line.isspace()
            if skeleton is not None:  # called on every block: a skeleton may follow the whole line
                more = skeleton(line)
                kept = kept + more if kept is not None and len(kept) + len(more) <= limit else None
        yield Oversized(size, head, blank, kept)


_OVERSIZED_HEAD = 1024


def text_lines(stream: BinaryIO, path: Path | str, limit: int) -> Iterator[str | Oversized]:
    """The lines of a binary stream as text, as ``str.splitlines`` splits them (a text's
    lines, without their breaks: a form feed or U+2028 inside a line ends a line too), each line
    longer than ``limit`` bytes an :class:`Oversized`; InputError naming the line if one is not
    UTF-8. A byte-order mark at the start is dropped."""
    for number, line in enumerate(byte_lines(stream, limit), 1):
        if isinstance(line, Oversized):
            yield line
            continue
        text = line_text(line, number, path)
        parts = text.splitlines()
        if len(parts) == 1:
            yield parts[0]
        else:  # a separator of its own inside the line (\f, U+2028): its parts are lines
            yield from parts


_BOM = "\ufeff".encode()


def line_text(line: bytes, number: int, path: Path | str) -> str:
    """One line of a file (1-based ``number``) as text, a byte-order mark on the first line
    dropped; InputError naming the line if it is not UTF-8."""
    if number == 1 and line.startswith(_BOM):
        line = line[len(_BOM):]
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, number, line[exc.start]) from None


class _Gunzipped(io.RawIOBase):
    """A gzip stream decompressed as it is read (never whole), its errors InputErrors."""

    def __init__(self, raw: BinaryIO, path: Path):
        self._raw, self._path = raw, path
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            return self._gzip.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self._path}: damaged gzip file ({exc})") from None

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._gzip.seek(offset, whence)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self._path}: damaged gzip file ({exc})") from None

    def tell(self) -> int:
        return self._gzip.tell()

    def close(self) -> None:
        if not self.closed:
            self._gzip.close()
            self._raw.close()
        super().close()


class Input:
    """A file's content (gunzipped as it is read if it is gzip), streamed.

    The content is never held whole: each :meth:`stream` opens it afresh, so that two
    processes can each read their own part, and a gzip file is decompressed as it is read, so
    that sniffing its format reads only its first bytes. What is not a regular file (a pipe,
    ``/dev/stdin``, which can be read only once) is read once, and its streams share the bytes.
    ``size`` is the content's size in bytes; of a gzip file, what its trailer says (the size
    modulo 4 GiB, of its last member: a hint, for splitting the work and showing progress).
    """

    def __init__(self, path: Path):
        self.path = path
        self._data: bytes | None = None
        try:
            status = path.stat()
            if stat.S_ISREG(status.st_mode):
                with path.open("rb") as file:
                    magic = file.read(2)
                    self.gzipped = magic == b"\x1f\x8b"
                    self.size = status.st_size
                    if self.gzipped and status.st_size >= 18:  # gzip's trailer: the size mod 2**32
                        file.seek(-4, io.SEEK_END)
                        self.size = int.from_bytes(file.read(4), "little")
            else:
                self._data = path.read_bytes()
                self.gzipped = self._data[:2] == b"\x1f\x8b"
                self.size = len(self._data)
                if self.gzipped and len(self._data) >= 18:
                    self.size = int.from_bytes(self._data[-4:], "little")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file; check the path") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
        except ValueError as exc:  # a path holding a NUL byte
            raise InputError(f"{path!r}: not a path ({exc})") from None

    def stream(self) -> BinaryIO:
        """A new seekable binary stream of the content, at its start."""
        raw = io.BytesIO(self._data) if self._data is not None else self.path.open("rb")
        return io.BufferedReader(_Gunzipped(raw, self.path), 1 << 16) if self.gzipped else raw

    def text(self) -> str:
        """The whole content as text; InputError naming the line if it is not UTF-8. Only for
        what is small: the readers stream their input."""
        with self.stream() as stream:
            data = stream.read()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise not_utf8(self.path, data.count(b"\n", 0, exc.start) + 1, data[exc.start]) from None

    def head(self, size: int) -> str:
        """The first ``size`` characters as text (for sniffing the format)."""
        with self.stream() as stream:
            data = stream.read(4 * size)  # a character is up to four bytes
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 3:  # not only a character cut at the end
                raise not_utf8(self.path, data.count(b"\n", 0, exc.start) + 1, data[exc.start]) from None
            text = data[:exc.start].decode("utf-8-sig")
        return text[:size]


def not_utf8(path: Path | str, line: int, byte: int) -> InputError:
    return InputError(f"{path}:{line}: not UTF-8 (byte 0x{byte:02x}); "
                      "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8")


def read_text(path: Path) -> str:
    """The file's text (gunzipped if it is gzip), or InputError saying why it cannot be read."""
    return Input(path).text()


_KIND_NAMES = {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object",
               bool: "true or false"}


def describe(value: object) -> str:
    """A value as a reason names it: its JSON type and its first characters."""
    return f"{type(value).__name__} {str(value)[:40]!r}"


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(_KIND_NAMES.get(k, k.__name__) for k in kinds))


def _is(value: object, kind: type | tuple[type, ...]) -> bool:
    """isinstance, where true and false are not numbers (JSON tells them apart)."""
    return isinstance(value, kind) and (not isinstance(value, bool) or _accepts_bool(kind))


def _accepts_bool(kind: type | tuple[type, ...]) -> bool:
    return bool in (kind if isinstance(kind, tuple) else (kind,))


def get(obj: object, *path: str | int, kind: type | tuple[type, ...] = str) -> Any:
    """The value at ``path`` in decoded JSON (object keys and list indices: ``get(work,
    "authorships", 0, "author", "display_name")``), checked: None where a level is missing or
    null (JSON's "unknown"), Bad naming the field if a level or the value is of another type,
    so that a reader never meets a number where it iterates a list.

    >>> get({"ids": {"doi": 5}}, "ids", "doi")
    Traceback (most recent call last):
    paperlike.sources.base.Bad: ids.doi is not text but int '5'
    """
    if len(path) == 1 and type(obj) is dict and type(path[0]) is str:  # a field, of the kind asked
        value = obj.get(path[0])
        if value is None or (type(value) is kind if type(kind) is type else type(value) in kind):
            return value
    value, name = obj, ""
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list):
                raise Bad(f"{name} is not a list but {describe(value)}")
            value, name = value[key] if -len(value) <= key < len(value) else None, f"{name}[{key}]"
        else:
            if not isinstance(value, dict):
                raise Bad(f"{name} is not an object but {describe(value)}")
            value, name = value.get(key), f"{name}.{key}" if name else key
        if value is None:
            return None
    if not _is(value, kind):
        raise Bad(f"{name} is not {_kind_name(kind)} but {describe(value)}")
    return value


def get_list(obj: object, *path: str | int, kind: type | tuple[type, ...] = str) -> list:
    """The list at ``path`` (:func:`get`), its null members left out, Bad naming the first
    member of another kind than ``kind``; [] if it is missing or null."""
    values = get(obj, *path, kind=list) or []
    if type(kind) is type and all(type(value) is kind for value in values):
        return values.copy()
    for i, value in enumerate(values):
        if value is not None and not _is(value, kind):
            name = ".".join(str(k) for k in path)
            raise Bad(f"{name}[{i}] is not {_kind_name(kind)} but {describe(value)}")
    return [value for value in values if value is not None]


def iso_date(value: object) -> str | None:
    """An ISO date (``2021-09-30``, ``2021-09`` or ``2021``) from a date-like value.

    Reads ``2021-09-30``, RIS's ``2021/09/30/`` and ``2021///``, a bare year (an int too),
    and, failing those, the first plausible year in the text ("November 2021").
    """
    text = str(value).strip() if value is not None else ""
    match = _ISO_DATE_RE.match(text)
    if match:
        year, month, day = match.groups()
        if month and 1 <= int(month) <= 12:
            if day and 1 <= int(day) <= 31:
                return f"{year}-{int(month):02d}-{int(day):02d}"
            return f"{year}-{int(month):02d}"
        return year
    match = _YEAR_RE.search(text)
    return match.group(1) if match else None


def first_last(name: str) -> str:
    """A name written "Last, First" (BibTeX, RIS, Zotero) turned to "First Last".

    Surnames are compared as a name's last word, so every reader gives names in one order.
    "Last, Jr., First" becomes "First Last Jr."; a name without a comma is kept.
    """
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and parts[0] and parts[2]:
        return " ".join(p for p in (parts[2], parts[0], parts[1]) if p)
    return name.strip()


def split_authors(value: str | list[str] | None) -> list[str]:
    """Author names from a list, or from one string joined by ';', ',' or ' and '."""
    if not value:
        return []
    if isinstance(value, str):
        value = normalize(value)  # first, so that "&#228;" is not read as a ";"
        sep = ";" if ";" in value else ","
        value = [part for chunk in value.split(sep) for part in re.split(r"\s+and\s+", chunk)]
    return [name for name in map(author_name, map(str, value)) if name]


@functools.lru_cache(maxsize=1 << 17)
def author_name(value: str) -> str:
    """One author's name normalised, a single string object for every record that names them.

    Cached because names recur: 118k distinct among 343k in a year of arXiv listings, and
    normalising a name costs as much as looking it up many times over. The cache is cleared
    after each read (:func:`paperlike.sources.read_records`), so it holds no corpus beyond it.
    """
    return sys.intern(normalize(value))


def given_base_id(own_id: str | None, clean_doi: str | None, arxiv: str | None = None) -> str | None:
    """The base id a record's own fields give (:func:`make_row`): the arXiv id (``arxiv``, the
    own id if it is one, or arXiv's DOI 10.48550/arXiv.*), else the DOI, else the own id; None
    when it has none of them (its id is then a hash of its text)."""
    return arxiv_id(arxiv) or arxiv_id(own_id) or arxiv_in(clean_doi) or clean_doi or own_id


def record_date(date: str | None, base_id: str) -> str | None:
    """A record's date as :func:`make_row` keeps it: ISO (JSON gives dates as they were
    written), else the month an arXiv base id encodes."""
    if date and not _RECORD_DATE_RE.fullmatch(date):
        date = iso_date(date)
    if (not date or not date[:4].isdigit()) and arxiv_id(base_id):
        date = arxiv_date(base_id) or date  # no year given: the month the arXiv id encodes
    return date


def make_row(
    path: str,
    line: int,
    *,
    id: str | None = None,
    title: str | None = None,
    abstract: str | None = None,
    authors: str | list[str] | None = None,
    categories: list[str] | None = None,
    date: str | None = None,
    doi_value: str | None = None,
    venue: str | None = None,
    extra: dict[str, Any] | None = None,
    arxiv: str | None = None,
    volume: object = None,
    issue: object = None,
    pages: object = None,
    isbn: object = None,
    pmid: object = None,
    entry_type: object = None,
) -> tuple:
    """A record as a row (:data:`~paperlike.records.ROW_FIELDS`): normalised text and its
    base id; Bad if it has neither title nor abstract. Readers make rows, not Record models:
    a build packs them into columns, and only what asks for records makes models of them.

    The base id is the arXiv id (``arxiv``, the input's own id if it is one, or arXiv's DOI
    10.48550/arXiv.*), else the DOI, else the input's own id, else a hash of the title and
    abstract, so that it is the same whatever the run or the input order. An own id that is not
    the base id is kept in ``extra["input_id"]`` (a systematic review's record ids).
    """
    texts = (id, title, abstract, date, doi_value, venue, arxiv)
    if not all(value is None or type(value) is str for value in texts):  # JSON may hold anything
        for name, value in zip(("id", "title", "abstract", "date", "doi", "venue", "arXiv id"), texts):
            if value is not None and not isinstance(value, str):
                raise Bad(f"{name} is not text but {describe(value)}")
    volume, issue, entry_type = (SHORT_FIELDS[name](value) for name, value in
                                 (("volume", volume), ("issue", issue), ("entry_type", entry_type)))
    title, abstract = normalize(title) or None, normalize(abstract) or None
    if not title and not abstract:
        raise Bad("record has neither a title nor an abstract")
    clean_doi = doi(doi_value) or doi(id)
    own_id = normalize(id) or None
    base_id = given_base_id(own_id, clean_doi, arxiv) or f"pl-{folded_digest(title, abstract)}"
    date = record_date(date, base_id)
    extra = {k: v for k, v in extra.items() if v not in (None, "", [], {})} if extra else {}
    if own_id and own_id != base_id:  # the input's own id, where an arXiv id or a DOI became the id
        extra["input_id"] = own_id
    # Names, categories and dates recur across records: one string each (sys.intern).
    return (base_id, title, split_authors(authors), abstract, [sys.intern(c) for c in (categories or []) if c],
            sys.intern(date) if date else None, clean_doi, normalize(venue) or None, volume, issue,
            SHORT_FIELDS["pages"](pages), SHORT_FIELDS["isbn"](isbn), SHORT_FIELDS["pmid"](pmid), entry_type,
            extra, path, line)


# The short bibliographic fields as make_row keeps them, from text or a number (Bad for any
# other value), by their names in a record.
SHORT_FIELDS: dict[str, Callable[[object], str | None]] = {
    "volume": lambda value: short_text("volume", value),
    "issue": lambda value: short_text("issue", value),
    "pages": lambda value: normalize_pages(short_text("pages", value)),
    "isbn": lambda value: normalize_isbn(short_text("isbn", value)),
    "pmid": lambda value: normalize_pmid(short_text("pmid", value)),
    "entry_type": lambda value: bibtex_type(short_text("entry type", value)),
}


def make_paper(path: str, line: int, **fields: Any) -> Record:
    """The Record of :func:`make_row`'s row (the same arguments)."""
    return Record.from_row(make_row(path, line, **fields))


# Other formats' names for a record's type, as BibTeX's entry types: RIS's TY, Zotero's item
# types, OpenAlex's and Semantic Scholar's publication types (compared lower-case, letters only).
_ENTRY_TYPES = {
    "jour": "article", "journalarticle": "article", "ejour": "article", "magazinearticle": "article",
    "newspaperarticle": "article", "mgzn": "article", "news": "article", "review": "article",
    "conf": "inproceedings", "cpaper": "inproceedings", "conferencepaper": "inproceedings",
    "conference": "inproceedings", "proceedingsarticle": "inproceedings", "conferenceproceeding": "inproceedings",
    "book": "book", "ebook": "book", "edbook": "book",
    "chap": "incollection", "echap": "incollection", "booksection": "incollection", "bookchapter": "incollection",
    "thes": "phdthesis", "thesis": "phdthesis", "dissertation": "phdthesis",
    "rprt": "techreport", "report": "techreport",
    "preprint": "misc", "postedcontent": "misc", "gen": "misc", "elec": "misc", "webpage": "misc",
}


def bibtex_type(value: str | None) -> str | None:
    """A record type of any of the readers' formats as a BibTeX entry type (``JOUR`` and
    ``journalArticle`` are ``article``); a type BibTeX has, or an unknown one, lower-cased."""
    if not value:
        return None
    key = "".join(c for c in value.lower() if c.isalpha())
    return sys.intern(_ENTRY_TYPES.get(key, key)) if key else None


def short_text(name: str, value: object) -> str | None:
    """A short bibliographic field (volume, issue, pages, ...) as normalised text: a number is
    taken as its digits; any other non-text value is Bad."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Bad(f"{name} is not text but {describe(value)}")
    return normalize(str(value)) or None


def read_each(items: Iterable[tuple[int, Any] | Skipped], path: str,
              build: Callable[[Any, str, int], tuple]) -> Iterator[tuple | Skipped]:
    """``build(raw, path, line)`` for each (line, raw record): a row (:func:`make_row`), or a
    Skipped where it raises Bad.

    Skipped items (broken before they could be decoded) are passed on as they are.
    """
    for item in items:
        if isinstance(item, Skipped):
            yield item
            continue
        line, raw = item
        try:
            yield build(raw, path, line)
        except Bad as exc:
            yield Skipped(path=path, line=line, reason=str(exc))


def with_unique_ids(records: Iterable[Record], taken: Iterable[str] = ()) -> list[Record]:
    """The records, ids made unique: copies sharing a base id get ``#2``, ``#3``, ...

    The suffixes follow the records' provenance (path, line), not the order they came in.
    """
    records = list(records)
    ids = unique_ids([r.id for r in records], [(r.source.path, r.source.line) if r.source else ("", 0)
                                              for r in records], taken)
    return [r if r.id == new_id else r.model_copy(update={"id": new_id}) for r, new_id in zip(records, ids)]


def unique_ids(ids: Sequence[str], sources: Sequence[tuple[str, int]], taken: Iterable[str] = ()) -> list[str]:
    """:func:`with_unique_ids` on the records' ids and sources ((path, line), ``("", 0)`` for
    none): the ids made unique."""
    used = set(taken)
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, rid in enumerate(ids):
        by_id[rid].append(i)
    out = list(ids)
    for base, positions in by_id.items():
        positions.sort(key=lambda i: sources[i])
        n = 1
        for i in positions:
            new_id = base
            while new_id in used:
                n += 1
                new_id = f"{base}#{n}"
            used.add(new_id)
            out[i] = new_id
    return out

