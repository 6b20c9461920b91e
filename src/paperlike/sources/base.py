"""What every input format shares: reading a file's text, and turning fields into a Paper."""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import Paper, Source
from ..text import content_hash, normalize

__all__ = ["read_text", "make_paper", "with_unique_ids", "split_authors", "Bad"]

_ARXIV_ID_RE = re.compile(
    r"^(?:arxiv:)?(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I
)
_DOI_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.I)


class Bad(Exception):
    """Raised inside a reader for one malformed record; the reader turns it into a Skipped."""


def read_text(path: Path) -> str:
    """The file's text (gunzipped if it is gzip), or InputError saying why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: damaged gzip file ({exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x}); "
            "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8"
        ) from None


def arxiv_id(value: str | None) -> str | None:
    """The arXiv identifier without its version, if value is one."""
    match = _ARXIV_ID_RE.match((value or "").strip())
    return match.group("id") if match else None


def doi(value: str | None) -> str | None:
    """The bare DOI, lower-cased (DOIs are case-insensitive), if value is one."""
    match = _DOI_RE.match((value or "").strip())
    return match.group(1).lower() if match else None


def split_authors(value: str | list[str] | None) -> list[str]:
    """Author names from a list, or from one string joined by ';', ',' or ' and '."""
    if not value:
        return []
    if isinstance(value, str):
        value = normalize(value)  # first, so that "&#228;" is not read as a ";"
        sep = ";" if ";" in value else ","
        value = [part for chunk in value.split(sep) for part in re.split(r"\s+and\s+", chunk)]
    return [name for name in (normalize(str(v)) for v in value) if name]


def make_paper(
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
) -> Paper:
    """A Paper with normalised text and its base id; Bad if it has neither title nor abstract.

    The base id is the arXiv id, else the DOI, else the input's own id, else a hash of the
    title and abstract, so that it is the same whatever the run or the input order.
    """
    title, abstract = normalize(title) or None, normalize(abstract) or None
    if not title and not abstract:
        raise Bad("record has neither a title nor an abstract")
    clean_doi = doi(doi_value) or doi(id)
    own_id = normalize(id) or None
    base_id = arxiv_id(own_id) or clean_doi or own_id or f"pl-{content_hash(title, abstract)}"
    return Paper(
        id=base_id,
        title=title,
        abstract=abstract,
        authors=split_authors(authors),
        categories=[c for c in (categories or []) if c],
        date=date or None,
        doi=clean_doi,
        venue=normalize(venue) or None,
        extra={k: v for k, v in (extra or {}).items() if v not in (None, "", [], {})},
        source=Source(path=path, line=line),
    )


def with_unique_ids(records: Iterable[Paper], taken: Iterable[str] = ()) -> list[Paper]:
    """The records, ids made unique: copies sharing a base id get ``#2``, ``#3``, ...

    The suffixes follow the records' provenance (path, line), not the order they came in.
    """
    records = list(records)
    used = set(taken)
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_id[record.id].append(i)
    out = list(records)
    for base, positions in by_id.items():
        positions.sort(key=lambda i: (records[i].source.path, records[i].source.line)
                       if records[i].source else ("", 0))
        n = 1
        for i in positions:
            new_id = base
            while new_id in used:
                n += 1
                new_id = f"{base}#{n}"
            used.add(new_id)
            if new_id != base:
                out[i] = records[i].model_copy(update={"id": new_id})
    return out

