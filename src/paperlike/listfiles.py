"""Reading lists given as files, read for the API: the ranking code takes ids, titles and records.

An entry of a reading list may be a path to a file of records (any input format, read with
:func:`paperlike.read_records`) or to a plain list, one id or title per line; this module
turns such entries into the (given, entry) pairs :func:`paperlike.recommend.entries_of` passes
on, each record of a file labelled by its file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import InputError
from .records import Record, Skipped
from .sources import MAX_RECORD_BYTES, read_records

__all__ = ["expand_items", "FILE_SUFFIXES"]


def expand_items(items: Iterable[str | Path | Record], files: bool = True,
                 max_record_bytes: int = MAX_RECORD_BYTES) -> list[tuple[str, str | Record | Skipped]]:
    """Each reading-list entry as (how it was given, an id/title string or a record).

    A path to a file of records gives its records, and its malformed records as Skipped (they
    are reported, not used); a file in no known format is read as a plain list, one id or title
    per line (blank lines and ``#`` comments skipped). A string that names a missing file
    (``list.bib``) is an InputError. With ``files`` false (a service answering requests) no
    string is ever read as a path. A record of a file over ``max_record_bytes`` is skipped
    as malformed.
    """
    out: list[tuple[str, str | Record | Skipped]] = []
    for item in items:
        if isinstance(item, Record):
            out.append((item.id, item))
            continue
        path = Path(item)
        if files and (isinstance(item, Path) or (len(str(item)) < 4096 and path.is_file())):
            out.extend(_file_items(path, max_record_bytes))
        elif files and _names_a_file(str(item)):
            raise InputError(f"{item}: no such file; check the path (or give the paper's id or title)")
        else:
            out.append((str(item), str(item)))
    return out


# What a reading list's file is called; a string ending so, with no space in it, is a path that
# was mistyped, not a title (a DOI or an arXiv id never ends so).
FILE_SUFFIXES = (".bib", ".bibtex", ".ris", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt", ".gz", ".sqlite")


def _names_a_file(item: str) -> bool:
    return not any(c.isspace() for c in item) and item.lower().endswith(FILE_SUFFIXES)


def _file_items(path: Path, max_record_bytes: int) -> list[tuple[str, Record | Skipped]]:
    """A file's records, and its malformed records (reported, not used), in file order."""
    try:
        corpus = read_records([path], max_record_bytes=max_record_bytes)
    except InputError as exc:
        if "unknown format" not in str(exc):
            raise
        return _plain_list(path)
    entries = [(r.source.line if r.source else 0, f"{r.source.path}:{r.source.line}" if r.source else r.id, r)
               for r in corpus.records]
    entries += [(bad.line, f"{bad.path}:{bad.line}", bad) for bad in corpus.skipped]
    return [(given, entry) for _, given, entry in sorted(entries, key=lambda e: e[0])]


def _plain_list(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; convert it to UTF-8") from None
    return [(line.strip(), line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]
