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
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core import library_index as idx
from desktop_app.core.library_index import LibraryQuery, LibraryRow

log = logging.getLogger(__name__)

ITEM_FILE = "item.json"
THUMBNAIL = "thumbnail.png"
TRASH = "trash"
STATUSES = ("complete", "partial", "imported")

__all__ = ["Library", "LibraryFile", "LibraryItem", "LibraryQuery", "LibraryRow"]


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
    status: str = "complete"  # complete, partial (a failed job's kept files) or imported
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
        self._lock = threading.RLock()
        # Called (in the switching thread) after switch_to, so views can list the new folder.
        self.on_switch: list[Callable[[], None]] = []
        self._open(root)

    def _open(self, root: Path) -> None:
        self.root = root
        self.items_dir = root / "items"
        self.items_dir.mkdir(parents=True, exist_ok=True)
        self._db = self._open_index()

    # --- index -----------------------------------------------------------------------------------------

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """Held by every read and write; hold it to keep the library still (e.g. while switching folders)."""
        return self._lock

    @property
    def index_path(self) -> Path:
        return self.root / "index.sqlite3"

    def _open_index(self) -> sqlite3.Connection:
        path = self.index_path
        try:
            db = idx.connect(path)
        except sqlite3.DatabaseError:
            log.warning("library index %s is damaged; rebuilding it from the item folders", path)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            db = idx.connect(path)
        self._db = db
        count = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        if count == 0 and any(self.items_dir.iterdir()):
            self.rebuild_index()
        return db

    def _index(self, item: LibraryItem) -> None:
        data = item.to_json()
        size = sum(f.size for f in item.files)
        self._db.execute(idx.INSERT, idx.index_values(data, item.provider, item.prompt, size))

    def rebuild_index(self) -> int:
        """Re-read every item folder into the index; returns how many items it found."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM items")
                found = 0
                for folder in sorted(self.items_dir.iterdir()):
                    item = self._read_folder(folder)
                    if item is not None:
                        self._index(item)
                        found += 1
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
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
        with self._lock:
            dest = self.items_dir / item.id
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
            folder = self.items_dir / item_id
        if row is None:
            return None
        return LibraryItem.from_json(json.loads(row[0]), folder)

    def find_by_job(self, job_id: str) -> LibraryItem | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, data FROM items WHERE json_extract(data, '$.job_id') = ?", (job_id,)
            ).fetchone()
            items_dir = self.items_dir
        return LibraryItem.from_json(json.loads(row[1]), items_dir / row[0]) if row else None

    def list(self, query: str = "", limit: int | None = None) -> list[LibraryItem]:
        """Whole items, newest first, matching every word of ``query``."""
        where, args = LibraryQuery(text=query, limit=limit).sql()
        with self._lock:
            rows = self._db.execute("SELECT id, data FROM items" + where, args).fetchall()
            items_dir = self.items_dir
        return [LibraryItem.from_json(json.loads(data), items_dir / item_id) for item_id, data in rows]

    def rows(self, query: LibraryQuery | None = None) -> list[LibraryRow]:
        """The light rows a view lists (no item.json decoding): fast enough to run at every keystroke."""
        where, args = (query or LibraryQuery()).sql()
        with self._lock:
            found = self._db.execute(f"SELECT {idx.ROW_COLUMNS} FROM items" + where, args).fetchall()
        return [idx.row_from_tuple(values) for values in found]

    def models(self) -> list[tuple[str, str]]:
        """Every (provider, model id) that has items, for the filter menus."""
        with self._lock:
            found = self._db.execute("SELECT DISTINCT provider, model_id FROM items ORDER BY provider, model_id")
            return [(p, m) for p, m in found.fetchall()]

    def folder_of(self, item_id: str) -> Path:
        with self._lock:
            return self.items_dir / item_id

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
        with self._lock:
            path = self.items_dir / item_id / THUMBNAIL
        tmp = path.with_name(THUMBNAIL + ".tmp")
        tmp.write_bytes(png)
        os.replace(tmp, path)
        return path

    def delete(self, item_id: str) -> Path | None:
        """Move the item into ``root/trash`` (recoverable with ``restore``) and drop it from the index."""
        with self._lock:
            src = self.items_dir / item_id
            dest = None
            if src.is_dir():
                trash = self.root / TRASH
                trash.mkdir(exist_ok=True)
                dest = trash / f"{item_id}-{int(time.time() * 1000)}"
                os.replace(src, dest)
            self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        return dest

    def restore(self, trashed: Path) -> LibraryItem:
        """Undo ``delete``: put a trashed folder back under its id and index it again."""
        with self._lock:
            item_id = trashed.name.rsplit("-", 1)[0]
            dest = self.items_dir / item_id
            if dest.exists():
                raise FileExistsError(f"an item named {item_id} is already in the library")
            os.replace(trashed, dest)
            item = self._read_folder(dest)
            if item is None:
                raise ValueError(f"{trashed.name} is not a library item")
            self._index(item)
        return item

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def switch_to(self, root: Path) -> None:
        """Use the library at ``root`` from now on (after a move): every holder of this object follows."""
        with self._lock:
            old_db, old_root = self._db, self.root
            try:
                self._open(root)
            except BaseException:
                self.root, self.items_dir, self._db = old_root, old_root / "items", old_db
                raise
            old_db.close()
        for callback in list(self.on_switch):
            callback()

    def close(self) -> None:
        with self._lock:
            self._db.close()
