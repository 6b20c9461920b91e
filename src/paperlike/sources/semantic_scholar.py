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

from ..models import Paper, Skipped
from .base import MAX_RECORD_BYTES, Bad, make_paper, read_each
from .jsondoc import json_records, looks_like_json

__all__ = ["sniff", "read"]

_EXTRA = ("url", "citationCount", "referenceCount", "influentialCitationCount", "fieldsOfStudy",
          "publicationTypes", "isOpenAccess")


def sniff(head: str) -> bool:
    """True if the text is JSON naming Semantic Scholar's ``paperId``."""
    return looks_like_json(head, '"paperId"')


def _text_or_none(value: object) -> str | None:
    return str(value).strip() or None if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _first_type(types: object) -> str | None:
    """The first of ``publicationTypes`` (``JournalArticle``, ``Conference``, ...)."""
    return types[0] if isinstance(types, list) and types and isinstance(types[0], str) else None


def _paper(obj: object, path: str, line: int) -> Paper:
    if obj is None:
        raise Bad("no paper (null: an id the batch request did not find)")
    if not isinstance(obj, dict):
        raise Bad(f"expected a Semantic Scholar paper (a JSON object), got {type(obj).__name__}")
    ids = obj.get("externalIds") if isinstance(obj.get("externalIds"), dict) else {}
    journal = obj.get("journal") if isinstance(obj.get("journal"), dict) else {}
    tldr = obj.get("tldr") if isinstance(obj.get("tldr"), dict) else {}
    authors = obj.get("authors") or []
    return make_paper(
        path, line, id=obj.get("paperId"), arxiv=ids.get("ArXiv"),
        title=obj.get("title"), abstract=obj.get("abstract"),
        authors=[a.get("name") or "" for a in authors if isinstance(a, dict)],
        date=obj.get("publicationDate") or (str(obj["year"]) if obj.get("year") else None),
        doi_value=ids.get("DOI"), venue=obj.get("venue") or journal.get("name"),
        volume=_text_or_none(journal.get("volume")), pages=_text_or_none(journal.get("pages")),
        pmid=_text_or_none(ids.get("PubMed")), entry_type=_first_type(obj.get("publicationTypes")),
        extra={**{k: obj.get(k) for k in _EXTRA}, "tldr": tldr.get("text"),
               "externalIds": {k: v for k, v in ids.items() if k not in ("ArXiv", "DOI")}},
    )


def read(text: str, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
         ) -> Iterator[Paper | Skipped]:
    """The papers of a Semantic Scholar JSON text, and a Skipped for each that is not one."""
    return read_stream(io.BytesIO(text.encode("utf-8")), path, limit=limit)


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[Paper | Skipped]:
    """The papers of a Semantic Scholar JSON file, and a Skipped for each that is not one or
    is over ``limit`` bytes."""
    return read_each(json_records(stream, path, ("data",), limit), path, _paper)
