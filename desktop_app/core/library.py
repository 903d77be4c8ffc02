"""The local library: one folder per result, plus a SQLite index that can always be rebuilt from them.

An item folder holds ``inputs/`` (the images used), ``outputs/`` (every result file), ``item.json`` (model,
parameters, ids, times, files; readable by a person) and ``thumbnail.png``. The folders are the truth; the
index only makes listing and search fast.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ITEM_FILE = "item.json"
THUMBNAIL = "thumbnail.png"
_INDEX_VERSION = 1


@dataclass
class LibraryFile:
    name: str  # relative to the item folder, e.g. "outputs/model.glb"
    kind: str  # model, image, texture, other, input
    size: int
    sha256: str = ""


@dataclass
class LibraryItem:
    id: str
    title: str
    model_id: str
    created_at: float
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    files: list[LibraryFile] = field(default_factory=list)
    model_file: str = ""  # relative path of the model the preview opens
    job_id: str = ""
    remote: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None
    cost_unit: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    tags: list[str] = field(default_factory=list)
    favorite: bool = False
    folder: Path | None = None  # set when read from disk; not stored in item.json

    @property
    def provider(self) -> str:
        return self.model_id.split(":", 1)[0]

    @property
    def model_path(self) -> Path | None:
        return self.folder / self.model_file if self.folder and self.model_file else None

    @property
    def thumbnail_path(self) -> Path | None:
        return self.folder / THUMBNAIL if self.folder else None

    @property
    def prompt(self) -> str:
        value = self.params.get("prompt", "")
        return value if isinstance(value, str) else ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("folder")
        data["format"] = "meshwright-item/1"
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], folder: Path | None = None) -> LibraryItem:
        files = [LibraryFile(**f) for f in data.get("files", []) if isinstance(f, dict)]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k not in ("files", "folder")}
        return cls(**known, files=files, folder=folder)


def _slug(text: str, limit: int = 32) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:limit].strip("-") or "model"


def new_item_id(title: str, when: float | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when or time.time()))
    return f"{stamp}-{_slug(title)}-{uuid.uuid4().hex[:6]}"


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Library:
    """Items under ``root/items``; the index at ``root/index.sqlite3``. Thread-safe; blocking (use a worker)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items_dir = root / "items"
        self.items_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = self._open_index()

    # --- index -----------------------------------------------------------------------------------------

    def _open_index(self) -> sqlite3.Connection:
        path = self.root / "index.sqlite3"
        try:
            db = self._connect(path)
        except sqlite3.DatabaseError:
            log.warning("library index %s is damaged; rebuilding it from the item folders", path)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            db = self._connect(path)
        self._db = db
        count = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        if count == 0 and any(self.items_dir.iterdir()):
            self.rebuild_index()
        return db

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            db.executescript(
                """
                CREATE TABLE IF NOT EXISTS items (
                    id TEXT PRIMARY KEY, title TEXT NOT NULL, model_id TEXT NOT NULL, provider TEXT NOT NULL,
                    prompt TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '', favorite INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL, cost REAL, size INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS items_created ON items(created_at);
                PRAGMA user_version = 1;
                """
            )
        db.execute("SELECT COUNT(*) FROM items").fetchone()
        return db

    def _index(self, item: LibraryItem) -> None:
        size = sum(f.size for f in item.files)
        self._db.execute(
            "INSERT OR REPLACE INTO items (id, title, model_id, provider, prompt, tags, favorite, created_at, cost,"
            " size, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (item.id, item.title, item.model_id, item.provider, item.prompt, " ".join(item.tags),
             int(item.favorite), item.created_at, item.cost, size, json.dumps(item.to_json())),
        )

    def rebuild_index(self) -> int:
        """Re-read every item folder into the index; returns how many items it found."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM items")
            found = 0
            for folder in sorted(self.items_dir.iterdir()):
                item = self._read_folder(folder)
                if item is not None:
                    self._index(item)
                    found += 1
            self._db.execute("COMMIT")
        log.info("library index rebuilt: %d items", found)
        return found

    def _read_folder(self, folder: Path) -> LibraryItem | None:
        try:
            data = json.loads((folder / ITEM_FILE).read_text(encoding="utf-8"))
            item = LibraryItem.from_json(data, folder)
        except (OSError, ValueError, TypeError) as exc:
            if folder.is_dir():
                log.warning("skipping library folder %s: %s", folder.name, type(exc).__name__)
            return None
        item.id = folder.name
        return item

    # --- items -----------------------------------------------------------------------------------------

    def add(self, item: LibraryItem, source_dir: Path) -> LibraryItem:
        """Move a finished job folder (inputs/, outputs/) into the library as ``item``."""
        dest = self.items_dir / item.id
        with self._lock:
            try:
                os.replace(source_dir, dest)
            except OSError:  # another file system: copy, then remove the source
                shutil.copytree(source_dir, dest)
                shutil.rmtree(source_dir, ignore_errors=True)
            item.folder = dest
            write_json_atomic(dest / ITEM_FILE, item.to_json())
            self._index(item)
        log.info("library item %s added (%s)", item.id, item.model_id)
        return item

    def get(self, item_id: str) -> LibraryItem | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        return LibraryItem.from_json(json.loads(row[0]), self.items_dir / item_id)

    def find_by_job(self, job_id: str) -> LibraryItem | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, data FROM items WHERE json_extract(data, '$.job_id') = ?", (job_id,)
            ).fetchone()
        return LibraryItem.from_json(json.loads(row[1]), self.items_dir / row[0]) if row else None

    def list(self, query: str = "", limit: int | None = None) -> list[LibraryItem]:
        sql = "SELECT id, data FROM items"
        args: list[Any] = []
        words = [w for w in query.lower().split() if w]
        if words:
            clauses = []
            for word in words:
                clauses.append("(lower(title) LIKE ? OR lower(prompt) LIKE ? OR lower(model_id) LIKE ? "
                               "OR lower(tags) LIKE ?)")
                args.extend([f"%{word}%"] * 4)
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY created_at DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [LibraryItem.from_json(json.loads(data), self.items_dir / item_id) for item_id, data in rows]

    def update(self, item_id: str, **changes: Any) -> LibraryItem:
        with self._lock:
            item = self.get(item_id)
            if item is None:
                raise KeyError(item_id)
            for key, value in changes.items():
                if key in ("id", "folder") or key not in LibraryItem.__dataclass_fields__:
                    raise AttributeError(key)
                setattr(item, key, value)
            write_json_atomic(self.items_dir / item_id / ITEM_FILE, item.to_json())
            self._index(item)
        return item

    def set_thumbnail(self, item_id: str, png: bytes) -> Path:
        path = self.items_dir / item_id / THUMBNAIL
        tmp = path.with_name(THUMBNAIL + ".tmp")
        tmp.write_bytes(png)
        os.replace(tmp, path)
        return path

    def delete(self, item_id: str) -> None:
        """Move the item into ``root/trash`` (recoverable) and drop it from the index."""
        with self._lock:
            src = self.items_dir / item_id
            if src.is_dir():
                trash = self.root / "trash"
                trash.mkdir(exist_ok=True)
                os.replace(src, trash / f"{item_id}-{int(time.time())}")
            self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
