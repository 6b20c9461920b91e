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

from ..records import Skipped
from .base import MAX_RECORD_BYTES, Bad, arxiv_in, get, make_row, read_each
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
    """``obj[k1][k2]...``, or None where a level is missing or not an object (for what is only
    kept in ``extra``, as it is)."""
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


_SCALAR = (str, int)  # a volume, a page, a PubMed id: text or a number


def _pages(first: object, last: object) -> object:
    if first is not None and last is not None and str(last) != str(first):
        return f"{first}-{last}"
    return first if first is not None else last


def _paper(work: object, path: str, line: int) -> tuple:
    if not isinstance(work, dict):
        raise Bad(f"expected an OpenAlex work (a JSON object), got {type(work).__name__}")
    locations = [("primary_location",), ("best_oa_location",),
                 *(("locations", i) for i in range(len(get(work, "locations", kind=list) or [])))]
    urls = [get(work, *at, key) for at in locations for key in ("landing_page_url", "pdf_url")]
    openalex_id = (get(work, "id") or "").removeprefix(_OPENALEX_PREFIX) or None
    arxiv = get(work, "ids", "arxiv")
    year = get(work, "publication_year", kind=_SCALAR)
    return make_row(
        path, line, id=openalex_id,
        arxiv=arxiv_in(*urls, arxiv) or arxiv,
        title=work.get("title") or work.get("display_name"),
        abstract=abstract_from_inverted_index(work.get("abstract_inverted_index")),
        authors=[get(work, "authorships", i, "author", "display_name")
                 or get(work, "authorships", i, "raw_author_name") or ""
                 for i, authorship in enumerate(get(work, "authorships", kind=list) or []) if authorship is not None],
        date=work.get("publication_date") or (str(year) if year else None),
        doi_value=work.get("doi") or get(work, "ids", "doi"),
        venue=get(work, "primary_location", "source", "display_name"),
        volume=get(work, "biblio", "volume", kind=_SCALAR), issue=get(work, "biblio", "issue", kind=_SCALAR),
        pages=_pages(get(work, "biblio", "first_page", kind=_SCALAR), get(work, "biblio", "last_page", kind=_SCALAR)),
        pmid=get(work, "ids", "pmid", kind=_SCALAR), entry_type=get(work, "type"),
        extra={"openalex": openalex_id, "type": work.get("type"), "language": work.get("language"),
               "cited_by_count": work.get("cited_by_count"),
               "url": _get(work, "primary_location", "landing_page_url"),
               "topic": _get(work, "primary_topic", "display_name")},
    )


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The works of an OpenAlex JSON text, and a Skipped for each that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The works of an OpenAlex JSON file, and a Skipped for each that is not one or is over
    ``limit`` bytes."""
    return read_each(json_records(stream, path, ("results",), limit), path, _paper)
