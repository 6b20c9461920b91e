"""A Zotero database for the tests, made with Zotero's own table definitions.

The tables are those of Zotero's published schema, as the zotero/zotero repository defines
them: ``resource/schema/userdata.sql`` (schema version 107, commit f7d895ab52ce0e2ebaca37d40925578a912ace39:
items, itemDataValues, itemData, creators, itemCreators, collections, collectionItems,
deletedItems, itemNotes, itemAttachments, libraries) and ``resource/schema/system.sql`` (commit
d2f028d797c5c0ae3d77d54a5bbabaa5cd4a961b: itemTypes, fields, fieldsCombined, creatorTypes), with
their columns, keys and constraints as written there, and the item type, field and creator type
ids of system.sql. Only the tables paperlike reads (and those their keys refer to) are made;
Zotero's own files are not copied here (they are AGPL; these are their table layouts, the
interface a reader of zotero.sqlite depends on). Items go in as Zotero puts them: a row in
items, each field's value once in itemDataValues and linked by itemData, people in creators
linked by itemCreators in order, collections and their members.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE version (schema TEXT PRIMARY KEY, version INT NOT NULL);
CREATE TABLE libraries (
    libraryID INTEGER PRIMARY KEY, type TEXT NOT NULL, editable INT NOT NULL, filesEditable INT NOT NULL,
    version INT NOT NULL DEFAULT 0, storageVersion INT NOT NULL DEFAULT 0, lastSync INT NOT NULL DEFAULT 0,
    archived INT NOT NULL DEFAULT 0);
CREATE TABLE itemTypes (itemTypeID INTEGER PRIMARY KEY, typeName TEXT, templateItemTypeID INT, display INT DEFAULT 1);
CREATE TABLE fieldFormats (fieldFormatID INTEGER PRIMARY KEY, regex TEXT, isInteger INT);
CREATE TABLE fields (
    fieldID INTEGER PRIMARY KEY, fieldName TEXT, fieldFormatID INT,
    FOREIGN KEY (fieldFormatID) REFERENCES fieldFormats(fieldFormatID));
CREATE TABLE fieldsCombined (
    fieldID INT NOT NULL, fieldName TEXT NOT NULL, label TEXT, fieldFormatID INT, custom INT NOT NULL,
    PRIMARY KEY (fieldID));
CREATE TABLE creatorTypes (creatorTypeID INTEGER PRIMARY KEY, creatorType TEXT);
CREATE TABLE items (
    itemID INTEGER PRIMARY KEY, itemTypeID INT NOT NULL,
    dateAdded TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, dateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    clientDateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, libraryID INT NOT NULL, key TEXT NOT NULL,
    version INT NOT NULL DEFAULT 0, synced INT NOT NULL DEFAULT 0, UNIQUE (libraryID, key),
    FOREIGN KEY (libraryID) REFERENCES libraries(libraryID) ON DELETE CASCADE);
CREATE TABLE itemDataValues (valueID INTEGER PRIMARY KEY, value UNIQUE);
CREATE TABLE itemData (
    itemID INT, fieldID INT, valueID, PRIMARY KEY (itemID, fieldID),
    FOREIGN KEY (itemID) REFERENCES items(itemID) ON DELETE CASCADE,
    FOREIGN KEY (fieldID) REFERENCES fieldsCombined(fieldID),
    FOREIGN KEY (valueID) REFERENCES itemDataValues(valueID));
CREATE TABLE itemNotes (
    itemID INTEGER PRIMARY KEY, parentItemID INT, note TEXT, title TEXT,
    FOREIGN KEY (itemID) REFERENCES items(itemID) ON DELETE CASCADE,
    FOREIGN KEY (parentItemID) REFERENCES items(itemID) ON DELETE CASCADE);
CREATE TABLE itemAttachments (
    itemID INTEGER PRIMARY KEY, parentItemID INT, linkMode INT, contentType TEXT, charsetID INT, path TEXT,
    syncState INT DEFAULT 0, storageModTime INT, storageHash TEXT,
    FOREIGN KEY (itemID) REFERENCES items(itemID) ON DELETE CASCADE,
    FOREIGN KEY (parentItemID) REFERENCES items(itemID) ON DELETE CASCADE);
CREATE TABLE creators (
    creatorID INTEGER PRIMARY KEY, firstName TEXT, lastName TEXT, fieldMode INT,
    UNIQUE (lastName, firstName, fieldMode));
CREATE TABLE itemCreators (
    itemID INT NOT NULL, creatorID INT NOT NULL, creatorTypeID INT NOT NULL DEFAULT 1,
    orderIndex INT NOT NULL DEFAULT 0, PRIMARY KEY (itemID, creatorID, creatorTypeID, orderIndex),
    UNIQUE (itemID, orderIndex),
    FOREIGN KEY (itemID) REFERENCES items(itemID) ON DELETE CASCADE,
    FOREIGN KEY (creatorID) REFERENCES creators(creatorID) ON DELETE CASCADE,
    FOREIGN KEY (creatorTypeID) REFERENCES creatorTypes(creatorTypeID));
CREATE TABLE collections (
    collectionID INTEGER PRIMARY KEY, collectionName TEXT NOT NULL, parentCollectionID INT DEFAULT NULL,
    clientDateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, libraryID INT NOT NULL, key TEXT NOT NULL,
    version INT NOT NULL DEFAULT 0, synced INT NOT NULL DEFAULT 0, UNIQUE (libraryID, key),
    FOREIGN KEY (libraryID) REFERENCES libraries(libraryID) ON DELETE CASCADE,
    FOREIGN KEY (parentCollectionID) REFERENCES collections(collectionID) ON DELETE CASCADE);
CREATE TABLE collectionItems (
    collectionID INT NOT NULL, itemID INT NOT NULL, orderIndex INT NOT NULL DEFAULT 0,
    PRIMARY KEY (collectionID, itemID),
    FOREIGN KEY (collectionID) REFERENCES collections(collectionID) ON DELETE CASCADE,
    FOREIGN KEY (itemID) REFERENCES items(itemID) ON DELETE CASCADE);
CREATE TABLE deletedItems (
    itemID INTEGER PRIMARY KEY, dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL,
    FOREIGN KEY (itemID) REFERENCES items(itemID) ON DELETE CASCADE);
"""

