"""Writing records out (BibTeX, RIS, CSV, JSON lines), and merging a group of duplicates.

:func:`write_records` turns records into the text of one of four formats, each of which
:func:`paperlike.read_records` reads back; :func:`format_for_path` names the format a file's
extension asks for; :func:`merge_records` makes one record of the records of one paper. The
serialisers are the libraries paperlike reads with (bibtexparser 2, rispy, ``csv``, ``json``);
what they leave to the caller (escaping for BibTeX, RIS without record numbers) is done here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

from .errors import UsageError
from .identifiers import arxiv_id, arxiv_in, base_id
from .records import Record

__all__ = ["EXPORT_FORMATS", "write_records", "format_for_path", "merge_records",
           "CSV_COLUMNS", "citation_key", "bibtex_name"]

EXPORT_FORMATS = ("bibtex", "ris", "csv", "jsonl")
"""The formats :func:`write_records` writes."""

_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".csv": "csv",
               ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}

CSV_COLUMNS = ("id", "title", "authors", "abstract", "date", "year", "venue", "volume", "issue",
               "pages", "doi", "isbn", "pmid", "entry_type", "categories", "merged_ids")
"""The CSV header: one column a field, lists joined (authors and merged ids by ``"; "``,
categories by a space)."""


def format_for_path(path: str | Path) -> str:
    """The export format a file's extension names; UsageError for an extension not known.

    ``.json`` is written as JSON lines, one record a line.

    >>> format_for_path("out/refs.BIB")
    'bibtex'
    >>> format_for_path("papers.json")
    'jsonl'
    """
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    known = ", ".join(sorted(_EXTENSIONS))
    raise UsageError(f"{path}: cannot tell the export format from the extension "
                     f"{suffix or '(none)'!r}; use one of {known}")


def write_records(records: Iterable[Record], fmt: str) -> str:
    """The records as the text of a file of format ``fmt``: bibtex, ris, csv or jsonl.

    The text is empty for no records, but for CSV, whose header is always written.
    UsageError for another format.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    return writer(list(records))


# -- What every format shares ------------------------------------------------------------------

def _merged_ids(record: Record) -> list[str]:
    """The ids of the records merged into this one (``extra["merged_ids"]``), else none."""
    ids = record.extra.get("merged_ids")
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, (list, tuple)):
        return []
    return [str(i) for i in ids if i not in (None, "")]


def _arxiv(record: Record) -> str | None:
    return arxiv_id(base_id(record.id)) or arxiv_in(record.doi)


def _date_parts(date: str | None) -> tuple[str | None, str | None, str | None]:
    """Year, month and day of an ISO date; ``--MM-DD`` (no year) gives none of them."""
    if not date or not date[:4].isdigit():
        return None, None, None
    parts = date.split("-")
    return parts[0], (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2 else None)


def _page_range(pages: str | None) -> tuple[str | None, str | None]:
    """First and last page of ``"91-92"`` (or ``"91--92"``, ``"91–92"``); one page is first only."""
    match = re.fullmatch(r"\s*(.*?)\s*(?:(?:-+|–|—)\s*(.*?))?\s*", pages or "")
    return (match.group(1) or None, match.group(2) or None) if match else (pages, None)


_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_INITIAL_RE = re.compile(r"^(?:[^\W\d_]\.?)(?:-[^\W\d_]\.?)*$")


def bibtex_name(name: str) -> str:
    """A name given "First Last" (as every reader gives them) written "Last, First".

    The surname is the last word with the lower-case particles before it ("van", "de la"),
    as BibTeX reads them; "Jr." and the like become BibTeX's third part. A name of one word,
    or already holding a comma, is kept.

    >>> bibtex_name("Ludwig van Beethoven"), bibtex_name("Xiang Li Jr."), bibtex_name("Plato")
    ('van Beethoven, Ludwig', 'Li, Jr., Xiang', 'Plato')
    """
    words = name.split()
    if len(words) < 2 or "," in name:
        return " ".join(words)
    suffix = words.pop() if len(words) > 2 and words[-1].lower() in _SUFFIXES else None
    start = len(words) - 1
    while start > 1 and words[start - 1].isalpha() and words[start - 1].islower():
        start -= 1
    last, first = " ".join(words[start:]), " ".join(words[:start])
    return f"{last}, {suffix}, {first}" if suffix else f"{last}, {first}"


# -- BibTeX ------------------------------------------------------------------------------------

