"""Searching the library index from a worker thread with a connection of its own.

A search at every keystroke must not queue behind the library's lock (held while a result is filed or the
library moves), and its answer should need no more work on the GUI thread: rows stay the plain tuples SQLite
returns and the id -> position map is built here. The WAL journal lets this reader see every committed write.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.library import index as idx
from desktop_app.core.library.store import Library, LibraryQuery

# Positions in a row tuple (the order of library_index.ROW_COLUMNS).
ID, TITLE, MODEL_ID, PROVIDER, CREATED_AT, COST, COST_UNIT, SIZE, FAVORITE, STATUS, TAGS = range(11)


@dataclass
class SearchResult:
    rows: list[tuple[Any, ...]]
    positions: dict[str, int]
    models: list[tuple[str, str]]  # every (provider, model id) in the library, for the filter menu
    items_dir: Path
    query: LibraryQuery = field(default_factory=LibraryQuery)


class IndexReader:
    """Use from one thread at a time. Follows the library when it moves (``Library.switch_to``)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._db: sqlite3.Connection | None = None
        self._file: tuple[Path, int] | None = None

    def _connection(self) -> sqlite3.Connection:
        path = self.library.index_path
        try:
            # The file itself, not only its name: a damaged index is deleted and rebuilt under the same name.
            file = (path, path.stat().st_ino)
        except OSError:
            file = (path, -1)
        if self._db is None or file != self._file:
            self.close()
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA query_only = 1")
            self._file = file
        return self._db

    def search(self, query: LibraryQuery) -> SearchResult:
        items_dir = self.library.items_dir
        where, args = query.sql()
        try:
            rows, models = self._read(where, args)
        except sqlite3.Error:
            self.close()  # the index file was replaced (rebuilt after damage): open it again, once
            rows, models = self._read(where, args)
        positions = {row[ID]: number for number, row in enumerate(rows)}
        return SearchResult(rows, positions, [(p, m) for p, m in models], items_dir, query)

    def _read(self, where: str, args: list[Any]) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
        db = self._connection()
        rows = db.execute(f"SELECT {idx.ROW_COLUMNS} FROM items" + where, args).fetchall()
        models = db.execute("SELECT DISTINCT provider, model_id FROM items ORDER BY provider, model_id").fetchall()
        return rows, models

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
