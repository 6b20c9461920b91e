"""Zotero's own database (``zotero.sqlite``), read in place, safely while Zotero runs.

Zotero holds the file open with an exclusive lock, so it is copied (a block at a time; again
when the copy is torn, three tries) and the copy opened read-only and ``immutable``: SQLite
never opens the user's database. Tables read: ``items`` and ``itemTypes``, ``itemData``,
``fields`` and ``itemDataValues``, ``creators``, ``itemCreators`` and ``creatorTypes``,
``collections`` and ``collectionItems``, ``deletedItems``. Which items and fields make a
record: docs/formats.md ("Zotero's database").
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from ..errors import InputError
from ..identifiers import arxiv_in
from ..records import Record, Skipped
from .base import MAX_RECORD_BYTES, Bad, first_last, iso_date, make_row

__all__ = ["sniff", "is_database", "read_stream", "read_path", "collection_records", "collections"]

MAGIC = b"SQLite format 3\x00"
_SKIPPED_TYPES = ("note", "attachment", "annotation")
_VENUE_FIELDS = ("publicationTitle", "proceedingsTitle", "conferenceName", "bookTitle", "websiteTitle",
                 "university", "institution", "repository", "publisher")
_TRIES = 3


def sniff(head: str) -> bool:
    """A Zotero database is binary: never claimed from text (see :func:`is_database`)."""
    return False


def is_database(path: Path) -> bool:
    """Whether the file is an SQLite database (whose tables :func:`read_path` then reads)."""
    try:
        with path.open("rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


class _snapshot:
    """A read-only connection to a copy of the database, taken block by block; the copy is
    removed on exit. Copied again (up to three times) when the copy is torn."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self._dir = tempfile.TemporaryDirectory(prefix="paperlike-zotero-")
        copy = Path(self._dir.name) / "zotero.sqlite"
        problem = None
        for _ in range(_TRIES):
            try:
                shutil.copyfile(self.path, copy)
                db = sqlite3.connect(f"file:{quote(str(copy))}?mode=ro&immutable=1", uri=True)
                db.execute("PRAGMA quick_check").fetchall()
                self._db = db
                return db
            except FileNotFoundError:
                self._dir.cleanup()
                raise InputError(f"{self.path}: no such file; check the path") from None
            except (sqlite3.DatabaseError, OSError) as exc:
                problem = exc
        self._dir.cleanup()
        raise InputError(f"{self.path}: cannot read the Zotero database ({problem}); if Zotero was "
                         "saving just then, try again")

    def __exit__(self, *exc) -> None:
        self._db.close()
        self._dir.cleanup()


def _field_table(db: sqlite3.Connection) -> str:
    """``fieldsCombined`` (Zotero's fields and custom ones, what itemData refers to) when it is
    filled, else ``fields``."""
    try:
        if db.execute("SELECT 1 FROM fieldsCombined LIMIT 1").fetchone():
            return "fieldsCombined"
    except sqlite3.DatabaseError:
        pass
    return "fields"


def collections(db: sqlite3.Connection) -> dict[int, str]:
    """Each collection's path (``Parent/Child``), by collectionID."""
    rows = {cid: (name, parent) for cid, name, parent in
            db.execute("SELECT collectionID, collectionName, parentCollectionID FROM collections")}
    paths: dict[int, str] = {}

    def path_of(cid: int, seen: tuple = ()) -> str:
        if cid in paths:
            return paths[cid]
        name, parent = rows[cid]
        if parent in rows and parent not in seen:  # a cycle (a damaged database) ends the path
            name = f"{path_of(parent, (*seen, cid))}/{name}"
        paths[cid] = name
        return name

    for cid in rows:
        path_of(cid)
    return paths