_TEX_SPECIALS = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
    # Not \textasciicircum, which pylatexenc (and so paperlike's reader) reads as U+02C6 "ˆ".
    "^": r"\string^",
})
_LIGATURE_RE = re.compile(r"([-`'])(?=\1)")  # -- --- `` '': TeX's dashes and quotes
_KEY_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_.:+-]+")
_VERBATIM_UNSAFE = str.maketrans("", "", "{}\\")
_AND_RE = re.compile(r"\band\b", re.I)
_ARXIV_CATEGORY_RE = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z-]+)?")
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
# Entry types whose venue is the book or proceedings they are part of: booktitle, not journal.
_IN_BOOK = {"inproceedings", "conference", "incollection", "inbook"}


def _tex(text: str, *, ligatures: bool = True) -> str:
    """Plain text as LaTeX that typesets (and that bibtexparser with pylatexenc reads) as it.

    bibtexparser writes each value verbatim inside braces; its ``LatexEncodingMiddleware`` would
    turn every non-ASCII letter into a macro (``é`` to ``\\'e``) and leave text between two ``$``
    alone as math ("costs $5 or $10"). So the ten characters LaTeX treats specially are escaped
    here, and the doubled dashes and quotes TeX would make into dashes and curly quotes are
    split with ``{}`` (``-{}-``); Unicode is kept as it is (UTF-8).
    """
    text = text.translate(_TEX_SPECIALS)
    return _LIGATURE_RE.sub(r"\1{}", text) if ligatures else text


def _tex_title(title: str) -> str:
    """The title escaped, each word with a capital past its first letter ("FastCorrect",
    "ASR", "GPT-4") in braces, so that a style setting titles in sentence case keeps it."""
    return " ".join("{" + _tex(word) + "}" if any(c.isupper() for c in word[1:]) else _tex(word)
                    for word in title.split(" "))


def _tex_name(name: str) -> str:
    # A name holding the word "and" ("Research and Development Team", an organisation's) is
    # one name, written as it is in braces, where BibTeX neither splits it nor reorders it.
    if _AND_RE.search(name):
        return "{" + _tex(" ".join(name.split())) + "}"
    return _tex(bibtex_name(name))


def _verbatim(value: str) -> str:
    """An identifier (DOI, ISBN, PMID, eprint, the merged ids) as Crossref and doi.org write it
    and as biblatex and the url package expect (its ``_`` and ``%`` are literal there): only
    braces and backslashes, which would unbalance the value, are dropped."""
    return value.translate(_VERBATIM_UNSAFE).strip()


def citation_key(record_id: str) -> str:
    """A record's id as a BibTeX citation key: runs of characters other than letters, digits
    and ``_.:+-`` become ``_`` (a DOI's ``/``, a copy's ``#``).

    >>> citation_key("10.18653/v1/2021.findings-emnlp.367"), citation_key("2102.05231#2")
    ('10.18653_v1_2021.findings-emnlp.367', '2102.05231_2')
    """
    return _KEY_UNSAFE_RE.sub("_", record_id).strip("_") or "record"


def _unique_keys(records: Sequence[Record]) -> list[str]:
    """Each record's key, ``-2``, ``-3``, ... added to a key already taken (compared ignoring
    case, as BibTeX does)."""
    taken: set[str] = set()
    keys = []
    for record in records:
        base = key = citation_key(record.id)
        n = 1
        while key.casefold() in taken:
            n += 1
            key = f"{base}-{n}"
        taken.add(key.casefold())
        keys.append(key)
    return keys


def _bibtex_type(record: Record) -> str:
    entry_type = (record.entry_type or "").lower()
    if re.fullmatch(r"[a-z]+", entry_type):
        return entry_type
    return "article" if record.venue else "misc"