# system.sql's ids (preprint, archiveID and repository came with Zotero 6's schema; their ids here
# are past the last of system.sql's, as a later schema adds them).
ITEM_TYPES = {1: "note", 2: "book", 4: "journalArticle", 14: "attachment", 33: "conferencePaper", 37: "preprint"}
FIELDS = {1: "url", 4: "volume", 5: "issue", 10: "pages", 11: "ISBN", 12: "publicationTitle", 14: "date",
          22: "extra", 26: "DOI", 84: "conferenceName", 90: "abstractNote", 110: "title", 114: "proceedingsTitle",
          124: "repository", 125: "archiveID"}
CREATOR_TYPES = {1: "author", 2: "contributor", 3: "editor"}


class ZoteroDB:
    """Builds a zotero.sqlite through its tables, as Zotero stores items."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT INTO version VALUES ('userdata', 107)")
        self.db.execute("INSERT INTO libraries (libraryID, type, editable, filesEditable) VALUES (1, 'user', 1, 1)")
        self.db.executemany("INSERT INTO itemTypes VALUES (?, ?, NULL, 1)", ITEM_TYPES.items())
        self.db.executemany("INSERT INTO fields VALUES (?, ?, NULL)", FIELDS.items())
        self.db.execute("INSERT INTO fieldsCombined SELECT fieldID, fieldName, NULL, fieldFormatID, 0 FROM fields")
        self.db.executemany("INSERT INTO creatorTypes VALUES (?, ?)", CREATOR_TYPES.items())
        self._type = {v: k for k, v in ITEM_TYPES.items()}
        self._field = {v: k for k, v in FIELDS.items()}

    def item(self, key: str, type_name: str, fields: dict[str, str], creators=(), added="2024-01-01 10:00:00") -> int:
        cur = self.db.execute("INSERT INTO items (itemTypeID, libraryID, key, dateAdded) VALUES (?, 1, ?, ?)",
                              (self._type[type_name], key, added))
        item = cur.lastrowid
        for name, value in fields.items():
            self.db.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))
            value_id = self.db.execute("SELECT valueID FROM itemDataValues WHERE value = ?", (value,)).fetchone()[0]
            self.db.execute("INSERT INTO itemData VALUES (?, ?, ?)", (item, self._field[name], value_id))
        for order, (first, last, role) in enumerate(creators):
            mode = 1 if first is None else 0
            self.db.execute("INSERT OR IGNORE INTO creators (firstName, lastName, fieldMode) VALUES (?, ?, ?)",
                            (first or "", last, mode))
            creator = self.db.execute("SELECT creatorID FROM creators WHERE firstName = ? AND lastName = ? AND "
                                      "fieldMode = ?", (first or "", last, mode)).fetchone()[0]
            self.db.execute("INSERT INTO itemCreators VALUES (?, ?, ?, ?)",
                            (item, creator, {v: k for k, v in CREATOR_TYPES.items()}[role], order))
        return item

    def note(self, key: str, parent: int, text: str) -> int:
        item = self.item(key, "note", {})
        self.db.execute("INSERT INTO itemNotes VALUES (?, ?, ?, '')", (item, parent, text))
        return item

    def collection(self, key: str, name: str, items: list[int], parent: int | None = None) -> int:
        cur = self.db.execute("INSERT INTO collections (collectionName, parentCollectionID, libraryID, key) "
                              "VALUES (?, ?, 1, ?)", (name, parent, key))
        for order, item in enumerate(items):
            self.db.execute("INSERT INTO collectionItems VALUES (?, ?, ?)", (cur.lastrowid, item, order))
        return cur.lastrowid

    def trash(self, item: int) -> None:
        self.db.execute("INSERT INTO deletedItems (itemID) VALUES (?)", (item,))

    def close(self) -> Path:
        self.db.commit()
        self.db.close()
        return self.path
