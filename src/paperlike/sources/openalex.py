"""OpenAlex works as JSON: an API response, a JSON array of works, or JSON lines of works.

- API response (``/works?search=...``): ``{"meta": {...}, "results": [work, ...]}``;
- a JSON array of works, or one work (``/works/W2741809807``);
- JSON lines: one work per line, as the works snapshot and most scripts save them.

OpenAlex gives no plain abstract: ``abstract_inverted_index`` (``{word: [positions]}``) is
put back into text. The id is an arXiv id where a location is an arXiv page or the DOI is
arXiv's, else the DOI (``https://doi.org/...`` made bare), else the short OpenAlex id
(``W2741809807``). Authors are ``authorships[].author.display_name``, the date
``publication_date`` (or ``publication_year``), the venue the primary location's source;
``biblio`` gives volume, issue and pages, ``ids.pmid`` the PubMed id, ``type`` the entry type.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from ..models import Paper, Skipped
from .base import MAX_RECORD_BYTES, Bad, arxiv_in, make_paper, read_each
from .jsondoc import json_records, looks_like_json

__all__ = ["sniff", "read", "abstract_from_inverted_index"]

_OPENALEX_PREFIX = "https://openalex.org/"


def sniff(head: str) -> bool:
    """True if the text is JSON naming OpenAlex works or their fields."""
    return looks_like_json(head, '"' + _OPENALEX_PREFIX + "W", '"abstract_inverted_index"',
                           '"authorships"')


def abstract_from_inverted_index(index: object) -> str | None:
    """The text of an inverted index ``{word: [positions]}``; Bad if it is not one.

    >>> abstract_from_inverted_index({"errors": [2], "Fewer": [0], "ASR": [1]})
    'Fewer ASR errors'
    """
    if index is None:
        return None
    if not isinstance(index, dict) or not all(
            isinstance(p, list) and all(isinstance(i, int) for i in p) for p in index.values()):
        raise Bad("abstract_inverted_index is not {word: [positions]}")
    placed = sorted((i, word) for word, positions in index.items() for i in positions)
    return " ".join(word for _, word in placed) or None


def _get(obj: object, *keys: str) -> object:
    """``obj[k1][k2]...``, or None where a level is missing or not an object."""
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _scalar(value: object) -> object:
    """A field's value if it is text or a number, None otherwise (OpenAlex gives null for what
    it does not know; anything else there is not worth losing the record over)."""
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _pages(first: object, last: object) -> object:
    if first is not None and last is not None and str(last) != str(first):
        return f"{first}-{last}"
    return first if first is not None else last


def _paper(work: object, path: str, line: int) -> Paper:
    if not isinstance(work, dict):
        raise Bad(f"expected an OpenAlex work (a JSON object), got {type(work).__name__}")
    locations = [work.get("primary_location"), work.get("best_oa_location"),
                 *(work.get("locations") or [])]
    urls = [u for loc in locations for u in (_get(loc, "landing_page_url"), _get(loc, "pdf_url"))]
    openalex_id = str(work.get("id") or "").removeprefix(_OPENALEX_PREFIX) or None
    return make_paper(
        path, line, id=openalex_id,
        arxiv=arxiv_in(*urls, _get(work, "ids", "arxiv")) or _get(work, "ids", "arxiv"),
        title=work.get("title") or work.get("display_name"),
        abstract=abstract_from_inverted_index(work.get("abstract_inverted_index")),
        authors=[_get(a, "author", "display_name") or _get(a, "raw_author_name") or ""
                 for a in work.get("authorships") or []],
        date=work.get("publication_date") or (str(work["publication_year"])
                                               if work.get("publication_year") else None),
        doi_value=work.get("doi") or _get(work, "ids", "doi"),
        venue=_get(work, "primary_location", "source", "display_name"),
        volume=_scalar(_get(work, "biblio", "volume")), issue=_scalar(_get(work, "biblio", "issue")),
        pages=_pages(_scalar(_get(work, "biblio", "first_page")), _scalar(_get(work, "biblio", "last_page"))),
        pmid=_scalar(_get(work, "ids", "pmid")), entry_type=_scalar(work.get("type")),
        extra={"openalex": openalex_id, "type": work.get("type"), "language": work.get("language"),
               "cited_by_count": work.get("cited_by_count"),
               "url": _get(work, "primary_location", "landing_page_url"),
               "topic": _get(work, "primary_topic", "display_name")},
    )


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[Paper | Skipped]:
    """The works of an OpenAlex JSON text, and a Skipped for each that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[Paper | Skipped]:
    """The works of an OpenAlex JSON file, and a Skipped for each that is not one or is over
    ``limit`` bytes."""
    return read_each(json_records(stream, path, ("results",), limit), path, _paper)
