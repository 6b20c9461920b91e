"""Semantic Scholar Graph API papers as JSON: a response, a JSON array, or JSON lines.

- ``/paper/search`` and ``/paper/search/bulk``: ``{"total": ..., "data": [paper, ...]}``;
- ``/paper/batch``: a JSON array of papers, ``null`` where an id was not found;
- JSON lines of papers, or one paper (``/paper/{id}``).

Fields: ``paperId`` (the input's own id), ``externalIds`` (``ArXiv`` is the id when present,
else ``DOI``), ``title``, ``abstract``, ``authors[].name``, ``publicationDate`` or ``year``,
``venue`` (or ``journal.name``), ``journal.volume`` and ``journal.pages``,
``externalIds.PubMed``, the first of ``publicationTypes`` as the entry type. ``url``, ``citationCount``, ``fieldsOfStudy``,
``publicationTypes``, ``tldr`` and the other external ids are kept in ``extra``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from ..records import Skipped
from .base import MAX_RECORD_BYTES, Bad, get, make_row, read_each
from .jsondoc import json_records, looks_like_json

__all__ = ["sniff", "read"]

_EXTRA = ("url", "citationCount", "referenceCount", "influentialCitationCount", "fieldsOfStudy",
          "publicationTypes", "isOpenAccess")


def sniff(head: str) -> bool:
    """True if the text is JSON naming Semantic Scholar's ``paperId``."""
    return looks_like_json(head, '"paperId"')


def _paper(obj: object, path: str, line: int) -> tuple:
    if obj is None:
        raise Bad("no paper (null: an id the batch request did not find)")
    if not isinstance(obj, dict):
        raise Bad(f"expected a Semantic Scholar paper (a JSON object), got {type(obj).__name__}")
    ids = get(obj, "externalIds", kind=dict) or {}
    journal = get(obj, "journal", kind=dict) or {}
    tldr = obj.get("tldr") if isinstance(obj.get("tldr"), dict) else {}  # kept in extra only
    year = get(obj, "year", kind=(str, int))
    return make_row(
        path, line, id=obj.get("paperId"), arxiv=ids.get("ArXiv"),
        title=obj.get("title"), abstract=obj.get("abstract"),
        authors=[get(obj, "authors", i, "name") or ""
                 for i, author in enumerate(get(obj, "authors", kind=list) or []) if author is not None],
        date=obj.get("publicationDate") or (str(year) if year else None),
        doi_value=ids.get("DOI"), venue=obj.get("venue") or journal.get("name"),
        volume=journal.get("volume"), pages=journal.get("pages"), pmid=ids.get("PubMed"),
        entry_type=get(obj, "publicationTypes", 0),
        extra={**{k: obj.get(k) for k in _EXTRA}, "tldr": tldr.get("text"),
               "externalIds": {k: v for k, v in ids.items() if k not in ("ArXiv", "DOI")}},
    )


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[tuple | Skipped]:
    """The papers of a Semantic Scholar JSON text, and a Skipped for each that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The papers of a Semantic Scholar JSON file, and a Skipped for each that is not one or
    is over ``limit`` bytes."""
    return read_each(json_records(stream, path, ("data",), limit), path, _paper)
