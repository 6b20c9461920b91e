"""Named reading lists that people build from results in the page: kept in SQLite beside a model.

A list holds papers by record id, each ``like`` or ``not``, with the title it had when added,
so that it still reads well if a rebuilt model no longer holds one of its ids. The file,
``NAME.lists.sqlite`` (:func:`lists_path`), sits beside the model's folder, not in it, because
a save replaces the folder whole; SQLite locks it itself (WAL mode), so it needs no model lock
and every change is one transaction (docs/service.md, "The page").

    >>> import tempfile, pathlib
    >>> lists = ReadingLists(pathlib.Path(tempfile.mkdtemp()) / "demo.lists.sqlite")
    >>> lists.create("to read").name
    'to read'
    >>> lists.add("to read", "2102.05231", "like", title="FastCorrect 2").items[0].role
    'like'
    >>> [(s.name, s.like, s.not_) for s in lists.names()]
    [('to read', 1, 0)]
"""

from __future__ import annotations

import datetime
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field

from .errors import NotFoundError, UsageError
from .records import Model

__all__ = ["ReadingLists", "ReadingList", "ListSummary", "ListPaper", "AddToList", "lists_path",
           "MAX_NAME", "MAX_PAPERS"]

MAX_NAME = 100
"""The longest list name, in characters."""

MAX_PAPERS = 1000
"""The most papers one list holds (the recommend API's most entries of each kind)."""

Role = Literal["like", "not"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lists (
    name TEXT PRIMARY KEY,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS papers (
    list TEXT NOT NULL REFERENCES lists(name) ON DELETE CASCADE,
    id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('like', 'not')),
    title TEXT,
    added TEXT NOT NULL,
    PRIMARY KEY (list, id)
);
"""


class ListPaper(Model):
    """One paper of a list: its record id, liked or not, its title when added."""

    id: str
    role: Role = Field(description="like: a thumbs up; not: not interested.")
    title: str | None = None
    added: str = Field(description="When it was added or its role last changed (ISO 8601, UTC).")


class ReadingList(Model):
    """A named list and its papers, in the order they were added."""

    name: str
    created: str
    items: list[ListPaper]


class ListSummary(Model):
    """A list's name and how many papers it holds of each role."""

    model_config = ConfigDict(populate_by_name=True)

    name: str
    created: str
    like: int
    not_: int = Field(alias="not")


class AddToList(Model):
    """A paper to add to a list (or whose role to change)."""

    model_config = ConfigDict(extra="forbid", defer_build=False)  # a body of the page's service (records.Model)

    id: str = Field(min_length=1, max_length=1000, description="The record id of a paper of the model.")
    role: Role = "like"
    title: str | None = Field(None, max_length=2000)


def lists_path(model: str | Path) -> Path:
    """The reading lists' file of a model folder: ``NAME.lists.sqlite`` beside it."""
    model = Path(model)
    return model.parent / f"{model.name}.lists.sqlite"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _name(name: str) -> str:
    """A list name as kept: stripped; UsageError for an empty, long or unprintable one, or one
    with a '/'."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise UsageError("a list name must not be empty")
    if len(name) > MAX_NAME:
        raise UsageError(f"a list name has at most {MAX_NAME} characters, not {len(name)}")
    if "/" in name:  # a list's name is one segment of its address (/lists/{name})
        raise UsageError(f"the list name {name!r} has a '/'; use letters, digits, spaces and other punctuation")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise UsageError(f"the list name {name!r} has a control character; use letters, digits and spaces")
    return name


class ReadingLists:
    """The reading lists kept in one SQLite file (created on first use, in WAL mode).

    Each method opens its own connection, so one object serves any number of threads.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ready = False

    @contextmanager
    def _connect(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: cannot open the reading lists ({exc})") from None
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.executescript(_SCHEMA)
                self._ready = True
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")  # a reader takes no write lock
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: the reading lists cannot be read or written ({exc})") from None
        finally:
            connection.close()

    def names(self) -> list[ListSummary]:
        """Every list, by name, with its counts."""
        with self._connect(write=False) as db:
            rows = db.execute(
                "SELECT l.name, l.created, "
                "COALESCE(SUM(p.role = 'like'), 0), COALESCE(SUM(p.role = 'not'), 0) "
                "FROM lists l LEFT JOIN papers p ON p.list = l.name GROUP BY l.name ORDER BY l.name").fetchall()
        return [ListSummary(name=n, created=c, like=like, not_=not_) for n, c, like, not_ in rows]

    def create(self, name: str) -> ReadingList:
        """A new empty list; UsageError if one of that name exists."""
        name = _name(name)
        with self._connect() as db:
            try:
                db.execute("INSERT INTO lists (name, created) VALUES (?, ?)", (name, _now()))
            except sqlite3.IntegrityError:
                raise UsageError(f"there is already a list named {name!r}") from None
            return self._read(db, name)

    def get(self, name: str) -> ReadingList:
        """The list of that name; NotFoundError if there is none."""
        with self._connect(write=False) as db:
            return self._read(db, _name(name))

    def add(self, name: str, id: str, role: Role = "like", title: str | None = None) -> ReadingList:
        """Add a paper to a list, or change its role (and title) if it is there already."""
        request = AddToList(id=id.strip(), role=role, title=title)
        name = _name(name)
        with self._connect() as db:
            self._exists(db, name)
            count = db.execute("SELECT COUNT(*) FROM papers WHERE list = ?", (name,)).fetchone()[0]
            known = db.execute("SELECT 1 FROM papers WHERE list = ? AND id = ?", (name, request.id)).fetchone()
            if not known and count >= MAX_PAPERS:
                raise UsageError(f"the list {name!r} holds {MAX_PAPERS} papers, the most a list may; "
                                 "remove some or start another list")
            db.execute("INSERT INTO papers (list, id, role, title, added) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (list, id) DO UPDATE SET role = excluded.role, "
                       "title = COALESCE(excluded.title, papers.title), added = excluded.added",
                       (name, request.id, request.role, request.title, _now()))
            return self._read(db, name)

    def remove(self, name: str, id: str) -> ReadingList:
        """Take a paper off a list; NotFoundError if the list does not hold it."""
        name = _name(name)
        with self._connect() as db:
            self._exists(db, name)
            if not db.execute("DELETE FROM papers WHERE list = ? AND id = ?", (name, id.strip())).rowcount:
                raise NotFoundError(f"the list {name!r} holds no paper {id.strip()!r}")
            return self._read(db, name)

    def delete(self, name: str) -> None:
        """Delete a list and its papers; NotFoundError if there is none."""
        name = _name(name)
        with self._connect() as db:
            if not db.execute("DELETE FROM lists WHERE name = ?", (name,)).rowcount:
                raise NotFoundError(f"there is no list named {name!r}")

    def _exists(self, db: sqlite3.Connection, name: str) -> str:
        row = db.execute("SELECT created FROM lists WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"there is no list named {name!r}")
        return row[0]

    def _read(self, db: sqlite3.Connection, name: str) -> ReadingList:
        created = self._exists(db, name)
        rows = db.execute("SELECT id, role, title, added FROM papers WHERE list = ? ORDER BY rowid",
                          (name,)).fetchall()
        return ReadingList(name=name, created=created,
                           items=[ListPaper(id=i, role=r, title=t, added=a) for i, r, t, a in rows])
