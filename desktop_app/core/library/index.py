"""The library's SQLite index: a cache of every ``item.json`` for fast listing, search, filters and sorting.

It can always be thrown away and rebuilt from the item folders. Its schema is versioned with
``PRAGMA user_version``; each step in ``_MIGRATIONS`` moves an older index forward without re-reading folders.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.jobs.journal_schema import use_wal

log = logging.getLogger(__name__)

SORT_KEYS = ("date", "name", "cost", "size")
_ORDER = {"date": "created_at", "name": "title COLLATE NOCASE", "cost": "COALESCE(cost, -1)", "size": "size"}
ROW_COLUMNS = "id, title, model_id, provider, created_at, cost, cost_unit, size, favorite, status, tags"


@dataclass(slots=True)
class LibraryRow:
    """What a list or grid shows about an item, read without decoding its whole ``item.json``."""

    id: str
    title: str
    model_id: str
    provider: str
    created_at: float
    cost: float | None
    cost_unit: str
    size: int
    favorite: bool
    status: str
    tags: str


@dataclass
class LibraryQuery:
    """Search words (all must match title, prompt, model or tags) plus filters and an order."""

    text: str = ""
    provider: str = ""
    model_id: str = ""
    since: float | None = None  # created_at >= since
    until: float | None = None  # created_at < until
    favorite: bool = False
    status: str = ""
    sort: str = "date"
    descending: bool = True
    limit: int | None = None

    def sql(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        for word in self.text.lower().split():
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append("search LIKE ? ESCAPE '\\'")
            args.append(like)
        for column, value in (("provider", self.provider), ("model_id", self.model_id), ("status", self.status)):
            if value:
                clauses.append(f"{column} = ?")
                args.append(value)
        if self.since is not None:
            clauses.append("created_at >= ?")
            args.append(self.since)
        if self.until is not None:
            clauses.append("created_at < ?")
            args.append(self.until)
        if self.favorite:
            clauses.append("favorite = 1")
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        if self.sort not in _ORDER:
            raise ValueError(f"unknown sort key {self.sort!r}; use one of {', '.join(SORT_KEYS)}")
        direction = "DESC" if self.descending else "ASC"
        order = f" ORDER BY {_ORDER[self.sort]} {direction}, created_at {direction}, id"
        limit = ""
        if self.limit is not None:
            limit = " LIMIT ?"
            args.append(int(self.limit))
        return where + order + limit, args


_V1 = """
        CREATE TABLE IF NOT EXISTS items (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, model_id TEXT NOT NULL, provider TEXT NOT NULL,
            prompt TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '', favorite INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL, cost REAL, size INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS items_created ON items(created_at);
"""

# v2: status and cost unit become columns (filters, list view), filled from the stored item.json copies;
# one lower-cased search column replaces four lower() calls per row (search at every keystroke).
_V2 = """
        ALTER TABLE items ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
        ALTER TABLE items ADD COLUMN cost_unit TEXT NOT NULL DEFAULT '';
        ALTER TABLE items ADD COLUMN search TEXT NOT NULL DEFAULT '';
        UPDATE items SET
            search = lower(title || ' ' || prompt || ' ' || model_id || ' ' || tags),
            status = COALESCE(json_extract(data, '$.status'),
                              CASE WHEN COALESCE(json_extract(data, '$.model_file'), '') = '' THEN 'partial'
                                   ELSE 'complete' END),
            cost_unit = COALESCE(json_extract(data, '$.cost_unit'), '');
        CREATE INDEX IF NOT EXISTS items_provider ON items(provider, model_id);
"""

_MIGRATIONS = [_V1, _V2]  # append only: step N moves an index from user_version N to N + 1
SCHEMA_VERSION = len(_MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or migrating) the index. Raises sqlite3.DatabaseError when the file is damaged."""
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        # Before anything else, the switch to WAL included: other Meshwright processes open and file into it too.
        db.execute("PRAGMA busy_timeout=5000")
        use_wal(db)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            # Written by a newer Meshwright: start a fresh cache rather than misread it.
            raise sqlite3.DatabaseError(f"index schema {version} is newer than {SCHEMA_VERSION}")
        for number in range(version, SCHEMA_VERSION):
            # One transaction per step, the version read again under the write lock: another process opening
            # the index at the same moment may have run this step while we waited, and running it twice fails
            # ("duplicate column"), which would look like a damaged index. (Not executescript: it would commit
            # the transaction opened here.)
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("PRAGMA user_version").fetchone()[0] <= number:
                    for statement in _statements(_MIGRATIONS[number]):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number + 1}")
                    if version:
                        log.info("library index migrated to schema %d", number + 1)
                db.execute("COMMIT")
            except sqlite3.Error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        db.execute("SELECT COUNT(*) FROM items").fetchone()
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _statements(script: str) -> list[str]:
    """The statements of a migration script, split where SQLite says one is complete (a ";" inside a string or a
    CASE stays put)."""
    found, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\r\n;"):
                found.append(buf.strip())
            buf = ""
    if buf.strip(" \t\r\n;"):
        found.append(buf.strip())
    return found


def index_values(data: dict[str, Any], provider: str, prompt: str, size: int) -> tuple[Any, ...]:
    tags = " ".join(data.get("tags") or [])
    search = " ".join((data["title"], prompt, data["model_id"], tags)).lower()
    return (data["id"], data["title"], data["model_id"], provider, prompt, tags,
            int(bool(data.get("favorite"))), data["created_at"], data.get("cost"), size,
            data.get("status") or "complete", data.get("cost_unit") or "", search, json.dumps(data))


INSERT = ("INSERT OR REPLACE INTO items (id, title, model_id, provider, prompt, tags, favorite, created_at, cost,"
          " size, status, cost_unit, search, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def row_from_tuple(values: tuple[Any, ...]) -> LibraryRow:
    item_id, title, model_id, provider, created, cost, unit, size, fav, status, tags = values
    return LibraryRow(item_id, title, model_id, provider, created, cost, unit, size, bool(fav), status, tags)


def quick_check(db: sqlite3.Connection) -> str:
    """"" when SQLite finds the index sound, else what it found (the library then rebuilds it)."""
    try:
        rows = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return str(exc) or type(exc).__name__
    return "" if rows == ["ok"] else "; ".join(rows[:3])