def _items(db: sqlite3.Connection, path: str) -> Iterator[tuple | Skipped]:
    fields_table = _field_table(db)
    deleted = "SELECT itemID FROM deletedItems"
    try:
        db.execute("SELECT 1 FROM deletedItems LIMIT 1")
    except sqlite3.DatabaseError:
        deleted = "SELECT NULL WHERE 0"
    items = db.execute(
        f"SELECT i.itemID, i.key, t.typeName, i.dateAdded FROM items i JOIN itemTypes t USING (itemTypeID) "
        f"WHERE t.typeName NOT IN ({', '.join('?' * len(_SKIPPED_TYPES))}) AND i.itemID NOT IN ({deleted}) "
        f"ORDER BY i.itemID", _SKIPPED_TYPES).fetchall()
    values: dict[int, dict[str, str]] = defaultdict(dict)
    for item, name, value in db.execute(
            f"SELECT d.itemID, f.fieldName, v.value FROM itemData d JOIN {fields_table} f USING (fieldID) "
            "JOIN itemDataValues v USING (valueID)"):
        values[item][name] = str(value)
    people: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for item, first, last, mode, role in db.execute(
            "SELECT ic.itemID, c.firstName, c.lastName, c.fieldMode, t.creatorType FROM itemCreators ic "
            "JOIN creators c USING (creatorID) LEFT JOIN creatorTypes t USING (creatorTypeID) "
            "ORDER BY ic.itemID, ic.orderIndex"):
        name = (last or "") if mode == 1 or not first else first_last(f"{last or ''}, {first}")
        if name.strip():
            people[item].append((role or "author", name.strip()))
    paths = collections(db)
    member: dict[int, list[str]] = defaultdict(list)
    for item, cid in db.execute("SELECT itemID, collectionID FROM collectionItems ORDER BY collectionID"):
        if cid in paths:
            member[item].append(paths[cid])
    for item, key, type_name, added in items:
        data = values.get(item, {})
        authors = [n for role, n in people.get(item, []) if role == "author"] or [n for _, n in people.get(item, [])]
        venue = next((data[f] for f in _VENUE_FIELDS if data.get(f)), None)
        try:
            yield make_row(
                path, item, id=key, title=data.get("title"), abstract=data.get("abstractNote"), authors=authors,
                date=iso_date((data.get("date") or "").split(" ")[0]), doi_value=data.get("DOI"), venue=venue,
                arxiv=arxiv_in(data.get("archiveID"), data.get("DOI"), data.get("url"), data.get("extra")),
                volume=data.get("volume"), issue=data.get("issue"), pages=data.get("pages"), isbn=data.get("ISBN"),
                entry_type=type_name,
                extra={"key": key, "collections": sorted(member.get(item, [])), "date_added": added,
                       "url": data.get("url")})
        except Bad as exc:
            yield Skipped(path=path, line=item, reason=str(exc))


def read_path(path: Path | str) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of a Zotero database, read from a copy (see the module doc)."""
    path = Path(path)
    with _snapshot(path) as db:
        try:
            yield from list(_items(db, str(path)))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a Zotero database Paperlike can read ({exc})") from None


def read_stream(stream: BinaryIO, path: str, *, year: int | None = None, limit: int = MAX_RECORD_BYTES
                ) -> Iterator[tuple | Skipped]:
    """The records (rows, :func:`~.base.make_row`) of the Zotero database at ``path`` (SQLite reads the file itself, not the
    stream)."""
    return read_path(path)


def collection_records(path: Path | str, name: str) -> list[Record]:
    """The records of the items in a collection (named by its name or its path ``Parent/Child``,
    case-insensitively; the items of its subcollections too); InputError naming the
    collections there are when none has that name."""
    records = [Record.from_row(r) for r in read_path(path) if not isinstance(r, Skipped)]
    want = name.strip().casefold()

    def inside(collection: str) -> bool:
        parts = collection.casefold().split("/")
        return any("/".join(parts[:n]) == want or parts[n - 1] == want for n in range(1, len(parts) + 1))

    found = [r for r in records if any(inside(c) for c in r.extra.get("collections", []))]
    if not found:
        with _snapshot(Path(path)) as db:
            names = sorted(collections(db).values())
        raise InputError(f"{path}: no collection named {name!r} holds an item; its collections: "
                         f"{', '.join(names) or 'none'}")
    return found