def _entry(record: Record, key: str) -> Entry:
    entry_type = _bibtex_type(record)
    fields: list[Field] = []

    def add(name: str, value: str | None, **kwargs: Any) -> None:
        if value:
            fields.append(Field(name, value, **kwargs))

    add("author", " and ".join(_tex_name(a) for a in record.authors if a.strip()))
    add("title", record.title and _tex_title(record.title))
    add("booktitle" if entry_type in _IN_BOOK else "journal", record.venue and _tex(record.venue))
    year, month, day = _date_parts(record.date)
    add("year", year)
    if month and month.isdigit() and 1 <= int(month) <= 12:
        add("month", _MONTHS[int(month) - 1], enclosing="no-enclosing")  # the macro: nov
        if day:  # BibTeX has no day; biblatex's date field carries it
            add("date", record.date)
    add("volume", record.volume and _tex(record.volume, ligatures=False))
    add("number", record.issue and _tex(record.issue, ligatures=False))
    first, last = _page_range(record.pages)
    add("pages", first and _tex(first, ligatures=False) + (
        "--" + _tex(last, ligatures=False) if last else ""))
    add("doi", record.doi and _verbatim(record.doi))
    add("isbn", record.isbn and _verbatim(record.isbn))
    add("pmid", record.pmid and _verbatim(record.pmid))
    arxiv = _arxiv(record)
    if arxiv:
        add("eprint", arxiv)
        add("archiveprefix", "arXiv")
        primary = record.categories[0] if record.categories else None
        if primary and _ARXIV_CATEGORY_RE.fullmatch(primary):
            add("primaryclass", primary)
    add("abstract", record.abstract and _tex(record.abstract))
    merged = _merged_ids(record)
    add("paperlike-ids", "; ".join(_verbatim(i) for i in merged))
    return Entry(entry_type, key, fields)


def _bibtex(records: list[Record]) -> str:
    if not records:
        return ""
    library = bibtexparser.Library([_entry(r, k) for r, k in zip(records, _unique_keys(records))])
    form = bibtexparser.BibtexFormat()
    form.indent = "  "
    form.block_separator = "\n"
    return bibtexparser.write_string(library, bibtex_format=form)


# -- RIS ---------------------------------------------------------------------------------------

class _RisWriter(rispy.RisWriter):
    """rispy's writer without the ``1.``, ``2.``, ... line it puts before each record."""

    def set_header(self, count: int) -> str:
        return ""


_RIS_TYPES = {
    "article": "JOUR", "inproceedings": "CONF", "conference": "CONF", "proceedings": "CONF",
    "book": "BOOK", "incollection": "CHAP", "inbook": "CHAP", "phdthesis": "THES",
    "mastersthesis": "THES", "thesis": "THES", "techreport": "RPRT", "report": "RPRT",
}


def _line(value: str) -> str:
    """A RIS value is one line: its line breaks become spaces."""
    return " ".join(value.split())


def _ris_reference(record: Record) -> dict[str, Any]:
    entry_type = (record.entry_type or "").lower() or ("article" if record.venue else "misc")
    ref: dict[str, Any] = {"type_of_reference": _RIS_TYPES.get(entry_type, "GEN")}

    def add(name: str, value: Any) -> None:
        if value:
            ref[name] = value

    add("id", _line(record.id))
    add("title", record.title and _line(record.title))
    add("authors", [bibtex_name(_line(a)) for a in record.authors if a.strip()])
    year, month, day = _date_parts(record.date)
    add("year", year)
    add("date", year and f"{year}/{month or ''}/{day or ''}/")
    add("secondary_title", record.venue and _line(record.venue))
    add("volume", record.volume and _line(record.volume))
    add("number", record.issue and _line(record.issue))
    first, last = _page_range(record.pages)
    add("start_page", first)
    add("end_page", last)
    add("doi", record.doi and _line(record.doi))
    add("issn", record.isbn and _line(record.isbn))  # SN: an ISBN or an ISSN
    if record.pmid:
        add("accession_number", _line(record.pmid))  # AN, in the database DB names
        add("name_of_database", "PubMed")
    arxiv = _arxiv(record)
    add("urls", [f"https://arxiv.org/abs/{arxiv}"] if arxiv else [])
    add("keywords", [_line(c) for c in record.categories if c.strip()])
    add("abstract", record.abstract and _line(record.abstract))
    merged = _merged_ids(record)
    add("notes", ["paperlike-ids: " + "; ".join(_line(i) for i in merged)] if merged else [])
    return ref


def _ris(records: list[Record]) -> str:
    if not records:
        return ""
    return rispy.dumps([_ris_reference(r) for r in records], implementation=_RisWriter)


# -- CSV and JSON lines ------------------------------------------------------------------------

def _csv_row(record: Record) -> list[str]:
    year, _, _ = _date_parts(record.date)
    cells = {
        "id": record.id, "title": record.title, "authors": "; ".join(record.authors),
        "abstract": record.abstract, "date": record.date, "year": year, "venue": record.venue,
        "volume": record.volume, "issue": record.issue, "pages": record.pages, "doi": record.doi,
        "isbn": record.isbn, "pmid": record.pmid, "entry_type": record.entry_type,
        "categories": " ".join(record.categories), "merged_ids": "; ".join(_merged_ids(record)),
    }
    return [cells[name] or "" for name in CSV_COLUMNS]


def _csv(records: list[Record]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(r) for r in records)
    return out.getvalue()


