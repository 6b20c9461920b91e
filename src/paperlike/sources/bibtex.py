"""BibTeX and BibLaTeX files (``.bib``), as reference managers and publishers export them.

Parsed with bibtexparser 2, whose splitter keeps each entry's starting line and turns a broken
entry into a failed block, so that the rest of the file is read (the 1.4 line gives no line
numbers and loses a broken entry silently). LaTeX becomes Unicode with pylatexenc; math is left
to :func:`paperlike.text.normalize`, as every other source's. The fields read: docs/inputs.md.
"""

from __future__ import annotations

import bisect
import functools
import io
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from ..errors import InputError
from ..records import Skipped
from .base import (
    MAX_RECORD_BYTES,
    Bad,
    Oversized,
    arxiv_id,
    arxiv_in,
    byte_lines,
    iso_date,
    line_text,
    make_row,
    read_each,
    too_big,
)

__all__ = ["sniff", "read"]

# bibtexparser logs each broken block; paperlike reports it as a Skipped instead.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

_ENTRY_START_RE = re.compile(r"^@[A-Za-z]+\s*[{(]")
_LONE_PERCENT_RE = re.compile(r"(?<!\\)%")
_ESCAPED_RE = re.compile(r"\\([_%&#$])")
# What LaTeX in a field value looks like: a macro (with its braced arguments, or an accent and
# its letter), a brace, a dash, TeX quotes, a tie. Only macros go to pylatexenc, one at a time
# and cached: handing it whole abstracts costs milliseconds each, this costs microseconds.
_LATEX_TOKEN_RE = re.compile(r"""
    (?P<macro>\\(?:[A-Za-z]+\*?(?:\s*\{(?:[^{}]|\{[^{}]*\})*\})*
                  |[^A-Za-z](?:\s*\{[^{}]*\}|[A-Za-z])?))
  | (?P<brace>[{}]) | (?P<dash>---?) | (?P<quote>``|'') | (?P<tie>~)
""", re.X)
_PLAIN = {"{": "", "}": "", "---": "\u2014", "--": "\u2013", "``": '"', "''": '"', "~": " "}
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_MODELLED = {"title", "author", "abstract", "year", "month", "date", "doi", "eprint",
             "archiveprefix", "eprinttype", "journal", "journaltitle", "booktitle", "volume",
             "number", "issue", "pages", "isbn", "pmid"}

if TYPE_CHECKING:
    import bibtexparser
    from bibtexparser.model import Entry, ParsingFailedBlock


# bibtexparser and pylatexenc are imported when a BibTeX file is read: a command that reads none
# does not pay for them.
@functools.cache
def _decoder():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim")


def sniff(head: str) -> bool:
    """True if the first line that is neither blank nor a ``%`` comment opens an entry."""
    for line in head.splitlines():
        line = line.strip()
        if line and not line.startswith("%"):
            return bool(_ENTRY_START_RE.match(line))
    return False


@functools.lru_cache(maxsize=4096)
def _macro(text: str) -> str:
    return _decoder().latex_to_text(text)


def _latex(value: str | None) -> str | None:
    """The text of a LaTeX field value, in Unicode."""
    if not value:
        return value
    try:
        return _LATEX_TOKEN_RE.sub(
            lambda m: _macro(m.group()) if m.group("macro") else _PLAIN[m.group()], value)
    except Exception as exc:  # pylatexenc is tolerant; anything left is a malformed value
        raise Bad(f"cannot read the LaTeX of {value[:40]!r}: {exc}") from None


def _plain(value: str | None) -> str | None:
    """An identifier's value (DOI, eprint, URL) without LaTeX escapes and braces."""
    return _ESCAPED_RE.sub(r"\1", value).replace("{", "").replace("}", "").strip() if value else None


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date"):
        return iso_date(fields["date"])
    year = iso_date(fields.get("year"))
    month = (fields.get("month") or "").strip().lower()  # "nov", "November", "11", "18--24 Jul"
    name = re.search(r"[a-z]{3}", month)
    if name and name.group() in _MONTHS:
        return f"{year}-{_MONTHS.index(name.group()) + 1:02d}" if year and len(year) == 4 else year
    if month.isascii() and month.isdigit() and 1 <= int(month) <= 12 and year and len(year) == 4:
        return f"{year}-{int(month):02d}"
    return year


def _paper(entry: Entry, path: str, line: int) -> tuple:
    fields = {f.key.lower(): f.value for f in entry.fields}
    authors = fields.get("author") or []
    if isinstance(authors, str):  # the name middlewares could not read it
        authors = [authors]
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").lower()
    eprint = _plain(fields.get("eprint"))
    arxiv = (arxiv_id(eprint) if prefix == "arxiv" else None) or arxiv_in(
        _plain(fields.get("url")), fields.get("journal"))
    venue = fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")
    extra = {"key": entry.key, "type": entry.entry_type.lower()}
    extra.update({k: v for k, v in fields.items() if k not in _MODELLED and isinstance(v, str)})
    return make_row(
        path, line, id=entry.key, arxiv=arxiv,
        title=_latex(fields.get("title")), abstract=_latex(fields.get("abstract")),
        authors=[_latex(a) for a in authors], date=_date(fields),
        doi_value=_plain(fields.get("doi")), venue=_latex(venue), extra=extra,
        volume=_latex(fields.get("volume")), issue=_latex(fields.get("number") or fields.get("issue")),
        pages=_latex(fields.get("pages")), isbn=_plain(fields.get("isbn")), pmid=_plain(fields.get("pmid")),
        entry_type=entry.entry_type,
    )


