"""Scraped paper listings, the seed corpus's two formats (they may be mixed in one file).

- ``Abstract:<text>``: one record per line, an abstract and nothing else.
- A three-line entry::

      95.3LGApr 14Code                      [score] CATEGORY Mon D[, YYYY] [Code]
      Title: SubtitleFirst Author, Second Author et al. · affiliation, affiliation
      The abstract.

  The title is glued to the first author's name with no separator; see :func:`split_byline`.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..records import Skipped
from .base import MAX_RECORD_BYTES, Bad, Oversized, make_row, text_lines, too_big

__all__ = ["sniff", "read", "split_byline", "parse_header"]

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
HEADER_RE = re.compile(
    r"^(?P<score>\d+(?:\.\d+)?)?(?P<category>[A-Z]{2,8}?)(?P<month>" + "|".join(_MONTHS) + r")"
    r" (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?P<code>Code)?$"
)
_ABSTRACT_PREFIX = "Abstract:"
_AFFILIATION_SEP = " · "
_ET_AL = " et al."
# A name part: "Krishna", "Cheng-Ping", "Żelasko", "D'Incà", "O'Brien"; an initial: "C." or "C".
_NAME_PART = r"(?:[^\W\d_][^\W\d_]*\.?|[^\W\d_]'[^\W\d_]+)"
_NAME_WORD_RE = re.compile(rf"^{_NAME_PART}(?:-{_NAME_PART})*$")


def sniff(head: str) -> bool:
    """True if the text's first non-blank line looks like either listing format."""
    first = next((line.strip() for line in head.splitlines() if line.strip()), "")
    return first.startswith(_ABSTRACT_PREFIX) or bool(HEADER_RE.match(first))


def parse_header(line: str, year: int | None = None) -> dict | None:
    """The fields of an entry's first line, or None if it is not one."""
    match = HEADER_RE.match(line.strip())
    if not match:
        return None
    month = _MONTHS.index(match["month"]) + 1
    day = int(match["day"])
    known_year = int(match["year"]) if match["year"] else year
    date = f"{known_year:04d}-{month:02d}-{day:02d}" if known_year else f"--{month:02d}-{day:02d}"
    return {
        "category": match["category"],
        "date": date,
        "score": float(match["score"]) if match["score"] else None,
        "code": bool(match["code"]),
    }


def _is_name(text: str) -> bool:
    """True if text reads as one person's name: 2 to 5 capitalised words or initials."""
    words = text.split()
    return 2 <= len(words) <= 5 and all(
        _NAME_WORD_RE.match(w) and w[0].isupper() and not _has_inner_capital(w) for w in words
    )


def _has_inner_capital(word: str) -> bool:
    # "SoftCorrectYichong" and "ASRHaibin" are title words glued to a name. "McDonald"-style
    # names are rarer than glued titles in listings, so any capital after a letter rejects it.
    return any(a.isalpha() and b.isupper() for a, b in zip(word, word[1:]))


def _authors_if_names(text: str) -> list[str] | None:
    names = [name.strip() for name in text.split(",")]
    return names if names and all(_is_name(name) for name in names) else None


def split_byline(line: str) -> tuple[str, list[str], list[str], bool]:
    """Split ``TitleFirst Author, Second Author et al. · aff, aff`` into its parts.

    Returns (title, authors, affiliations, truncated), where truncated says the list ended in
    "et al.". The title ends where the author list begins: at a capital glued to the character
    before it ("ReasoningAakshita", "T5Zhehuai", "ASRHaibin", "?Cheng-Ping") such that everything
    after it is a comma-separated list of names. Raises Bad when no such place exists.
    """
    byline, _, affiliations = line.strip().partition(_AFFILIATION_SEP)
    truncated = byline.endswith(_ET_AL)
    if truncated:
        byline = byline[: -len(_ET_AL)]
    for i in range(1, len(byline)):
        char, before = byline[i], byline[i - 1]
        if not char.isupper() or before.isspace() or before == "-":
            continue
        authors = _authors_if_names(byline[i:])
        if authors:
            affs = [a.strip() for a in affiliations.split(",") if a.strip()]
            return byline[:i].strip(), authors, affs, truncated
    raise Bad("cannot tell the title from the author list in the entry's second line")


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a listing text, and a Skipped for each line that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, year=year, limit=limit)


def _size(line: str | Oversized) -> int:
    if isinstance(line, Oversized):
        return line.size
    return (len(line) if line.isascii() else len(line.encode("utf-8"))) + 1


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a listing file, and a Skipped for each line that is not one, and for an
    entry over ``limit`` bytes."""
    lines = enumerate(text_lines(stream, path, limit), 1)
    for number, raw in lines:
        if isinstance(raw, Oversized):
            if not raw.blank:
                yield Skipped(path=path, line=number, reason=too_big(raw.size, limit))
            continue
        line = raw.strip()
        if not line:
            continue
        try:
            if line.startswith(_ABSTRACT_PREFIX):
                yield make_row(path, number, abstract=line[len(_ABSTRACT_PREFIX):])
                continue
            header = parse_header(line, year)
            if header is None:
                raise Bad("not a listing entry: expected 'Abstract:<text>' or a line like "
                          "'95.3LGApr 14Code' starting a three-line entry")
            rest = [text for _, text in itertools.islice(lines, 2)]
            if len(rest) < 2:
                raise Bad("listing entry is cut short: expected a title line and an abstract line")
            size = _size(raw) + sum(map(_size, rest))
            if size > limit:
                raise Bad(too_big(size, limit))
            byline, abstract = rest
            title, authors, affiliations, truncated = split_byline(byline)
            yield make_row(
                path, number, title=title, abstract=abstract, authors=authors,
                categories=[header["category"]], date=header["date"],
                extra={"score": header["score"], "code": header["code"] or None,
                       "affiliations": affiliations, "authors_truncated": truncated or None},
            )
        except Bad as exc:
            yield Skipped(path=path, line=number, reason=str(exc))