def _jsonl(records: list[Record]) -> str:
    lines = []
    for record in records:
        obj = record.model_dump(mode="json", exclude={"source"})
        obj["merged_ids"] = _merged_ids(record)
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    return "".join(lines)


_WRITERS = {"bibtex": _bibtex, "ris": _ris, "csv": _csv, "jsonl": _jsonl}


# -- Merging -----------------------------------------------------------------------------------

_IDENTIFYING = ("doi", "volume", "issue", "pages", "isbn", "pmid", "entry_type")
_COUNTED = ("title", "abstract", "date", "doi", "venue", "volume", "issue", "pages", "isbn",
            "pmid", "entry_type")


def _order_key(record: Record) -> tuple[str, str]:
    """A total order of records: by id, then by all they hold (two copies of one id)."""
    return record.id, record.model_dump_json(exclude={"source"})


def _completeness(record: Record) -> tuple[int, int, int]:
    """How complete a record is: the fields it has, then its abstract's and author list's lengths."""
    filled = sum(1 for name in _COUNTED if getattr(record, name))
    filled += bool(record.authors) + bool(record.categories)
    return filled, len(record.abstract or ""), len(record.authors)


def _full_given_names(authors: list[str]) -> int:
    """How many of the given-name words are written out rather than initials ("J.", "J.-P.")."""
    return sum(1 for name in authors for word in name.split()[:-1] if not _INITIAL_RE.match(word))


def _date_rank(date: str) -> tuple[int, str]:
    """The lower the better: precision first (day, month, year; a day without a year last),
    then the earliest."""
    if not date[:4].isdigit():
        return 0, date
    return -len(date.split("-")), date


def merge_records(records: Sequence[Record]) -> Record:
    """One record for a group of duplicates; the first record given is the group's canonical one.

    The merged record has the canonical record's id and source, and:

    - title: the canonical record's; if it has none, the longest;
    - abstract: the longest; venue: the longest (the name spelled out, not abbreviated);
    - authors: the list with the most names; at equal length, the one with the most given
      names written out rather than initials, then the longest;
    - date: the most precise (``YYYY-MM-DD``, then ``YYYY-MM``, then ``YYYY``; ``--MM-DD``, which
      has no year, last); of equally precise dates, the earliest;
    - doi, volume, issue, pages, isbn, pmid, entry_type: each from the most complete record
      that has it (the most fields, then the longest abstract, then the most authors), so
      that volume, issue and pages come from one record where one has them all;
    - categories: every record's, in order, the canonical record's first;
    - extra: every record's entries, the canonical record's winning, and ``merged_ids``: the
      ids of every record merged (a merged record's own ``merged_ids`` included), the
      canonical record's first, the others sorted.

    Every tie is broken by the canonical record, then by the other records in order of id
    (then of content), never by the order they were given: the same group with the same
    canonical record gives the same record whatever the order of the others.
    ValueError for no records.
    """
    if not records:
        raise ValueError("merge_records needs at least one record")
    canonical = records[0]
    # The order ties are broken in: the canonical record, then the others sorted.
    order = [canonical] + sorted(records[1:], key=_order_key)

    def best(values: list[Any], rank) -> Any:
        """The value of the highest rank, the earliest in ``order`` on a tie (max keeps the first)."""
        present = [v for v in values if v]
        return max(present, key=rank) if present else None

    title = canonical.title or best([r.title for r in order], len)
    abstract = best([r.abstract for r in order], len)
    venue = best([r.venue for r in order], len)
    authors = best([r.authors for r in order],
                   lambda a: (len(a), _full_given_names(a), sum(map(len, a))))
    date = min((r.date for r in order if r.date), key=_date_rank, default=None)
    by_completeness = sorted(order, key=_completeness, reverse=True)  # stable: ties keep order
    identifying = {name: next((getattr(r, name) for r in by_completeness if getattr(r, name)), None)
                   for name in _IDENTIFYING}
    categories = list(dict.fromkeys(c for r in order for c in r.categories))
    extra: dict[str, Any] = {}
    for record in reversed(order):  # the earlier in order, the later it writes: it wins
        extra.update(record.extra)
    ids = [i for r in order for i in (_merged_ids(r) or [r.id])]
    extra["merged_ids"] = [canonical.id] + sorted(set(ids) - {canonical.id})
    return Record(
        id=canonical.id, title=title, authors=list(authors or []), abstract=abstract,
        categories=categories, date=date, venue=venue, extra=extra, source=canonical.source,
        **identifying,
    )