def _reason(block: ParsingFailedBlock) -> str:
    from bibtexparser.model import DuplicateBlockKeyBlock

    if isinstance(block, DuplicateBlockKeyBlock):
        return f"duplicate entry key {block.key!r} (BibTeX keeps the first)"
    error = block.error
    why = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return "malformed BibTeX entry: " + " ".join(why.split())


def _split_concatenation(value: str) -> list[str]:
    """The parts of ``macro # {text} # "text"``: split on the ``#`` outside braces and quotes."""
    parts, depth, quoted, start, escaped = [], 0, False, 0, False
    for i, char in enumerate(value):
        if escaped:  # \# \" \{ are text
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    return parts + [value[start:].strip()]


def _resolve_concatenations(library: bibtexparser.Library) -> None:
    """Join ``#``-concatenated values, which bibtexparser 2 leaves as they are written.

    ``booktitle = icml # {, 2021}`` becomes ``{International Conference ..., 2021}``; an
    unknown macro (``jul`` in ``jul # "~18"``) is kept as its name.
    """
    macros = {key.lower(): s.value for key, s in library.strings_dict.items()}
    for entry in library.entries:
        for field in entry.fields:
            if not isinstance(field.value, str) or "#" not in field.value:
                continue
            parts = _split_concatenation(field.value)
            if len(parts) > 1:
                texts = [macros.get(p.lower(), p) for p in parts]
                field.value = "{" + "".join(t[1:-1] if t[:1] in '{"' else t for t in texts) + "}"


def _parse(text: str, path: str) -> bibtexparser.Library:
    import bibtexparser
    from bibtexparser import middlewares
    from bibtexparser.exceptions import ParsingException

    stack = [
        middlewares.ResolveStringReferencesMiddleware(),
        middlewares.RemoveEnclosingMiddleware(),
        middlewares.SeparateCoAuthors(),
        middlewares.SplitNameParts(),
        middlewares.MergeNameParts(style="first"),
    ]
    try:
        library = bibtexparser.parse_string(_LONE_PERCENT_RE.sub(r"\\%", text), parse_stack=[])
    except ParsingException as exc:  # the parser's own invalid state: nothing can be trusted
        raise InputError(f"{path}: cannot parse BibTeX ({exc})") from None
    _resolve_concatenations(library)
    for middleware in stack:
        library = middleware.transform(library=library)
    return library


def _items(library: bibtexparser.Library, path: str, kept: _Kept) -> Iterator[tuple[int, Entry] | Skipped]:
    from bibtexparser.model import Entry, ParsingFailedBlock

    """The entries and the failed blocks, and the blocks left out for their size, in file
    order; lines are 1-based."""
    items: list[tuple[int, Entry] | Skipped] = list(kept.left_out)
    for block in library.blocks:
        line = kept.file_line((block.start_line or 0) + 1)
        if isinstance(block, ParsingFailedBlock):
            items.append(Skipped(path=path, line=line, reason=_reason(block)))
        elif isinstance(block, Entry):
            items.append((line, block))
    if kept.left_out:
        items.sort(key=lambda item: item.line if isinstance(item, Skipped) else item[0])
    return iter(items)


# Where bibtexparser may start a block again after a broken one: an @type{ or @type( at the
# start of a line. What runs from one to the next is an entry with what follows it; each is
# held to the size a record may take.
_BLOCK_LINE_RE = re.compile(r"^[ \t]*@\w*[ \t]*[{(]")


class _Kept:
    """The text of a BibTeX stream without its blocks over the limit (each a Skipped), and
    where each line of it is in the file."""

    def __init__(self, stream: BinaryIO, path: str, limit: int):
        self.pieces: list[str] = []
        self.left_out: list[Skipped] = []
        self._starts: list[int] = [1]  # a line of the text from which lines are those of the file ...
        self._file: list[int] = [1]  # ... from this one on
        block: list[str] = []
        start, size, text_line = 1, 0, 1
        number = 0
        for number, line in enumerate(byte_lines(stream, limit), 1):
            head = line.head if isinstance(line, Oversized) else line
            if number > 1 and _BLOCK_LINE_RE.match(head.decode("utf-8", "replace")):
                text_line = self._close(block, start, size, text_line, number, path, limit)
                block, start, size = [], number, 0
            if isinstance(line, Oversized) and line.blank:  # white space is no part of a record
                line = b"\n"
            size += line.size if isinstance(line, Oversized) else len(line)
            if size > limit:
                block = []
                continue
            block.append(line_text(line, number, path))
        self._close(block, start, size, text_line, number + 1, path, limit)

    def _close(self, block: list[str], start: int, size: int, text_line: int, next_line: int,
               path: str, limit: int) -> int:
        """Keep a block (or leave it out, over the limit); the text's line after it."""
        if size > limit:
            self.left_out.append(Skipped(path=path, line=start, reason=too_big(size, limit)))
            self._starts.append(text_line)
            self._file.append(next_line)
            return text_line
        self.pieces.extend(block)
        return text_line + len(block)

    def text(self) -> str:
        return "".join(self.pieces)

    def file_line(self, line: int) -> int:
        """The file's line of a line of the text."""
        at = bisect.bisect_right(self._starts, line) - 1
        return self._file[at] + line - self._starts[at]




def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a BibTeX text, and a Skipped for each entry that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a BibTeX file, and a Skipped for each entry that is not one or is over
    ``limit`` bytes (left out before parsing, never held)."""
    kept = _Kept(stream, path, limit)
    return read_each(_items(_parse(kept.text(), path), path, kept), path, _paper)
